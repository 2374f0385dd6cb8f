/**
 * DescribeConfigs response (key 32), versions 1–4 (flexible from 4):
 *   throttleTimeMs int32
 *   results ARRAY of { errorCode int16, errorMessage NULLABLE_STRING, resourceType int8, resourceName STRING,
 *     configs ARRAY of { name STRING, value NULLABLE_STRING, readOnly bool,
 *       v0: isDefault bool, v1+: configSource int8 (default -1), isSensitive bool,
 *       v1+: synonyms ARRAY of { name STRING, value NULLABLE_STRING, source int8 },
 *       v3+: configType int8, v3+: documentation NULLABLE_STRING } }
 * isDefault (v0 only) is kept so the definition reads as Kafka's; no defined version carries it.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const DescribeConfigsResponse = defineMessage({
  name: 'DescribeConfigsResponse',
  apiKey: API_KEYS.DescribeConfigs,
  validVersions: '1-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
        {
          name: 'configs',
          type: '[]struct',
          versions: '0+',
          fields: [
            { name: 'name', type: 'string', versions: '0+' },
            { name: 'value', type: 'string', versions: '0+', nullableVersions: '0+' },
            { name: 'readOnly', type: 'bool', versions: '0+' },
            { name: 'isDefault', type: 'bool', versions: '0' },
            { name: 'configSource', type: 'int8', versions: '1+', default: -1 },
            { name: 'isSensitive', type: 'bool', versions: '0+' },
            {
              name: 'synonyms',
              type: '[]struct',
              versions: '1+',
              fields: [
                { name: 'name', type: 'string', versions: '1+' },
                { name: 'value', type: 'string', versions: '1+', nullableVersions: '1+' },
                { name: 'source', type: 'int8', versions: '1+' },
              ],
            },
            { name: 'configType', type: 'int8', versions: '3+' },
            { name: 'documentation', type: 'string', versions: '3+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
});
