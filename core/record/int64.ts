/**
 * Big-endian int64 fields (baseOffset, timestamps, producerId) read and written as JS numbers
 * (DESIGN decision 3). The hot path splits a number into two 32-bit halves instead of going through
 * BigInt, which would allocate on every call; BigInt appears only to build the error for a value
 * outside the safe range.
 */

import { EddyError, toSafeNumber } from '../errors.js';

const TWO_32 = 4294967296;

/** Writes a safe integer as a big-endian int64; the caller has checked `Number.isSafeInteger`. */
export function writeInt64BE(buf: Buffer, value: number, pos: number): number {
  const high = Math.floor(value / TWO_32);
  buf.writeInt32BE(high, pos);
  buf.writeUInt32BE(value - high * TWO_32, pos + 4);
  return pos + 8;
}

/** Reads a big-endian int64, throwing ERR_INT64_UNSAFE when it does not fit a JS number. */
export function readInt64BE(buf: Buffer, pos: number, what: string): number {
  // high * 2^32 is exact and the sum of an out-of-range value never rounds back into the safe
  // range, so one isSafeInteger check is exact.
  const value = buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
  if (Number.isSafeInteger(value)) return value;
  return toSafeNumber(buf.readBigInt64BE(pos), what);
}

/** Fails with `code` unless `value` is a safe integer within [min, max]. */
export function checkInteger(
  value: unknown,
  min: number,
  max: number,
  what: string,
  code: 'ERR_BATCH_INVALID' | 'ERR_RECORD_INVALID' | 'ERR_TIMESTAMP_INVALID',
): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new EddyError(code, `${what} must be an integer in [${min}, ${max}], got ${String(value)}`, { value });
  }
  return value;
}
