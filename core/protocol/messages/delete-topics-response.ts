/**
 * DeleteTopics response (key 20), versions 1–6 (flexible from 4):
 *   v1+: throttleTimeMs int32
 *   responses ARRAY of { name STRING (nullable v6+), v6+: topicId uuid, errorCode int16,
 *     v5+: errorMessage NULLABLE_STRING (default null) }
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const DeleteTopicsResponse = defineMessage({
  name: 'DeleteTopicsResponse',
  apiKey: API_KEYS.DeleteTopics,
  validVersions: '1-6',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    {
      name: 'responses',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '6+' },
        { name: 'topicId', type: 'uuid', versions: '6+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
      ],
    },
  ],
});
