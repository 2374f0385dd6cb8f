/**
 * ListGroups response (key 16), versions 0–5 (flexible from 3):
 *   v1+: throttleTimeMs int32
 *   errorCode int16
 *   groups ARRAY of { groupId STRING, protocolType STRING, v4+: groupState STRING, v5+: groupType STRING }
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const ListGroupsResponse = defineMessage({
  name: 'ListGroupsResponse',
  apiKey: API_KEYS.ListGroups,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    {
      name: 'groups',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'groupId', type: 'string', versions: '0+' },
        { name: 'protocolType', type: 'string', versions: '0+' },
        { name: 'groupState', type: 'string', versions: '4+' },
        { name: 'groupType', type: 'string', versions: '5+' },
      ],
    },
  ],
});
