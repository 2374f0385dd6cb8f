import { encodeRecordBatch } from '../../core/record/record-batch.js';
import type { RecordInput } from '../../core/record/record.js';

/** Encodes `count` records `k<i>`/`v<i>` starting at `start`, with the given timestamp. */
export function batchOf(start: number, count: number, timestamp = 1_700_000_000_000, valueSize = 0): Buffer {
  const records: RecordInput[] = [];
  for (let i = start; i < start + count; i++) {
    const value = valueSize > 0 ? Buffer.alloc(valueSize, i % 251) : Buffer.from(`v${i}`);
    records.push({ key: Buffer.from(`k${i}`), value, timestamp });
  }
  return encodeRecordBatch({ records });
}
