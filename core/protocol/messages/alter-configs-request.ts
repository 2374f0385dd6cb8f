/**
 * AlterConfigs request (key 33), versions 0–2 (flexible from 2):
 *   resources ARRAY of { resourceType int8, resourceName STRING,
 *     configs ARRAY of { name STRING, value NULLABLE_STRING } }
 *   validateOnly bool
 * Replaces a resource's whole configuration (keys left out revert to their defaults); see
 * IncrementalAlterConfigs for per-key changes. v1 is v0.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const AlterConfigsRequest = defineMessage({
  name: 'AlterConfigsRequest',
  apiKey: API_KEYS.AlterConfigs,
  validVersions: '0-2',
  flexibleVersions: '2+',
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
            { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
    { name: 'validateOnly', type: 'bool', versions: '0+' },
  ],
});
