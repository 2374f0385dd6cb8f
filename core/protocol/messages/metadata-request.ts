/**
 * Metadata request (key 3), versions 0–12 (flexible from 9):
 *   topics ARRAY of { v10+: topicId uuid, name STRING (nullable v10+) }, nullable from v1
 *   v4+:   allowAutoTopicCreation bool (default true)
 *   v8–10: includeClusterAuthorizedOperations bool
 *   v8+:   includeTopicAuthorizedOperations bool
 * Meaning (not the codec's business): in v0 an empty topics array asks for every topic; from v1
 * null asks for every topic and an empty array for none. Clients look topics up by id from v12.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const MetadataRequest = defineMessage({
  name: 'MetadataRequest',
  apiKey: API_KEYS.Metadata,
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'topics',
      type: '[]struct',
      versions: '0+',
      nullableVersions: '1+',
      fields: [
        { name: 'topicId', type: 'uuid', versions: '10+' },
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '10+' },
      ],
    },
    { name: 'allowAutoTopicCreation', type: 'bool', versions: '4+', default: true },
    { name: 'includeClusterAuthorizedOperations', type: 'bool', versions: '8-10' },
    { name: 'includeTopicAuthorizedOperations', type: 'bool', versions: '8+' },
  ],
});
