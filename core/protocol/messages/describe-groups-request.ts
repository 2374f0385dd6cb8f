/**
 * DescribeGroups request (key 15), versions 0–5 (flexible from 5):
 *   groups ARRAY of STRING
 *   v3+: includeAuthorizedOperations bool
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const DescribeGroupsRequest = defineMessage({
  name: 'DescribeGroupsRequest',
  apiKey: API_KEYS.DescribeGroups,
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: [
    { name: 'groups', type: '[]string', versions: '0+' },
    { name: 'includeAuthorizedOperations', type: 'bool', versions: '3+' },
  ],
});
