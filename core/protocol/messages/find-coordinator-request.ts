/**
 * FindCoordinator request (key 10), versions 0–5 (flexible from 3):
 *   v0–3: key STRING
 *   v1+:  keyType int8 (0 group, 1 transaction)
 *   v4+:  coordinatorKeys ARRAY of STRING — a batch of keys of one type replaces `key` (KIP-699)
 * v2 is v1; v5 is v4 and only promises the client understands TRANSACTION_ABORTABLE (KIP-890).
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const FindCoordinatorRequest = defineMessage({
  name: 'FindCoordinatorRequest',
  apiKey: API_KEYS.FindCoordinator,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'key', type: 'string', versions: '0-3' },
    { name: 'keyType', type: 'int8', versions: '1+' },
    { name: 'coordinatorKeys', type: '[]string', versions: '4+' },
  ],
});
