/**
 * EndTxn request (key 26), versions 0–5 (flexible from 3):
 *   transactionalId STRING, producerId int64, producerEpoch int16, committed bool (false: abort)
 * The layout never changed. v5 is transaction protocol v2 (KIP-890 part 2): the coordinator bumps
 * the producer epoch on every EndTxn and returns the new id and epoch in the response.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const EndTxnRequest = defineMessage({
  name: 'EndTxnRequest',
  apiKey: API_KEYS.EndTxn,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'committed', type: 'bool', versions: '0+' },
  ],
});
