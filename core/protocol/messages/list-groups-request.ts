/**
 * ListGroups request (key 16), versions 0–5 (flexible from 3):
 *   v4+: statesFilter ARRAY of STRING (KIP-518)
 *   v5+: typesFilter ARRAY of STRING (KIP-848)
 * An empty filter lists every group.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const ListGroupsRequest = defineMessage({
  name: 'ListGroupsRequest',
  apiKey: API_KEYS.ListGroups,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'statesFilter', type: '[]string', versions: '4+' },
    { name: 'typesFilter', type: '[]string', versions: '5+' },
  ],
});
