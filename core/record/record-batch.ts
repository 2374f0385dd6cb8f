/**
 * RecordBatch v2 (magic 2), byte for byte as Apache Kafka stores it in `.log` segments:
 *
 *   offset  field                 type
 *    0      baseOffset            int64
 *    8      batchLength           int32   bytes after this field (whole batch = batchLength + 12)
 *   12      partitionLeaderEpoch  int32
 *   16      magic                 int8    = 2
 *   17      crc                   uint32  CRC-32C of bytes 21..end
 *   21      attributes            int16   bits 0-2 codec, 3 LogAppendTime, 4 transactional,
 *                                         5 control, 6 hasDeleteHorizonMs
 *   23      lastOffsetDelta       int32
 *   27      baseTimestamp         int64
 *   35      maxTimestamp          int64
 *   43      producerId            int64   -1 = none
 *   51      producerEpoch         int16
 *   53      baseSequence          int32
 *   57      recordCount           int32
 *   61      records               (one compressed block when the codec is not none)
 *
 * Invariants: the CRC covers attributes..end but not baseOffset, batchLength or
 * partitionLeaderEpoch, which is why the broker (and {@link setBaseOffset}) may rewrite those
 * without re-hashing; a batch we encode has offset deltas 0..n-1. Compacted batches may have gaps,
 * so a reader only requires each delta to lie in [0, lastOffsetDelta]. Offsets and timestamps are
 * JS safe integers; anything else read from bytes is a coded error, never a RangeError.
 */

import { crc32c } from '@node-rs/crc32';
import { EddyError } from '../errors.js';
import { compress, compressionFromAttributes, decompress } from './compression.js';
import { checkInteger, readInt64BE, writeInt64BE } from './int64.js';
import { COMPRESSION_CODEC_IDS, type BatchHeader, type CompressionType, type LogRecord, type RecordInput, type TimestampType } from './record.js';
import { makeLogRecord, type RecordBase, type RecordFactory, readRecord, sizeOfRecordBody, writeRecord } from './record-codec.js';
import { readVarint, readVarlong, sizeOfVarint } from './varint.js';

export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes before `batchLength` starts counting. */
export const LOG_OVERHEAD = 12;
/** The smallest legal batchLength: the header after the length field, with no records. */
export const MIN_BATCH_LENGTH = BATCH_HEADER_SIZE - LOG_OVERHEAD;
export const CURRENT_MAGIC = 2;

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
export const ATTR_DELETE_HORIZON = 0x40;

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1;

const OFFSET_BATCH_LENGTH = 8;
const OFFSET_PARTITION_LEADER_EPOCH = 12;
const OFFSET_MAGIC = 16;
const OFFSET_CRC = 17;
const OFFSET_ATTRIBUTES = 21;
const OFFSET_LAST_OFFSET_DELTA = 23;
const OFFSET_MAX_TIMESTAMP = 35;
// A record is at least 7 bytes (length, attributes, two deltas, two null lengths, header count).
const MIN_RECORD_SIZE = 7;
const MAX_INT32 = 0x7fffffff;

export interface EncodeRecordBatchOptions {
  records: RecordInput[];
  baseOffset?: number;
  /** Defaults to the first record's timestamp, as Kafka's producer does. */
  baseTimestamp?: number;
  compression?: CompressionType;
  timestampType?: TimestampType;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  partitionLeaderEpoch?: number;
  /** The timestamp for records without one, and the LogAppendTime; `Date.now()` when absent. */
  now?: number;
}

type ResolvedEncodeOptions = Required<Omit<EncodeRecordBatchOptions, 'records' | 'baseTimestamp' | 'now'>>;

export const DEFAULT_ENCODE_RECORD_BATCH_OPTIONS: Readonly<ResolvedEncodeOptions> = {
  baseOffset: 0,
  compression: 'none',
  timestampType: 'CreateTime',
  producerId: NO_PRODUCER_ID,
  producerEpoch: NO_PRODUCER_EPOCH,
  baseSequence: NO_SEQUENCE,
  isTransactional: false,
  isControl: false,
  partitionLeaderEpoch: NO_PARTITION_LEADER_EPOCH,
};

// `??` rather than spreading, so an explicit `undefined` still gets the default.
function resolveEncodeRecordBatchOptions(options: EncodeRecordBatchOptions, count: number): ResolvedEncodeOptions {
  const d = DEFAULT_ENCODE_RECORD_BATCH_OPTIONS;
  const o: ResolvedEncodeOptions = {
    baseOffset: options.baseOffset ?? d.baseOffset,
    compression: options.compression ?? d.compression,
    timestampType: options.timestampType ?? d.timestampType,
    producerId: options.producerId ?? d.producerId,
    producerEpoch: options.producerEpoch ?? d.producerEpoch,
    baseSequence: options.baseSequence ?? d.baseSequence,
    isTransactional: options.isTransactional ?? d.isTransactional,
    isControl: options.isControl ?? d.isControl,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? d.partitionLeaderEpoch,
  };
  if (!Object.hasOwn(COMPRESSION_CODEC_IDS, o.compression)) {
    throw new EddyError('ERR_COMPRESSION_UNSUPPORTED', `Unsupported compression type ${String(o.compression)}`, { value: o.compression });
  }
  if (o.timestampType !== 'CreateTime' && o.timestampType !== 'LogAppendTime') {
    throw batchInvalid(`Unknown timestamp type ${String(o.timestampType)}`, 0);
  }
  checkInteger(o.baseOffset, 0, Number.MAX_SAFE_INTEGER - count, 'baseOffset', 'ERR_BATCH_INVALID');
  checkInteger(o.producerId, -1, Number.MAX_SAFE_INTEGER, 'producerId', 'ERR_BATCH_INVALID');
  checkInteger(o.producerEpoch, -1, 0x7fff, 'producerEpoch', 'ERR_BATCH_INVALID');
  checkInteger(o.baseSequence, -1, MAX_INT32, 'baseSequence', 'ERR_BATCH_INVALID');
  checkInteger(o.partitionLeaderEpoch, -1, MAX_INT32, 'partitionLeaderEpoch', 'ERR_BATCH_INVALID');
  return o;
}

function checkTimestamp(value: unknown, what: string): number {
  if (value === NO_TIMESTAMP) return NO_TIMESTAMP;
  return checkInteger(value, 0, Number.MAX_SAFE_INTEGER, what, 'ERR_TIMESTAMP_INVALID');
}

function batchInvalid(message: string, position: number, extra: Record<string, unknown> = {}): EddyError {
  return new EddyError('ERR_BATCH_INVALID', message, { position, ...extra });
}

/**
 * Encodes `records` as one complete RecordBatch v2 with offset deltas 0..n-1 and a valid CRC.
 *
 * Hot path (every produce): one pass sizes each record into a typed array, then the batch is
 * allocated once with `Buffer.allocUnsafe` and written in place — no per-record Buffers, no
 * BigInt for int64 fields, no concat. Compressed batches pay one extra buffer for the records
 * section that is handed to the codec.
 *
 * @example
 * const batch = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('hi'), timestamp: 1 }] });
 * decodeRecords(batch)[0]?.value?.toString(); // 'hi'
 */
export function encodeRecordBatch(options: EncodeRecordBatchOptions): Buffer {
  const records = options.records;
  if (!Array.isArray(records) || records.length === 0) {
    throw new EddyError('ERR_RECORD_INVALID', 'A record batch needs at least one record');
  }
  const count = records.length;
  const o = resolveEncodeRecordBatchOptions(options, count);
  const codecId = COMPRESSION_CODEC_IDS[o.compression];
  const now = options.now === undefined ? Date.now() : checkTimestamp(options.now, 'now');

  const timestamps = new Float64Array(count);
  let maxTimestamp = NO_TIMESTAMP;
  for (let i = 0; i < count; i++) {
    const record = records[i];
    if (typeof record !== 'object' || record === null) throw new EddyError('ERR_RECORD_INVALID', `Record ${i} is not an object`);
    const ts = record.timestamp === undefined ? now : checkTimestamp(record.timestamp, `timestamp of record ${i}`);
    timestamps[i] = ts;
    if (ts > maxTimestamp) maxTimestamp = ts;
  }
  const baseTimestamp = options.baseTimestamp === undefined ? timestamps[0]! : checkTimestamp(options.baseTimestamp, 'baseTimestamp');
  if (o.timestampType === 'LogAppendTime') maxTimestamp = now;

  const bodySizes = new Int32Array(count);
  let recordsSize = 0;
  for (let i = 0; i < count; i++) {
    const delta = timestamps[i]! - baseTimestamp;
    // Only reachable by mixing -1 (no timestamp) with timestamps near 2^53.
    if (!Number.isSafeInteger(delta)) {
      throw new EddyError('ERR_TIMESTAMP_INVALID', `Timestamp of record ${i} is too far from baseTimestamp ${baseTimestamp}`, { value: timestamps[i] });
    }
    const body = sizeOfRecordBody(records[i]!, delta, i);
    bodySizes[i] = body;
    recordsSize += sizeOfVarint(body) + body;
  }

  let batch: Buffer;
  if (codecId === 0) {
    batch = allocBatch(recordsSize);
    writeRecords(batch, BATCH_HEADER_SIZE, records, bodySizes, timestamps, baseTimestamp);
  } else {
    const section = Buffer.allocUnsafe(recordsSize);
    writeRecords(section, 0, records, bodySizes, timestamps, baseTimestamp);
    const compressed = compress(o.compression, section);
    batch = allocBatch(compressed.length);
    compressed.copy(batch, BATCH_HEADER_SIZE);
  }

  let attributes = codecId;
  if (o.timestampType === 'LogAppendTime') attributes |= ATTR_TIMESTAMP_TYPE;
  if (o.isTransactional) attributes |= ATTR_TRANSACTIONAL;
  if (o.isControl) attributes |= ATTR_CONTROL;
  writeInt64BE(batch, o.baseOffset, 0);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, OFFSET_BATCH_LENGTH);
  batch.writeInt32BE(o.partitionLeaderEpoch, OFFSET_PARTITION_LEADER_EPOCH);
  batch[OFFSET_MAGIC] = CURRENT_MAGIC;
  batch.writeInt16BE(attributes, OFFSET_ATTRIBUTES);
  batch.writeInt32BE(count - 1, 23);
  writeInt64BE(batch, baseTimestamp, 27);
  writeInt64BE(batch, maxTimestamp, OFFSET_MAX_TIMESTAMP);
  writeInt64BE(batch, o.producerId, 43);
  batch.writeInt16BE(o.producerEpoch, 51);
  batch.writeInt32BE(o.baseSequence, 53);
  batch.writeInt32BE(count, 57);
  writeCrc(batch);
  return batch;
}

function allocBatch(recordsSize: number): Buffer {
  if (recordsSize > MAX_INT32 - MIN_BATCH_LENGTH) {
    throw new EddyError('ERR_RECORD_TOO_LARGE', `A batch of ${recordsSize} record bytes exceeds the int32 batch length`);
  }
  return Buffer.allocUnsafe(BATCH_HEADER_SIZE + recordsSize);
}

function writeRecords(
  buf: Buffer,
  pos: number,
  records: RecordInput[],
  bodySizes: Int32Array,
  timestamps: Float64Array,
  baseTimestamp: number,
): void {
  for (let i = 0; i < records.length; i++) {
    pos = writeRecord(buf, pos, records[i]!, bodySizes[i]!, timestamps[i]! - baseTimestamp, i);
  }
}

function writeCrc(batch: Buffer, pos = 0): void {
  const end = pos + LOG_OVERHEAD + batch.readInt32BE(pos + OFFSET_BATCH_LENGTH);
  batch.writeUInt32BE(crc32c(batch.subarray(pos + OFFSET_ATTRIBUTES, end)), pos + OFFSET_CRC);
}

/** Decodes the 61-byte header at `pos`; checks only that the bytes are there and the int64s are safe. */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  if (!Number.isInteger(pos) || pos < 0 || buf.length - pos < BATCH_HEADER_SIZE) {
    throw batchInvalid(`A batch header needs ${BATCH_HEADER_SIZE} bytes at position ${pos}, ${Math.max(0, buf.length - pos)} available`, pos);
  }
  return {
    baseOffset: readInt64BE(buf, pos, 'baseOffset'),
    batchLength: buf.readInt32BE(pos + 8),
    partitionLeaderEpoch: buf.readInt32BE(pos + 12),
    magic: buf.readInt8(pos + 16),
    crc: buf.readUInt32BE(pos + 17),
    attributes: buf.readInt16BE(pos + 21),
    lastOffsetDelta: buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA),
    baseTimestamp: readInt64BE(buf, pos + 27, 'baseTimestamp'),
    maxTimestamp: readInt64BE(buf, pos + 35, 'maxTimestamp'),
    producerId: readInt64BE(buf, pos + 43, 'producerId'),
    producerEpoch: buf.readInt16BE(pos + 51),
    baseSequence: buf.readInt32BE(pos + 53),
    recordCount: buf.readInt32BE(pos + 57),
  };
}

/** The CRC-32C a batch should carry, computed over a view of `buf` (no copy). */
export function computeBatchCrc(buf: Buffer, pos: number, batchLength: number): number {
  return crc32c(buf.subarray(pos + OFFSET_ATTRIBUTES, pos + LOG_OVERHEAD + batchLength));
}

/**
 * Validates the stored batch at `pos`: the header is present, batchLength is sane and fits within
 * `size` bytes from `pos` (default: the rest of `buf`), magic is 2, the CRC-32C matches, and the
 * counts are consistent. Returns the decoded header. Records themselves are checked by
 * {@link decodeRecords}.
 */
export function verifyBatch(buf: Buffer, pos = 0, size = buf.length - pos): BatchHeader {
  checkBatchLength(buf, pos, size);
  const batchLength = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
  const stored = buf.readUInt32BE(pos + OFFSET_CRC);
  const computed = computeBatchCrc(buf, pos, batchLength);
  if (stored !== computed) {
    throw new EddyError('ERR_BATCH_CRC', `Batch at position ${pos} has CRC ${stored} but its bytes hash to ${computed}`, {
      position: pos,
      expected: stored,
      computed,
    });
  }
  const header = readBatchHeader(buf, pos);
  checkHeaderCounts(header, pos);
  return header;
}

/**
 * Every check of {@link verifyBatch} but the CRC, for bytes whose CRC was already checked (a
 * segment's batches this process wrote or read before).
 */
export function verifyBatchFraming(buf: Buffer, pos = 0, size = buf.length - pos): BatchHeader {
  checkBatchLength(buf, pos, size);
  const header = readBatchHeader(buf, pos);
  checkHeaderCounts(header, pos);
  return header;
}

function checkBatchLength(buf: Buffer, pos: number, size: number): void {
  const limit = Math.min(buf.length, pos + size);
  if (!Number.isInteger(pos) || pos < 0 || !Number.isInteger(size) || limit - pos < BATCH_HEADER_SIZE) {
    throw batchInvalid(`A batch needs at least ${BATCH_HEADER_SIZE} bytes at position ${pos}, ${Math.max(0, limit - pos)} available`, pos);
  }
  const batchLength = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
  if (batchLength < MIN_BATCH_LENGTH) {
    throw batchInvalid(`Batch at position ${pos} has batchLength ${batchLength}, below the minimum ${MIN_BATCH_LENGTH}`, pos);
  }
  if (batchLength > limit - pos - LOG_OVERHEAD) {
    throw batchInvalid(`Batch at position ${pos} declares ${batchLength + LOG_OVERHEAD} bytes but only ${limit - pos} are available`, pos);
  }
  const magic = buf.readInt8(pos + OFFSET_MAGIC);
  if (magic !== CURRENT_MAGIC) throw batchInvalid(`Batch at position ${pos} has unsupported magic ${magic}`, pos, { magic });
}

function checkHeaderCounts(header: BatchHeader, pos: number): void {
  const { recordCount, lastOffsetDelta, baseOffset } = header;
  if (baseOffset < 0) throw batchInvalid(`Batch at position ${pos} has negative baseOffset ${baseOffset}`, pos);
  if (recordCount < 0) throw batchInvalid(`Batch at position ${pos} has negative recordCount ${recordCount}`, pos);
  if (lastOffsetDelta < 0 || recordCount > lastOffsetDelta + 1) {
    throw batchInvalid(`Batch at position ${pos} has lastOffsetDelta ${lastOffsetDelta} for ${recordCount} records`, pos);
  }
  if (!Number.isSafeInteger(baseOffset + lastOffsetDelta)) {
    throw new EddyError('ERR_INT64_UNSAFE', `Batch at position ${pos} ends past the safe offset range`, { position: pos });
  }
  const codec = header.attributes & ATTR_COMPRESSION_MASK;
  if (codec === 0 && recordCount > (header.batchLength - MIN_BATCH_LENGTH) / MIN_RECORD_SIZE) {
    throw batchInvalid(`Batch at position ${pos} claims ${recordCount} records in ${header.batchLength - MIN_BATCH_LENGTH} bytes`, pos);
  }
}

/**
 * Decodes every record of `batch`, which must hold exactly one whole batch (verify it first with
 * {@link verifyBatch}; the CRC is not re-checked here). Keys, values and header values are views
 * into `batch` when it is uncompressed, into the decompressed block otherwise.
 */
export function decodeRecords(batch: Buffer, header?: BatchHeader): LogRecord[];
export function decodeRecords<T>(batch: Buffer, header: BatchHeader | undefined, make: RecordFactory<T>): T[];
export function decodeRecords<T>(batch: Buffer, header: BatchHeader = readBatchHeader(batch, 0), make?: RecordFactory<T>): T[] | LogRecord[] {
  const section = recordsSection(batch, header);
  const count = header.recordCount;
  const base: RecordBase = {
    baseOffset: header.baseOffset,
    lastOffsetDelta: header.lastOffsetDelta,
    baseTimestamp: header.baseTimestamp,
    logAppendTime: (header.attributes & ATTR_TIMESTAMP_TYPE) !== 0 ? header.maxTimestamp : null,
  };
  const factory = (make ?? makeLogRecord) as RecordFactory<T | LogRecord>;
  const records = new Array<T | LogRecord>(count);
  const cursor = { pos: 0 };
  const end = section.length;
  for (let i = 0; i < count; i++) {
    if (cursor.pos >= end) throw batchInvalid(`Batch claims ${count} records but holds only ${i}`, 0, { baseOffset: header.baseOffset });
    records[i] = readRecord(section, cursor, end, base, factory);
  }
  if (cursor.pos !== end) {
    throw batchInvalid(`Batch has ${end - cursor.pos} bytes after its ${count} records`, 0, { baseOffset: header.baseOffset });
  }
  return records as T[] | LogRecord[];
}

/** Rewrites baseOffset in place; the CRC does not cover it, so no re-hash is needed. */
export function setBaseOffset(batch: Buffer, baseOffset: number): void {
  if (batch.length < BATCH_HEADER_SIZE) throw batchInvalid(`A batch needs at least ${BATCH_HEADER_SIZE} bytes`, 0);
  checkInteger(baseOffset, 0, Number.MAX_SAFE_INTEGER, 'baseOffset', 'ERR_BATCH_INVALID');
  writeInt64BE(batch, baseOffset, 0);
}

/** Rewrites partitionLeaderEpoch in place; not covered by the CRC either. */
export function setPartitionLeaderEpoch(batch: Buffer, epoch: number): void {
  if (batch.length < BATCH_HEADER_SIZE) throw batchInvalid(`A batch needs at least ${BATCH_HEADER_SIZE} bytes`, 0);
  checkInteger(epoch, -1, MAX_INT32, 'partitionLeaderEpoch', 'ERR_BATCH_INVALID');
  batch.writeInt32BE(epoch, OFFSET_PARTITION_LEADER_EPOCH);
}

/**
 * Switches the batch to LogAppendTime with `timestamp` as maxTimestamp and recomputes the CRC,
 * as Kafka's broker does for topics with `message.timestamp.type=LogAppendTime`: records keep
 * their deltas, and readers report `timestamp` for every record.
 */
export function setLogAppendTime(batch: Buffer, timestamp: number): void {
  checkTimestamp(timestamp, 'LogAppendTime');
  if (batch.length < BATCH_HEADER_SIZE) throw batchInvalid(`A batch needs at least ${BATCH_HEADER_SIZE} bytes`, 0);
  batch.writeInt16BE(batch.readInt16BE(OFFSET_ATTRIBUTES) | ATTR_TIMESTAMP_TYPE, OFFSET_ATTRIBUTES);
  writeInt64BE(batch, timestamp, OFFSET_MAX_TIMESTAMP);
  writeCrc(batch);
}

/** The attributes (int16) of the batch at the start of `batch`; the caller has checked it holds a header. */
export function readBatchAttributes(batch: Buffer): number {
  return batch.readInt16BE(OFFSET_ATTRIBUTES);
}

/** The lastOffsetDelta (int32) of the batch at the start of `batch`; the caller has checked it holds a header. */
export function readBatchLastOffsetDelta(batch: Buffer): number {
  return batch.readInt32BE(OFFSET_LAST_OFFSET_DELTA);
}

export function batchIsControl(attributes: number): boolean {
  return (attributes & ATTR_CONTROL) !== 0;
}

export function batchIsTransactional(attributes: number): boolean {
  return (attributes & ATTR_TRANSACTIONAL) !== 0;
}

export function batchTimestampType(attributes: number): TimestampType {
  return (attributes & ATTR_TIMESTAMP_TYPE) !== 0 ? 'LogAppendTime' : 'CreateTime';
}

/** The batch's records section, checked against its header and decompressed. */
function recordsSection(batch: Buffer, header: BatchHeader): Buffer {
  if (header.magic !== CURRENT_MAGIC) throw batchInvalid(`Unsupported magic ${header.magic}`, 0, { magic: header.magic });
  if (header.batchLength < MIN_BATCH_LENGTH || header.batchLength + LOG_OVERHEAD !== batch.length) {
    throw batchInvalid(`Batch declares ${header.batchLength + LOG_OVERHEAD} bytes but the buffer holds ${batch.length}`, 0);
  }
  checkHeaderCounts(header, 0);
  const section = decompress(compressionFromAttributes(header.attributes), batch.subarray(BATCH_HEADER_SIZE));
  if (header.recordCount * MIN_RECORD_SIZE > section.length) {
    throw batchInvalid(`Batch claims ${header.recordCount} records but its records section holds ${section.length} bytes`, 0);
  }
  return section;
}

/**
 * Calls `visit` with each record's key (bytes as a latin1 string: one char per byte, exact) or null,
 * and its offset, without building record objects or buffer views: what a compaction offset map
 * needs, at a fraction of decodeRecords' garbage. Malformed framing throws like decodeRecords.
 */
export function forEachRecordKey(batch: Buffer, header: BatchHeader, visit: (key: string | null, offset: number) => void): void {
  const section = recordsSection(batch, header);
  const cursor = { pos: 0 };
  const end = section.length;
  const bad = (why: string): EddyError => batchInvalid(`Record at position ${cursor.pos} ${why}`, 0, { baseOffset: header.baseOffset });
  for (let i = 0; i < header.recordCount; i++) {
    if (cursor.pos >= end) throw batchInvalid(`Batch claims ${header.recordCount} records but holds only ${i}`, 0, { baseOffset: header.baseOffset });
    const length = readVarint(section, cursor, end);
    if (length < 1 || length > end - cursor.pos) throw bad(`has length ${length}`);
    const recordEnd = cursor.pos + length;
    cursor.pos++; // attributes
    readVarlong(section, cursor, recordEnd);
    const offsetDelta = readVarint(section, cursor, recordEnd);
    if (offsetDelta < 0 || offsetDelta > header.lastOffsetDelta) throw bad(`has offset delta ${offsetDelta}`);
    const keyLength = readVarint(section, cursor, recordEnd);
    let key: string | null = null;
    if (keyLength >= 0) {
      if (keyLength > recordEnd - cursor.pos) throw bad(`has a key of ${keyLength} bytes past its end`);
      key = section.toString('latin1', cursor.pos, cursor.pos + keyLength);
    } else if (keyLength !== -1) {
      throw bad(`has key length ${keyLength}`);
    }
    visit(key, header.baseOffset + offsetDelta);
    cursor.pos = recordEnd;
  }
  if (cursor.pos !== end) throw batchInvalid(`Batch has ${end - cursor.pos} bytes after its ${header.recordCount} records`, 0, { baseOffset: header.baseOffset });
}

/** One complete batch found by {@link batchesIn}. */
export interface BatchLocation {
  position: number;
  /** Whole batch, `batchLength + 12`. */
  size: number;
  header: BatchHeader;
}

/** Where {@link batchesIn} stopped: at the end of the buffer, or before an incomplete batch. */
export interface BatchScanEnd {
  position: number;
  /** True when bytes remain at `position` that begin a batch the buffer does not hold whole. */
  partial: boolean;
}

/**
 * Walks the consecutive batches of `buf` from `startPos`, yielding each complete one (header only;
 * CRCs are not checked — use {@link verifyBatch}). A read that ends on a byte limit usually cuts the
 * last batch; that ends the walk cleanly, and the generator's return value says where and whether
 * a partial batch was left. Bytes that cannot start a batch (batchLength below the minimum, magic
 * not 2) are corruption and throw ERR_BATCH_INVALID naming the position.
 */
export function* batchesIn(buf: Buffer, startPos = 0): Generator<BatchLocation, BatchScanEnd, undefined> {
  let pos = startPos;
  for (;;) {
    const remaining = buf.length - pos;
    if (remaining <= 0) return { position: pos, partial: false };
    if (remaining < LOG_OVERHEAD) return { position: pos, partial: true };
    const batchLength = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
    if (batchLength < MIN_BATCH_LENGTH) {
      throw batchInvalid(`Batch at position ${pos} has batchLength ${batchLength}, below the minimum ${MIN_BATCH_LENGTH}`, pos);
    }
    if (remaining > OFFSET_MAGIC) {
      const magic = buf.readInt8(pos + OFFSET_MAGIC);
      if (magic !== CURRENT_MAGIC) throw batchInvalid(`Batch at position ${pos} has unsupported magic ${magic}`, pos, { magic });
    }
    const size = batchLength + LOG_OVERHEAD;
    if (size > remaining) return { position: pos, partial: true };
    yield { position: pos, size, header: readBatchHeader(buf, pos) };
    pos += size;
  }
}
