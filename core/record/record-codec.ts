/**
 * One record inside a RecordBatch v2 (Kafka's DefaultRecord):
 *   length varint        bytes after this field
 *   attributes int8      unused, written as 0
 *   timestampDelta varlong   relative to the batch's baseTimestamp
 *   offsetDelta varint       relative to the batch's baseOffset
 *   keyLength varint (-1 = null) | key
 *   valueLength varint (-1 = null) | value
 *   headersCount varint | headers: keyLength varint, key UTF-8, valueLength varint (-1 = null), value
 * All varints are zigzag. A record's fields must use exactly `length` bytes; anything else is
 * ERR_RECORD_INVALID naming the record's position.
 */

import { EddyError } from '../errors.js';
import type { LogRecord, RecordHeader, RecordInput } from './record.js';
import { type Cursor, readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

const MAX_INT32 = 0x7fffffff;

function invalid(message: string, position: number): EddyError {
  return new EddyError('ERR_RECORD_INVALID', message, { position });
}

function bytesSize(bytes: Uint8Array | null | undefined, what: string): number {
  if (bytes === null || bytes === undefined) return 1;
  if (!(bytes instanceof Uint8Array)) throw new EddyError('ERR_RECORD_INVALID', `${what} must be a Buffer, Uint8Array or null`);
  if (bytes.length > MAX_INT32) throw new EddyError('ERR_RECORD_INVALID', `${what} of ${bytes.length} bytes is too large`);
  return sizeOfVarint(bytes.length) + bytes.length;
}

/** Size of a record's fields after its length varint (the value the length varint holds). */
export function sizeOfRecordBody(record: RecordInput, timestampDelta: number, offsetDelta: number): number {
  let size = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta);
  size += bytesSize(record.key, 'key') + bytesSize(record.value, 'value');
  const headers = record.headers;
  if (headers === undefined || headers === null) return size + 1;
  if (!Array.isArray(headers)) throw new EddyError('ERR_RECORD_INVALID', 'headers must be an array');
  size += sizeOfVarint(headers.length);
  for (const header of headers) {
    if (typeof header?.key !== 'string') throw new EddyError('ERR_RECORD_INVALID', 'header key must be a string');
    const keyBytes = Buffer.byteLength(header.key, 'utf8');
    size += sizeOfVarint(keyBytes) + keyBytes + bytesSize(header.value, 'header value');
  }
  if (size > MAX_INT32) throw new EddyError('ERR_RECORD_INVALID', `record of ${size} bytes is too large`);
  return size;
}

function writeBytes(buf: Buffer, bytes: Uint8Array | null | undefined, pos: number): number {
  if (bytes === null || bytes === undefined) return writeVarint(buf, -1, pos);
  pos = writeVarint(buf, bytes.length, pos);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/** Writes a whole record (length varint included) at `pos`; `bodySize` comes from sizeOfRecordBody. */
export function writeRecord(
  buf: Buffer,
  pos: number,
  record: RecordInput,
  bodySize: number,
  timestampDelta: number,
  offsetDelta: number,
): number {
  pos = writeVarint(buf, bodySize, pos);
  buf[pos++] = 0;
  pos = writeVarlong(buf, timestampDelta, pos);
  pos = writeVarint(buf, offsetDelta, pos);
  pos = writeBytes(buf, record.key, pos);
  pos = writeBytes(buf, record.value, pos);
  const headers = record.headers;
  if (headers === undefined || headers === null) {
    buf[pos++] = 0;
    return pos;
  }
  pos = writeVarint(buf, headers.length, pos);
  for (const header of headers) {
    const keyBytes = Buffer.byteLength(header.key, 'utf8');
    pos = writeVarint(buf, keyBytes, pos);
    pos += buf.write(header.key, pos, keyBytes, 'utf8');
    pos = writeBytes(buf, header.value, pos);
  }
  return pos;
}

/** What a record's absolute offset and timestamp are computed from: its batch's header. */
export interface RecordBase {
  baseOffset: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  /** The batch's maxTimestamp under LogAppendTime, which replaces every record's own; else null. */
  logAppendTime: number | null;
}

function readBytes(buf: Buffer, cursor: Cursor, end: number, what: string, recordPos: number): Buffer | null {
  const length = readVarint(buf, cursor, end);
  if (length < 0) {
    if (length === -1) return null;
    throw invalid(`Record at position ${recordPos} has ${what} length ${length}`, recordPos);
  }
  const start = cursor.pos;
  if (length > end - start) {
    throw invalid(`Record at position ${recordPos} has a ${what} of ${length} bytes past its end`, recordPos);
  }
  cursor.pos = start + length;
  // A view, not a copy: records decoded from an uncompressed batch share the batch's memory.
  return buf.subarray(start, start + length);
}

/**
 * Builds the object a decoded record becomes. Decoding straight into the caller's final shape (a
 * consumer's record) saves an intermediate object per record, which is most of a reader's garbage.
 */
export type RecordFactory<T> = (offset: number, timestamp: number, key: Buffer | null, value: Buffer | null, headers: RecordHeader[]) => T;

export const makeLogRecord: RecordFactory<LogRecord> = (offset, timestamp, key, value, headers) => ({ offset, timestamp, key, value, headers });

/** Reads the record at `cursor.pos` (never past `end`) and advances the cursor past it. */
export function readRecord<T = LogRecord>(buf: Buffer, cursor: Cursor, end: number, base: RecordBase, make: RecordFactory<T> = makeLogRecord as RecordFactory<never>): T {
  const recordPos = cursor.pos;
  const length = readVarint(buf, cursor, end);
  const bodyStart = cursor.pos;
  if (length < 1 || length > end - bodyStart) {
    throw invalid(`Record at position ${recordPos} has length ${length} but ${end - bodyStart} bytes remain`, recordPos);
  }
  const recordEnd = bodyStart + length;
  cursor.pos++; // attributes: unused by magic 2
  const timestampDelta = readVarlong(buf, cursor, recordEnd);
  const offsetDelta = readVarint(buf, cursor, recordEnd);
  if (offsetDelta < 0 || offsetDelta > base.lastOffsetDelta) {
    throw invalid(`Record at position ${recordPos} has offset delta ${offsetDelta} outside [0, ${base.lastOffsetDelta}]`, recordPos);
  }
  let timestamp = base.logAppendTime;
  if (timestamp === null) {
    timestamp = base.baseTimestamp + timestampDelta;
    if (!Number.isSafeInteger(timestamp)) throw invalid(`Record at position ${recordPos} has an unsafe timestamp`, recordPos);
  }
  const key = readBytes(buf, cursor, recordEnd, 'key', recordPos);
  const value = readBytes(buf, cursor, recordEnd, 'value', recordPos);
  const headerCount = readVarint(buf, cursor, recordEnd);
  // A header takes at least 2 bytes, which bounds the count before anything is allocated.
  if (headerCount < 0 || headerCount * 2 > recordEnd - cursor.pos) {
    throw invalid(`Record at position ${recordPos} has header count ${headerCount}`, recordPos);
  }
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) {
    const keyLength = readVarint(buf, cursor, recordEnd);
    const keyStart = cursor.pos;
    if (keyLength < 0 || keyLength > recordEnd - keyStart) {
      throw invalid(`Record at position ${recordPos} has header key length ${keyLength}`, recordPos);
    }
    cursor.pos = keyStart + keyLength;
    const headerKey = buf.toString('utf8', keyStart, cursor.pos);
    headers.push({ key: headerKey, value: readBytes(buf, cursor, recordEnd, 'header value', recordPos) });
  }
  if (cursor.pos !== recordEnd) {
    throw invalid(`Record at position ${recordPos} declares ${length} bytes but its fields use ${cursor.pos - bodyStart}`, recordPos);
  }
  return make(base.baseOffset + offsetDelta, timestamp, key, value, headers);
}
