/**
 * CreateTopics response (key 19), versions 2–7 (flexible from 5):
 *   v2+: throttleTimeMs int32
 *   topics ARRAY of {
 *     name STRING, v7+: topicId uuid, errorCode int16, v1+: errorMessage NULLABLE_STRING (default null),
 *     v5+ tagged: 0 topicConfigErrorCode int16 (why configs are missing, when they are),
 *     v5+: numPartitions int32 (default -1), replicationFactor int16 (default -1),
 *     v5+: configs NULLABLE ARRAY of { name STRING, value NULLABLE_STRING, readOnly bool,
 *            configSource int8 (default -1), isSensitive bool } }
 * v0 and v1 were removed in Kafka 4.0 (KIP-896), as in the request.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const CreateTopicsResponse = defineMessage({
  name: 'CreateTopicsResponse',
  apiKey: API_KEYS.CreateTopics,
  validVersions: '2-7',
  flexibleVersions: '5+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+' },
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'topicId', type: 'uuid', versions: '7+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '1+', nullableVersions: '0+', default: null },
        { name: 'topicConfigErrorCode', type: 'int16', versions: '5+', tag: 0, taggedVersions: '5+' },
        { name: 'numPartitions', type: 'int32', versions: '5+', default: -1 },
        { name: 'replicationFactor', type: 'int16', versions: '5+', default: -1 },
        {
          name: 'configs',
          type: '[]struct',
          versions: '5+',
          nullableVersions: '5+',
          fields: [
            { name: 'name', type: 'string', versions: '5+' },
            { name: 'value', type: 'string', versions: '5+', nullableVersions: '5+' },
            { name: 'readOnly', type: 'bool', versions: '5+' },
            { name: 'configSource', type: 'int8', versions: '5+', default: -1 },
            { name: 'isSensitive', type: 'bool', versions: '5+' },
          ],
        },
      ],
    },
  ],
});
