/**
 * TxnOffsetCommit response (key 28), versions 0–5 (flexible from 3):
 *   throttleTimeMs int32
 *   topics ARRAY of { name STRING, partitions ARRAY of { partitionIndex int32, errorCode int16 } }
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const TxnOffsetCommitResponse = defineMessage({
  name: 'TxnOffsetCommitResponse',
  apiKey: API_KEYS.TxnOffsetCommit,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
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
          ],
        },
      ],
    },
  ],
});
