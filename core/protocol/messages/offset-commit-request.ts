/**
 * OffsetCommit request (key 8), versions 0–9 (flexible from 8):
 *   groupId STRING
 *   v1+:  generationIdOrMemberEpoch int32 (default -1), memberId STRING
 *   v7+:  groupInstanceId NULLABLE_STRING (default null)
 *   v2–4: retentionTimeMs int64 (default -1: the broker's retention)
 *   topics ARRAY of { name STRING, partitions ARRAY of {
 *     partitionIndex int32, committedOffset int64, v6+: committedLeaderEpoch int32 (default -1),
 *     v1 only: commitTimestamp int64 (default -1), committedMetadata NULLABLE_STRING } }
 * v0 commits outside any generation (a simple consumer); v9 is v8 for the KIP-848 consumer protocol,
 * where the second field carries the member epoch instead of the generation.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const OffsetCommitRequest = defineMessage({
  name: 'OffsetCommitRequest',
  apiKey: API_KEYS.OffsetCommit,
  validVersions: '0-9',
  flexibleVersions: '8+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationIdOrMemberEpoch', type: 'int32', versions: '1+', default: -1 },
    { name: 'memberId', type: 'string', versions: '1+' },
    { name: 'groupInstanceId', type: 'string', versions: '7+', nullableVersions: '7+', default: null },
    { name: 'retentionTimeMs', type: 'int64', versions: '2-4', default: -1 },
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
            { name: 'committedLeaderEpoch', type: 'int32', versions: '6+', default: -1 },
            { name: 'commitTimestamp', type: 'int64', versions: '1', default: -1 },
            { name: 'committedMetadata', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
});
