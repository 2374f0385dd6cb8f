/**
 * AddOffsetsToTxn request (key 25), versions 0–4 (flexible from 3):
 *   transactionalId STRING, producerId int64, producerEpoch int16, groupId STRING
 * Adds the group's offsets partition to the transaction, ahead of TxnOffsetCommit to the group
 * coordinator. The layout never changed: v2 and v4 only promise to understand new error codes.
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const AddOffsetsToTxnRequest = defineMessage({
  name: 'AddOffsetsToTxnRequest',
  apiKey: API_KEYS.AddOffsetsToTxn,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'groupId', type: 'string', versions: '0+' },
  ],
});
