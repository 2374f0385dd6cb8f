/**
 * Heartbeat request (key 12), versions 0–4 (flexible from 4):
 *   groupId STRING, generationId int32, memberId STRING
 *   v3+: groupInstanceId NULLABLE_STRING (default null)
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const HeartbeatRequest = defineMessage({
  name: 'HeartbeatRequest',
  apiKey: API_KEYS.Heartbeat,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
  ],
});
