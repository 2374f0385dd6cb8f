/**
 * DescribeConfigs request (key 32), versions 1–4 (flexible from 4):
 *   resources ARRAY of { resourceType int8, resourceName STRING,
 *     configurationKeys NULLABLE [STRING] (null: every key) }
 *   v1+: includeSynonyms bool
 *   v3+: includeDocumentation bool
 * Kafka 4.0 removed v0 (KIP-896); the field ranges still read as Kafka's do.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const DescribeConfigsRequest = defineMessage({
  name: 'DescribeConfigsRequest',
  apiKey: API_KEYS.DescribeConfigs,
  validVersions: '1-4',
  flexibleVersions: '4+',
  fields: [
    {
      name: 'resources',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
        { name: 'configurationKeys', type: '[]string', versions: '0+', nullableVersions: '0+' },
      ],
    },
    { name: 'includeSynonyms', type: 'bool', versions: '1+' },
    { name: 'includeDocumentation', type: 'bool', versions: '3+' },
  ],
});
