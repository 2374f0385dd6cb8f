/**
 * CreatePartitions response (key 37), versions 0–3 (flexible from 2):
 *   throttleTimeMs int32
 *   results ARRAY of { name STRING, errorCode int16, errorMessage NULLABLE_STRING (default null) }
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const CreatePartitionsResponse = defineMessage({
  name: 'CreatePartitionsResponse',
  apiKey: API_KEYS.CreatePartitions,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
      ],
    },
  ],
});
