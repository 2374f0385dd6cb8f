/**
 * What a consumer keeps per assigned partition, and the decoding of fetched bytes into records.
 *
 * Fetched bytes are whole stored batches, the first possibly starting before the position. Every
 * batch's CRC is checked before its records are used (the log checks too; a consumer may one day read
 * from elsewhere), control batches are skipped, and records below the position are dropped. Damage
 * after at least one good batch ends the result early: the reader gets what precedes it and the error
 * on its next read, at exactly the damaged offset.
 */
import { EddyError } from '../errors.js';
import { batchesIn, batchIsControl, batchTimestampType, decodeRecords, verifyBatch } from '../record/record-batch.js';
import type { RecordFactory } from '../record/record-codec.js';
import type { PartitionLogAccess } from './log-access.js';
import type { ConsumerRecord } from './types.js';

/** A record as decoded, keys and values still bytes: handed out as is when no serde is configured. */
export type RawRecord = ConsumerRecord<Buffer | null, Buffer | null>;

/** One assigned partition: its position, the decoded records not yet returned, its data waiter. */
export class PartitionState {
  position: number | null = null;
  /** Decoded records at or after `position`, in offset order; `buffered[next]` is returned next. */
  buffered: RawRecord[] = [];
  next = 0;
  /** Where the position goes once the buffer is drained: past the last batch decoded. */
  bufferEnd = 0;
  /** Offset of the outstanding waitForData() call, or null when none is outstanding. */
  waitingAt: number | null = null;

  constructor(readonly topic: string, readonly partition: number, readonly log: PartitionLogAccess) {}

  clearBuffer(): void {
    this.buffered = [];
    this.next = 0;
  }
}


/**
 * Decodes the batches in `bytes` into records at or after `from`. Returns the records and the offset
 * after the last batch looked at (control batches included), where the position moves once the
 * records are delivered. Throws when not even the first batch is usable.
 */
export function decodeFetched(bytes: Buffer, from: number, topic: string, partition: number): { records: RawRecord[]; end: number } {
  const records: RawRecord[] = [];
  let end = from;
  let sawBatch = false;
  try {
    for (const { position: pos, size, header } of batchesIn(bytes, 0)) {
      sawBatch = true;
      const batchEnd = header.baseOffset + header.lastOffsetDelta + 1;
      if (batchEnd <= from) continue;
      verifyBatch(bytes, pos, size);
      if (!batchIsControl(header.attributes)) {
        const timestampType = batchTimestampType(header.attributes);
        // Decoded straight into the consumer's record shape: no intermediate object per record.
        // Under LogAppendTime the decoder already reports maxTimestamp for every record.
        const make: RecordFactory<RawRecord> = (offset, timestamp, key, value, headers) => ({ topic, partition, offset, timestamp, timestampType, key, value, headers });
        for (const record of decodeRecords(bytes.subarray(pos, pos + size), header, make)) {
          if (record.offset >= from) records.push(record);
        }
      }
      end = Math.max(end, batchEnd);
    }
  } catch (err) {
    if (records.length === 0 && end === from) throw err;
    sawBatch = true;
  }
  if (!sawBatch) {
    throw new EddyError('ERR_LOG_CORRUPT', `No whole batch in ${bytes.length} bytes read at offset ${from}`, { topic, partition, offset: from });
  }
  return { records, end };
}
