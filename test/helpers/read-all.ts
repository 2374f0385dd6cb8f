import { batchesIn, decodeRecords, verifyBatch } from '../../core/record/record-batch.js';
import type { LogRecord } from '../../core/record/record.js';
import type { PartitionLog } from '../../core/log/partition-log.js';

/**
 * Every record of a partition log from `from` to its end, each batch CRC-checked. The same reader as
 * the one partition-log.test.ts exports, kept here so other test files can use it without importing
 * (and so re-running) that file's tests.
 */
export function readAll(log: PartitionLog, from = log.logStartOffset(), maxBytes = 64 * 1024): LogRecord[] {
  const out: LogRecord[] = [];
  let offset = from;
  while (offset < log.logEndOffset()) {
    const result = log.read(offset, maxBytes);
    if (result.bytes.length === 0) break;
    for (const { position, size, header } of batchesIn(result.bytes)) {
      verifyBatch(result.bytes, position, size);
      for (const record of decodeRecords(result.bytes.subarray(position, position + size), header)) {
        if (record.offset >= offset) out.push(record);
      }
    }
    offset = result.nextOffset;
  }
  return out;
}
