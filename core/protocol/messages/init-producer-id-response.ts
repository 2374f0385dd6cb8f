/**
 * InitProducerId response (key 22), versions 0–5 (flexible from 2):
 *   throttleTimeMs int32, errorCode int16, producerId int64 (default -1), producerEpoch int16
 * The layout never changed; from v1 a broker answers before throttling.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const InitProducerIdResponse = defineMessage({
  name: 'InitProducerIdResponse',
  apiKey: API_KEYS.InitProducerId,
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+', default: -1 },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
  ],
});
