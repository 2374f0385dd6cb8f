/**
 * AlterConfigs response (key 33), versions 0–2 (flexible from 2):
 *   throttleTimeMs int32
 *   responses ARRAY of { errorCode int16, errorMessage NULLABLE_STRING (default null),
 *     resourceType int8, resourceName STRING }
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const AlterConfigsResponse = defineMessage({
  name: 'AlterConfigsResponse',
  apiKey: API_KEYS.AlterConfigs,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'responses',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
      ],
    },
  ],
});
