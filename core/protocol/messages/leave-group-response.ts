/**
 * LeaveGroup response (key 13), versions 0–5 (flexible from 4):
 *   v1+: throttleTimeMs int32
 *   errorCode int16
 *   v3+: members ARRAY of { memberId STRING, groupInstanceId NULLABLE_STRING, errorCode int16 }
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const LeaveGroupResponse = defineMessage({
  name: 'LeaveGroupResponse',
  apiKey: API_KEYS.LeaveGroup,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    {
      name: 'members',
      type: '[]struct',
      versions: '3+',
      fields: [
        { name: 'memberId', type: 'string', versions: '3+' },
        { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+' },
        { name: 'errorCode', type: 'int16', versions: '3+' },
      ],
    },
  ],
});
