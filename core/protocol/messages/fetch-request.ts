/**
 * Fetch request (key 1), versions 4–16 (flexible from 12):
 *   v12+ tagged 0: clusterId NULLABLE_STRING (default null)
 *   v4–14: replicaId int32 (default -1: a consumer)
 *   v15+ tagged 1: replicaState { replicaId int32 (default -1), replicaEpoch int64 (default -1) }
 *   maxWaitMs int32, minBytes int32, maxBytes int32 (default 0x7fffffff), isolationLevel int8
 *   v7+: sessionId int32 (default 0), sessionEpoch int32 (default -1)
 *   topics ARRAY of { v4–12: topic STRING, v13+: topicId uuid, partitions ARRAY of {
 *     partition int32, v9+: currentLeaderEpoch int32 (default -1), fetchOffset int64,
 *     v12+: lastFetchedEpoch int32 (default -1), logStartOffset int64 (default -1),
 *     partitionMaxBytes int32 } }
 *   v7+: forgottenTopicsData ARRAY of { v7–12: topic STRING, v13+: topicId uuid, partitions [int32] }
 *   v11+: rackId STRING (default '')
 * Kafka 4.0 dropped v0–v3. From v15 a follower states who it is in replicaState; a consumer sends
 * neither, so an absent replicaState decodes as null. v14 and v16 change only what the broker may
 * answer. Later Kafka versions add v17 (tagged replicaDirectoryId) and v18 (tagged highWatermark).
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';


export const FetchRequest = defineMessage({
  name: 'FetchRequest',
  apiKey: API_KEYS.Fetch,
  validVersions: '4-16',
  flexibleVersions: '12+',
  fields: [
    { name: 'clusterId', type: 'string', versions: '12+', nullableVersions: '12+', default: null, tag: 0, taggedVersions: '12+' },
    { name: 'replicaId', type: 'int32', versions: '0-14', default: -1 },
    {
      name: 'replicaState',
      type: 'struct',
      versions: '15+',
      tag: 1,
      taggedVersions: '15+',
      fields: [
        { name: 'replicaId', type: 'int32', versions: '15+', default: -1 },
        { name: 'replicaEpoch', type: 'int64', versions: '15+', default: -1 },
      ],
    },
    { name: 'maxWaitMs', type: 'int32', versions: '0+' },
    { name: 'minBytes', type: 'int32', versions: '0+' },
    { name: 'maxBytes', type: 'int32', versions: '3+', default: 0x7fffffff },
    { name: 'isolationLevel', type: 'int8', versions: '4+' },
    { name: 'sessionId', type: 'int32', versions: '7+' },
    { name: 'sessionEpoch', type: 'int32', versions: '7+', default: -1 },
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'topic', type: 'string', versions: '0-12' },
        { name: 'topicId', type: 'uuid', versions: '13+' },
        {
          name: 'partitions',
          type: '[]struct',
          versions: '0+',
          fields: [
            { name: 'partition', type: 'int32', versions: '0+' },
            { name: 'currentLeaderEpoch', type: 'int32', versions: '9+', default: -1 },
            { name: 'fetchOffset', type: 'int64', versions: '0+' },
            { name: 'lastFetchedEpoch', type: 'int32', versions: '12+', default: -1 },
            { name: 'logStartOffset', type: 'int64', versions: '5+', default: -1 },
            { name: 'partitionMaxBytes', type: 'int32', versions: '0+' },
          ],
        },
      ],
    },
    {
      name: 'forgottenTopicsData',
      type: '[]struct',
      versions: '7+',
      fields: [
        { name: 'topic', type: 'string', versions: '7-12' },
        { name: 'topicId', type: 'uuid', versions: '13+' },
        { name: 'partitions', type: '[]int32', versions: '7+' },
      ],
    },
    { name: 'rackId', type: 'string', versions: '11+' },
  ],
});
