/**
 * SaslHandshake response (key 17), versions 0–1 (never flexible):
 *   errorCode int16, mechanisms [STRING] (the mechanisms the broker enables)
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const SaslHandshakeResponse = defineMessage({
  name: 'SaslHandshakeResponse',
  apiKey: API_KEYS.SaslHandshake,
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'mechanisms', type: '[]string', versions: '0+' },
  ],
});
