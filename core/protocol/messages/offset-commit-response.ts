/**
 * OffsetCommit response (key 8), versions 0–9 (flexible from 8):
 *   v3+: throttleTimeMs int32
 *   topics ARRAY of { name STRING, partitions ARRAY of { partitionIndex int32, errorCode int16 } }
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const OffsetCommitResponse = defineMessage({
  name: 'OffsetCommitResponse',
  apiKey: API_KEYS.OffsetCommit,
  validVersions: '0-9',
  flexibleVersions: '8+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+' },
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
