/**
 * Whole-batch rewrites the log applies on append: re-encoding with another codec (a topic's
 * `compression.type`) and finding records without a key (refused by compacted topics). Pure
 * functions over bytes, like the rest of the codec.
 */
import { BATCH_HEADER_SIZE, batchIsControl, batchIsTransactional, batchTimestampType, decodeRecords, encodeRecordBatch } from './record-batch.js';
import { compressionFromAttributes } from './compression.js';
import type { BatchHeader, CompressionType } from './record.js';
import { readVarint, readVarlong } from './varint.js';

/**
 * The batch re-encoded with `codec`, keeping producer id, epoch, sequence, transactional flag and
 * timestamps (Kafka's broker-side recompression). Control batches, batches already in `codec`, and
 * batches with offset gaps (compacted) are returned as they are.
 */
export function recompressBatch(batch: Buffer, header: BatchHeader, codec: CompressionType): Buffer {
  if (batchIsControl(header.attributes) || compressionFromAttributes(header.attributes) === codec) return batch;
  const records = decodeRecords(batch, header);
  if (records.length !== header.lastOffsetDelta + 1) return batch;
  return encodeRecordBatch({
    records,
    compression: codec,
    baseTimestamp: header.baseTimestamp,
    timestampType: batchTimestampType(header.attributes),
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    isTransactional: batchIsTransactional(header.attributes),
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    now: header.maxTimestamp,
  });
}

/**
 * Index of the first record without a key, or -1. Uncompressed batches are walked by record framing
 * only (no record objects); compressed ones are decoded.
 */
export function firstKeylessRecord(batch: Buffer, header: BatchHeader): number {
  if (compressionFromAttributes(header.attributes) !== 'none') return decodeRecords(batch, header).findIndex((r) => r.key === null);
  const cursor = { pos: BATCH_HEADER_SIZE };
  const end = batch.length;
  for (let i = 0; i < header.recordCount && cursor.pos < end; i++) {
    const length = readVarint(batch, cursor, end);
    const recordEnd = cursor.pos + length;
    cursor.pos++; // attributes
    readVarlong(batch, cursor, recordEnd);
    readVarint(batch, cursor, recordEnd);
    if (readVarint(batch, cursor, recordEnd) < 0) return i;
    cursor.pos = recordEnd;
  }
  return -1;
}
