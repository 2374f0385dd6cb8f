/**
 * CreatePartitions request (key 37), versions 0–3 (flexible from 2):
 *   topics ARRAY of { name STRING, count int32 (the new total),
 *     assignments NULLABLE ARRAY of { brokerIds [int32] } (null: automatic) }
 *   timeoutMs int32, validateOnly bool
 * v1 is v0; v3 only promises to understand THROTTLING_QUOTA_EXCEEDED (KIP-599).
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const CreatePartitionsRequest = defineMessage({
  name: 'CreatePartitionsRequest',
  apiKey: API_KEYS.CreatePartitions,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'count', type: 'int32', versions: '0+' },
        {
          name: 'assignments',
          type: '[]struct',
          versions: '0+',
          nullableVersions: '0+',
          fields: [{ name: 'brokerIds', type: '[]int32', versions: '0+' }],
        },
      ],
    },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
    { name: 'validateOnly', type: 'bool', versions: '0+' },
  ],
});
