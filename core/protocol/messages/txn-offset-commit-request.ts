/**
 * TxnOffsetCommit request (key 28), versions 0–5 (flexible from 3):
 *   transactionalId STRING, groupId STRING, producerId int64, producerEpoch int16
 *   v3+: generationId int32 (default -1), memberId STRING, groupInstanceId NULLABLE_STRING (default null)
 *   topics ARRAY of { name STRING, partitions ARRAY of { partitionIndex int32, committedOffset int64,
 *     v2+: committedLeaderEpoch int32 (default -1), committedMetadata NULLABLE_STRING } }
 * v3 carries the group membership so the coordinator can fence zombie members (KIP-447). v4 and v5
 * have v3's layout: v4 promises to understand TRANSACTION_ABORTABLE, v5 marks transaction
 * protocol v2 (KIP-890 part 2).
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const TxnOffsetCommitRequest = defineMessage({
  name: 'TxnOffsetCommitRequest',
  apiKey: API_KEYS.TxnOffsetCommit,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '3+', default: -1 },
    { name: 'memberId', type: 'string', versions: '3+' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
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
            { name: 'committedOffset', type: 'int64', versions: '0+' },
            { name: 'committedLeaderEpoch', type: 'int32', versions: '2+', default: -1 },
            { name: 'committedMetadata', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
});
