/**
 * Per-log cleaning state (Kafka's LogCleanerManager): where each log's dirty section starts, which
 * logs are being cleaned or have been given up on, and which log is the filthiest.
 *
 * `<data-dir>/cleaner-offset-checkpoint` (the offset-checkpoint format) holds, per partition, the
 * first dirty offset: everything below it has been cleaned against a complete offset map. It is
 * written after every pass; a crash before that only makes the next pass redo work (cleaning is
 * idempotent). A checkpointed offset outside [log start, log end] is stale and reads as the log start.
 *
 * A log's ranges, by offset:
 *
 *     logStart ... clean ... firstDirty ... dirty (cleanable) ... firstUncleanable ... active segment
 *
 * firstUncleanable is the active segment's base offset, or earlier: the base of the segment holding
 * the last stable offset (a transaction's records can be judged only once it has ended; like Kafka,
 * cleaning stops at that segment's start), or of the first segment holding a record younger than
 * min.compaction.lag.ms; never below firstDirty. The dirty ratio is
 * dirty bytes / (clean + dirty bytes), counted in whole segments as Kafka does; an empty dirty range
 * counts no bytes, even when firstDirty falls inside a segment.
 *
 * Tombstone deadlines: each pass reports the earliest delete horizon left in the log; once the clock
 * passes it, the log is cleaned even with nothing dirty, so tombstones go on time. That deadline is
 * kept in memory only: after a restart, a log that was ever cleaned is treated as due
 * delete.retention.ms after opening (tombstones may outlive their horizon by that much, never less).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EddyError } from '../../errors.js';
import type { LogSegment } from '../log-segment.js';
import { checkpointKey, readOffsetCheckpoint, writeOffsetCheckpoint, type CheckpointEntries } from '../offset-checkpoint.js';
import type { PartitionLog } from '../partition-log.js';
import type { CleanRange, CleanResult } from './cleaner.js';

export const CLEANER_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';

/** What the manager knows about one log's cleanable state at a moment. */
export interface LogToClean extends CleanRange {
  log: PartitionLog;
  cleanBytes: number;
  cleanableBytes: number;
  /** cleanableBytes / (cleanBytes + cleanableBytes); 0 for an empty log. */
  dirtyRatio: number;
  /** The oldest dirty record is older than max.compaction.lag.ms. */
  needCompactionNow: boolean;
  /** A tombstone's delete horizon has passed. */
  tombstonesDue: boolean;
}

export class CleanerManager {
  private readonly file: string;
  private readonly checkpoints: CheckpointEntries;
  private readonly inProgress = new WeakSet<PartitionLog>();
  private readonly uncleanable = new WeakSet<PartitionLog>();
  private readonly horizons = new WeakMap<PartitionLog, number>();

  constructor(dataDir: string, private readonly openedAt: number) {
    this.file = path.join(dataDir, CLEANER_CHECKPOINT_FILE);
    this.checkpoints = readOffsetCheckpoint(this.file) ?? new Map();
  }

  /** Whether the cleaner has rewritten this partition before (its offsets may have gaps). */
  hasCleaned(topic: string, partition: number): boolean {
    return this.checkpoints.has(checkpointKey(topic, partition));
  }

  firstDirtyOffset(log: PartitionLog): number {
    const start = log.logStartOffset();
    const checkpointed = this.checkpoints.get(checkpointKey(log.topic, log.partition));
    if (checkpointed === undefined || checkpointed < start || checkpointed > log.logEndOffset()) return start;
    const segments = log.segmentsView();
    return Math.min(checkpointed, (segments[segments.length - 1] as LogSegment).baseOffset);
  }

  logToClean(log: PartitionLog, now: number): LogToClean {
    const config = log.config;
    const segments = log.segmentsView();
    const closed = segments.slice(0, -1);
    const firstDirtyOffset = this.firstDirtyOffset(log);
    let firstUncleanableOffset = (segments[segments.length - 1] as LogSegment).baseOffset;
    const stable = log.lastStableOffset();
    if (stable < firstUncleanableOffset) {
      // An open transaction started in a closed segment (or before the log start, where retention
      // took its first batches: then nothing is cleanable until it ends).
      firstUncleanableOffset = closed.findLast((s) => s.baseOffset <= stable)?.baseOffset ?? (segments[0] as LogSegment).baseOffset;
    }
    if (config.minCompactionLagMs > 0) {
      const young = closed.find((s) => s.nextOffset > firstDirtyOffset && s.maxTimestampSoFar > now - config.minCompactionLagMs);
      if (young !== undefined) firstUncleanableOffset = Math.min(firstUncleanableOffset, young.baseOffset);
    }
    firstUncleanableOffset = Math.max(firstDirtyOffset, firstUncleanableOffset);
    const dirtyRange = firstUncleanableOffset > firstDirtyOffset;
    let cleanBytes = 0;
    let cleanableBytes = 0;
    let firstDirtySegment: LogSegment | undefined;
    for (const segment of closed) {
      if (segment.baseOffset < firstDirtyOffset) cleanBytes += segment.size;
      if (dirtyRange && segment.nextOffset > firstDirtyOffset && segment.baseOffset < firstUncleanableOffset) {
        cleanableBytes += segment.size;
        firstDirtySegment ??= segment;
      }
    }
    const total = cleanBytes + cleanableBytes;
    let needCompactionNow = false;
    if (firstDirtySegment !== undefined && config.maxCompactionLagMs < Number.MAX_SAFE_INTEGER) {
      const batch = firstDirtySegment.batchAt(firstDirtySegment.baseOffset >= firstDirtyOffset ? 0 : firstDirtySegment.locate(firstDirtyOffset).position);
      const timestamp = batch?.header.maxTimestamp ?? firstDirtySegment.maxTimestampSoFar;
      needCompactionNow = timestamp >= 0 && now - timestamp > config.maxCompactionLagMs;
    }
    const horizon = this.horizons.get(log) ?? (this.hasCleaned(log.topic, log.partition) ? this.openedAt + config.deleteRetentionMs : Number.POSITIVE_INFINITY);
    return {
      log,
      firstDirtyOffset,
      firstUncleanableOffset,
      cleanBytes,
      cleanableBytes,
      dirtyRatio: total === 0 ? 0 : cleanableBytes / total,
      needCompactionNow,
      tombstonesDue: closed.length > 0 && now >= horizon,
    };
  }

  /**
   * The dirty ratio `topics describe` shows; null for a log that is not compacted, or that has no
   * closed segment yet (nothing is cleanable, so there is no ratio to speak of).
   */
  dirtyRatio(log: PartitionLog, now: number): number | null {
    if (!log.config.cleanupPolicy.compact || log.segmentsView().length < 2) return null;
    return this.logToClean(log, now).dirtyRatio;
  }

  /**
   * Kafka's grabFilthiestCompactedLog: among compacted logs not being cleaned, those above their
   * min.cleanable.dirty.ratio, past max.compaction.lag.ms or with tombstones due; the one with the
   * highest dirty ratio is marked in progress and returned.
   */
  grabFilthiestLog(logs: Iterable<PartitionLog>, now: number): LogToClean | null {
    let best: LogToClean | null = null;
    for (const log of logs) {
      if (!log.config.cleanupPolicy.compact || log.isClosed || log.isFailed || this.inProgress.has(log) || this.uncleanable.has(log)) continue;
      const ltc = this.logToClean(log, now);
      const qualifies = (ltc.cleanableBytes > 0 && (ltc.needCompactionNow || ltc.dirtyRatio > log.config.minCleanableDirtyRatio)) || ltc.tombstonesDue;
      if (qualifies && (best === null || ltc.dirtyRatio > best.dirtyRatio)) best = ltc;
    }
    if (best !== null) this.inProgress.add(best.log);
    return best;
  }

  /** Marks a log as being cleaned (manual cleaning); false when a pass already runs on it. */
  tryStart(log: PartitionLog): boolean {
    if (this.inProgress.has(log)) return false;
    this.inProgress.add(log);
    return true;
  }

  /**
   * Ends a pass: records the new first dirty offset (unless the pass was abandoned) and writes the
   * checkpoint without blocking the event loop on its fsyncs.
   */
  async doneCleaning(log: PartitionLog, result: CleanResult | null): Promise<void> {
    this.inProgress.delete(log);
    if (result === null || result.aborted || log.isClosed) return;
    this.horizons.set(log, result.earliestDeleteHorizon ?? Number.POSITIVE_INFINITY);
    this.checkpoints.set(checkpointKey(log.topic, log.partition), result.endOffset);
    await this.writeCheckpointAsync();
  }

  /** Same file and steps as writeOffsetCheckpoint (temp → fsync → rename → fsync dir), on the thread pool. */
  private async writeCheckpointAsync(): Promise<void> {
    const lines = ['0', String(this.checkpoints.size)];
    for (const [key, offset] of this.checkpoints) lines.push(`${key} ${offset}`);
    const tmp = `${this.file}.tmp`;
    try {
      const handle = await fs.promises.open(tmp, 'w');
      try {
        await handle.writeFile(lines.join('\n') + '\n');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.promises.rename(tmp, this.file);
      const dir = await fs.promises.open(path.dirname(this.file), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (err) {
      throw new EddyError('ERR_STORAGE_IO', `Cannot write ${this.file}: ${(err as Error).message}`, { path: this.file }, { cause: err });
    }
  }

  /** Gives up on a log whose data the cleaner cannot read (Kafka's uncleanable partitions). */
  markUncleanable(log: PartitionLog): void {
    this.inProgress.delete(log);
    this.uncleanable.add(log);
  }

  isUncleanable(log: PartitionLog): boolean {
    return this.uncleanable.has(log);
  }

  /** Drops the entries of a deleted (or re-created) topic, and those of topics no longer there. */
  retainOnly(exists: (topic: string, partition: number) => boolean): void {
    let changed = false;
    for (const key of [...this.checkpoints.keys()]) {
      const at = key.lastIndexOf(' ');
      if (!exists(key.slice(0, at), Number(key.slice(at + 1)))) {
        this.checkpoints.delete(key);
        changed = true;
      }
    }
    if (changed) this.writeCheckpoint();
  }

  writeCheckpoint(): void {
    try {
      writeOffsetCheckpoint(this.file, this.checkpoints);
    } catch (err) {
      throw new EddyError('ERR_STORAGE_IO', `Cannot write ${this.file}: ${(err as Error).message}`, { path: this.file }, { cause: err });
    }
  }
}
