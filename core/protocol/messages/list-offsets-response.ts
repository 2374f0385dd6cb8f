/**
 * ListOffsets response (key 2), versions 1–8 (flexible from 6):
 *   v2+: throttleTimeMs int32
 *   topics ARRAY of { name STRING, partitions ARRAY of {
 *     partitionIndex int32, errorCode int16, timestamp int64 (default -1), offset int64 (default -1),
 *     v4+: leaderEpoch int32 (default -1) } }
 * v0's oldStyleOffsets array is gone with v0 itself (dropped in Kafka 4.0).
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const ListOffsetsResponse = defineMessage({
  name: 'ListOffsetsResponse',
  apiKey: API_KEYS.ListOffsets,
  validVersions: '1-8',
  flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+' },
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
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'timestamp', type: 'int64', versions: '1+', default: -1 },
            { name: 'offset', type: 'int64', versions: '1+', default: -1 },
            { name: 'leaderEpoch', type: 'int32', versions: '4+', default: -1 },
          ],
        },
      ],
    },
  ],
});
