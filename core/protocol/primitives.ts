/**
 * The primitive types of Kafka's wire protocol, all big-endian:
 *   int8/int16/int32/int64, uint16/uint32, float64 (IEEE 754), boolean (one byte, non-zero = true),
 *   uuid (16 bytes), unsigned varint (7 bits per byte, at most 5 bytes, value < 2^32),
 *   zigzag varint (≤ 5 bytes) and varlong (≤ 10 bytes),
 *   STRING int16 length + UTF-8 (NULLABLE: length -1 = null),
 *   BYTES int32 length + bytes (NULLABLE: length -1 = null),
 *   ARRAY int32 count + elements (NULLABLE: count -1 = null),
 *   COMPACT_* forms: unsigned varint holding length + 1 (0 = null),
 *   tagged fields: uvarint count, then per field uvarint tag (strictly ascending), uvarint size, data.
 *
 * Invariants of {@link Reader}: it never reads past its `end`; every length and count is checked
 * against the bytes left *before* anything is allocated; every failure is an EddyError
 * `ERR_PROTOCOL_INVALID` naming the position — never a RangeError. Bytes are returned as views
 * into the input (no copy), so a produced record batch can be stored as it arrived; a caller that
 * keeps them past the frame's life must copy them.
 *
 * {@link Writer} appends to a buffer that doubles when full and checks every value's range, so a
 * bad value is a coded error instead of a silently wrapped integer.
 */

import { EddyError, isEddyError } from '../errors.js';
import { readInt64BE, writeInt64BE } from '../record/int64.js';
import { type Cursor, readVarint, readVarlong, writeVarint, writeVarlong } from '../record/varint.js';

/** Longest STRING / COMPACT_STRING Kafka accepts, in UTF-8 bytes. */
export const MAX_STRING_BYTES = 0x7fff;
const MAX_UVARINT = 0xffffffff;
const MAX_INT32 = 0x7fffffff;
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The error every decode (and encode) failure of the protocol codec throws. */
export function protocolError(message: string, context: Record<string, unknown> = {}, cause?: unknown): EddyError {
  return new EddyError('ERR_PROTOCOL_INVALID', message, context, cause === undefined ? undefined : { cause });
}

/**
 * Sequential reads over `buf[pos, end)`.
 *
 * @example
 * const r = new Reader(Buffer.from('0003616263', 'hex'));
 * r.string(); // 'abc'
 */
export class Reader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Absolute position in the underlying buffer. */
  get position(): number {
    return this.pos;
  }

  /** Fails unless every byte was read. */
  expectEnd(what: string): void {
    if (this.pos !== this.end) throw protocolError(`${what} has ${this.end - this.pos} unread bytes at position ${this.pos}`, { position: this.pos });
  }

  /** Advances past `n` bytes and returns where they started. */
  private take(n: number, what: string): number {
    if (n > this.end - this.pos) {
      throw protocolError(`${what} needs ${n} bytes at position ${this.pos}, ${this.end - this.pos} left`, { position: this.pos });
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.take(1, 'int8'));
  }

  int16(): number {
    return this.buf.readInt16BE(this.take(2, 'int16'));
  }

  uint16(): number {
    return this.buf.readUInt16BE(this.take(2, 'uint16'));
  }

  int32(): number {
    return this.buf.readInt32BE(this.take(4, 'int32'));
  }

  uint32(): number {
    return this.buf.readUInt32BE(this.take(4, 'uint32'));
  }

  /** An int64 as a JS number; one outside the safe range is malformed here (DESIGN decision 3). */
  int64(): number {
    const at = this.take(8, 'int64');
    try {
      return readInt64BE(this.buf, at, 'int64');
    } catch (err) {
      throw protocolError(`int64 at position ${at} is outside the safe integer range`, { position: at }, err);
    }
  }

  float64(): number {
    return this.buf.readDoubleBE(this.take(8, 'float64'));
  }

  bool(): boolean {
    return this.buf[this.take(1, 'boolean')] !== 0;
  }

  /** 16 bytes as the usual lowercase `8-4-4-4-12` hex text. */
  uuid(): string {
    const at = this.take(16, 'uuid');
    const hex = this.buf.toString('hex', at, at + 16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** An unsigned varint below 2^32, at most 5 bytes. */
  unsignedVarint(): number {
    const start = this.pos;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) throw protocolError(`Unsigned varint truncated at position ${this.pos}`, { position: this.pos });
      const b = this.buf[this.pos++]!;
      // The fifth byte carries the top 4 bits; anything more is longer than 5 bytes or above 2^32.
      if (i === 4 && b > 0x0f) throw protocolError(`Unsigned varint at position ${start} exceeds 32 bits`, { position: start });
      value += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) return value;
    }
    throw protocolError(`Unsigned varint at position ${start} exceeds 32 bits`, { position: start });
  }

  /** A zigzag varint (int32), at most 5 bytes. */
  varint(): number {
    return this.zigzag(readVarint);
  }

  /** A zigzag varlong as a safe integer, at most 10 bytes. */
  varlong(): number {
    return this.zigzag(readVarlong);
  }

  private zigzag(read: (buf: Buffer, cursor: Cursor, end: number) => number): number {
    const cursor: Cursor = { pos: this.pos };
    try {
      const value = read(this.buf, cursor, this.end);
      this.pos = cursor.pos;
      return value;
    } catch (err) {
      // The record layer's varint reader raises record-layer codes; here they mean a bad message.
      if (!isEddyError(err)) throw err;
      throw protocolError(err.message, { position: this.pos }, err);
    }
  }

  /** STRING: int16 length, never null. */
  string(): string {
    const value = this.nullableString();
    if (value === null) throw protocolError(`Null where a non-null string is required, at position ${this.pos - 2}`, { position: this.pos - 2 });
    return value;
  }

  /** NULLABLE_STRING: int16 length, -1 = null. */
  nullableString(): string | null {
    const length = this.int16();
    if (length === -1) return null;
    return this.utf8(length);
  }

  /** COMPACT_STRING: unsigned varint length + 1, never null. */
  compactString(): string {
    const value = this.compactNullableString();
    if (value === null) throw protocolError(`Null where a non-null compact string is required, at position ${this.pos - 1}`, { position: this.pos - 1 });
    return value;
  }

  /** COMPACT_NULLABLE_STRING: unsigned varint length + 1, 0 = null. */
  compactNullableString(): string | null {
    const lengthPlusOne = this.unsignedVarint();
    return lengthPlusOne === 0 ? null : this.utf8(lengthPlusOne - 1);
  }

  private utf8(length: number): string {
    if (length < 0 || length > MAX_STRING_BYTES) throw protocolError(`Invalid string length ${length} at position ${this.pos}`, { position: this.pos });
    const at = this.take(length, 'string');
    return this.buf.toString('utf8', at, at + length);
  }

  /** BYTES: int32 length, never null. */
  bytes(): Buffer {
    const value = this.nullableBytes();
    if (value === null) throw protocolError(`Null where non-null bytes are required, at position ${this.pos - 4}`, { position: this.pos - 4 });
    return value;
  }

  /** NULLABLE_BYTES: int32 length, -1 = null. */
  nullableBytes(): Buffer | null {
    const length = this.int32();
    return length === -1 ? null : this.view(length);
  }

  /** COMPACT_BYTES: unsigned varint length + 1, never null. */
  compactBytes(): Buffer {
    const value = this.compactNullableBytes();
    if (value === null) throw protocolError(`Null where non-null compact bytes are required, at position ${this.pos - 1}`, { position: this.pos - 1 });
    return value;
  }

  /** COMPACT_NULLABLE_BYTES: unsigned varint length + 1, 0 = null. */
  compactNullableBytes(): Buffer | null {
    const lengthPlusOne = this.unsignedVarint();
    return lengthPlusOne === 0 ? null : this.view(lengthPlusOne - 1);
  }

  private view(length: number): Buffer {
    if (length < 0) throw protocolError(`Invalid bytes length ${length} at position ${this.pos}`, { position: this.pos });
    const at = this.take(length, 'bytes');
    return this.buf.subarray(at, at + length);
  }

  /**
   * ARRAY / COMPACT_ARRAY count (-1 / 0 on the wire = null), checked so that `count` elements of
   * at least `minElementBytes` each fit in the bytes left: the caller may then loop safely.
   */
  arrayCount(compact: boolean, nullable: boolean, minElementBytes: number): number | null {
    const start = this.pos;
    const count = compact ? this.unsignedVarint() - 1 : this.int32();
    if (count === -1) {
      if (nullable) return null;
      throw protocolError(`Null where a non-null array is required, at position ${start}`, { position: start });
    }
    if (count < 0) throw protocolError(`Invalid array count ${count} at position ${start}`, { position: start });
    if (count * Math.max(1, minElementBytes) > this.end - this.pos) {
      throw protocolError(`Array of ${count} elements at position ${start} does not fit in the ${this.end - this.pos} bytes left`, {
        position: start,
        count,
      });
    }
    return count;
  }

  /** Reads `count` elements (a count from {@link arrayCount}). */
  elements<T>(count: number, readElement: (reader: Reader) => T): T[] {
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(readElement(this));
    return out;
  }

  /**
   * A tagged-field section. `onTag` gets each field's tag and a reader over exactly its bytes; it
   * returns false for a tag it does not know, which is skipped. A known field must use all of its
   * bytes. Tags must be strictly ascending.
   */
  taggedFields(onTag: (tag: number, field: Reader) => boolean): void {
    const start = this.pos;
    const count = this.unsignedVarint();
    // Each field takes at least two bytes (tag and size).
    if (count * 2 > this.end - this.pos) {
      throw protocolError(`${count} tagged fields at position ${start} do not fit in the ${this.end - this.pos} bytes left`, { position: start });
    }
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const tagAt = this.pos;
      const tag = this.unsignedVarint();
      if (tag <= previous) throw protocolError(`Tag ${tag} at position ${tagAt} is not above the previous tag ${previous}`, { position: tagAt, tag });
      previous = tag;
      const size = this.unsignedVarint();
      const at = this.take(size, `tagged field ${tag}`);
      const field = new Reader(this.buf, at, at + size);
      if (onTag(tag, field)) field.expectEnd(`Tagged field ${tag}`);
    }
  }
}

function checkRange(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw protocolError(`${what} must be an integer in [${min}, ${max}], got ${String(value)}`, { value });
  }
  return value;
}

/**
 * Byte strings at least this long (fetched record batches, produced ones) are kept by reference
 * instead of copied into the writer's buffer; {@link Writer.finishChunks} hands them on as they are.
 */
const ATTACH_MIN_BYTES = 16 * 1024;

/**
 * Appends primitives to a growable buffer. Long byte strings are not copied but kept by reference
 * until the writer finishes, so they must not change before then.
 *
 * @example
 * const w = new Writer();
 * w.int16(18);
 * w.compactString('eddy');
 * w.finish(); // <Buffer 00 12 05 65 64 64 79>
 */
export class Writer {
  private buf: Buffer;
  private pos = 0;
  /** What came before `buf`: earlier parts of it and attached byte strings, in order. */
  private sealed: Buffer[] = [];
  private sealedLength = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.sealedLength + this.pos;
  }

  /** The bytes written as one buffer: a view of the internal buffer (valid until the next write) unless long byte strings were attached, which are then copied together. */
  finish(): Buffer {
    if (this.sealed.length === 0) return this.buf.subarray(0, this.pos);
    return Buffer.concat(this.finishChunks(), this.length);
  }

  /** The bytes written, in order, without copying attached byte strings (for a vectored socket write). */
  finishChunks(): Buffer[] {
    return this.pos === 0 && this.sealed.length > 0 ? [...this.sealed] : [...this.sealed, this.buf.subarray(0, this.pos)];
  }

  /**
   * Reserves `n` bytes and returns where they start. It may replace `this.buf`, so callers take
   * the position first and only then touch `this.buf`.
   */
  private ensure(n: number): number {
    if (this.pos + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n, 64));
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  int8(value: number): void {
    checkRange(value, -0x80, 0x7f, 'int8');
    const at = this.ensure(1);
    this.buf.writeInt8(value, at);
  }

  int16(value: number): void {
    checkRange(value, -0x8000, 0x7fff, 'int16');
    const at = this.ensure(2);
    this.buf.writeInt16BE(value, at);
  }

  uint16(value: number): void {
    checkRange(value, 0, 0xffff, 'uint16');
    const at = this.ensure(2);
    this.buf.writeUInt16BE(value, at);
  }

  int32(value: number): void {
    checkRange(value, -0x80000000, MAX_INT32, 'int32');
    const at = this.ensure(4);
    this.buf.writeInt32BE(value, at);
  }

  uint32(value: number): void {
    checkRange(value, 0, 0xffffffff, 'uint32');
    const at = this.ensure(4);
    this.buf.writeUInt32BE(value, at);
  }

  int64(value: number): void {
    checkRange(value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'int64');
    const at = this.ensure(8);
    writeInt64BE(this.buf, value, at);
  }

  float64(value: number): void {
    if (typeof value !== 'number') throw protocolError(`float64 must be a number, got ${typeof value}`);
    const at = this.ensure(8);
    this.buf.writeDoubleBE(value, at);
  }

  bool(value: boolean): void {
    if (typeof value !== 'boolean') throw protocolError(`boolean must be true or false, got ${String(value)}`, { value });
    const at = this.ensure(1);
    this.buf[at] = value ? 1 : 0;
  }

  uuid(value: string): void {
    if (typeof value !== 'string' || !UUID_TEXT.test(value)) throw protocolError(`uuid must be 8-4-4-4-12 hex text, got ${String(value)}`, { value });
    const at = this.ensure(16);
    this.buf.write(value.replaceAll('-', ''), at, 16, 'hex');
  }

  unsignedVarint(value: number): void {
    let v = checkRange(value, 0, MAX_UVARINT, 'unsigned varint');
    const at = this.ensure(sizeOfUnsignedVarint(v));
    let pos = at;
    while (v >= 0x80) {
      this.buf[pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[pos] = v;
  }

  varint(value: number): void {
    const v = checkRange(value, -0x80000000, MAX_INT32, 'varint');
    const at = this.ensure(5);
    this.pos = writeVarint(this.buf, v, at);
  }

  varlong(value: number): void {
    const v = checkRange(value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'varlong');
    const at = this.ensure(10);
    this.pos = writeVarlong(this.buf, v, at);
  }

  /** STRING or NULLABLE_STRING (int16 length, -1 = null). */
  string(value: string | null): void {
    if (value === null) return this.int16(-1);
    const length = utf8Length(value);
    this.int16(length);
    const at = this.ensure(length);
    this.buf.write(value, at, length, 'utf8');
  }

  /** COMPACT_STRING or COMPACT_NULLABLE_STRING (uvarint length + 1, 0 = null). */
  compactString(value: string | null): void {
    if (value === null) return this.unsignedVarint(0);
    const length = utf8Length(value);
    this.unsignedVarint(length + 1);
    const at = this.ensure(length);
    this.buf.write(value, at, length, 'utf8');
  }

  /** BYTES or NULLABLE_BYTES (int32 length, -1 = null). */
  bytes(value: Uint8Array | null): void {
    if (value === null) return this.int32(-1);
    checkBytes(value);
    this.int32(value.length);
    this.raw(value);
  }

  /** COMPACT_BYTES or COMPACT_NULLABLE_BYTES (uvarint length + 1, 0 = null). */
  compactBytes(value: Uint8Array | null): void {
    if (value === null) return this.unsignedVarint(0);
    checkBytes(value);
    this.unsignedVarint(value.length + 1);
    this.raw(value);
  }

  /** An ARRAY / COMPACT_ARRAY count; the caller writes the elements. */
  arrayCount(count: number | null, compact: boolean): void {
    if (count === null) return compact ? this.unsignedVarint(0) : this.int32(-1);
    checkRange(count, 0, MAX_INT32, 'array count');
    if (compact) this.unsignedVarint(count + 1);
    else this.int32(count);
  }

  /** Bytes as they are (long ones by reference: see ATTACH_MIN_BYTES). */
  raw(bytes: Uint8Array): void {
    if (bytes.length >= ATTACH_MIN_BYTES) {
      this.attach(bytes);
      return;
    }
    const at = this.ensure(bytes.length);
    this.buf.set(bytes, at);
  }

  /** Seals what `buf` holds and appends `bytes` after it by reference; writing goes on in the rest of `buf`. */
  private attach(bytes: Uint8Array): void {
    if (this.pos > 0) {
      this.sealed.push(this.buf.subarray(0, this.pos));
      this.sealedLength += this.pos;
      this.buf = this.buf.subarray(this.pos);
      this.pos = 0;
    }
    this.sealed.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    this.sealedLength += bytes.length;
  }

  /** A tagged-field section; `fields` must be sorted by ascending tag. */
  taggedFields(fields: readonly { tag: number; write: (writer: Writer) => void }[]): void {
    this.unsignedVarint(fields.length);
    let previous = -1;
    for (const { tag, write } of fields) {
      if (tag <= previous) throw protocolError(`Tagged fields must be written in ascending order: ${tag} after ${previous}`, { tag });
      previous = tag;
      const field = new Writer(64);
      write(field);
      this.unsignedVarint(tag);
      this.unsignedVarint(field.length);
      this.raw(field.finish());
    }
  }
}

function sizeOfUnsignedVarint(value: number): number {
  let size = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}

function utf8Length(value: string): number {
  if (typeof value !== 'string') throw protocolError(`string must be a string or null, got ${typeof value}`);
  const length = Buffer.byteLength(value, 'utf8');
  if (length > MAX_STRING_BYTES) throw protocolError(`String of ${length} UTF-8 bytes exceeds ${MAX_STRING_BYTES}`, { length });
  return length;
}

function checkBytes(value: unknown): void {
  if (!(value instanceof Uint8Array)) throw protocolError('bytes must be a Buffer, Uint8Array or null');
  if (value.length > MAX_INT32 - 1) throw protocolError(`Bytes of length ${value.length} are too long`);
}
