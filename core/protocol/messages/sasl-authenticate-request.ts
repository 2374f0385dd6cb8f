/**
 * SaslAuthenticate request (key 36), versions 0–2 (flexible from 2):
 *   authBytes BYTES (the mechanism's next token)
 * v1 only changes the response.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const SaslAuthenticateRequest = defineMessage({
  name: 'SaslAuthenticateRequest',
  apiKey: API_KEYS.SaslAuthenticate,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [{ name: 'authBytes', type: 'bytes', versions: '0+' }],
});
