/**
 * Zigzag varints as Kafka's record format uses them (protobuf `sint32`/`sint64`): the value is
 * zigzag-mapped so small negatives stay short, then written 7 bits per byte, least significant
 * group first, high bit set on every byte but the last.
 *
 * Invariants: a varint (int32) takes at most 5 bytes, a varlong at most 10; longer or overflowing
 * encodings are rejected with ERR_RECORD_INVALID, never truncated. Varlongs are JS numbers, so a
 * well-formed varlong outside the safe-integer range fails with ERR_INT64_UNSAFE.
 *
 * Readers advance a caller-owned {@link Cursor} and writers return the next position, so a call
 * allocates nothing; every read is bounded by an explicit `end` rather than the buffer's length
 * because records are parsed inside a larger batch.
 */

import { EddyError } from '../errors.js';

/** A read position shared by consecutive reads; one per decode, not one per field. */
export interface Cursor {
  pos: number;
}

const MAX_VARINT_BYTES = 5;
const MAX_VARLONG_BYTES = 10;

function truncated(pos: number): EddyError {
  return new EddyError('ERR_RECORD_INVALID', `Varint truncated at position ${pos}`, { position: pos });
}

/** Bytes needed for `value` (an int32) as a zigzag varint. */
export function sizeOfVarint(value: number): number {
  const z = ((value << 1) ^ (value >> 31)) >>> 0;
  if (z < 0x80) return 1;
  if (z < 0x4000) return 2;
  if (z < 0x200000) return 3;
  if (z < 0x10000000) return 4;
  return 5;
}

/** Bytes needed for `value` (a safe integer) as a zigzag varlong. */
export function sizeOfVarlong(value: number): number {
  if ((value | 0) === value) return sizeOfVarint(value);
  // Rounding of 2|v| - 1 near 2^54 cannot cross a 7-bit group boundary, so doubles suffice here.
  let z = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    size++;
  }
  return size;
}

/** Writes `value` (an int32) as a zigzag varint at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, value: number, pos: number): number {
  let z = ((value << 1) ^ (value >> 31)) >>> 0;
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[pos++] = z;
  return pos;
}

/** Writes `value` (a safe integer) as a zigzag varlong at `pos`; returns the position after it. */
export function writeVarlong(buf: Buffer, value: number, pos: number): number {
  if ((value | 0) === value) return writeVarint(buf, value, pos);
  // Zigzag of a 54-bit magnitude does not fit a double exactly, so build z = 2m + sign as two
  // 32-bit halves (hi, lo) and shift the pair.
  const sign = value < 0 ? 1 : 0;
  const m = sign === 1 ? -value - 1 : value;
  const mHigh = Math.floor(m / 2147483648);
  let lo = ((m - mHigh * 2147483648) * 2 + sign) >>> 0;
  let hi = mHigh;
  while (hi !== 0 || lo >= 0x80) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  return pos;
}

/** Reads a zigzag varint (int32) at `cursor.pos`, never past `end`, and advances the cursor. */
export function readVarint(buf: Buffer, cursor: Cursor, end: number): number {
  let pos = cursor.pos;
  if (pos >= end) throw truncated(pos);
  let b = buf[pos++]!;
  if (b < 0x80) {
    cursor.pos = pos;
    return (b >>> 1) ^ -(b & 1);
  }
  let z = b & 0x7f;
  for (let i = 1; ; i++) {
    if (pos >= end) throw truncated(pos);
    b = buf[pos++]!;
    if (i === MAX_VARINT_BYTES - 1 && b > 0x0f) {
      throw new EddyError('ERR_RECORD_INVALID', `Varint at position ${cursor.pos} overflows 32 bits`, { position: cursor.pos });
    }
    z |= (b & 0x7f) << (7 * i);
    if (b < 0x80) break;
  }
  cursor.pos = pos;
  z >>>= 0;
  return (z >>> 1) ^ -(z & 1);
}

/** Reads a zigzag varlong at `cursor.pos`, never past `end`, and advances the cursor. */
export function readVarlong(buf: Buffer, cursor: Cursor, end: number): number {
  let pos = cursor.pos;
  if (pos >= end) throw truncated(pos);
  let b = buf[pos++]!;
  if (b < 0x80) {
    cursor.pos = pos;
    return (b >>> 1) ^ -(b & 1);
  }
  // The zigzag sign is bit 0 of the first byte; accumulating m = z >>> 1 with multiplications
  // stays exact while m is safe, and an unsafe m never rounds back into the safe range.
  const sign = b & 1;
  let m = (b & 0x7e) >>> 1;
  let scale = 64;
  for (let i = 1; ; i++) {
    if (pos >= end) throw truncated(pos);
    b = buf[pos++]!;
    if (i === MAX_VARLONG_BYTES - 1 && b > 0x01) {
      throw new EddyError('ERR_RECORD_INVALID', `Varlong at position ${cursor.pos} overflows 64 bits`, { position: cursor.pos });
    }
    m += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) break;
  }
  if (m > Number.MAX_SAFE_INTEGER - sign) {
    throw new EddyError('ERR_INT64_UNSAFE', `Varlong at position ${cursor.pos} is outside the safe integer range`, {
      position: cursor.pos,
    });
  }
  cursor.pos = pos;
  return sign === 1 ? -m - 1 : m;
}
