/**
 * JoinGroup response (key 11), versions 0–9 (flexible from 6):
 *   v2+: throttleTimeMs int32
 *   errorCode int16, generationId int32 (default -1)
 *   v7+: protocolType NULLABLE_STRING (default null, KIP-559)
 *   protocolName STRING (nullable v7+)
 *   leader STRING
 *   v9+: skipAssignment bool (the leader must not compute an assignment: the broker has one)
 *   memberId STRING
 *   members ARRAY of { memberId STRING, v5+: groupInstanceId NULLABLE_STRING (default null), metadata BYTES }
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const JoinGroupResponse = defineMessage({
  name: 'JoinGroupResponse',
  apiKey: API_KEYS.JoinGroup,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+', default: -1 },
    { name: 'protocolType', type: 'string', versions: '7+', nullableVersions: '7+', default: null },
    { name: 'protocolName', type: 'string', versions: '0+', nullableVersions: '7+' },
    { name: 'leader', type: 'string', versions: '0+' },
    { name: 'skipAssignment', type: 'bool', versions: '9+' },
    { name: 'memberId', type: 'string', versions: '0+' },
    {
      name: 'members',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'memberId', type: 'string', versions: '0+' },
        { name: 'groupInstanceId', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
        { name: 'metadata', type: 'bytes', versions: '0+' },
      ],
    },
  ],
});
