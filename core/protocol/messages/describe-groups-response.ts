/**
 * DescribeGroups response (key 15), versions 0–5 (flexible from 5):
 *   v1+: throttleTimeMs int32
 *   groups ARRAY of {
 *     errorCode int16, groupId STRING, groupState STRING, protocolType STRING, protocolData STRING,
 *     members ARRAY of { memberId STRING, v4+: groupInstanceId NULLABLE_STRING (default null),
 *       clientId STRING, clientHost STRING, memberMetadata BYTES, memberAssignment BYTES },
 *     v3+: authorizedOperations int32 (default -2^31) }
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

/** "Authorized operations not requested", Kafka's default for the bit field. */
const NO_AUTHORIZED_OPERATIONS = -2147483648;

export const DescribeGroupsResponse = defineMessage({
  name: 'DescribeGroupsResponse',
  apiKey: API_KEYS.DescribeGroups,
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    {
      name: 'groups',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'groupId', type: 'string', versions: '0+' },
        { name: 'groupState', type: 'string', versions: '0+' },
        { name: 'protocolType', type: 'string', versions: '0+' },
        { name: 'protocolData', type: 'string', versions: '0+' },
        {
          name: 'members',
          type: '[]struct',
          versions: '0+',
          fields: [
            { name: 'memberId', type: 'string', versions: '0+' },
            { name: 'groupInstanceId', type: 'string', versions: '4+', nullableVersions: '4+', default: null },
            { name: 'clientId', type: 'string', versions: '0+' },
            { name: 'clientHost', type: 'string', versions: '0+' },
            { name: 'memberMetadata', type: 'bytes', versions: '0+' },
            { name: 'memberAssignment', type: 'bytes', versions: '0+' },
          ],
        },
        { name: 'authorizedOperations', type: 'int32', versions: '3+', default: NO_AUTHORIZED_OPERATIONS },
      ],
    },
  ],
});
