/**
 * AddPartitionsToTxn request (key 24), versions 0–5 (flexible from 3):
 *   v4+:  transactions ARRAY of { transactionalId STRING, producerId int64, producerEpoch int16,
 *           verifyOnly bool, topics ARRAY of { name STRING, partitions [int32] } }
 *   v0–3: v3AndBelowTransactionalId STRING, v3AndBelowProducerId int64,
 *         v3AndBelowProducerEpoch int16, v3AndBelowTopics ARRAY of { name STRING, partitions [int32] }
 * Two disjoint layouts: v0–3 is what clients send for their one transaction; v4+ is the batched form
 * brokers send the coordinator (KIP-890), where verifyOnly asks whether partitions are already in
 * the transaction instead of adding them. v5 only promises to understand TRANSACTION_ABORTABLE.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage, type FieldSpec } from '../schema.js';

/** Kafka's AddPartitionsToTxnTopic, shared by both layouts. */
const TOPIC_FIELDS: readonly FieldSpec[] = [
  { name: 'name', type: 'string', versions: '0+' },
  { name: 'partitions', type: '[]int32', versions: '0+' },
];

export const AddPartitionsToTxnRequest = defineMessage({
  name: 'AddPartitionsToTxnRequest',
  apiKey: API_KEYS.AddPartitionsToTxn,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    {
      name: 'transactions',
      type: '[]struct',
      versions: '4+',
      fields: [
        { name: 'transactionalId', type: 'string', versions: '4+' },
        { name: 'producerId', type: 'int64', versions: '4+' },
        { name: 'producerEpoch', type: 'int16', versions: '4+' },
        { name: 'verifyOnly', type: 'bool', versions: '4+' },
        { name: 'topics', type: '[]struct', versions: '4+', fields: TOPIC_FIELDS },
      ],
    },
    { name: 'v3AndBelowTransactionalId', type: 'string', versions: '0-3' },
    { name: 'v3AndBelowProducerId', type: 'int64', versions: '0-3' },
    { name: 'v3AndBelowProducerEpoch', type: 'int16', versions: '0-3' },
    { name: 'v3AndBelowTopics', type: '[]struct', versions: '0-3', fields: TOPIC_FIELDS },
  ],
});
