/**
 * SaslAuthenticate response (key 36), versions 0–2 (flexible from 2):
 *   errorCode int16, errorMessage NULLABLE_STRING (default null), authBytes BYTES
 *   v1+: sessionLifetimeMs int64 (0: no limit; else re-authenticate before it runs out, KIP-368)
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const SaslAuthenticateResponse = defineMessage({
  name: 'SaslAuthenticateResponse',
  apiKey: API_KEYS.SaslAuthenticate,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
    { name: 'authBytes', type: 'bytes', versions: '0+' },
    { name: 'sessionLifetimeMs', type: 'int64', versions: '1+' },
  ],
});
