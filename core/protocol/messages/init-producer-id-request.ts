/**
 * InitProducerId request (key 22), versions 0–5 (flexible from 2):
 *   transactionalId NULLABLE_STRING (null: idempotent only, no transactions)
 *   transactionTimeoutMs int32
 *   v3+: producerId int64 (default -1), producerEpoch int16 (default -1)
 * v1 is v0; v3 lets a producer resume its id after INVALID_PRODUCER_EPOCH (KIP-360); v4 and v5 only
 * promise to understand PRODUCER_FENCED and TRANSACTION_ABORTABLE. Kafka's v6 (two-phase commit,
 * KIP-939) is still marked unstable and is left out.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const InitProducerIdRequest = defineMessage({
  name: 'InitProducerIdRequest',
  apiKey: API_KEYS.InitProducerId,
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'transactionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '3+', default: -1 },
    { name: 'producerEpoch', type: 'int16', versions: '3+', default: -1 },
  ],
});
