/**
 * ApiVersions response (key 18), versions 0–3 (flexible from 3):
 *   errorCode int16
 *   apiKeys ARRAY of { apiKey int16, minVersion int16, maxVersion int16 }
 *   v1+: throttleTimeMs int32
 *   v3 tagged: 0 supportedFeatures [{ name, minVersion int16, maxVersion int16 }],
 *              1 finalizedFeaturesEpoch int64 (default -1),
 *              2 finalizedFeatures [{ name, maxVersionLevel int16, minVersionLevel int16 }],
 *              3 zkMigrationReady bool
 * Always sent after a v0 response header (see `responseHeaderVersion`).
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const ApiVersionsResponse = defineMessage({
  name: 'ApiVersionsResponse',
  apiKey: API_KEYS.ApiVersions,
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    {
      name: 'apiKeys',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'apiKey', type: 'int16', versions: '0+' },
        { name: 'minVersion', type: 'int16', versions: '0+' },
        { name: 'maxVersion', type: 'int16', versions: '0+' },
      ],
    },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    {
      name: 'supportedFeatures',
      type: '[]struct',
      versions: '3+',
      tag: 0,
      taggedVersions: '3+',
      fields: [
        { name: 'name', type: 'string', versions: '3+' },
        { name: 'minVersion', type: 'int16', versions: '3+' },
        { name: 'maxVersion', type: 'int16', versions: '3+' },
      ],
    },
    { name: 'finalizedFeaturesEpoch', type: 'int64', versions: '3+', tag: 1, taggedVersions: '3+', default: -1 },
    {
      name: 'finalizedFeatures',
      type: '[]struct',
      versions: '3+',
      tag: 2,
      taggedVersions: '3+',
      fields: [
        { name: 'name', type: 'string', versions: '3+' },
        { name: 'maxVersionLevel', type: 'int16', versions: '3+' },
        { name: 'minVersionLevel', type: 'int16', versions: '3+' },
      ],
    },
    { name: 'zkMigrationReady', type: 'bool', versions: '3+', tag: 3, taggedVersions: '3+' },
  ],
});
