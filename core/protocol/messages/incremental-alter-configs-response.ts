/**
 * IncrementalAlterConfigs response (key 44), versions 0–1 (flexible from 1):
 *   throttleTimeMs int32
 *   responses ARRAY of { errorCode int16, errorMessage NULLABLE_STRING (default null),
 *     resourceType int8, resourceName STRING }
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const IncrementalAlterConfigsResponse = defineMessage({
  name: 'IncrementalAlterConfigsResponse',
  apiKey: API_KEYS.IncrementalAlterConfigs,
  validVersions: '0-1',
  flexibleVersions: '1+',
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
