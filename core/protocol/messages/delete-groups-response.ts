/**
 * DeleteGroups response (key 42), versions 0–2 (flexible from 2):
 *   throttleTimeMs int32 (present from v0, unlike most responses)
 *   results ARRAY of { groupId STRING, errorCode int16 }
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const DeleteGroupsResponse = defineMessage({
  name: 'DeleteGroupsResponse',
  apiKey: API_KEYS.DeleteGroups,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'groupId', type: 'string', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
      ],
    },
  ],
});
