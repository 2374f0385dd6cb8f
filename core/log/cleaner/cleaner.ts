/**
 * The cleaning algorithm for one log (Kafka's `Cleaner`), given the range the CleanerManager chose:
 *
 *   1. Build an {@link OffsetMap} of key → latest offset over the dirty section
 *      [firstDirtyOffset, firstUncleanableOffset), batch by batch, until the map's budget is used up;
 *      `endOffset` is where it stopped (the end of the range when everything fitted). The rest of the
 *      dirty section waits for the next pass, so memory stays bounded however many keys there are.
 *      Aborted transactional batches do not enter the map: a key whose only newer value was aborted
 *      keeps its older committed one.
 *   2. Take the closed segments with base offsets below `endOffset` (from the log start: the clean
 *      section is re-cleaned too, as in Kafka), group consecutive ones whose total size fits
 *      `segment.bytes` and the index limits, and write each group as one `.cleaned` segment holding,
 *      of the batches below `endOffset`, only the records to retain:
 *        - a batch of an aborted transaction goes whole (cleaned-transaction-metadata.ts);
 *        - a record whose key maps to a later offset goes (a newer value exists);
 *        - a record without a key goes (a compacted topic refuses them; older data may hold some);
 *        - a tombstone stays until its batch's delete horizon has passed (cleaned-batch.ts): the
 *          first pass that retains it stamps `now + delete.retention.ms` into the batch;
 *        - a transaction marker stays while data of its transaction is left; after that it gets a
 *          delete horizon the same way, and goes on the first pass after it (Kafka's rule);
 *        - batches at or past `endOffset` are copied as they are.
 *      Offsets never change; a group's last batch is always kept (as an empty, non-transactional
 *      batch if nothing in it survives) so the cleaned segment spans exactly the offsets of the
 *      group it replaces. The cleaned segment's aborted-transaction index keeps the entries of the
 *      abort markers it keeps whose transaction still has data (those at or past `endOffset`).
 *   3. Swap each cleaned segment in (segment-swap.ts: crash-safe, one synchronous turn).
 *   4. The caller records `endOffset` as the new first dirty offset.
 *
 * Transactions: nothing at or past the last stable offset is judged (the manager ends the range
 * before it, and the pass checks again), so every transactional batch the pass looks at belongs to a
 * transaction that has ended, and every aborted one has its entry in the aborted-transaction index.
 *
 * The work runs in slices of about `sliceMs` (TimeSlicer), so appends and reads interleave with it;
 * appends only touch the active segment, which is never cleaned. A pass whose log is closed, or whose
 * segments retention removed meanwhile, is abandoned without touching the log.
 */
import { EddyError } from '../../errors.js';
import { decodeControlRecord } from '../../record/control-record.js';
import { batchesIn, batchIsControl, batchIsTransactional, decodeRecords, forEachRecordKey, verifyBatch } from '../../record/record-batch.js';
import type { BatchHeader, LogRecord } from '../../record/record.js';
import { LogSegment } from '../log-segment.js';
import { foregroundActivity, type PartitionLog } from '../partition-log.js';
import { deleteHorizonOf, emptyBatchSpanning, rebuildBatch } from './cleaned-batch.js';
import { CleanedTransactionMetadata } from './cleaned-transaction-metadata.js';
import { OffsetMap } from './offset-map.js';
import { CLEANED_SUFFIX, discardCleaned, swapSegments, type CrashHook } from './segment-swap.js';
import { TimeSlicer } from './time-slicer.js';

const READ_CHUNK = 1 << 20;
const MAX_RELATIVE_OFFSET = 0x7fffffff;

export interface CleanerOptions {
  /** Memory budget of the offset map (Kafka's log.cleaner.dedupe.buffer.size). */
  dedupeBufferBytes: number;
  /** Longest stretch of work between two turns of the event loop. Default 5 ms. */
  sliceMs?: number;
  /** Test hook: called between steps; throwing simulates a crash at that step. */
  crashAt?: CrashHook;
}

export const DEFAULT_CLEANER_SLICE_MS = 5;

/** The range of one pass, as the CleanerManager computed it. */
export interface CleanRange {
  firstDirtyOffset: number;
  firstUncleanableOffset: number;
}

export interface CleanProgress {
  phase: 'map' | 'clean';
  bytesDone: number;
  bytesTotal: number;
}

export interface CleanResult {
  /** The new first dirty offset: everything below it has been cleaned against a complete map. */
  endOffset: number;
  /** Offset ranges [baseOffset, nextOffset) of the segments written, one per group. */
  groups: Array<{ baseOffset: number; nextOffset: number; sizeBefore: number; sizeAfter: number }>;
  bytesRead: number;
  bytesWritten: number;
  recordsRead: number;
  recordsRemoved: number;
  /** Records of aborted transactions removed (also counted in recordsRemoved). */
  abortedRecordsRemoved: number;
  /** Transaction markers removed after their delete horizon. */
  markersRemoved: number;
  /** The earliest delete horizon of a tombstone or marker left in the log (null: none). */
  earliestDeleteHorizon: number | null;
  /** True when the pass was abandoned (log closed, segments removed meanwhile, or told to stop). */
  aborted: boolean;
}

class CleanAborted extends Error {}

/** One batch read from a segment, with its bytes (a view into the read chunk). */
interface StoredBatch {
  bytes: Buffer;
  header: BatchHeader;
  lastOffset: number;
}

/** Reads the batches of `segment` from `position` in chunks, checking each one's CRC. */
function* storedBatches(segment: LogSegment, position: number): Generator<StoredBatch> {
  let at = position;
  while (at < segment.size) {
    let chunk = segment.readBytes(at, READ_CHUNK);
    const first = segment.batchAt(at);
    if (first === null) throw corrupt(segment, at);
    if (first.size > chunk.length) chunk = segment.readBytes(at, first.size);
    let consumed = 0;
    for (const { position: p, size } of batchesIn(chunk, 0)) {
      let header: BatchHeader;
      try {
        header = verifyBatch(chunk, p, size);
      } catch (err) {
        throw corrupt(segment, at + p, err);
      }
      consumed = p + size;
      yield { bytes: chunk.subarray(p, p + size), header, lastOffset: header.baseOffset + header.lastOffsetDelta };
    }
    if (consumed === 0) throw corrupt(segment, at);
    at += consumed;
  }
}

function corrupt(segment: LogSegment, position: number, cause?: unknown): EddyError {
  return new EddyError('ERR_LOG_CORRUPT', `Corrupt batch in ${segment.logFile} at position ${position}; the cleaner skips this log`, { path: segment.logFile, position }, { cause });
}

export class Cleaner {
  private readonly sliceMs: number;

  constructor(private readonly options: CleanerOptions) {
    this.sliceMs = options.sliceMs ?? DEFAULT_CLEANER_SLICE_MS;
  }

  /**
   * One cleaning pass over `log`. `shouldStop` is polled at every slice; when it turns true, or the
   * log closes, the pass stops, leaving the log as it was apart from groups already swapped.
   */
  async clean(log: PartitionLog, range: CleanRange, now: number, onProgress?: (p: CleanProgress) => void, shouldStop: () => boolean = () => false): Promise<CleanResult> {
    const slicer = new TimeSlicer({ sliceMs: this.sliceMs, activity: () => foregroundActivity.appends });
    const result: CleanResult = { endOffset: range.firstDirtyOffset, groups: [], bytesRead: 0, bytesWritten: 0, recordsRead: 0, recordsRemoved: 0, abortedRecordsRemoved: 0, markersRemoved: 0, earliestDeleteHorizon: null, aborted: false };
    const checkpoint = async (): Promise<void> => {
      if (slicer.due) await slicer.yieldNow();
      if (shouldStop() || log.isClosed || log.isFailed) throw new CleanAborted();
    };
    let writing: LogSegment | null = null;
    const startOffsetAtStart = log.logStartOffset();
    try {
      const map = new OffsetMap(this.options.dedupeBufferBytes);
      result.endOffset = await this.buildOffsetMap(log, range, map, result, checkpoint, onProgress);
      this.options.crashAt?.('map-built');
      // The LSO only moves forward (a new transaction starts at the log end, past every closed
      // segment), so the one read now bounds what this pass may judge for all of it. It is below
      // endOffset only when the range given started past it (a first dirty offset checkpointed
      // beyond an open transaction's start, after a restart that lost state): that part is clean.
      const judgeBelow = Math.min(result.endOffset, log.lastStableOffset());
      // One for the whole pass: it walks the log from its start, as a marker's decision needs.
      const txns = new CleanedTransactionMetadata();
      const groups = this.groupSegments(log, result.endOffset);
      const total = groups.reduce((sum, g) => sum + g.reduce((s, seg) => s + seg.size, 0), 0);
      let done = 0;
      for (const group of groups) {
        await checkpoint();
        if (!log.holdsSegments(group)) throw new CleanAborted();
        const before = group.reduce((s, seg) => s + seg.size, 0);
        writing = await this.cleanInto(log, group, map, txns, judgeBelow, result, now, checkpoint, (bytes) => onProgress?.({ phase: 'clean', bytesDone: done + bytes, bytesTotal: total }));
        const cleaned = writing;
        const nextOffset = (group[group.length - 1] as LogSegment).nextOffset;
        this.options.crashAt?.('cleaned-written');
        writing = null;
        if (!await swapSegments(log, group, nextOffset, log.segmentOptionsForCleaner(), now, this.options.crashAt)) throw new CleanAborted();
        this.options.crashAt?.('group-swapped');
        result.groups.push({ baseOffset: cleaned.baseOffset, nextOffset, sizeBefore: before, sizeAfter: cleaned.size });
        result.bytesWritten += cleaned.size;
        done += before;
        onProgress?.({ phase: 'clean', bytesDone: done, bytesTotal: total });
      }
      return result;
    } catch (err) {
      if (writing !== null) {
        writing.close();
        discardCleaned(log.dir, writing.baseOffset);
      }
      // Reads fail with EBADF when retention or a topic deletion closed a segment under the pass:
      // that is the pass losing a race, not a storage failure.
      const retentionRan = log.logStartOffset() !== startOffsetAtStart;
      if (err instanceof CleanAborted || log.isClosed || shouldStop() || retentionRan) return { ...result, aborted: true };
      throw err;
    }
  }

  /**
   * Fills `map` from the dirty section, leaving out aborted transactional batches; returns the offset
   * it got to (the pass's endOffset). Never maps at or past the last stable offset.
   */
  private async buildOffsetMap(log: PartitionLog, range: CleanRange, map: OffsetMap, result: CleanResult, checkpoint: () => Promise<void>, onProgress?: (p: CleanProgress) => void): Promise<number> {
    const from = range.firstDirtyOffset;
    const to = Math.min(range.firstUncleanableOffset, log.lastStableOffset());
    if (from >= to) return from;
    const txns = new CleanedTransactionMetadata();
    txns.addAbortedTransactions(log.abortedTransactions(from, to));
    const segments = log.segmentsView().filter((s, i, all) => i < all.length - 1 && s.nextOffset > from && s.baseOffset < to);
    const total = segments.reduce((sum, s) => sum + s.size, 0);
    let done = 0;
    for (const segment of segments) {
      const start = segment.baseOffset >= from ? 0 : segment.locate(from).position;
      for (const batch of storedBatches(segment, start)) {
        if (batch.header.baseOffset >= to) return to;
        result.bytesRead += batch.bytes.length;
        const { attributes, producerId, baseOffset } = batch.header;
        if (batch.lastOffset < from || batchIsControl(attributes)) continue;
        if (batchIsTransactional(attributes) && txns.isAborted(producerId, baseOffset)) continue;
        const keys: string[] = [];
        const offsets: number[] = [];
        let cost = 0;
        forEachRecordKey(batch.bytes, batch.header, (key, offset) => {
          if (key === null) return;
          keys.push(key);
          offsets.push(offset);
          if (!map.has(key)) cost += OffsetMap.costOf(key.length);
        });
        // Full: stop before this batch (at least one batch per pass, so every pass makes progress).
        if (map.size > 0 && map.wouldOverflow(cost)) return batch.header.baseOffset;
        for (let k = 0; k < keys.length; k++) map.put(keys[k] as string, offsets[k] as number);
        await checkpoint();
      }
      done += segment.size;
      onProgress?.({ phase: 'map', bytesDone: done, bytesTotal: total });
    }
    return to;
  }

  /**
   * Kafka's groupSegmentsBySize: consecutive closed segments below `endOffset`, as many per group as
   * fit segment.bytes, the index size limit and int32 relative offsets.
   */
  private groupSegments(log: PartitionLog, endOffset: number): LogSegment[][] {
    const all = log.segmentsView();
    const candidates = all.filter((s, i) => i < all.length - 1 && s.baseOffset < endOffset);
    const { segmentBytes } = log.config;
    const maxIndexEntries = Math.floor(log.config.segmentIndexBytes / 8);
    const maxTimeEntries = Math.floor(log.config.segmentIndexBytes / 12);
    const groups: LogSegment[][] = [];
    let i = 0;
    while (i < candidates.length) {
      const first = candidates[i] as LogSegment;
      const group = [first];
      let size = first.size;
      let indexEntries = first.offsetIndex.entries;
      let timeEntries = first.timeIndex.entries;
      i++;
      while (i < candidates.length) {
        const next = candidates[i] as LogSegment;
        const fits =
          size + next.size <= segmentBytes &&
          indexEntries + next.offsetIndex.entries <= maxIndexEntries &&
          timeEntries + next.timeIndex.entries + 1 <= maxTimeEntries &&
          next.nextOffset - 1 - first.baseOffset <= MAX_RELATIVE_OFFSET;
        if (!fits) break;
        group.push(next);
        size += next.size;
        indexEntries += next.offsetIndex.entries;
        timeEntries += next.timeIndex.entries;
        i++;
      }
      groups.push(group);
    }
    return groups;
  }

  /**
   * Writes the retained batches of `group` to a closed, fsynced `<base>.log.cleaned` segment (with a
   * `<base>.txnindex.cleaned` when an abort marker whose transaction keeps data is in it). Batches at
   * or past `judgeBelow` are copied as they are.
   */
  private async cleanInto(
    log: PartitionLog,
    group: readonly LogSegment[],
    map: OffsetMap,
    txns: CleanedTransactionMetadata,
    judgeBelow: number,
    result: CleanResult,
    now: number,
    checkpoint: () => Promise<void>,
    progress: (bytes: number) => void,
  ): Promise<LogSegment> {
    const base = (group[0] as LogSegment).baseOffset;
    const groupEnd = (group[group.length - 1] as LogSegment).nextOffset;
    discardCleaned(log.dir, base); // leftovers of an earlier pass that stopped here
    // Every aborted transaction that may have batches in the group, wherever its marker is.
    txns.addAbortedTransactions(log.abortedTransactions(base, Math.min(groupEnd, judgeBelow)));
    const cleaned = LogSegment.create(log.dir, base, log.segmentOptionsForCleaner(), now, CLEANED_SUFFIX);
    const { deleteRetentionMs } = log.config;
    /** Abort markers kept because their transaction still has data: their index entries stay. */
    const abortsWithData = new Set<number>();
    let lastDropped: BatchHeader | null = null;
    let read = 0;
    const write = (bytes: Buffer, header: BatchHeader, awaitsHorizon: boolean): void => {
      cleaned.append(bytes, header.baseOffset + header.lastOffsetDelta, header.maxTimestamp);
      lastDropped = null;
      const horizon = deleteHorizonOf(header);
      if (awaitsHorizon && horizon !== null && (result.earliestDeleteHorizon === null || horizon < result.earliestDeleteHorizon)) result.earliestDeleteHorizon = horizon;
    };
    try {
      for (const segment of group) {
        for (const { bytes, header } of storedBatches(segment, 0)) {
          read += bytes.length;
          const control = batchIsControl(header.attributes);
          const transactional = batchIsTransactional(header.attributes);
          if (header.baseOffset >= judgeBelow) {
            if (control) txns.onMarker(header.producerId);
            else if (transactional) txns.onDataKept(header.producerId);
            write(bytes, header, false);
          } else if (control) {
            const kept = this.cleanMarker(bytes, header, txns, now, deleteRetentionMs);
            if (kept === null) {
              result.markersRemoved++;
              lastDropped = header;
            } else {
              if (kept.abortWithData) abortsWithData.add(header.baseOffset);
              write(kept.bytes, kept.header, kept.awaitsHorizon);
            }
          } else if (transactional && txns.isAborted(header.producerId, header.baseOffset)) {
            result.recordsRead += header.recordCount;
            result.recordsRemoved += header.recordCount;
            result.abortedRecordsRemoved += header.recordCount;
            lastDropped = header;
          } else {
            const records = decodeRecords(bytes, header);
            result.recordsRead += records.length;
            const existingHorizon = deleteHorizonOf(header);
            const retained: LogRecord[] = [];
            let tombstones = 0;
            for (const record of records) {
              if (record.key === null) continue;
              const latest = map.get(OffsetMap.keyOf(record.key));
              if (latest !== undefined && latest > record.offset) continue;
              if (record.value === null) {
                if (existingHorizon !== null && now >= existingHorizon) continue;
                tombstones++;
              }
              retained.push(record);
            }
            result.recordsRemoved += records.length - retained.length;
            if (transactional && retained.length > 0) txns.onDataKept(header.producerId);
            const horizon = existingHorizon ?? (tombstones > 0 ? now + deleteRetentionMs : null);
            if (retained.length === 0) {
              // Also the empty batches earlier passes kept at group ends: only this group's end needs one.
              lastDropped = header;
            } else if (retained.length === records.length && horizon === existingHorizon) {
              write(bytes, header, tombstones > 0);
            } else {
              const rebuilt = rebuildBatch(header, retained, horizon);
              write(rebuilt, verifyBatch(rebuilt), tombstones > 0);
            }
          }
          progress(read);
          await checkpoint();
        }
      }
      // Keep the group's offset span: the swap's recovery rule relies on the last batch being there.
      if (lastDropped !== null) {
        const empty = emptyBatchSpanning(lastDropped);
        write(empty, verifyBatch(empty), false);
      }
      // Index entries of the abort markers kept for their data, and of those this pass did not
      // judge; the others' transactions have no batch left, so readers need no entry for them.
      for (const segment of group) {
        for (const entry of segment.txnIndex.entries) {
          if (entry.lastOffset >= judgeBelow || abortsWithData.has(entry.lastOffset)) cleaned.txnIndex.append({ ...entry });
        }
      }
      cleaned.onBecomeInactive();
      await cleaned.flush(true);
      cleaned.close();
      return cleaned;
    } catch (err) {
      cleaned.close();
      discardCleaned(log.dir, base);
      throw err;
    }
  }

  /**
   * The fate of a marker below the judged limit: null when it goes (no data of its transaction is
   * left and its delete horizon has passed), else the bytes to keep (stamped with a horizon on the
   * first pass that finds its transaction without data). Markers of other control types are kept.
   */
  private cleanMarker(bytes: Buffer, header: BatchHeader, txns: CleanedTransactionMetadata, now: number, deleteRetentionMs: number): { bytes: Buffer; header: BatchHeader; awaitsHorizon: boolean; abortWithData: boolean } | null {
    const [record] = decodeRecords(bytes, header);
    // An empty control batch ends nothing (Kafka drops those too).
    if (record === undefined) return null;
    let type;
    try {
      type = decodeControlRecord(record).type;
    } catch {
      type = 'unknown' as const;
    }
    if (type === 'unknown') return { bytes, header, awaitsHorizon: false, abortWithData: false };
    if (txns.onMarker(header.producerId)) return { bytes, header, awaitsHorizon: false, abortWithData: type === 'abort' };
    const horizon = deleteHorizonOf(header);
    if (horizon !== null) return now >= horizon ? null : { bytes, header, awaitsHorizon: true, abortWithData: false };
    const stamped = rebuildBatch(header, [record], now + deleteRetentionMs);
    return { bytes: stamped, header: verifyBatch(stamped), awaitsHorizon: true, abortWithData: false };
  }
}
