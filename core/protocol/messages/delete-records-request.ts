/**
 * DeleteRecords request (key 21), versions 0–2 (flexible from 2):
 *   topics ARRAY of { name STRING, partitions ARRAY of { partitionIndex int32, offset int64 } }
 *   timeoutMs int32
 * `offset` -1 means the high watermark: delete everything committed so far.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const DeleteRecordsRequest = defineMessage({
  name: 'DeleteRecordsRequest',
  apiKey: API_KEYS.DeleteRecords,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
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
            { name: 'offset', type: 'int64', versions: '0+' },
          ],
        },
      ],
    },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
  ],
});
