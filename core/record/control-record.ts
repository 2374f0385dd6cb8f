/**
 * The record a transaction coordinator writes into a control batch (attributes bit 5) to end a
 * transaction, as Kafka encodes it:
 *   key:   int16 version (0) | int16 type (0 = abort, 1 = commit)
 *   value: int16 version (0) | int32 coordinatorEpoch      (Kafka's EndTransactionMarker)
 * Other control types (KRaft's leader change, snapshot markers...) decode with type 'unknown' and
 * their numeric id, so a reader can skip them instead of failing.
 */

import { EddyError } from '../errors.js';
import { checkInteger } from './int64.js';

export type ControlRecordType = 'abort' | 'commit';

export const CONTROL_TYPE_IDS: Record<ControlRecordType, number> = { abort: 0, commit: 1 };

const CONTROL_KEY_SIZE = 4;
const END_TXN_MARKER_SIZE = 6;

export interface ControlRecord {
  type: ControlRecordType | 'unknown';
  typeId: number;
  version: number;
  /** The coordinator epoch of an abort/commit marker; -1 when the record has none. */
  coordinatorEpoch: number;
}

/** Key and value of the abort/commit marker for a control batch. */
export function encodeControlRecord(type: ControlRecordType, coordinatorEpoch: number): { key: Buffer; value: Buffer } {
  const typeId = CONTROL_TYPE_IDS[type];
  if (!Object.hasOwn(CONTROL_TYPE_IDS, type) || typeId === undefined) {
    throw new EddyError('ERR_RECORD_INVALID', `Unknown control record type ${String(type)}`, { value: type });
  }
  checkInteger(coordinatorEpoch, -1, 0x7fffffff, 'coordinatorEpoch', 'ERR_RECORD_INVALID');
  const key = Buffer.allocUnsafe(CONTROL_KEY_SIZE);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(typeId, 2);
  const value = Buffer.allocUnsafe(END_TXN_MARKER_SIZE);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return { key, value };
}

/** Reads a control record's key (and, for abort/commit, its value). */
export function decodeControlRecord(record: { key: Uint8Array | null; value: Uint8Array | null }): ControlRecord {
  const { key, value } = record;
  if (key === null || key.length < CONTROL_KEY_SIZE) {
    throw new EddyError('ERR_RECORD_INVALID', `A control record key needs ${CONTROL_KEY_SIZE} bytes, got ${key?.length ?? 'null'}`);
  }
  const keyView = Buffer.from(key.buffer, key.byteOffset, key.length);
  const typeId = keyView.readInt16BE(2);
  const type = typeId === 0 ? 'abort' : typeId === 1 ? 'commit' : 'unknown';
  let coordinatorEpoch = -1;
  if (type !== 'unknown') {
    if (value === null || value.length < END_TXN_MARKER_SIZE) {
      throw new EddyError('ERR_RECORD_INVALID', `A ${type} marker value needs ${END_TXN_MARKER_SIZE} bytes, got ${value?.length ?? 'null'}`);
    }
    coordinatorEpoch = Buffer.from(value.buffer, value.byteOffset, value.length).readInt32BE(2);
  }
  return { type, typeId, version: keyView.readInt16BE(0), coordinatorEpoch };
}
