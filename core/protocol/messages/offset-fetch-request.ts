/**
 * OffsetFetch request (key 9), versions 0–9 (flexible from 6):
 *   v0–7: groupId STRING,
 *         topics ARRAY of { name STRING, partitionIndexes [int32] } (nullable v2+: null = all topics)
 *   v8+:  groups ARRAY of { groupId STRING,
 *           v9+: memberId NULLABLE_STRING (default null), memberEpoch int32 (default -1),
 *           topics ARRAY of { name STRING, partitionIndexes [int32] } (nullable: null = all topics) }
 *   v7+:  requireStable bool — answer UNSTABLE_OFFSET_COMMIT rather than skip pending transactions
 * v0 read offsets from ZooKeeper, v1 from __consumer_offsets; the bytes are the same.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const OffsetFetchRequest = defineMessage({
  name: 'OffsetFetchRequest',
  apiKey: API_KEYS.OffsetFetch,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0-7' },
    {
      name: 'topics',
      type: '[]struct',
      versions: '0-7',
      nullableVersions: '2-7',
      fields: [
        { name: 'name', type: 'string', versions: '0-7' },
        { name: 'partitionIndexes', type: '[]int32', versions: '0-7' },
      ],
    },
    {
      name: 'groups',
      type: '[]struct',
      versions: '8+',
      fields: [
        { name: 'groupId', type: 'string', versions: '8+' },
        { name: 'memberId', type: 'string', versions: '9+', nullableVersions: '9+', default: null },
        { name: 'memberEpoch', type: 'int32', versions: '9+', default: -1 },
        {
          name: 'topics',
          type: '[]struct',
          versions: '8+',
          nullableVersions: '8+',
          fields: [
            { name: 'name', type: 'string', versions: '8+' },
            { name: 'partitionIndexes', type: '[]int32', versions: '8+' },
          ],
        },
      ],
    },
    { name: 'requireStable', type: 'bool', versions: '7+' },
  ],
});
