/**
 * SyncGroup response (key 14), versions 0–5 (flexible from 4):
 *   v1+: throttleTimeMs int32
 *   errorCode int16
 *   v5+: protocolType NULLABLE_STRING, protocolName NULLABLE_STRING (both default null, KIP-559)
 *   assignment BYTES — this member's share, opaque to the broker
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const SyncGroupResponse = defineMessage({
  name: 'SyncGroupResponse',
  apiKey: API_KEYS.SyncGroup,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'protocolType', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    { name: 'protocolName', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    { name: 'assignment', type: 'bytes', versions: '0+' },
  ],
});
