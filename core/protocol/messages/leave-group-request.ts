/**
 * LeaveGroup request (key 13), versions 0–5 (flexible from 4):
 *   groupId STRING
 *   v0–2: memberId STRING
 *   v3+:  members ARRAY of { memberId STRING, groupInstanceId NULLABLE_STRING (default null),
 *           v5+: reason NULLABLE_STRING (default null, KIP-800) } — a batch replaces `memberId`
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const LeaveGroupRequest = defineMessage({
  name: 'LeaveGroupRequest',
  apiKey: API_KEYS.LeaveGroup,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0-2' },
    {
      name: 'members',
      type: '[]struct',
      versions: '3+',
      fields: [
        { name: 'memberId', type: 'string', versions: '3+' },
        { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
        { name: 'reason', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
      ],
    },
  ],
});
