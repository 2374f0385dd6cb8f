/**
 * CreateTopics request (key 19), versions 2–7 (flexible from 5):
 *   topics ARRAY of {
 *     name STRING, numPartitions int32, replicationFactor int16 (either -1: broker default, v4+),
 *     assignments ARRAY of { partitionIndex int32, brokerIds [int32] } (empty: automatic),
 *     configs ARRAY of { name STRING, value NULLABLE_STRING } }
 *   timeoutMs int32 (default 60000)
 *   v1+: validateOnly bool
 * Kafka 4.0 removed v0 and v1 (KIP-896); the field ranges still read as Kafka's do, so restoring
 * them is a change of `validVersions` alone. v2–4, v6 and v7 differ from their predecessor only in
 * the response or in the errors a client understands.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const CreateTopicsRequest = defineMessage({
  name: 'CreateTopicsRequest',
  apiKey: API_KEYS.CreateTopics,
  validVersions: '2-7',
  flexibleVersions: '5+',
  fields: [
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'numPartitions', type: 'int32', versions: '0+' },
        { name: 'replicationFactor', type: 'int16', versions: '0+' },
        {
          name: 'assignments',
          type: '[]struct',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'brokerIds', type: '[]int32', versions: '0+' },
          ],
        },
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
    { name: 'timeoutMs', type: 'int32', versions: '0+', default: 60000 },
    { name: 'validateOnly', type: 'bool', versions: '1+' },
  ],
});
