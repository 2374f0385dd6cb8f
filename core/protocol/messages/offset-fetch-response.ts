/**
 * OffsetFetch response (key 9), versions 0–9 (flexible from 6):
 *   v3+:  throttleTimeMs int32
 *   v0–7: topics ARRAY of { name STRING, partitions ARRAY of { partitionIndex int32,
 *           committedOffset int64, v5+: committedLeaderEpoch int32 (default -1),
 *           metadata NULLABLE_STRING, errorCode int16 } }
 *   v2–7: errorCode int16 (group or coordinator errors)
 *   v8+:  groups ARRAY of { groupId STRING, topics ARRAY of { name STRING, partitions ARRAY of {
 *           partitionIndex int32, committedOffset int64, committedLeaderEpoch int32 (default -1),
 *           metadata NULLABLE_STRING, errorCode int16 } }, errorCode int16 }
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const OffsetFetchResponse = defineMessage({
  name: 'OffsetFetchResponse',
  apiKey: API_KEYS.OffsetFetch,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+' },
    {
      name: 'topics',
      type: '[]struct',
      versions: '0-7',
      fields: [
        { name: 'name', type: 'string', versions: '0-7' },
        {
          name: 'partitions',
          type: '[]struct',
          versions: '0-7',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0-7' },
            { name: 'committedOffset', type: 'int64', versions: '0-7' },
            { name: 'committedLeaderEpoch', type: 'int32', versions: '5-7', default: -1 },
            { name: 'metadata', type: 'string', versions: '0-7', nullableVersions: '0-7' },
            { name: 'errorCode', type: 'int16', versions: '0-7' },
          ],
        },
      ],
    },
    { name: 'errorCode', type: 'int16', versions: '2-7' },
    {
      name: 'groups',
      type: '[]struct',
      versions: '8+',
      fields: [
        { name: 'groupId', type: 'string', versions: '8+' },
        {
          name: 'topics',
          type: '[]struct',
          versions: '8+',
          fields: [
            { name: 'name', type: 'string', versions: '8+' },
            {
              name: 'partitions',
              type: '[]struct',
              versions: '8+',
              fields: [
                { name: 'partitionIndex', type: 'int32', versions: '8+' },
                { name: 'committedOffset', type: 'int64', versions: '8+' },
                { name: 'committedLeaderEpoch', type: 'int32', versions: '8+', default: -1 },
                { name: 'metadata', type: 'string', versions: '8+', nullableVersions: '8+' },
                { name: 'errorCode', type: 'int16', versions: '8+' },
              ],
            },
          ],
        },
        { name: 'errorCode', type: 'int16', versions: '8+' },
      ],
    },
  ],
});
