/**
 * IncrementalAlterConfigs request (key 44), versions 0–1 (flexible from 1):
 *   resources ARRAY of { resourceType int8, resourceName STRING,
 *     configs ARRAY of { name STRING, configOperation int8, value NULLABLE_STRING } }
 *   validateOnly bool
 * configOperation is 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT (KIP-339); keys not listed are untouched.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const IncrementalAlterConfigsRequest = defineMessage({
  name: 'IncrementalAlterConfigsRequest',
  apiKey: API_KEYS.IncrementalAlterConfigs,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    {
      name: 'resources',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
        {
          name: 'configs',
          type: '[]struct',
          versions: '0+',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            { name: 'configOperation', type: 'int8', versions: '0+' },
            { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
    { name: 'validateOnly', type: 'bool', versions: '0+' },
  ],
});
