/**
 * SaslHandshake request (key 17), versions 0–1 (never flexible):
 *   mechanism STRING
 * In v0 the SASL tokens that follow travel as raw size-prefixed frames; from v1 they travel inside
 * SaslAuthenticate requests (KIP-152), so the handshake is the only message whose version changes
 * the framing after it.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const SaslHandshakeRequest = defineMessage({
  name: 'SaslHandshakeRequest',
  apiKey: API_KEYS.SaslHandshake,
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [{ name: 'mechanism', type: 'string', versions: '0+' }],
});
