/**
 * EndTxn response (key 26), versions 0–5 (flexible from 3):
 *   throttleTimeMs int32, errorCode int16
 *   v5+: producerId int64 (default -1), producerEpoch int16 (default -1) — the id and bumped epoch
 *        the producer continues with (KIP-890 part 2); plain fields, not tagged
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const EndTxnResponse = defineMessage({
  name: 'EndTxnResponse',
  apiKey: API_KEYS.EndTxn,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '5+', default: -1 },
    { name: 'producerEpoch', type: 'int16', versions: '5+', default: -1 },
  ],
});
