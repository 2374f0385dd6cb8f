/**
 * Heartbeat response (key 12), versions 0–4 (flexible from 4):
 *   v1+: throttleTimeMs int32
 *   errorCode int16 — REBALANCE_IN_PROGRESS tells the member to join again
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const HeartbeatResponse = defineMessage({
  name: 'HeartbeatResponse',
  apiKey: API_KEYS.Heartbeat,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
});
