/**
 * Rewrites one stored RecordBatch v2 keeping only some of its records, as Kafka's
 * `MemoryRecords.filterTo` does for the cleaner. What a cleaned batch keeps from the original:
 *
 * - baseOffset and lastOffsetDelta, and every retained record its own offset delta: offsets never
 *   change, a batch keeps its place in the offset order, and the gaps left by removed records are
 *   legal (readers accept any delta in [0, lastOffsetDelta]);
 * - the codec, timestamp type, transactional and control bits, producer id, epoch, base sequence,
 *   partition leader epoch and maxTimestamp (so retention by time and the time index see the same
 *   batch age as before cleaning).
 *
 * Delete horizon (KIP-534, what Kafka 3.x does): the first time the cleaner retains a tombstone in a
 * batch, it sets attribute bit 6 (ATTR_DELETE_HORIZON) and stores `cleaning time +
 * delete.retention.ms` in the baseTimestamp field; record timestamp deltas are re-based on it (they
 * may become negative, which the zigzag varlong carries), so every record keeps its own timestamp.
 * Later passes drop the batch's tombstones once the horizon has passed.
 *
 * The same delete horizon delays the removal of transaction markers (Kafka piggy-backs on it too):
 * a marker whose transaction has no data left is stamped first and removed after the horizon.
 *
 * A batch left with no records is written as an empty batch (recordCount 0, no codec) only where
 * the cleaner must keep the offset range's end (the last batch of a cleaned segment group); see
 * {@link emptyBatchSpanning}.
 */
import { compress, compressionFromAttributes } from '../../record/compression.js';
import { writeInt64BE } from '../../record/int64.js';
import { ATTR_COMPRESSION_MASK, ATTR_CONTROL, ATTR_DELETE_HORIZON, ATTR_TIMESTAMP_TYPE, ATTR_TRANSACTIONAL, BATCH_HEADER_SIZE, computeBatchCrc, LOG_OVERHEAD } from '../../record/record-batch.js';
import type { BatchHeader, LogRecord } from '../../record/record.js';
import { sizeOfRecordBody, writeRecord } from '../../record/record-codec.js';
import { sizeOfVarint } from '../../record/varint.js';

/** Whether the batch carries a delete horizon, and which. */
export function deleteHorizonOf(header: BatchHeader): number | null {
  return (header.attributes & ATTR_DELETE_HORIZON) !== 0 ? header.baseTimestamp : null;
}

/**
 * A new batch holding `records` (a subset of the original's, in offset order) with the original's
 * header fields. `deleteHorizonMs` (non-null) is stored as the batch's delete horizon.
 */
export function rebuildBatch(header: BatchHeader, records: readonly LogRecord[], deleteHorizonMs: number | null): Buffer {
  let attributes = header.attributes & ~ATTR_DELETE_HORIZON;
  let baseTimestamp = header.baseTimestamp;
  if (deleteHorizonMs !== null) {
    attributes |= ATTR_DELETE_HORIZON;
    baseTimestamp = deleteHorizonMs;
  }
  const logAppendTime = (header.attributes & ATTR_TIMESTAMP_TYPE) !== 0;
  const count = records.length;
  const bodies = new Int32Array(count);
  const tsDeltas = new Float64Array(count);
  let sectionSize = 0;
  for (let i = 0; i < count; i++) {
    const record = records[i]!;
    // Under LogAppendTime readers report maxTimestamp for every record; the delta is informational.
    tsDeltas[i] = (logAppendTime ? header.maxTimestamp : record.timestamp) - baseTimestamp;
    const body = sizeOfRecordBody(record, tsDeltas[i]!, record.offset - header.baseOffset);
    bodies[i] = body;
    sectionSize += sizeOfVarint(body) + body;
  }
  let section: Buffer = Buffer.allocUnsafe(sectionSize);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const record = records[i]!;
    pos = writeRecord(section, pos, record, bodies[i]!, tsDeltas[i]!, record.offset - header.baseOffset);
  }
  const codec = compressionFromAttributes(header.attributes);
  if (count === 0) {
    attributes &= ~ATTR_COMPRESSION_MASK;
  } else if (codec !== 'none') {
    section = compress(codec, section);
  }
  const batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + section.length);
  writeInt64BE(batch, header.baseOffset, 0);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, 8);
  batch.writeInt32BE(header.partitionLeaderEpoch, 12);
  batch[16] = 2;
  batch.writeInt16BE(attributes, 21);
  batch.writeInt32BE(header.lastOffsetDelta, 23);
  writeInt64BE(batch, baseTimestamp, 27);
  writeInt64BE(batch, header.maxTimestamp, 35);
  writeInt64BE(batch, header.producerId, 43);
  batch.writeInt16BE(header.producerEpoch, 51);
  batch.writeInt32BE(header.baseSequence, 53);
  batch.writeInt32BE(count, 57);
  section.copy(batch, BATCH_HEADER_SIZE);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length - LOG_OVERHEAD), 17);
  return batch;
}

/**
 * An empty batch with the offsets, producer id, epoch and sequence of `header`, neither transactional
 * nor control: it only keeps a segment's offset span. Were it transactional, a replay of the log
 * from its start (a lost producer snapshot) would take it for the start of a transaction whose
 * marker the cleaner may since have removed, and the last stable offset would never move again.
 */
export function emptyBatchSpanning(header: BatchHeader): Buffer {
  return rebuildBatch({ ...header, attributes: header.attributes & ~(ATTR_TRANSACTIONAL | ATTR_CONTROL) }, [], null);
}
