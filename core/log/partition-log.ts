/**
 * The log of one topic partition: a directory `<topic>-<partition>` of segments ordered by base
 * offset, the last one active. It assigns offsets on append (each batch checked by append-checks.ts
 * before a byte is written), serves reads by offset and timestamp (each read checked by
 * segment-reads.ts before it is returned), applies time and size retention (retention.ts), and
 * makes appends durable on request with group commit: every `flush()` call that arrives while an
 * fdatasync is running is satisfied by the next single one.
 *
 * Offsets: logStartOffset <= every readable offset < logEndOffset. The recovery point is the offset
 * below which everything is known to be on disk; after an unclean shutdown LogLoader verifies the
 * segments from the one holding it onward and cuts invalid bytes at or above it, never below.
 *
 * An fsync failure is fatal for the log (fail-stop): it is never retried or reported as success.
 *
 * Producers: batches with a producer id are checked against ProducerStateManager before they are
 * written (retries answered with their original offsets, sequence gaps and stale epochs refused), and
 * transactions are tracked per producer: the last stable offset (LSO) is the first offset of the
 * oldest open transaction, and abort markers add an entry to the segment's aborted-transaction index.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock, Timer } from '../clock.js';
import type { AbortedTransaction, AppendResult, IsolationLevel, PartitionLogAccess, ReadResult } from '../client/log-access.js';
import { EddyError } from '../errors.js';
import { encodeRecordBatch, setBaseOffset, setLogAppendTime, verifyBatch } from '../record/record-batch.js';
import { encodeControlRecord, type ControlRecordType } from '../record/control-record.js';
import type { BatchHeader } from '../record/record.js';
import { admitProducerBatch, recompressForTopic, requireKeysWhenCompacted } from './append-checks.js';
import { fsyncDirSync } from './atomic-file.js';
import type { LogConfig } from './log-config.js';
import { loadLog, type LogLoadReport } from './log-loader.js';
import { GroupCommit } from './group-commit.js';
import { LogSegment } from './log-segment.js';
import { ProducerStateManager, type OngoingTransaction } from './producer-state.js';
import { replaySegment, type ReplayedMarker } from './producer-state-replay.js';
import { DataWaiters } from './data-waiters.js';
import { expiredSegmentCount } from './retention.js';
import { corruptRead, firstRecordAtOrAfter, largestTrackedTimestamp, type ReadPlace, readValidPrefix, segmentIndexFor } from './segment-reads.js';

export type { LogLoadReport } from './log-loader.js';

/**
 * Appends made by any log of this process so far. Background work (the cleaner's TimeSlicer) reads
 * it to tell a busy event loop from an idle one and leave the busy one most of its time.
 */
export const foregroundActivity = { appends: 0 };

/** Who writes a batch: a producer, or a coordinator (transactional offset commits carry no sequence). */
export type AppendOrigin = 'client' | 'coordinator';

/** Kafka's producer.id.expiration.ms default: producers idle this long are forgotten. */
const PRODUCER_ID_EXPIRATION_MS = 86_400_000;

export class PartitionLog implements PartitionLogAccess {
  private segments: LogSegment[] = [];
  private startOffset = 0;
  private recoveryPointOffset = 0;
  private closed = false;
  private failure: EddyError | null = null;
  /**
   * Whether batches may have offset gaps between them: true for compacted topics and for any log
   * the cleaner has rewritten (it stays true if the policy is later changed to delete only).
   */
  private mayHaveGaps = false;
  /** Damage found below the recovery point at load: reads work up to it, appends are refused. */
  private damage: EddyError | null = null;
  private readonly dataWaiters = new DataWaiters();
  private readonly producers: ProducerStateManager;
  private readonly groupCommit = new GroupCommit({
    logEndOffset: () => this.logEndOffset(),
    syncAll: () => this.syncUnflushedSegments(),
    markDurable: (offset) => {
      this.recoveryPointOffset = Math.max(this.recoveryPointOffset, offset);
    },
    failed: () => this.failure !== null,
  });
  private unflushedRecords = 0;
  private flushTimer: Timer | null = null;
  readonly loadReport: LogLoadReport = { recoveredSegments: 0, truncatedBytes: 0, rebuiltIndexes: 0, deletedSegments: 0, completedSwaps: 0 };

  private constructor(
    readonly dir: string,
    readonly topic: string,
    readonly partition: number,
    private logConfig: LogConfig,
    private readonly clock: Clock,
  ) {
    this.producers = new ProducerStateManager(dir, { topic, partition });
  }

  /**
   * Opens (or creates) the partition directory. With `cleanShutdown` false, segments from the one
   * containing `recoveryPoint` onward are verified batch by batch and cut at the first bad byte.
   */
  static open(options: {
    dir: string;
    topic: string;
    partition: number;
    config: LogConfig;
    clock: Clock;
    recoveryPoint: number;
    logStartOffset: number;
    cleanShutdown: boolean;
    /** The cleaner has rewritten this log before (its offsets may have gaps). */
    cleaned?: boolean;
  }): PartitionLog {
    const log = new PartitionLog(options.dir, options.topic, options.partition, options.config, options.clock);
    log.mayHaveGaps = options.cleaned === true;
    if (!fs.existsSync(options.dir)) {
      fs.mkdirSync(options.dir, { recursive: true });
      fsyncDirSync(path.dirname(options.dir));
    }
    log.load(options.recoveryPoint, options.logStartOffset, options.cleanShutdown);
    return log;
  }

  /** Index settings of this log's segments (the cleaner writes its segments with the same). */
  segmentOptionsForCleaner(): { indexIntervalBytes: number; segmentIndexBytes: number } {
    return this.segmentOptions();
  }

  private segmentOptions() {
    return { indexIntervalBytes: this.logConfig.indexIntervalBytes, segmentIndexBytes: this.logConfig.segmentIndexBytes };
  }

  private load(recoveryPoint: number, checkpointedStart: number, cleanShutdown: boolean): void {
    const loaded = loadLog({
      dir: this.dir,
      segmentOptions: this.segmentOptions(),
      contiguous: this.contiguousOffsets(),
      now: this.clock.now(),
      recoveryPoint,
      logStartOffset: checkpointedStart,
      cleanShutdown,
    });
    this.segments = loaded.segments;
    this.startOffset = loaded.logStartOffset;
    this.recoveryPointOffset = loaded.recoveryPoint;
    this.damage = loaded.damage;
    Object.assign(this.loadReport, loaded.report);
    this.loadProducerState();
  }

  /**
   * Rebuilds producer state: the newest intact snapshot at or below the log end, then every batch
   * after it, re-adding the aborted-transaction index entries of the markers replayed (recovery may
   * have cut the ones after the crash point, and the index file may have missed some).
   */
  private loadProducerState(): void {
    const end = this.logEndOffset();
    const snapshot = this.producers.loadSnapshot(end);
    const from = Math.max(snapshot ?? 0, (this.segments[0] as LogSegment).baseOffset);
    if (snapshot === null || from > snapshot) this.producers.clear();
    if (from >= end) return;
    for (const segment of this.segments) segment.txnIndex.truncateTo(from);
    let replayed = 0;
    const onMarker = (m: ReplayedMarker): void => this.completeTransaction(m.segment, m.type, m.producerId, m.producerEpoch, m.coordinatorEpoch, m.offset, m.timestamp);
    for (let i = segmentIndexFor(this.segments, from); i < this.segments.length; i++) replayed += replaySegment(this.segments[i] as LogSegment, from, this.producers, onMarker);
    if (replayed > 0 && this.producers.producerCount > 0) this.producers.takeSnapshot(end);
  }

  /** Closes a producer's transaction at the marker `offset`; an abort gets an index entry in `segment`. */
  private completeTransaction(segment: LogSegment, type: ControlRecordType, producerId: number, epoch: number, coordinatorEpoch: number, offset: number, timestamp: number): void {
    const first = this.producers.onMarker(producerId, epoch, coordinatorEpoch, timestamp);
    if (type === 'abort' && first >= 0) {
      segment.txnIndex.append({ producerId, firstOffset: first, lastOffset: offset, lastStableOffset: this.lastStableOffset() });
    }
  }

  /** Offsets within and between batches are contiguous: never compacted, never cleaned. */
  private contiguousOffsets(): boolean {
    return !this.logConfig.cleanupPolicy.compact && !this.mayHaveGaps;
  }

  private activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1] as LogSegment;
  }

  get config(): LogConfig {
    return this.logConfig;
  }

  /** Applies new topic configs; they take effect on the next append, roll or retention pass. */
  updateConfig(config: LogConfig): void {
    this.logConfig = config;
    this.flushTimer?.cancel();
    this.flushTimer = null;
    // Appends waiting for a flush.ms flush keep waiting under the new interval.
    if (this.unflushedRecords > 0) this.armFlushTimer();
  }

  logStartOffset(): number {
    return this.startOffset;
  }

  logEndOffset(): number {
    return this.activeSegment().nextOffset;
  }

  recoveryPoint(): number {
    return this.recoveryPointOffset;
  }

  sizeInBytes(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.size;
    return total;
  }

  segmentCount(): number {
    return this.segments.length;
  }

  /** Base offsets of the segments, oldest first (for tools and tests). */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  private checkUsable(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new EddyError('ERR_LOG_CLOSED', `Log of ${this.topic}-${this.partition} is closed`, { topic: this.topic, partition: this.partition });
  }

  /**
   * Appends a batch from a producer (or, with origin 'coordinator', a transactional offset commit).
   * A retry of a batch the log already holds is answered with its original offsets (`duplicate`).
   */
  append(input: Buffer, origin: AppendOrigin = 'client'): AppendResult {
    let batch = input;
    this.checkUsable();
    if (this.damage !== null) throw this.damage;
    // Validate everything before any byte is written: a bad batch must never reach the file.
    let header = admitProducerBatch(batch, this.logConfig, this);
    if (header.producerId >= 0) {
      const duplicate = this.producers.check(header, origin);
      if (duplicate !== null) {
        return { baseOffset: duplicate.firstOffset, lastOffset: duplicate.lastOffset, logAppendTime: -1, timestampType: this.logConfig.timestampType, duplicate: true };
      }
    }
    requireKeysWhenCompacted(batch, header, this.logConfig, this);
    const recompressed = recompressForTopic(batch, header, this.logConfig);
    if (recompressed !== batch) {
      batch = recompressed;
      header = verifyBatch(batch, 0, batch.length);
    }
    const result = this.write(batch, header);
    if (header.producerId >= 0) this.producers.onBatch(header, result.baseOffset, result.lastOffset);
    this.afterAppend();
    return result;
  }

  /**
   * Writes a transaction marker (a control batch) ending `producerId`'s transaction in this partition;
   * written by the transaction coordinator with the producer's bumped epoch. Refused with
   * ERR_PRODUCER_FENCED when the epoch is below the one this log knows. A marker for a producer with
   * no open transaction here is written all the same (Kafka does too) and changes nothing.
   */
  appendControl(type: ControlRecordType, producerId: number, producerEpoch: number, coordinatorEpoch: number): AppendResult {
    this.checkUsable();
    if (this.damage !== null) throw this.damage;
    this.producers.checkMarker(producerId, producerEpoch);
    const now = this.clock.now();
    const { key, value } = encodeControlRecord(type, coordinatorEpoch);
    const batch = encodeRecordBatch({
      records: [{ key, value, headers: [], timestamp: now }],
      isControl: true,
      isTransactional: true,
      producerId,
      producerEpoch,
      baseSequence: -1,
      now,
    });
    const result = this.write(batch, verifyBatch(batch, 0, batch.length));
    this.completeTransaction(this.activeSegment(), type, producerId, producerEpoch, coordinatorEpoch, result.baseOffset, now);
    this.afterAppend();
    return result;
  }

  /** Assigns offsets and writes a verified batch to the active segment, rolling first when due. */
  private write(batch: Buffer, header: BatchHeader): AppendResult {
    const baseOffset = this.logEndOffset();
    const lastOffset = baseOffset + header.lastOffsetDelta;
    let maxTimestamp = header.maxTimestamp;
    let logAppendTime = -1;
    if (this.logConfig.timestampType === 'LogAppendTime') {
      logAppendTime = this.clock.now();
      setLogAppendTime(batch, logAppendTime);
      maxTimestamp = logAppendTime;
    }
    setBaseOffset(batch, baseOffset);
    const now = this.clock.now();
    let active = this.activeSegment();
    // Kafka's segment.jitter.ms: each segment rolls a random amount early, so partitions created
    // together do not all roll (and get deleted) in the same instant.
    // A compacted log also rolls at max.compaction.lag.ms (Kafka's KIP-354): the cleaner never
    // touches the active segment, so its records could otherwise wait longer than the lag allows.
    const rollMs = this.logConfig.cleanupPolicy.compact ? Math.min(this.logConfig.segmentMs, this.logConfig.maxCompactionLagMs) : this.logConfig.segmentMs;
    const segmentMs = rollMs - (this.logConfig.segmentJitterMs > 0 ? active.rollJitter(this.logConfig.segmentJitterMs, rollMs) : 0);
    if (active.shouldRoll(batch.length, maxTimestamp, now, this.logConfig.segmentBytes, segmentMs, lastOffset)) active = this.roll(now);
    try {
      active.append(batch, lastOffset, maxTimestamp);
    } catch (err) {
      throw this.fail(err);
    }
    this.unflushedRecords += header.lastOffsetDelta + 1;
    foregroundActivity.appends++;
    return { baseOffset, lastOffset, logAppendTime, timestampType: this.logConfig.timestampType };
  }

  /** The first offset that may belong to an open transaction; the log end when none is open. */
  lastStableOffset(): number {
    return this.producers.firstUnstableOffset() ?? this.logEndOffset();
  }

  /** Transactions open in this partition (after a restart too), oldest first. */
  ongoingTransactions(): OngoingTransaction[] {
    return this.producers.ongoingTransactions();
  }

  /** The epoch this log knows for a producer id, or null. */
  producerEpoch(producerId: number): number | null {
    return this.producers.entry(producerId)?.epoch ?? null;
  }

  abortedTransactions(from: number, to: number): AbortedTransaction[] {
    this.checkUsable();
    const out: AbortedTransaction[] = [];
    if (to <= from) return out;
    for (let i = segmentIndexFor(this.segments, from); i < this.segments.length; i++) {
      const segment = this.segments[i] as LogSegment;
      // A segment's markers are at or after its base: those past `to` end transactions that may
      // still have begun before it, so keep looking; the index is tiny.
      segment.txnIndex.collect(from, to, out);
    }
    return out.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  private afterAppend(): void {
    if (this.dataWaiters.count > 0) this.dataWaiters.wake(this.logEndOffset(), () => this.lastStableOffset());
    if (this.unflushedRecords >= this.logConfig.flushMessages) {
      this.flush().catch(() => undefined);
    } else {
      this.armFlushTimer();
    }
  }

  private armFlushTimer(): void {
    if (this.logConfig.flushMs >= Number.MAX_SAFE_INTEGER || this.flushTimer !== null || this.closed) return;
    this.flushTimer = this.clock.setTimer(this.logConfig.flushMs, () => {
      this.flushTimer = null;
      if (!this.closed) this.flush().catch(() => undefined);
    });
  }

  /** Closes the active segment and starts a new one now, if the active one holds anything (Kafka's `roll()`). */
  rollNow(): void {
    this.checkUsable();
    if (this.activeSegment().size > 0) this.roll(this.clock.now());
  }

  private roll(now: number): LogSegment {
    const previous = this.activeSegment();
    previous.onBecomeInactive();
    const segment = LogSegment.create(this.dir, previous.nextOffset, this.segmentOptions(), now);
    this.segments.push(segment);
    // Kafka snapshots producer state at every roll: recovery then replays only the active segment.
    if (this.producers.producerCount > 0) {
      try {
        this.producers.takeSnapshot(segment.baseOffset);
      } catch {
        // A missing snapshot only makes the next recovery replay more of the log.
      }
    }
    // A sealed segment's data and indexes go to disk in the background (Kafka flushes on roll too).
    previous.flush(true).catch((err: unknown) => this.fail(err));
    return segment;
  }

  /** Stops the log after a storage failure; every later call fails with ERR_LOG_FAILED. */
  private fail(err: unknown): EddyError {
    if (this.failure === null) {
      this.failure = new EddyError('ERR_LOG_FAILED', `Log of ${this.topic}-${this.partition} stopped after a storage failure: ${String(err)}`, {
        topic: this.topic,
        partition: this.partition,
      }, { cause: err });
      this.groupCommit.rejectAll(this.failure);
    }
    return this.failure;
  }

  flush(): Promise<void> {
    try {
      this.checkUsable();
    } catch (err) {
      return Promise.reject(err);
    }
    const target = this.logEndOffset();
    if (target <= this.recoveryPointOffset || this.damage !== null) return Promise.resolve();
    return this.groupCommit.waitFor(target);
  }

  /** fdatasync of every segment holding data past the recovery point (one group-commit round). */
  private async syncUnflushedSegments(): Promise<void> {
    const pending = this.segments.filter((s) => s.nextOffset > this.recoveryPointOffset || s === this.activeSegment());
    this.unflushedRecords = 0;
    try {
      for (const segment of pending) await segment.flush();
    } catch (err) {
      throw this.fail(err);
    }
  }

  /** fdatasync rounds run so far (see GroupCommit). */
  get fsyncRounds(): number {
    return this.groupCommit.rounds;
  }

  private checkRange(offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < this.startOffset || offset > this.logEndOffset()) {
      throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `Offset ${offset} is outside [${this.startOffset}, ${this.logEndOffset()}] of ${this.topic}-${this.partition}`, {
        topic: this.topic,
        partition: this.partition,
        offset,
        logStartOffset: this.startOffset,
        logEndOffset: this.logEndOffset(),
      });
    }
  }

  /** What reads report in errors, and whether offsets may have gaps. */
  private readPlace(): ReadPlace {
    return { topic: this.topic, partition: this.partition, contiguous: this.contiguousOffsets() };
  }

  /**
   * Whole batches from the one holding `offset`, about `maxBytes` of them (at least one whole
   * batch), stopping before `maxOffset`; read into buffers from `allocate` when given.
   */
  read(offset: number, maxBytes: number, maxOffset = Number.MAX_SAFE_INTEGER, allocate?: (size: number) => Buffer): ReadResult {
    this.checkUsable();
    this.checkRange(offset);
    const end = this.logEndOffset();
    const empty = { bytes: Buffer.alloc(0), nextOffset: offset, logStartOffset: this.startOffset, logEndOffset: end };
    if (offset === end || offset >= maxOffset) return empty;
    for (let i = segmentIndexFor(this.segments, offset); i < this.segments.length; i++) {
      const segment = this.segments[i] as LogSegment;
      const { position, previousLastOffset } = segment.locate(offset);
      if (position >= segment.size) continue;
      const first = segment.batchAt(position);
      if (first === null) throw corruptRead(this.readPlace(), offset, segment, position);
      const bytes = segment.readBytes(position, Math.max(maxBytes, first.size), allocate);
      const { valid, nextOffset } = readValidPrefix(bytes, { offset, segment, position, previousLastOffset }, this.readPlace(), maxOffset);
      if (valid.length === 0) return empty;
      return { bytes: valid, nextOffset, logStartOffset: this.startOffset, logEndOffset: end };
    }
    return empty;
  }

  offsetForTimestamp(timestamp: number): number | null {
    return this.recordAtOrAfterTimestamp(timestamp)?.offset ?? null;
  }

  /** The offset and timestamp of the first record whose timestamp is >= `timestamp` (ListOffsets by time), or null. */
  recordAtOrAfterTimestamp(timestamp: number): { offset: number; timestamp: number } | null {
    this.checkUsable();
    return firstRecordAtOrAfter(this.segments, this.startOffset, timestamp, this.readPlace());
  }

  /**
   * The largest record timestamp in the log and the offset of the first record that has it
   * (ListOffsets' MAX_TIMESTAMP, as Kafka 3.8+ answers since KAFKA-16310), found from the segments'
   * time tracking. Null for an empty log.
   */
  maxTimestampOffset(): { offset: number; timestamp: number } | null {
    this.checkUsable();
    const best = largestTrackedTimestamp(this.segments, this.startOffset);
    if (best === null) return null;
    // No record is later than the largest timestamp, so the first at or after it is the first that has it.
    return this.recordAtOrAfterTimestamp(best.timestamp) ?? best;
  }

  /**
   * Kafka's DeleteRecords: raises the log start offset to `offset` (never lowers it; at most the log
   * end offset). Records below it are unreadable at once; segments wholly below it are deleted by
   * the next retention pass. Returns the new log start offset. The caller checkpoints it.
   */
  advanceLogStartOffset(offset: number): number {
    this.checkUsable();
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.logEndOffset()) {
      throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `Cannot delete records below ${offset}: the log of ${this.topic}-${this.partition} ends at ${this.logEndOffset()}`, {
        topic: this.topic,
        partition: this.partition,
        offset,
      });
    }
    if (offset > this.startOffset) this.startOffset = offset;
    return this.startOffset;
  }

  waitForData(offset: number, signal?: AbortSignal, isolationLevel: IsolationLevel = 'read_uncommitted'): Promise<void> {
    const stable = isolationLevel === 'read_committed';
    const available = stable ? this.lastStableOffset() : this.logEndOffset();
    if (this.closed || this.failure !== null || offset < available || signal?.aborted === true) return Promise.resolve();
    return this.dataWaiters.add(offset, stable, signal);
  }

  /** Readers waiting for appends (for tests and metrics). */
  pendingWaiters(): number {
    return this.dataWaiters.count;
  }

  /**
   * Deletes the oldest segments retention.ts finds expired (by `retention.ms`, `retention.bytes` or
   * the log start offset) and advances the log start offset past them. Returns the number of
   * segments deleted. Also forgets producers idle for longer than producer.id.expiration.ms (one day).
   */
  applyRetention(now: number): number {
    if (this.closed || this.failure !== null) return 0;
    this.producers.expire(now, PRODUCER_ID_EXPIRATION_MS);
    const count = expiredSegmentCount(this.segments, this.logConfig, this.startOffset, now);
    for (const oldest of this.segments.splice(0, count)) this.removeLater(oldest.markDeleted());
    if (count > 0) this.startOffset = Math.max(this.startOffset, (this.segments[0] as LogSegment).baseOffset);
    return count;
  }

  /** The segments, oldest first; the last is the active one. For the cleaner; do not mutate. */
  segmentsView(): readonly LogSegment[] {
    return this.segments;
  }

  /** Whether `group` is still a run of consecutive closed segments of this log (nothing removed them). */
  holdsSegments(group: readonly LogSegment[]): boolean {
    if (this.closed || this.failure !== null || group.length === 0) return false;
    const at = this.segments.indexOf(group[0] as LogSegment);
    if (at < 0 || at + group.length >= this.segments.length) return false;
    return group.every((segment, i) => this.segments[at + i] === segment);
  }

  /**
   * Puts `replacement` where `group` was (the cleaner's swap; the caller has checked holdsSegments in
   * the same turn) and unlinks the old segments' renamed files later. From here on the log may have
   * offset gaps between batches.
   */
  replaceSegments(group: readonly LogSegment[], replacement: LogSegment, deletedFiles: string[]): void {
    const at = this.segments.indexOf(group[0] as LogSegment);
    this.segments.splice(at, group.length, replacement);
    this.mayHaveGaps = true;
    this.removeLater(deletedFiles);
  }

  /** Stops the log after a storage failure outside it (an interrupted segment swap). */
  failStorage(err: unknown): EddyError {
    return this.fail(err);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Unlinks renamed segment files after `file.delete.delay.ms`, asynchronously. */
  private removeLater(files: string[]): void {
    const remove = (): void => {
      for (const file of files) fs.promises.rm(file, { force: true }).catch(() => undefined);
    };
    if (this.logConfig.fileDeleteDelayMs <= 0) remove();
    else this.clock.setTimer(this.logConfig.fileDeleteDelayMs, remove);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flushTimer?.cancel();
    this.dataWaiters.wakeAll();
    for (const segment of this.segments) segment.close();
    const err = new EddyError('ERR_LOG_CLOSED', `Log of ${this.topic}-${this.partition} is closed`, { topic: this.topic, partition: this.partition });
    this.groupCommit.rejectAll(err);
  }

  /** fsyncs every segment's data and indexes (a clean shutdown promises both are on disk). */
  async flushAll(): Promise<void> {
    if (this.closed || this.failure !== null) return;
    await this.flush();
    try {
      for (const segment of this.segments) await segment.flush(true);
      // Producer state as of the log end: the next open replays nothing.
      if (this.producers.producerCount > 0 && this.damage === null) this.producers.takeSnapshot(this.logEndOffset());
    } catch (err) {
      throw this.fail(err);
    }
  }

  get isFailed(): boolean {
    return this.failure !== null;
  }

  /** The damage that keeps this log read-only, if any (see LogLoader). */
  get loadDamage(): EddyError | null {
    return this.damage;
  }
}
