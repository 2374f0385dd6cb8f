/**
 * The records of `__transaction_state`, in Apache Kafka's own schemas (big-endian integers, strings
 * as int16 length + UTF-8, arrays as int32 count + items), so Kafka's tools can read the topic:
 *
 *     key   TransactionLogKey v0:    version int16 = 0, transactionalId string
 *     value TransactionLogValue v0:  version int16 = 0, producerId int64, producerEpoch int16,
 *                                    transactionTimeoutMs int32, transactionStatus int8,
 *                                    transactionPartitions nullable array of
 *                                      { topic string, partitionIds array of int32 },
 *                                    transactionLastUpdateTimestampMs int64,
 *                                    transactionStartTimestampMs int64
 *     a null value (tombstone): the transactionalId expired and is forgotten
 *
 * As Kafka writes it, the partition array is null in state Empty and present otherwise. Decoding
 * checks every length against the bytes left and every field against its range, and rejects
 * anything else (trailing bytes included) with ERR_RECORD_INVALID; a key of another version is not
 * ours and decodes to null so the loader skips it. Pure codec: no I/O.
 */
import { EddyError } from '../errors.js';
import { readInt64BE, writeInt64BE } from '../record/int64.js';

/** Kafka's TransactionState, with its ids (TransactionState.java). */
export const TRANSACTION_STATE_IDS = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;

export type TransactionState = keyof typeof TRANSACTION_STATE_IDS;

const STATE_BY_ID = Object.keys(TRANSACTION_STATE_IDS) as TransactionState[];

export interface TransactionLogPartitions {
  topic: string;
  partitionIds: number[];
}

export interface TransactionLogValue {
  producerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  state: TransactionState;
  /** Empty in state Empty (written as a null array). */
  partitions: TransactionLogPartitions[];
  lastUpdateTimestampMs: number;
  /** -1 when no transaction has started. */
  startTimestampMs: number;
}

const KEY_VERSION = 0;
const VALUE_VERSION = 0;
const MAX_STRING_BYTES = 0x7fff;
const MAX_INT32 = 0x7fffffff;

function invalid(message: string): EddyError {
  return new EddyError('ERR_RECORD_INVALID', `Malformed __transaction_state ${message}`);
}

function stringBytes(value: string, what: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > MAX_STRING_BYTES) throw new EddyError('ERR_RECORD_INVALID', `${what} is ${bytes.length} bytes; the limit is ${MAX_STRING_BYTES}`, { what });
  return bytes;
}

function checkRange(value: number, min: number, max: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new EddyError('ERR_RECORD_INVALID', `${field} ${String(value)} is outside [${min}, ${max}]`, { value });
  }
  return value;
}

export function encodeTransactionLogKey(transactionalId: string): Buffer {
  const id = stringBytes(transactionalId, 'transactionalId');
  const buf = Buffer.allocUnsafe(4 + id.length);
  buf.writeInt16BE(KEY_VERSION, 0);
  buf.writeInt16BE(id.length, 2);
  id.copy(buf, 4);
  return buf;
}

export function encodeTransactionLogValue(value: TransactionLogValue): Buffer {
  const stateId = Object.hasOwn(TRANSACTION_STATE_IDS, value.state) ? TRANSACTION_STATE_IDS[value.state] : undefined;
  if (stateId === undefined) throw new EddyError('ERR_RECORD_INVALID', `Unknown transaction state ${String(value.state)}`, { value: value.state });
  if (value.state === 'Empty' && value.partitions.length > 0) throw new EddyError('ERR_RECORD_INVALID', 'A transaction in state Empty has no partitions');
  checkRange(value.producerId, -1, Number.MAX_SAFE_INTEGER, 'producerId');
  checkRange(value.producerEpoch, -1, 0x7fff, 'producerEpoch');
  checkRange(value.transactionTimeoutMs, 0, MAX_INT32, 'transactionTimeoutMs');
  checkRange(value.lastUpdateTimestampMs, -1, Number.MAX_SAFE_INTEGER, 'lastUpdateTimestampMs');
  checkRange(value.startTimestampMs, -1, Number.MAX_SAFE_INTEGER, 'startTimestampMs');
  const topics = value.partitions.map((p) => {
    for (const id of p.partitionIds) checkRange(id, 0, MAX_INT32, 'partition id');
    return { name: stringBytes(p.topic, 'topic'), ids: p.partitionIds };
  });
  let size = 2 + 8 + 2 + 4 + 1 + 4 + 8 + 8;
  for (const t of topics) size += 2 + t.name.length + 4 + 4 * t.ids.length;
  const buf = Buffer.allocUnsafe(size);
  let pos = buf.writeInt16BE(VALUE_VERSION, 0);
  pos = writeInt64BE(buf, value.producerId, pos);
  pos = buf.writeInt16BE(value.producerEpoch, pos);
  pos = buf.writeInt32BE(value.transactionTimeoutMs, pos);
  pos = buf.writeInt8(stateId, pos);
  pos = buf.writeInt32BE(value.state === 'Empty' ? -1 : topics.length, pos);
  for (const t of topics) {
    pos = buf.writeInt16BE(t.name.length, pos);
    pos += t.name.copy(buf, pos);
    pos = buf.writeInt32BE(t.ids.length, pos);
    for (const id of t.ids) pos = buf.writeInt32BE(id, pos);
  }
  pos = writeInt64BE(buf, value.lastUpdateTimestampMs, pos);
  writeInt64BE(buf, value.startTimestampMs, pos);
  return buf;
}

/** Reads bounds-checked fields; every failure is ERR_RECORD_INVALID naming what was read. */
class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer, private readonly what: string) {}

  private need(n: number, field: string): void {
    if (n < 0 || this.pos + n > this.buf.length) throw invalid(`${this.what}: ${field} needs ${n} bytes at position ${this.pos}, ${this.buf.length - this.pos} left`);
  }

  int8(field: string): number {
    this.need(1, field);
    return this.buf.readInt8(this.pos++);
  }

  int16(field: string): number {
    this.need(2, field);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(field: string): number {
    this.need(4, field);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(field: string): number {
    this.need(8, field);
    let v: number;
    try {
      v = readInt64BE(this.buf, this.pos, field);
    } catch {
      throw invalid(`${this.what}: ${field} is outside the safe integer range`);
    }
    this.pos += 8;
    return v;
  }

  string(field: string): string {
    const length = this.int16(`${field} length`);
    if (length < 0) throw invalid(`${this.what}: ${field} is null`);
    this.need(length, field);
    const v = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return v;
  }

  /** An array count, checked against the bytes left given each item's minimum size. */
  count(field: string, minItemBytes: number, nullable: boolean): number {
    const n = this.int32(`${field} count`);
    if (n === -1 && nullable) return -1;
    if (n < 0 || n * minItemBytes > this.buf.length - this.pos) throw invalid(`${this.what}: ${field} count ${n} does not fit the ${this.buf.length - this.pos} bytes left`);
    return n;
  }

  end(): void {
    if (this.pos !== this.buf.length) throw invalid(`${this.what}: ${this.buf.length - this.pos} unexpected trailing bytes`);
  }
}

/** The transactionalId of a key, or null for a key of another version (not ours: skipped). */
export function decodeTransactionLogKey(bytes: Buffer): string | null {
  const reader = new Reader(bytes, 'key');
  if (reader.int16('version') !== KEY_VERSION) return null;
  const id = reader.string('transactionalId');
  reader.end();
  return id;
}

export function decodeTransactionLogValue(bytes: Buffer): TransactionLogValue {
  const reader = new Reader(bytes, 'value');
  const version = reader.int16('version');
  if (version !== VALUE_VERSION) throw invalid(`value: unsupported version ${version}`);
  const producerId = reader.int64('producerId');
  const producerEpoch = reader.int16('producerEpoch');
  const transactionTimeoutMs = reader.int32('transactionTimeoutMs');
  const stateId = reader.int8('transactionStatus');
  const state = STATE_BY_ID[stateId];
  if (state === undefined) throw invalid(`value: unknown transaction status ${stateId}`);
  if (producerId < -1 || producerEpoch < -1 || transactionTimeoutMs < 0) {
    throw invalid(`value: producerId ${producerId}, producerEpoch ${producerEpoch}, transactionTimeoutMs ${transactionTimeoutMs} out of range`);
  }
  const partitions: TransactionLogPartitions[] = [];
  const topicCount = reader.count('transactionPartitions', 6, true);
  for (let i = 0; i < topicCount; i++) {
    const topic = reader.string('topic');
    const idCount = reader.count('partitionIds', 4, false);
    const partitionIds: number[] = [];
    for (let j = 0; j < idCount; j++) {
      const id = reader.int32('partition id');
      if (id < 0) throw invalid(`value: partition id ${id} of topic ${JSON.stringify(topic)}`);
      partitionIds.push(id);
    }
    partitions.push({ topic, partitionIds });
  }
  const lastUpdateTimestampMs = reader.int64('transactionLastUpdateTimestampMs');
  const startTimestampMs = reader.int64('transactionStartTimestampMs');
  reader.end();
  return { producerId, producerEpoch, transactionTimeoutMs, state, partitions, lastUpdateTimestampMs, startTimestampMs };
}
