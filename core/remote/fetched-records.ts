/**
 * A partition's Fetch answer (record batches as @platformatic/kafka decodes them) turned into the
 * records a consumer returns, the way Kafka's Java consumer does it:
 *
 * - batches are in offset order and whole, the first possibly starting before the fetch offset:
 *   records below it are dropped;
 * - control batches (transaction markers) are never returned;
 * - read_committed: the response lists the aborted transactions overlapping the fetched range by
 *   producer id and first offset. Walking the batches in order, a producer becomes "aborted" at its
 *   listed first offset, its transactional batches are skipped while it is, and its ABORT marker
 *   ends that. (The library's own filter handles one aborted transaction per producer and response,
 *   so this one is used instead.)
 * - timestamps: CreateTime is the batch's first timestamp plus the record's delta; under
 *   LogAppendTime every record has the batch's max timestamp.
 *
 * `nextOffset` is where the next fetch starts: past the last batch, returned or not, so a fetch that
 * holds only markers or aborted data still moves the consumer on.
 */
import type { RecordsBatch } from '@platformatic/kafka';
import type { RawRecord } from '../client/partition-state.js';
import { EddyError, toSafeNumber } from '../errors.js';
import type { RecordHeader } from '../record/record.js';

const TIMESTAMP_TYPE_BIT = 0x08;
const TRANSACTIONAL_BIT = 0x10;
const CONTROL_BIT = 0x20;
/** Control record type in the marker's key (int16 version, int16 type). */
const ABORT_MARKER = 0;

export interface AbortedTransactionRef {
  producerId: bigint;
  firstOffset: bigint;
}

export interface DecodedFetch {
  records: RawRecord[];
  /** The offset after the last batch in the answer (or `from` when it held none). */
  nextOffset: number;
}

/**
 * Decodes `batches` fetched at `from`. `aborted` is the response's aborted-transaction list for a
 * read_committed fetch, null for read_uncommitted.
 */
export function decodeFetchedBatches(
  batches: readonly RecordsBatch[],
  from: number,
  topic: string,
  partition: number,
  aborted: readonly AbortedTransactionRef[] | null,
): DecodedFetch {
  const records: RawRecord[] = [];
  let nextOffset = from;
  const pending = aborted === null ? [] : [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  let nextAborted = 0;
  const abortedProducers = new Set<bigint>();
  for (const batch of batches) {
    if (batch.magic !== 2) {
      throw new EddyError('ERR_BATCH_INVALID', `Fetched a batch with magic ${batch.magic}; only RecordBatch v2 is read`, { topic, partition, offset: Number(batch.firstOffset) });
    }
    const baseOffset = toSafeNumber(batch.firstOffset, 'batch base offset');
    const lastOffset = baseOffset + batch.lastOffsetDelta;
    nextOffset = Math.max(nextOffset, lastOffset + 1);
    const control = (batch.attributes & CONTROL_BIT) !== 0;
    if (aborted !== null && batch.producerId >= 0n) {
      // Producers whose aborted transaction began at or before this batch.
      while (nextAborted < pending.length && pending[nextAborted]!.firstOffset <= BigInt(lastOffset)) abortedProducers.add(pending[nextAborted++]!.producerId);
      if (control) {
        const key = batch.records[0]?.key;
        if (key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === ABORT_MARKER) abortedProducers.delete(batch.producerId);
        continue;
      }
      if ((batch.attributes & TRANSACTIONAL_BIT) !== 0 && abortedProducers.has(batch.producerId)) continue;
    }
    if (control) continue;
    const logAppendTime = (batch.attributes & TIMESTAMP_TYPE_BIT) !== 0;
    const firstTimestamp = toSafeNumber(batch.firstTimestamp, 'batch timestamp');
    const maxTimestamp = toSafeNumber(batch.maxTimestamp, 'batch max timestamp');
    for (const r of batch.records) {
      const offset = baseOffset + r.offsetDelta;
      if (offset < from) continue;
      records.push({
        topic,
        partition,
        offset,
        timestamp: logAppendTime ? maxTimestamp : firstTimestamp + toSafeNumber(r.timestampDelta, 'record timestamp delta'),
        timestampType: logAppendTime ? 'LogAppendTime' : 'CreateTime',
        key: r.key,
        value: r.value,
        headers: r.headers.length === 0 ? [] : r.headers.map(toHeader),
      });
    }
  }
  return { records, nextOffset };
}

function toHeader([key, value]: [Buffer | null, Buffer | null]): RecordHeader {
  return { key: key === null ? '' : key.toString('utf8'), value };
}
