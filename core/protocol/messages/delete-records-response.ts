/**
 * DeleteRecords response (key 21), versions 0–2 (flexible from 2):
 *   throttleTimeMs int32
 *   topics ARRAY of { name STRING, partitions ARRAY of { partitionIndex int32, lowWatermark int64, errorCode int16 } }
 * Unlike most responses, throttleTimeMs is there from v0; v1 only changed when throttling happens.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const DeleteRecordsResponse = defineMessage({
  name: 'DeleteRecordsResponse',
  apiKey: API_KEYS.DeleteRecords,
  validVersions: '0-2',
  flexibleVersions: '2+',
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
            { name: 'lowWatermark', type: 'int64', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
          ],
        },
      ],
    },
  ],
});
