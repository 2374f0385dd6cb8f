/**
 * Scheduling of compaction (Kafka's LogCleaner): every `log.cleaner.backoff.ms` of the injected
 * clock it asks the CleanerManager for the filthiest compacted log and runs a Cleaner pass on it,
 * then the next, until no log qualifies; then it waits for the next check. One pass runs at a time
 * (Kafka's default of one cleaner thread), in slices of the event loop, never in a timer callback's
 * own turn. Manual cleaning (`compactTopic`, `eddy topics compact`) queues behind a running pass.
 *
 * A pass that fails on corrupt data marks that log uncleanable and reports the error through
 * `onError`; other logs keep being cleaned. Shutdown stops the running pass at its next slice (it
 * discards its unfinished `.cleaned` files) and waits for it.
 */
import type { Clock, Timer } from '../../clock.js';
import { EddyError, isEddyError } from '../../errors.js';
import type { PartitionLog } from '../partition-log.js';
import { Cleaner, type CleanProgress, type CleanResult } from './cleaner.js';
import type { CleanerManager } from './cleaner-manager.js';
import type { CrashHook } from './segment-swap.js';

export interface LogCleanerOptions {
  enabled: boolean;
  backoffMs: number;
  dedupeBufferBytes: number;
  clock: Clock;
  /** Every log that exists now (read at each check). */
  logs: () => Iterable<PartitionLog>;
  onError: (error: EddyError) => void;
  sliceMs?: number;
  crashAt?: CrashHook;
}

/** Progress of a manual compaction, per partition. */
export interface CompactionProgress extends CleanProgress {
  topic: string;
  partition: number;
  pass: number;
}

/** What a manual compaction did to one partition. */
export interface PartitionCompaction {
  partition: number;
  passes: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRemoved: number;
  dirtyRatio: number;
}

export interface LogCleanerStats {
  /** Passes finished (not abandoned) since open. */
  passesCompleted: number;
  /** A pass is running now. */
  running: boolean;
  /** Checks made by the backoff timer so far. */
  checks: number;
  /** Clock time of the next check (null while a check's passes run, or when disabled). */
  nextCheckAt: number | null;
}

export class LogCleaner {
  private readonly cleaner: Cleaner;
  private timer: Timer | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private readonly counters: LogCleanerStats = { passesCompleted: 0, running: false, checks: 0, nextCheckAt: null };

  constructor(readonly manager: CleanerManager, private readonly options: LogCleanerOptions) {
    this.cleaner = new Cleaner({ dedupeBufferBytes: options.dedupeBufferBytes, sliceMs: options.sliceMs, crashAt: options.crashAt });
  }

  get stats(): LogCleanerStats {
    return { ...this.counters };
  }

  start(): void {
    if (this.options.enabled) this.arm();
  }

  private arm(): void {
    if (this.stopping) return;
    this.counters.nextCheckAt = this.options.clock.now() + this.options.backoffMs;
    this.timer = this.options.clock.setTimer(this.options.backoffMs, () => {
      this.timer = null;
      this.counters.nextCheckAt = null;
      this.counters.checks++;
      void this.exclusive(() => this.cleanFilthiestLogs())
        .catch((err: unknown) => this.report(err))
        .finally(() => this.arm());
    });
  }

  /** Runs `work` after every pass queued before it. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private report(err: unknown): void {
    const error = isEddyError(err) ? err : new EddyError('ERR_STORAGE_IO', `Log cleaning failed: ${(err as Error).message}`, {}, { cause: err });
    this.options.onError(error);
  }

  /** Cleans the filthiest qualifying log, then the next, until none qualifies. Returns the passes run. */
  async cleanFilthiestLogs(): Promise<number> {
    let passes = 0;
    while (!this.stopping) {
      const ltc = this.manager.grabFilthiestLog(this.options.logs(), this.options.clock.now());
      if (ltc === null) break;
      let result: CleanResult;
      try {
        result = await this.runPass(ltc.log, ltc);
      } catch (err) {
        // That log is now marked uncleanable; the others still get cleaned.
        if (!isEddyError(err, 'ERR_LOG_CORRUPT')) throw err;
        this.report(err);
        continue;
      }
      if (result.aborted) break;
      passes++;
    }
    return passes;
  }

  /** One pass on a log the manager has marked in progress; ends it whatever happens. */
  private async runPass(log: PartitionLog, range: { firstDirtyOffset: number; firstUncleanableOffset: number }, onProgress?: (p: CleanProgress) => void): Promise<CleanResult> {
    this.counters.running = true;
    let result: CleanResult | null = null;
    try {
      result = await this.cleaner.clean(log, range, this.options.clock.now(), onProgress, () => this.stopping);
      if (!result.aborted) this.counters.passesCompleted++;
      return result;
    } catch (err) {
      if (isEddyError(err, 'ERR_LOG_CORRUPT')) this.manager.markUncleanable(log);
      throw err;
    } finally {
      this.counters.running = false;
      if (!this.manager.isUncleanable(log)) await this.manager.doneCleaning(log, result);
    }
  }

  /**
   * Cleans the given logs now, whatever their dirty ratio (min.compaction.lag.ms and
   * delete.retention.ms still apply), in as many passes as the offset map needs.
   */
  cleanNow(logs: readonly PartitionLog[], onProgress?: (p: CompactionProgress) => void): Promise<PartitionCompaction[]> {
    return this.exclusive(async () => {
      const out: PartitionCompaction[] = [];
      for (const log of logs) {
        const summary: PartitionCompaction = { partition: log.partition, passes: 0, bytesBefore: log.sizeInBytes(), bytesAfter: 0, recordsRemoved: 0, dirtyRatio: 0 };
        for (;;) {
          if (this.stopping) throw new EddyError('ERR_LOG_CLOSED', 'Eddy is closing; compaction stopped');
          const ltc = this.manager.logToClean(log, this.options.clock.now());
          if (log.segmentsView().length < 2 || !this.manager.tryStart(log)) break;
          const pass = summary.passes + 1;
          const result = await this.runPass(log, ltc, (p) => onProgress?.({ ...p, topic: log.topic, partition: log.partition, pass }));
          if (result.aborted) throw new EddyError('ERR_LOG_CLOSED', `Compaction of ${log.topic}-${log.partition} stopped: the log was closed or changed`, { topic: log.topic, partition: log.partition });
          summary.passes++;
          summary.recordsRemoved += result.recordsRemoved;
          if (result.endOffset >= ltc.firstUncleanableOffset) break;
        }
        summary.bytesAfter = log.sizeInBytes();
        summary.dirtyRatio = this.manager.logToClean(log, this.options.clock.now()).dirtyRatio;
        out.push(summary);
      }
      return out;
    });
  }

  /** Stops the timer and any running pass, and waits for it. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.timer?.cancel();
    this.timer = null;
    await this.queue;
  }
}
