/**
 * What the consumer keeps per assigned partition (whatever its backend), and the decoding of bytes
 * read from the embedded log into records.
 *
 * A partition's position is the offset of the next record to hand out; `buffered[next..]` are the
 * records decoded and not handed out yet, all at or after it; once they are handed out the position
 * moves to `bufferEnd`, past the last batch decoded (markers and aborted batches included). Backends
 * extend the class with what they keep besides (the log to read, a pending lookup).
 *
 * Fetched bytes are whole stored batches, the first possibly starting before the position. Every
 * batch's CRC is checked before its records are used (the log checks a stored batch only once per
 * process; a remote consumer reads from elsewhere), control batches (transaction markers) are
 * skipped, and records below the position are dropped. A read_committed reader also skips the
 * transactional batches of aborted transactions: a batch of producer P is aborted when an aborted
 * transaction of P has firstOffset <= baseOffset < lastOffset (the abort marker). Damage after at least one good batch ends the result early: the
 * reader gets what precedes it and the error on its next read, at exactly the damaged offset.
 */
import { EddyError } from '../errors.js';
import { batchesIn, batchIsControl, batchIsTransactional, batchTimestampType, decodeRecords, verifyBatch } from '../record/record-batch.js';
import type { RecordFactory } from '../record/record-codec.js';
import type { AbortedTransaction } from './log-access.js';
import type { ConsumerRecord } from './types.js';

/** A record as decoded, keys and values still bytes: handed out as is when no serde is configured. */
export type RawRecord = ConsumerRecord<Buffer | null, Buffer | null>;

/** One assigned partition: its position and the decoded records not yet handed out. */
export class PartitionState {
  /** null: none yet; the backend resolves one by autoOffsetReset before reading. */
  position: number | null = null;
  /** Decoded records at or after `position`, in offset order; `buffered[next]` is handed out next. */
  buffered: RawRecord[] = [];
  next = 0;
  /** Where the position goes once the buffer is drained: past the last batch decoded. */
  bufferEnd = 0;
  /**
   * The position last moved from `skippedFrom` to `skippedTo` over batches with nothing to hand out
   * (transaction markers, aborted batches); -1 when it has not since the last seek. A commit of any
   * offset in that range commits `skippedTo`, as Kafka's consumer commits its position.
   */
  private skippedFrom = -1;
  private skippedTo = -1;

  constructor(readonly topic: string, readonly partition: number) {}

  clearBuffer(): void {
    this.buffered = [];
    this.next = 0;
  }

  /** A new position (a seek, a committed offset, a rewind): what was buffered is dropped. */
  moveTo(offset: number): void {
    this.position = offset;
    this.clearBuffer();
    this.bufferEnd = offset;
    this.skippedFrom = this.skippedTo = -1;
  }

  /** Moves the position forward to `offset` over batches with nothing to hand out. */
  skipTo(offset: number): void {
    if (this.position === null) {
      this.position = offset;
      return;
    }
    if (offset <= this.position) return;
    if (this.skippedTo !== this.position) this.skippedFrom = this.position;
    this.skippedTo = offset;
    this.position = offset;
  }

  /** The offset to commit for `offset`: past the batches skipped since, when nothing lies between. */
  committable(offset: number): number {
    return offset >= this.skippedFrom && offset <= this.skippedTo ? this.skippedTo : offset;
  }

  /** No position: the next read or position() resolves one by autoOffsetReset. */
  forgetPosition(): void {
    this.position = null;
  }
}

/** The error for a partition without a position when autoOffsetReset is 'none'. */
export function noPositionError(state: PartitionState): EddyError {
  return new EddyError('ERR_OFFSET_OUT_OF_RANGE', `${state.topic}-${state.partition} has no position and autoOffsetReset is 'none'`, {
    topic: state.topic,
    partition: state.partition,
  });
}

/** Tells, batch by batch in offset order, whether a transactional batch belongs to an aborted transaction. */
class AbortedBatches {
  private list: readonly AbortedTransaction[] | null = null;
  /** Index of the first entry (sorted by firstOffset) not yet reached by the batches looked at. */
  private next = 0;
  /** Producer id → abort-marker offset of its latest aborted transaction reached so far. */
  private readonly reached = new Map<number, number>();

  constructor(private readonly load: () => readonly AbortedTransaction[]) {}

  /** `baseOffset` must not decrease from call to call. */
  isAborted(producerId: number, baseOffset: number): boolean {
    const list = (this.list ??= this.load());
    while (this.next < list.length && list[this.next]!.firstOffset <= baseOffset) {
      const aborted = list[this.next++]!;
      // A producer's transactions do not overlap: a later one replaces the earlier, which ended before it.
      this.reached.set(aborted.producerId, aborted.lastOffset);
    }
    const markerOffset = this.reached.get(producerId);
    return markerOffset !== undefined && baseOffset < markerOffset;
  }
}

/**
 * Decodes the batches in `bytes` into records at or after `from`. Returns the records and the offset
 * after the last batch looked at (control batches and aborted batches included), where the position
 * moves once the records are delivered. Throws when not even the first batch is usable.
 *
 * `abortedTransactions` (read_committed only; null reads everything) lists the aborted transactions
 * over the fetched range, sorted by firstOffset; it is called at most once, and only when a
 * transactional data batch is met. Plain batches cost one attribute test each: no work per record.
 */
export function decodeFetched(
  bytes: Buffer,
  from: number,
  topic: string,
  partition: number,
  abortedTransactions: (() => readonly AbortedTransaction[]) | null = null,
): { records: RawRecord[]; end: number } {
  // Created at the first transactional batch: a fetch of plain batches allocates nothing for it.
  let aborted: AbortedBatches | null = null;
  const records: RawRecord[] = [];
  let end = from;
  let sawBatch = false;
  try {
    for (const { position: pos, size, header } of batchesIn(bytes, 0)) {
      sawBatch = true;
      const batchEnd = header.baseOffset + header.lastOffsetDelta + 1;
      if (batchEnd <= from) continue;
      verifyBatch(bytes, pos, size);
      const skipped = batchIsControl(header.attributes)
        || (abortedTransactions !== null && batchIsTransactional(header.attributes)
          && (aborted ??= new AbortedBatches(abortedTransactions)).isAborted(header.producerId, header.baseOffset));
      if (!skipped) {
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
