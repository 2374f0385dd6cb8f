/**
 * DeleteTopics request (key 20), versions 1–6 (flexible from 4):
 *   v6+:  topics ARRAY of { name NULLABLE_STRING (default null), topicId uuid }
 *   v0–5: topicNames [STRING]
 *   timeoutMs int32
 * From v6 a topic is named by name or by id (the other left null / nil). Kafka 4.0 removed v0
 * (KIP-896); v1–3 are the same, v5 only changes the response.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const DeleteTopicsRequest = defineMessage({
  name: 'DeleteTopicsRequest',
  apiKey: API_KEYS.DeleteTopics,
  validVersions: '1-6',
  flexibleVersions: '4+',
  fields: [
    {
      name: 'topics',
      type: '[]struct',
      versions: '6+',
      fields: [
        { name: 'name', type: 'string', versions: '6+', nullableVersions: '6+', default: null },
        { name: 'topicId', type: 'uuid', versions: '6+' },
      ],
    },
    { name: 'topicNames', type: '[]string', versions: '0-5' },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
  ],
});
