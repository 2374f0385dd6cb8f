/**
 * AddPartitionsToTxn response (key 24), versions 0–5 (flexible from 3):
 *   throttleTimeMs int32
 *   v4+:  errorCode int16 (top level)
 *   v4+:  resultsByTransaction ARRAY of { transactionalId STRING, topicResults ARRAY of TopicResult }
 *   v0–3: resultsByTopicV3AndBelow ARRAY of TopicResult
 *   TopicResult = { name STRING, resultsByPartition ARRAY of { partitionIndex int32, partitionErrorCode int16 } }
 * The two layouts mirror the request's: per topic for a client's one transaction (v0–3), per
 * transaction for a broker's batch (v4+).
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage, type FieldSpec } from '../schema.js';

/** Kafka's AddPartitionsToTxnTopicResult, shared by both layouts. */
const TOPIC_RESULT_FIELDS: readonly FieldSpec[] = [
  { name: 'name', type: 'string', versions: '0+' },
  {
    name: 'resultsByPartition',
    type: '[]struct',
    versions: '0+',
    fields: [
      { name: 'partitionIndex', type: 'int32', versions: '0+' },
      { name: 'partitionErrorCode', type: 'int16', versions: '0+' },
    ],
  },
];

export const AddPartitionsToTxnResponse = defineMessage({
  name: 'AddPartitionsToTxnResponse',
  apiKey: API_KEYS.AddPartitionsToTxn,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '4+' },
    {
      name: 'resultsByTransaction',
      type: '[]struct',
      versions: '4+',
      fields: [
        { name: 'transactionalId', type: 'string', versions: '4+' },
        { name: 'topicResults', type: '[]struct', versions: '4+', fields: TOPIC_RESULT_FIELDS },
      ],
    },
    { name: 'resultsByTopicV3AndBelow', type: '[]struct', versions: '0-3', fields: TOPIC_RESULT_FIELDS },
  ],
});
