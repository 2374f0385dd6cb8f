/**
 * FindCoordinator response (key 10), versions 0–5 (flexible from 3):
 *   v1+:  throttleTimeMs int32
 *   v0–3: errorCode int16, v1–3: errorMessage NULLABLE_STRING, nodeId int32, host STRING, port int32
 *   v4+:  coordinators ARRAY of { key STRING, nodeId int32, host STRING, port int32,
 *           errorCode int16, errorMessage NULLABLE_STRING } — one answer per requested key
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const FindCoordinatorResponse = defineMessage({
  name: 'FindCoordinatorResponse',
  apiKey: API_KEYS.FindCoordinator,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0-3' },
    { name: 'errorMessage', type: 'string', versions: '1-3', nullableVersions: '1-3', default: null },
    { name: 'nodeId', type: 'int32', versions: '0-3' },
    { name: 'host', type: 'string', versions: '0-3' },
    { name: 'port', type: 'int32', versions: '0-3' },
    {
      name: 'coordinators',
      type: '[]struct',
      versions: '4+',
      fields: [
        { name: 'key', type: 'string', versions: '4+' },
        { name: 'nodeId', type: 'int32', versions: '4+' },
        { name: 'host', type: 'string', versions: '4+' },
        { name: 'port', type: 'int32', versions: '4+' },
        { name: 'errorCode', type: 'int16', versions: '4+' },
        { name: 'errorMessage', type: 'string', versions: '4+', nullableVersions: '4+', default: null },
      ],
    },
  ],
});
