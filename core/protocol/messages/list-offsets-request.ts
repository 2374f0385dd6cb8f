/**
 * ListOffsets request (key 2), versions 1–8 (flexible from 6):
 *   replicaId int32 (-1 from a consumer)
 *   v2+: isolationLevel int8
 *   topics ARRAY of { name STRING, partitions ARRAY of {
 *     partitionIndex int32, v4+: currentLeaderEpoch int32 (default -1), timestamp int64 } }
 * `timestamp` is a time or a special value: -1 latest, -2 earliest, from v7 -3 the record with the
 * largest timestamp, from v8 -4 the earliest local offset. Which version allows which value is the
 * broker's business, not the codec's. v0 (maxNumOffsets) was dropped in Kafka 4.0; later versions
 * add v9 (-5, last tiered offset) and v10 (timeoutMs).
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const ListOffsetsRequest = defineMessage({
  name: 'ListOffsetsRequest',
  apiKey: API_KEYS.ListOffsets,
  validVersions: '1-8',
  flexibleVersions: '6+',
  fields: [
    { name: 'replicaId', type: 'int32', versions: '0+' },
    { name: 'isolationLevel', type: 'int8', versions: '2+' },
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]struct',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'currentLeaderEpoch', type: 'int32', versions: '4+', default: -1 },
            { name: 'timestamp', type: 'int64', versions: '0+' },
          ],
        },
      ],
    },
  ],
});
