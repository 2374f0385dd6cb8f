/**
 * AddOffsetsToTxn response (key 25), versions 0–4 (flexible from 3):
 *   throttleTimeMs int32, errorCode int16
 */

import { API_KEYS } from '../api-keys.js';
import { defineMessage } from '../schema.js';

export const AddOffsetsToTxnResponse = defineMessage({
  name: 'AddOffsetsToTxnResponse',
  apiKey: API_KEYS.AddOffsetsToTxn,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
});
