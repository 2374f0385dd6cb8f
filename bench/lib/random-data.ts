/**
 * Random records shaped as the goals ask: ~16-byte keys and 100-byte values. Random bytes keep
 * compression and deduplication from flattering anyone. Keys and values are views into one slab so
 * generating a million records costs one randomBytes call, not a million small allocations.
 */
import { randomBytes } from 'node:crypto';

export const KEY_BYTES = 16;
export const VALUE_BYTES = 100;
export const RECORD_BYTES = KEY_BYTES + VALUE_BYTES;

export interface BenchRecord {
  key: Buffer;
  value: Buffer;
}

export function randomRecords(count: number): BenchRecord[] {
  const slab = randomBytes(count * RECORD_BYTES);
  const records: BenchRecord[] = new Array<BenchRecord>(count);
  for (let i = 0; i < count; i++) {
    const at = i * RECORD_BYTES;
    records[i] = { key: slab.subarray(at, at + KEY_BYTES), value: slab.subarray(at + KEY_BYTES, at + RECORD_BYTES) };
  }
  return records;
}

/** Splits records into consecutive chunks of `size` (the unit each contender sends per await). */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
