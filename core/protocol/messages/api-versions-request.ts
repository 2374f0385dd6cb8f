/**
 * ApiVersions request (key 18), versions 0–3 (flexible from 3):
 *   v0–v2: empty
 *   v3:    clientSoftwareName COMPACT_STRING, clientSoftwareVersion COMPACT_STRING, tagged fields
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const ApiVersionsRequest = defineMessage({
  name: 'ApiVersionsRequest',
  apiKey: API_KEYS.ApiVersions,
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'clientSoftwareName', type: 'string', versions: '3+' },
    { name: 'clientSoftwareVersion', type: 'string', versions: '3+' },
  ],
});
