/**
 * DeleteGroups request (key 42), versions 0–2 (flexible from 2):
 *   groupsNames ARRAY of STRING (Kafka's own spelling)
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const DeleteGroupsRequest = defineMessage({
  name: 'DeleteGroupsRequest',
  apiKey: API_KEYS.DeleteGroups,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [{ name: 'groupsNames', type: '[]string', versions: '0+' }],
});
