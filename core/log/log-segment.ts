/**
 * One segment of a partition's log: `<base>.log` holding RecordBatch v2 batches back to back, plus
 * its sparse `<base>.index` (last offset of a batch → its position) and `<base>.timeindex`
 * (max timestamp so far → offset). The base offset is the 20-digit file name; offsets stored in the
 * indexes are relative to it and so must fit an int32.
 *
 * Invariants: batches in a segment have increasing offsets, all >= the base offset and below the next
 * segment's base; `size` is the end of the last complete, verified batch. Only the active (last)
 * segment is appended to. Bytes past `size` after a crash are cut by `recover()`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EddyError } from '../errors.js';
import { BATCH_HEADER_SIZE, LOG_OVERHEAD, readBatchHeader, verifyBatch } from '../record/record-batch.js';
import type { BatchHeader } from '../record/record.js';
import { fsyncDirSync } from './atomic-file.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { TxnIndex } from './txn-index.js';

const SCAN_CHUNK = 1 << 20;

export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

/** The files of a segment, log first (`.txnindex` exists only once an aborted transaction ends in it). */
export const SEGMENT_FILE_SUFFIXES = ['.log', '.index', '.timeindex', '.txnindex'] as const;

export interface SegmentOptions {
  indexIntervalBytes: number;
  segmentIndexBytes: number;
}

/** A batch located in a segment file, as far as its header tells. */
export interface BatchLocation {
  position: number;
  size: number;
  header: BatchHeader;
  lastOffset: number;
}

export class LogSegment {
  size: number;
  /** One past the last offset stored here (== baseOffset while empty). */
  nextOffset: number;
  maxTimestampSoFar = -1;
  offsetOfMaxTimestampSoFar = -1;
  /** Timestamp that `segment.ms` rolling counts from: the first batch's max timestamp, else creation time. */
  rollingBasedTimestamp: number;
  /** Whether rollingBasedTimestamp came from a batch (else from the clock at creation). */
  private rollingFromBatch = false;
  private bytesSinceLastIndexEntry = 0;
  private fd: number;
  /** Bytes appended since the last fsync; flush() skips clean segments. */
  private dirty = false;
  private flushChain: Promise<void> = Promise.resolve();
  /** Set by recover(): the scan stopped at damage below the recovery point, which it did not cut. */
  damagedBelowRecoveryPoint = false;
  /**
   * Batches whose CRCs this process has checked, which reads check only the framing of again (as
   * Kafka's broker never re-checks what it stored): everything from `checkedFrom` to the end
   * (appended after being encoded or verified, or verified by recover()), and [readFrom, readTo),
   * older batches verified by reads, which joins the tail once it reaches `checkedFrom`. Other
   * bytes (data from before this process opened the log, below the recovery point) are CRC-checked
   * when read.
   */
  private checkedFrom = 0;
  private readFrom = 0;
  private readTo = 0;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private options: SegmentOptions,
    fd: number,
    size: number,
    public offsetIndex: OffsetIndex,
    public timeIndex: TimeIndex,
    public txnIndex: TxnIndex,
    createdAt: number,
  ) {
    this.fd = fd;
    this.size = size;
    this.checkedFrom = size;
    this.nextOffset = baseOffset;
    this.rollingBasedTimestamp = createdAt;
  }

  get logFile(): string {
    return path.join(this.dir, segmentFileName(this.baseOffset, '.log') + this.fileSuffix);
  }

  /** Extra suffix of all three file names (`.cleaned` while the cleaner writes a segment). */
  private fileSuffix = '';

  /**
   * Creates an empty segment. With a `suffix` (the cleaner's `.cleaned`) the files are
   * `<base>.log<suffix>` etc., and their directory entries are not synced here: the cleaner syncs
   * the directory after renaming them, which is the step that makes them count.
   */
  static create(dir: string, baseOffset: number, options: SegmentOptions, now: number, suffix = ''): LogSegment {
    const logFile = path.join(dir, segmentFileName(baseOffset, '.log') + suffix);
    const fd = fs.openSync(logFile, 'w+');
    const offsetIndex = OffsetIndex.open(path.join(dir, segmentFileName(baseOffset, '.index') + suffix), baseOffset, options.segmentIndexBytes, 0);
    const timeIndex = TimeIndex.open(path.join(dir, segmentFileName(baseOffset, '.timeindex') + suffix), baseOffset, options.segmentIndexBytes, baseOffset);
    if (offsetIndex === null || timeIndex === null) throw new EddyError('ERR_STORAGE_IO', 'Could not create segment indexes', { path: dir });
    offsetIndex.reset([]);
    timeIndex.reset([]);
    // The new files' directory entries must be durable before data in them is acknowledged as such.
    if (suffix === '') fsyncDirSync(dir);
    const txnFile = path.join(dir, segmentFileName(baseOffset, '.txnindex') + suffix);
    fs.rmSync(txnFile, { force: true });
    const segment = new LogSegment(dir, baseOffset, options, fd, 0, offsetIndex, timeIndex, TxnIndex.empty(txnFile), now);
    segment.fileSuffix = suffix;
    return segment;
  }

  /**
   * Opens an existing segment. Indexes that are missing or fail their sanity check are rebuilt by
   * scanning the log file; `needsRecovery` tells the caller to run `recover()` (done for segments
   * after the recovery point regardless).
   */
  static open(dir: string, baseOffset: number, options: SegmentOptions, now: number): { segment: LogSegment; indexesRebuilt: boolean } {
    const logFile = path.join(dir, segmentFileName(baseOffset, '.log'));
    const fd = fs.openSync(logFile, 'r+');
    const size = fs.fstatSync(fd).size;
    const indexFile = path.join(dir, segmentFileName(baseOffset, '.index'));
    const timeFile = path.join(dir, segmentFileName(baseOffset, '.timeindex'));
    const indexesExisted = fs.existsSync(indexFile) && fs.existsSync(timeFile);
    let offsetIndex = OffsetIndex.open(indexFile, baseOffset, options.segmentIndexBytes, size);
    let timeIndex = TimeIndex.open(timeFile, baseOffset, options.segmentIndexBytes, Number.MAX_SAFE_INTEGER);
    let rebuild = !indexesExisted || offsetIndex === null || timeIndex === null;
    if (offsetIndex === null) {
      fs.rmSync(indexFile, { force: true });
      offsetIndex = OffsetIndex.open(indexFile, baseOffset, options.segmentIndexBytes, 0) as OffsetIndex;
    }
    if (timeIndex === null) {
      fs.rmSync(timeFile, { force: true });
      timeIndex = TimeIndex.open(timeFile, baseOffset, options.segmentIndexBytes, Number.MAX_SAFE_INTEGER) as TimeIndex;
    }
    const txnIndex = TxnIndex.open(path.join(dir, segmentFileName(baseOffset, '.txnindex')));
    const segment = new LogSegment(dir, baseOffset, options, fd, size, offsetIndex, timeIndex, txnIndex, now);
    if (!rebuild) rebuild = !segment.indexesAgreeWithLog();
    return { segment, indexesRebuilt: rebuild };
  }

  /** Cheap check that the last index entries point at real batches; a stale index is rebuilt. */
  private indexesAgreeWithLog(): boolean {
    const last = this.offsetIndex.lastEntry();
    if (last === null) {
      // No entries: true only if appending these batches would not have produced one either.
      let since = 0;
      for (let position = 0; position < this.size; ) {
        const batch = this.batchAt(position);
        if (batch === null) return false;
        if (since > this.options.indexIntervalBytes) return false;
        since += batch.size;
        position += batch.size;
      }
      return true;
    }
    const batch = this.batchAt(last.position);
    return batch !== null && batch.lastOffset === last.offset;
  }

  /** Reads and sanity-checks the header of the batch at `position`; null when none fits there. */
  batchAt(position: number): BatchLocation | null {
    if (position + BATCH_HEADER_SIZE > this.size) return null;
    const buf = Buffer.allocUnsafe(BATCH_HEADER_SIZE);
    if (fs.readSync(this.fd, buf, 0, BATCH_HEADER_SIZE, position) !== BATCH_HEADER_SIZE) return null;
    let header: BatchHeader;
    try {
      header = readBatchHeader(buf, 0);
    } catch {
      return null;
    }
    const size = header.batchLength + LOG_OVERHEAD;
    if (header.magic !== 2 || header.batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD || position + size > this.size) return null;
    return { position, size, header, lastOffset: header.baseOffset + header.lastOffsetDelta };
  }

  /**
   * Scans the whole file, verifying every batch at or after `verifyFrom` (length, magic, CRC) and
   * that offsets increase and stay below `offsetLimit`, rebuilding both indexes, and cutting the file at the first byte that is not a
   * valid batch. Returns the number of bytes cut.
   */
  recover(options: { offsetLimit?: number; verifyFrom?: number; contiguous?: boolean; truncate?: boolean } = {}): number {
    const { offsetLimit = Number.MAX_SAFE_INTEGER, verifyFrom = 0, contiguous = false, truncate = true } = options;
    const fileSize = fs.fstatSync(this.fd).size;
    const offsetEntries: Array<{ offset: number; position: number }> = [];
    const timeEntries: Array<{ timestamp: number; offset: number }> = [];
    let position = 0;
    let expectedMin = this.baseOffset;
    let sinceEntry = 0;
    let maxTs = -1;
    let offsetOfMaxTs = -1;
    let first = true;
    let checkedFrom = -1;
    let chunk = Buffer.alloc(0);
    let chunkStart = 0;
    scan: while (position < fileSize) {
      // Make sure the whole batch at `position` is in `chunk`.
      let need = LOG_OVERHEAD;
      for (let attempt = 0; attempt < 2; attempt++) {
        if (position + need > fileSize) break scan;
        if (position < chunkStart || position + need > chunkStart + chunk.length) {
          const length = Math.min(fileSize - position, Math.max(SCAN_CHUNK, need));
          chunk = Buffer.allocUnsafe(length);
          const read = fs.readSync(this.fd, chunk, 0, length, position);
          chunk = chunk.subarray(0, read);
          chunkStart = position;
          if (read < need) break scan;
        }
        const batchLength = chunk.readInt32BE(position - chunkStart + 8);
        if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD || batchLength > fileSize) break scan;
        need = batchLength + LOG_OVERHEAD;
      }
      if (position + need > fileSize || position + need > chunkStart + chunk.length) break;
      let header: BatchHeader;
      try {
        header = readBatchHeader(chunk, position - chunkStart);
        // Below the recovery point the data was fsynced before the crash: damage there is reported
        // when it is read, not "repaired" by cutting away the good batches after it.
        if (header.magic !== 2 || header.baseOffset + header.lastOffsetDelta >= verifyFrom) {
          header = verifyBatch(chunk, position - chunkStart, need);
          if (checkedFrom < 0) checkedFrom = position;
        }
      } catch {
        break;
      }
      const lastOffset = header.baseOffset + header.lastOffsetDelta;
      if (header.baseOffset < expectedMin || (contiguous && header.baseOffset !== expectedMin) || lastOffset >= offsetLimit || lastOffset - this.baseOffset > 0x7fffffff) break;
      if (first) {
        this.setRollingBase(header.maxTimestamp);
        first = false;
      }
      if (header.maxTimestamp > maxTs) {
        maxTs = header.maxTimestamp;
        offsetOfMaxTs = lastOffset;
      }
      if (sinceEntry > this.options.indexIntervalBytes) {
        offsetEntries.push({ offset: lastOffset, position });
        const lastTime = timeEntries[timeEntries.length - 1];
        if (lastTime === undefined || maxTs > lastTime.timestamp) timeEntries.push({ timestamp: maxTs, offset: offsetOfMaxTs });
        sinceEntry = 0;
      }
      sinceEntry += need;
      expectedMin = lastOffset + 1;
      position += need;
    }
    const truncated = fileSize - position;
    // Damage to a batch that starts below the recovery point hits data that was fsynced (and maybe
    // acknowledged): never cut it. The segment is served up to the damage and the caller stops the
    // log from taking appends, leaving every byte on disk.
    this.damagedBelowRecoveryPoint = truncate && truncated > 0 && expectedMin < verifyFrom;
    if (!truncate || this.damagedBelowRecoveryPoint) {
      // Only rebuilding indexes over data below the recovery point: keep every byte; a read that
      // reaches the damage reports it.
      this.size = this.damagedBelowRecoveryPoint ? position : fileSize;
      this.offsetIndex.reset(offsetEntries);
      this.timeIndex.reset(timeEntries);
      this.maxTimestampSoFar = maxTs;
      this.offsetOfMaxTimestampSoFar = offsetOfMaxTs;
      this.nextOffset = expectedMin;
      this.markUnchecked();
      return truncated;
    }
    if (truncated > 0) fs.ftruncateSync(this.fd, position);
    this.size = position;
    // Offsets only increase, so every batch from the first verified one to the end was verified.
    this.checkedFrom = checkedFrom < 0 ? position : checkedFrom;
    this.readFrom = this.readTo = 0;
    this.nextOffset = expectedMin;
    this.maxTimestampSoFar = maxTs;
    this.offsetOfMaxTimestampSoFar = offsetOfMaxTs;
    this.bytesSinceLastIndexEntry = sinceEntry;
    this.offsetIndex.reset(offsetEntries);
    this.timeIndex.reset(timeEntries);
    return truncated;
  }

  /**
   * Loads `nextOffset`, the max timestamp and the rolling timestamp without a full scan, trusting the
   * indexes (a clean shutdown or a sealed segment below the recovery point). Walks batch headers from
   * the last index entry to the end of the file.
   */
  loadTail(): void {
    const first = this.batchAt(0);
    if (first !== null) this.setRollingBase(first.header.maxTimestamp);
    const lastIndexed = this.offsetIndex.lastEntry();
    const lastTime = this.timeIndex.lastEntry();
    this.maxTimestampSoFar = lastTime?.timestamp ?? -1;
    this.offsetOfMaxTimestampSoFar = lastTime?.offset ?? -1;
    let position = lastIndexed?.position ?? 0;
    let next = this.baseOffset;
    this.bytesSinceLastIndexEntry = 0;
    while (position < this.size) {
      const batch = this.batchAt(position);
      if (batch === null) {
        throw new EddyError('ERR_LOG_CORRUPT', `Corrupt batch header at position ${position} of ${this.logFile}`, { path: this.logFile, offset: next });
      }
      next = batch.lastOffset + 1;
      if (batch.header.maxTimestamp > this.maxTimestampSoFar) {
        this.maxTimestampSoFar = batch.header.maxTimestamp;
        this.offsetOfMaxTimestampSoFar = batch.lastOffset;
      }
      if (position !== lastIndexed?.position) this.bytesSinceLastIndexEntry += batch.size;
      position += batch.size;
    }
    this.nextOffset = next;
  }

  /** Writes one batch whose offsets are already assigned. The hot path: one positional write, no copy. */
  append(batch: Buffer, lastOffset: number, maxTimestamp: number): void {
    const position = this.size;
    const written = fs.writeSync(this.fd, batch, 0, batch.length, position);
    if (written !== batch.length) throw new EddyError('ERR_STORAGE_IO', `Short write to ${this.logFile}`, { path: this.logFile });
    if (this.size === 0) this.setRollingBase(maxTimestamp);
    if (maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = maxTimestamp;
      this.offsetOfMaxTimestampSoFar = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.options.indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += batch.length;
    this.size += batch.length;
    this.nextOffset = lastOffset + 1;
    this.dirty = true;
  }

  /** Position of the first batch whose last offset is >= `offset` (this.size when none). */
  positionOf(offset: number): number {
    return this.locate(offset).position;
  }

  /**
   * Finds the first batch whose last offset is >= `offset`. `previousLastOffset` is the last offset
   * of the batch before it (baseOffset - 1 for the first batch), or null when the position came from
   * an index entry that the batch's own last offset already confirmed. Readers use it to check the
   * batch's base offset, which the CRC does not cover.
   */
  locate(offset: number): { position: number; previousLastOffset: number | null } {
    const entry = this.offsetIndex.lookup(offset);
    let position = 0;
    let previousLastOffset: number | null = this.baseOffset - 1;
    if (entry !== null) {
      const batch = this.batchAt(entry.position);
      // An index entry must name the batch at its position; anything else means a damaged index.
      if (batch !== null && batch.lastOffset === entry.offset) {
        if (batch.lastOffset >= offset) return { position: entry.position, previousLastOffset: null };
        position = entry.position + batch.size;
        previousLastOffset = batch.lastOffset;
      }
    }
    while (position < this.size) {
      const batch = this.batchAt(position);
      if (batch === null) {
        throw new EddyError('ERR_LOG_CORRUPT', `Corrupt batch at position ${position} of ${this.logFile}`, { path: this.logFile, offset });
      }
      if (batch.lastOffset >= offset) return { position, previousLastOffset };
      previousLastOffset = batch.lastOffset;
      position = batch.position + batch.size;
    }
    return { position: this.size, previousLastOffset };
  }

  /** Whether the whole batch at [position, position + size) had its CRC checked by this process. */
  isChecked(position: number, size: number): boolean {
    if (position + size > this.size) return false;
    return position >= this.checkedFrom || (position >= this.readFrom && position + size <= this.readTo);
  }

  /** Records that a read found the batch at [position, position + size) to match its CRC. */
  markChecked(position: number, size: number): void {
    const end = position + size;
    if (position >= this.checkedFrom) return;
    if (this.readFrom === this.readTo) {
      this.readFrom = position;
      this.readTo = end;
    } else if (position === this.readTo) this.readTo = end;
    else if (end === this.readFrom) this.readFrom = position;
    if (this.readTo >= this.checkedFrom && this.readFrom < this.checkedFrom) {
      this.checkedFrom = this.readFrom;
      this.readFrom = this.readTo = 0;
    }
  }

  private markUnchecked(): void {
    this.checkedFrom = this.size;
    this.readFrom = this.readTo = 0;
  }

  /**
   * Reads raw bytes [position, position + length) clipped to the segment's valid size, into a
   * buffer from `allocate` (a broker's reused fetch buffers) or a new one.
   */
  readBytes(position: number, length: number, allocate: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
    const end = Math.min(this.size, position + length);
    if (end <= position) return Buffer.alloc(0);
    const buf = allocate(end - position);
    let done = 0;
    while (done < buf.length) {
      const n = fs.readSync(this.fd, buf, done, buf.length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done === buf.length ? buf : buf.subarray(0, done);
  }

  /** Timestamp lookup helper: the offset to start scanning from for records at or after `timestamp`. */
  scanStartForTimestamp(timestamp: number): number {
    return this.timeIndex.lookupBefore(timestamp)?.offset ?? this.baseOffset;
  }

  /** Cuts the segment so that it ends before `offset`. */
  truncateTo(offset: number): void {
    const position = this.positionOf(offset);
    const batch = this.batchAt(position);
    const cut = batch !== null && batch.header.baseOffset < offset ? batch.position + batch.size : position;
    fs.ftruncateSync(this.fd, cut);
    this.size = cut;
    this.checkedFrom = Math.min(this.checkedFrom, cut);
    this.readFrom = Math.min(this.readFrom, cut);
    this.readTo = Math.min(this.readTo, cut);
    this.offsetIndex.truncateToPosition(cut);
    this.timeIndex.truncateToOffset(offset);
    this.txnIndex.truncateTo(offset);
    this.loadTail();
  }

  private jitterMs = -1;

  /** This segment's random roll jitter in [0, min(jitterMs, segmentMs)), drawn once. */
  rollJitter(jitterMs: number, segmentMs: number): number {
    if (this.jitterMs < 0) this.jitterMs = Math.floor(Math.random() * Math.min(jitterMs, segmentMs));
    return this.jitterMs;
  }

  /**
   * Kafka's roll rule. Age is measured like Kafka does: from the first batch's timestamp to the new
   * batch's timestamp when records carry timestamps, else from the segment's creation by the clock.
   */
  shouldRoll(batchSize: number, batchMaxTimestamp: number, now: number, segmentBytes: number, segmentMs: number, lastOffset: number): boolean {
    if (this.size === 0) return false;
    const age = this.rollingFromBatch && batchMaxTimestamp >= 0 ? batchMaxTimestamp - this.rollingBasedTimestamp : now - this.rollingBasedTimestamp;
    return (
      this.size + batchSize > segmentBytes ||
      age > segmentMs ||
      this.offsetIndex.isFull() ||
      this.timeIndex.isFull() ||
      lastOffset - this.baseOffset > 0x7fffffff
    );
  }

  private setRollingBase(timestamp: number): void {
    if (timestamp >= 0) {
      this.rollingBasedTimestamp = timestamp;
      this.rollingFromBatch = true;
    }
  }

  /** Called when this segment stops being the active one. */
  onBecomeInactive(): void {
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
  }

  /**
   * fdatasync of the log file on the thread pool, and with `indexes` an fsync of both index files.
   * Calls are serialized per segment, so a flush resolves only after every flush requested before it
   * has finished: a caller never sees "clean" while another caller's fdatasync is still running.
   * Indexes are not synced on every group commit: a crash makes recovery rebuild the indexes of every
   * segment past the recovery point, and sealed segments get theirs synced when they roll.
   */
  flush(indexes = false): Promise<void> {
    const run = this.flushChain.then(() => this.flushNow(indexes));
    this.flushChain = run.catch(() => undefined);
    return run;
  }

  private async flushNow(indexes: boolean): Promise<void> {
    if (this.fd < 0) return;
    const fd = this.fd;
    try {
      if (this.dirty) {
        this.dirty = false;
        await new Promise<void>((resolve, reject) => {
          fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()));
        });
      }
      // The aborted-transaction index goes with the data: read_committed readers depend on it.
      await this.txnIndex.flush();
      if (indexes && this.fd === fd) {
        await this.offsetIndex.flushAsync();
        await this.timeIndex.flushAsync();
      }
    } catch (err) {
      // A segment closed or deleted while its sync was queued (retention, topic deletion) has nothing
      // left to make durable; only a failure on an open segment is a storage failure.
      if (this.fd === fd) throw err;
    }
  }

  /** Marks the segment as needing an fsync without writing (used after recovery truncation). */
  markDirty(): void {
    this.dirty = true;
  }

  close(): void {
    this.txnIndex.close();
    this.offsetIndex.close();
    this.timeIndex.close();
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  /** Closes and removes the segment's files now. */
  delete(): void {
    for (const file of this.markDeleted()) fs.rmSync(file, { force: true });
  }

  /**
   * Closes the segment and renames its files to `*.deleted` (Kafka's convention): a rename is quick
   * and atomic, while unlinking a large file can stall the event loop, so the caller removes the
   * renamed files later, off the hot path. A crash in between leaves `*.deleted` files, which loading
   * removes. Returns the renamed paths.
   */
  markDeleted(): string[] {
    this.close();
    const renamed: string[] = [];
    for (const suffix of SEGMENT_FILE_SUFFIXES) {
      const file = path.join(this.dir, segmentFileName(this.baseOffset, suffix) + this.fileSuffix);
      try {
        fs.renameSync(file, `${file}.deleted`);
        renamed.push(`${file}.deleted`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return renamed;
  }
}
