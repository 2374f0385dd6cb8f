/**
 * SyncGroup request (key 14), versions 0–5 (flexible from 4):
 *   groupId STRING, generationId int32, memberId STRING
 *   v3+: groupInstanceId NULLABLE_STRING (default null)
 *   v5+: protocolType NULLABLE_STRING, protocolName NULLABLE_STRING (both default null, KIP-559)
 *   assignments ARRAY of { memberId STRING, assignment BYTES } — filled by the leader only
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const SyncGroupRequest = defineMessage({
  name: 'SyncGroupRequest',
  apiKey: API_KEYS.SyncGroup,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
    { name: 'protocolType', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    { name: 'protocolName', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    {
      name: 'assignments',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'memberId', type: 'string', versions: '0+' },
        { name: 'assignment', type: 'bytes', versions: '0+' },
      ],
    },
  ],
});
