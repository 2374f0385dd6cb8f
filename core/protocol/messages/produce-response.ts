/**
 * Produce response (key 0), versions 3–11 (flexible from 9):
 *   responses ARRAY of { name STRING, partitionResponses ARRAY of {
 *     index int32, errorCode int16, baseOffset int64, logAppendTimeMs int64 (default -1),
 *     v5+: logStartOffset int64 (default -1),
 *     v8+: recordErrors ARRAY of { batchIndex int32, batchIndexErrorMessage NULLABLE_STRING },
 *          errorMessage NULLABLE_STRING (default null),
 *     v10+ tagged 0: currentLeader { leaderId int32 (default -1), leaderEpoch int32 (default -1) } } }
 *   throttleTimeMs int32
 *   v10+ tagged 0: nodeEndpoints ARRAY of { nodeId int32, host STRING, port int32, rack NULLABLE_STRING }
 * The leader hints (KIP-951) go with NOT_LEADER_OR_FOLLOWER. An absent currentLeader decodes as
 * null, which Kafka reads as its default (leaderId -1, leaderEpoch -1).
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';


export const ProduceResponse = defineMessage({
  name: 'ProduceResponse',
  apiKey: API_KEYS.Produce,
  validVersions: '3-11',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'responses',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitionResponses',
          type: '[]struct',
          versions: '0+',
          fields: [
            { name: 'index', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'baseOffset', type: 'int64', versions: '0+' },
            { name: 'logAppendTimeMs', type: 'int64', versions: '2+', default: -1 },
            { name: 'logStartOffset', type: 'int64', versions: '5+', default: -1 },
            {
              name: 'recordErrors',
              type: '[]struct',
              versions: '8+',
              fields: [
                { name: 'batchIndex', type: 'int32', versions: '8+' },
                { name: 'batchIndexErrorMessage', type: 'string', versions: '8+', nullableVersions: '8+', default: null },
              ],
            },
            { name: 'errorMessage', type: 'string', versions: '8+', nullableVersions: '8+', default: null },
            {
              name: 'currentLeader',
              type: 'struct',
              versions: '10+',
              tag: 0,
              taggedVersions: '10+',
              fields: [
                { name: 'leaderId', type: 'int32', versions: '10+', default: -1 },
                { name: 'leaderEpoch', type: 'int32', versions: '10+', default: -1 },
              ],
            },
          ],
        },
      ],
    },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    {
      name: 'nodeEndpoints',
      type: '[]struct',
      versions: '10+',
      tag: 0,
      taggedVersions: '10+',
      fields: [
        { name: 'nodeId', type: 'int32', versions: '10+' },
        { name: 'host', type: 'string', versions: '10+' },
        { name: 'port', type: 'int32', versions: '10+' },
        { name: 'rack', type: 'string', versions: '10+', nullableVersions: '10+', default: null },
      ],
    },
  ],
});
