/**
 * Produce request (key 0), versions 3–11 (flexible from 9):
 *   transactionalId NULLABLE_STRING (default null)
 *   acks int16, timeoutMs int32
 *   topicData ARRAY of { name STRING, partitionData ARRAY of { index int32, records RECORDS (nullable) } }
 * The layout is the same in every version here: v4–v8 and v10–v11 only widen what the broker may
 * answer (KAFKA_STORAGE_ERROR, zstd batches, record errors, leader hints, TRANSACTION_ABORTABLE).
 * Kafka 4.0 dropped v0–v2 (no transactionalId, message formats 0/1); later Kafka versions add v12
 * (same layout, transactions v2) and v13 (topics named by id), which Eddy does not offer yet.
 * `records` is opaque here: record batches are decoded by `core/record`, not by the codec.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const ProduceRequest = defineMessage({
  name: 'ProduceRequest',
  apiKey: API_KEYS.Produce,
  validVersions: '3-11',
  flexibleVersions: '9+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
    { name: 'acks', type: 'int16', versions: '0+' },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
    {
      name: 'topicData',
      type: '[]struct',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitionData',
          type: '[]struct',
          versions: '0+',
          fields: [
            { name: 'index', type: 'int32', versions: '0+' },
            { name: 'records', type: 'records', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
});
