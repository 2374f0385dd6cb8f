/**
 * JoinGroup request (key 11), versions 0–9 (flexible from 6):
 *   groupId STRING, sessionTimeoutMs int32
 *   v1+: rebalanceTimeoutMs int32 (default -1: absent, the session timeout stands in)
 *   memberId STRING
 *   v5+: groupInstanceId NULLABLE_STRING (default null; static membership, KIP-345)
 *   protocolType STRING
 *   protocols ARRAY of { name STRING, metadata BYTES }
 *   v8+: reason NULLABLE_STRING (default null, KIP-800)
 * From v4 a member joining with an empty memberId is answered MEMBER_ID_REQUIRED and joins again
 * with the id it was given; v2, v3, v7 and v9 change no field.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const JoinGroupRequest = defineMessage({
  name: 'JoinGroupRequest',
  apiKey: API_KEYS.JoinGroup,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'sessionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'rebalanceTimeoutMs', type: 'int32', versions: '1+', default: -1 },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    { name: 'protocolType', type: 'string', versions: '0+' },
    {
      name: 'protocols',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'metadata', type: 'bytes', versions: '0+' },
      ],
    },
    { name: 'reason', type: 'string', versions: '8+', nullableVersions: '8+', default: null },
  ],
});
