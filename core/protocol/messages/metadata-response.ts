/**
 * Metadata response (key 3), versions 0–12 (flexible from 9):
 *   v3+:  throttleTimeMs int32
 *   brokers ARRAY of { nodeId int32, host STRING, port int32, v1+: rack NULLABLE_STRING }
 *   v2+:  clusterId NULLABLE_STRING
 *   v1+:  controllerId int32 (default -1)
 *   topics ARRAY of {
 *     errorCode int16, name STRING (nullable v12+), v10+: topicId uuid, v1+: isInternal bool,
 *     partitions ARRAY of { errorCode int16, partitionIndex int32, leaderId int32,
 *       v7+: leaderEpoch int32 (default -1), replicaNodes [int32], isrNodes [int32],
 *       v5+: offlineReplicas [int32] },
 *     v8+: topicAuthorizedOperations int32 (default -2^31) }
 *   v8–10: clusterAuthorizedOperations int32 (default -2^31)
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

/** "Authorized operations not requested", Kafka's default for the bit fields. */
const NO_AUTHORIZED_OPERATIONS = -2147483648;

export const MetadataResponse = defineMessage({
  name: 'MetadataResponse',
  apiKey: API_KEYS.Metadata,
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+' },
    {
      name: 'brokers',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'nodeId', type: 'int32', versions: '0+' },
        { name: 'host', type: 'string', versions: '0+' },
        { name: 'port', type: 'int32', versions: '0+' },
        { name: 'rack', type: 'string', versions: '1+', nullableVersions: '1+', default: null },
      ],
    },
    { name: 'clusterId', type: 'string', versions: '2+', nullableVersions: '2+', default: null },
    { name: 'controllerId', type: 'int32', versions: '1+', default: -1 },
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '12+' },
        { name: 'topicId', type: 'uuid', versions: '10+' },
        { name: 'isInternal', type: 'bool', versions: '1+' },
        {
          name: 'partitions',
          type: '[]struct',
          versions: '0+',
          fields: [
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'leaderId', type: 'int32', versions: '0+' },
            { name: 'leaderEpoch', type: 'int32', versions: '7+', default: -1 },
            { name: 'replicaNodes', type: '[]int32', versions: '0+' },
            { name: 'isrNodes', type: '[]int32', versions: '0+' },
            { name: 'offlineReplicas', type: '[]int32', versions: '5+' },
          ],
        },
        { name: 'topicAuthorizedOperations', type: 'int32', versions: '8+', default: NO_AUTHORIZED_OPERATIONS },
      ],
    },
    { name: 'clusterAuthorizedOperations', type: 'int32', versions: '8-10', default: NO_AUTHORIZED_OPERATIONS },
  ],
});
