/**
 * Fetch response (key 1), versions 4–16 (flexible from 12):
 *   throttleTimeMs int32
 *   v7+: errorCode int16, sessionId int32
 *   responses ARRAY of { v4–12: topic STRING, v13+: topicId uuid, partitions ARRAY of {
 *     partitionIndex int32, errorCode int16, highWatermark int64,
 *     lastStableOffset int64 (default -1), v5+: logStartOffset int64 (default -1),
 *     v12+ tagged 0: divergingEpoch { epoch int32, endOffset int64 } (defaults -1),
 *     v12+ tagged 1: currentLeader { leaderId int32, leaderEpoch int32 } (defaults -1),
 *     v12+ tagged 2: snapshotId { endOffset int64, epoch int32 } (defaults -1),
 *     abortedTransactions ARRAY of { producerId int64, firstOffset int64 } (nullable),
 *     v11+: preferredReadReplica int32 (default -1),
 *     records RECORDS (nullable) } }
 *   v16+ tagged 0: nodeEndpoints ARRAY of { nodeId int32, host STRING, port int32, rack NULLABLE_STRING }
 * An absent tagged struct decodes as null, which Kafka reads as its all -1 default. Kafka 4.0
 * dropped v0–v3; v14 and v15 add nothing to the layout.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';


export const FetchResponse = defineMessage({
  name: 'FetchResponse',
  apiKey: API_KEYS.Fetch,
  validVersions: '4-16',
  flexibleVersions: '12+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '7+' },
    { name: 'sessionId', type: 'int32', versions: '7+' },
    {
      name: 'responses',
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
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'highWatermark', type: 'int64', versions: '0+' },
            { name: 'lastStableOffset', type: 'int64', versions: '4+', default: -1 },
            { name: 'logStartOffset', type: 'int64', versions: '5+', default: -1 },
            {
              name: 'divergingEpoch',
              type: 'struct',
              versions: '12+',
              tag: 0,
              taggedVersions: '12+',
              fields: [
                { name: 'epoch', type: 'int32', versions: '12+', default: -1 },
                { name: 'endOffset', type: 'int64', versions: '12+', default: -1 },
              ],
            },
            {
              name: 'currentLeader',
              type: 'struct',
              versions: '12+',
              tag: 1,
              taggedVersions: '12+',
              fields: [
                { name: 'leaderId', type: 'int32', versions: '12+', default: -1 },
                { name: 'leaderEpoch', type: 'int32', versions: '12+', default: -1 },
              ],
            },
            {
              name: 'snapshotId',
              type: 'struct',
              versions: '12+',
              tag: 2,
              taggedVersions: '12+',
              fields: [
                { name: 'endOffset', type: 'int64', versions: '0+', default: -1 },
                { name: 'epoch', type: 'int32', versions: '0+', default: -1 },
              ],
            },
            {
              name: 'abortedTransactions',
              type: '[]struct',
              versions: '4+',
              nullableVersions: '4+',
              fields: [
                { name: 'producerId', type: 'int64', versions: '4+' },
                { name: 'firstOffset', type: 'int64', versions: '4+' },
              ],
            },
            { name: 'preferredReadReplica', type: 'int32', versions: '11+', default: -1 },
            { name: 'records', type: 'records', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
    {
      name: 'nodeEndpoints',
      type: '[]struct',
      versions: '16+',
      tag: 0,
      taggedVersions: '16+',
      fields: [
        { name: 'nodeId', type: 'int32', versions: '16+' },
        { name: 'host', type: 'string', versions: '16+' },
        { name: 'port', type: 'int32', versions: '16+' },
        { name: 'rack', type: 'string', versions: '16+', nullableVersions: '16+', default: null },
      ],
    },
  ],
});
