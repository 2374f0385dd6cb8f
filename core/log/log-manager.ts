/**
 * Owns every partition log of a data directory:
 *
 *     <data-dir>/.lock                               owner pid (one process per data directory)
 *     <data-dir>/eddy-topics.json                    topic catalogue (partitions, config overrides)
 *     <data-dir>/recovery-point-offset-checkpoint    per partition: offset below which data is fsynced
 *     <data-dir>/log-start-offset-checkpoint         per partition: first readable offset
 *     <data-dir>/cleaner-offset-checkpoint           per partition: first dirty offset (cleaner/)
 *     <data-dir>/.kafka_cleanshutdown                present only after a clean close
 *     <data-dir>/<topic>-<partition>/                segments
 *
 * The clean-shutdown marker is removed as soon as a directory is opened, so any crash after that
 * makes the next open verify every segment written after the recovery point.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Timer } from '../clock.js';
import type { PartitionDescription, TopicDescription } from '../client/types.js';
import { EddyError, isEddyError } from '../errors.js';
import type { ResolvedEddyOptions } from '../eddy-options.js';
import { fsyncDirSync } from './atomic-file.js';
import { CleanerManager } from './cleaner/cleaner-manager.js';
import { LogCleaner, type CompactionProgress, type LogCleanerStats, type PartitionCompaction } from './cleaner/log-cleaner.js';
import { LOCK_FILE, LockFile } from './lock-file.js';
import { effectiveTopicConfig, isTopicConfigName, parseLogConfig, validateTopicConfig } from './log-config.js';
import { checkpointKey, readOffsetCheckpoint, writeOffsetCheckpoint, type CheckpointEntries } from './offset-checkpoint.js';
import { PartitionLog } from './partition-log.js';
import { newTopicId, TOPICS_FILE, TopicStore, type TopicMetadata } from './topic-store.js';
import { parsePartitionDirName, partitionDirName, pathInside, validateTopicNameSyntax, validateUserTopicName } from './topic-name.js';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const RECOVERY_POINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_FILE = 'log-start-offset-checkpoint';
export const MAX_PARTITIONS = 10_000;

export interface CreateTopicRequest {
  partitions?: number;
  config?: Record<string, unknown>;
  /** Allows reserved `__` names; for Eddy's own internal topics. */
  internal?: boolean;
}

const PARTITION_FILE = /^(\d{20}\.(log|index|timeindex|snapshot|txnindex)(\.(deleted|cleaned|swap|tmp))?|leader-epoch-checkpoint|partition\.metadata)$/;

function holdsOnlyPartitionFiles(dir: string): boolean {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).every((e) => e.isFile() && PARTITION_FILE.test(e.name));
  } catch {
    return false;
  }
}

export class LogManager {
  private logs = new Map<string, PartitionLog[]>();
  private timers: Timer[] = [];
  private closed = false;
  private readonly cleanerManager: CleanerManager;
  private readonly cleaner: LogCleaner;
  /** Whether the previous owner shut down cleanly; tests and tools read it. */
  readonly openedClean: boolean;

  private constructor(
    readonly options: ResolvedEddyOptions,
    private readonly lock: LockFile,
    private readonly store: TopicStore,
    cleanShutdown: boolean,
  ) {
    this.openedClean = cleanShutdown;
    this.cleanerManager = new CleanerManager(options.dataDir, options.clock.now());
    this.cleaner = new LogCleaner(this.cleanerManager, {
      enabled: options.cleanerEnable,
      backoffMs: options.cleanerBackoffMs,
      dedupeBufferBytes: options.cleanerDedupeBufferBytes,
      clock: options.clock,
      logs: () => [...this.logs.values()].flat(),
      onError: (err) => this.reportBackgroundError(err),
    });
  }

  static async open(options: ResolvedEddyOptions): Promise<LogManager> {
    const { dataDir } = options;
    try {
      fs.mkdirSync(dataDir, { recursive: true });
      if (!fs.statSync(dataDir).isDirectory()) throw new Error('not a directory');
    } catch (err) {
      throw new EddyError('ERR_DATA_DIR_INVALID', `Cannot use ${dataDir} as a data directory: ${(err as Error).message}`, { path: dataDir }, { cause: err });
    }
    const lock = await LockFile.acquire(dataDir);
    try {
      const store = TopicStore.load(dataDir);
      if (!store.existsOnDisk) {
        // Only a directory that is empty (or holds just our lock) becomes a data directory: anything
        // else may be someone's files, and loading cleans up what it does not recognise.
        const others = fs.readdirSync(dataDir).filter((name) => !name.startsWith(LOCK_FILE));
        if (others.length > 0) {
          throw new EddyError('ERR_DATA_DIR_INVALID', `${dataDir} is not empty and is not an Eddy data directory (no ${TOPICS_FILE}); refusing to use it`, { path: dataDir });
        }
        store.initialize();
      }
      const markerFile = path.join(dataDir, CLEAN_SHUTDOWN_FILE);
      const clean = fs.existsSync(markerFile);
      const manager = new LogManager(options, lock, store, clean);
      manager.loadLogs(clean);
      if (clean) {
        fs.rmSync(markerFile, { force: true });
        fsyncDirSync(dataDir);
      }
      manager.scheduleBackgroundWork();
      return manager;
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  private loadLogs(clean: boolean): void {
    const { dataDir } = this.options;
    const recoveryPoints = readOffsetCheckpoint(path.join(dataDir, RECOVERY_POINT_FILE)) ?? new Map<string, number>();
    const logStarts = readOffsetCheckpoint(path.join(dataDir, LOG_START_FILE)) ?? new Map<string, number>();
    // Without a recovery-point checkpoint nothing is known to be durable: verify everything.
    const trustClean = clean && readOffsetCheckpoint(path.join(dataDir, RECOVERY_POINT_FILE)) !== null;
    for (const entry of fs.readdirSync(dataDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = path.join(dataDir, entry.name);
      // Only directories holding nothing but partition files are ever removed.
      if (!holdsOnlyPartitionFiles(full)) continue;
      const deleting = /^(.+-\d+)\.[a-z0-9]+-delete$/.exec(entry.name);
      if (deleting !== null) {
        fs.rmSync(full, { recursive: true, force: true });
        continue;
      }
      const parsed = parsePartitionDirName(entry.name);
      if (parsed === null) continue;
      const meta = this.store.get(parsed.topic);
      // A directory of a deleted topic or removed partition, left by a crash mid-deletion.
      if (meta === undefined || parsed.partition >= meta.partitions) fs.rmSync(full, { recursive: true, force: true });
    }
    for (const name of this.store.names()) {
      const meta = this.store.get(name) as TopicMetadata;
      const logs: PartitionLog[] = [];
      for (let p = 0; p < meta.partitions; p++) {
        const key = checkpointKey(name, p);
        logs.push(this.openLog(meta, p, recoveryPoints.get(key) ?? 0, logStarts.get(key) ?? 0, trustClean));
      }
      this.logs.set(name, logs);
    }
    this.cleanerManager.retainOnly((topic, partition) => (this.store.get(topic)?.partitions ?? 0) > partition);
  }

  private openLog(meta: TopicMetadata, partition: number, recoveryPoint: number, logStartOffset: number, cleanShutdown: boolean): PartitionLog {
    return PartitionLog.open({
      dir: pathInside(this.options.dataDir, partitionDirName(meta.name, partition)),
      topic: meta.name,
      partition,
      config: parseLogConfig(effectiveTopicConfig(meta.config, this.options.topicDefaults)),
      clock: this.options.clock,
      recoveryPoint,
      logStartOffset,
      cleanShutdown,
      cleaned: this.cleanerManager.hasCleaned(meta.name, partition),
    });
  }

  private scheduleBackgroundWork(): void {
    const { clock, retentionCheckIntervalMs, checkpointIntervalMs } = this.options;
    const every = (ms: number, work: () => void): void => {
      const arm = (): void => {
        const timer = clock.setTimer(ms, () => {
          this.timers = this.timers.filter((t) => t !== timer);
          if (this.closed) return;
          try {
            work();
          } catch (err) {
            // Background work must never throw into the timer: report it and try again next time.
            this.reportBackgroundError(err);
          } finally {
            if (!this.closed) arm();
          }
        });
        this.timers.push(timer);
      };
      arm();
    };
    every(retentionCheckIntervalMs, () => this.runRetention());
    every(checkpointIntervalMs, () => this.writeCheckpoints());
    this.cleaner.start();
  }

  private reportBackgroundError(err: unknown): void {
    const error = isEddyError(err) ? err : new EddyError('ERR_STORAGE_IO', `Background log work failed: ${(err as Error).message}`, { path: this.options.dataDir }, { cause: err });
    this.options.onError(error);
  }

  private checkOpen(): void {
    if (this.closed) throw new EddyError('ERR_LOG_CLOSED', 'Eddy is closed');
  }

  /** One retention pass over every log; returns the number of segments deleted. */
  runRetention(): number {
    this.checkOpen();
    const now = this.options.clock.now();
    let deleted = 0;
    try {
      for (const logs of this.logs.values()) for (const log of logs) deleted += log.applyRetention(now);
      if (deleted > 0) this.writeCheckpoints();
    } catch (err) {
      if (isEddyError(err)) throw err;
      throw new EddyError('ERR_STORAGE_IO', `Retention failed: ${(err as Error).message}`, { path: this.options.dataDir }, { cause: err });
    }
    return deleted;
  }

  /** Writes the recovery-point and log-start checkpoints. */
  writeCheckpoints(): void {
    const recovery: CheckpointEntries = new Map();
    const starts: CheckpointEntries = new Map();
    for (const [topic, logs] of this.logs) {
      for (const log of logs) {
        recovery.set(checkpointKey(topic, log.partition), log.recoveryPoint());
        starts.set(checkpointKey(topic, log.partition), log.logStartOffset());
      }
    }
    try {
      writeOffsetCheckpoint(path.join(this.options.dataDir, RECOVERY_POINT_FILE), recovery);
      writeOffsetCheckpoint(path.join(this.options.dataDir, LOG_START_FILE), starts);
    } catch (err) {
      throw new EddyError('ERR_STORAGE_IO', `Cannot write offset checkpoints: ${(err as Error).message}`, { path: this.options.dataDir }, { cause: err });
    }
  }

  topicNames(includeInternal = false): string[] {
    return this.store.names().filter((n) => includeInternal || !n.startsWith('__'));
  }

  /** Kafka's topic id of a topic; throws ERR_TOPIC_NOT_FOUND. */
  topicId(name: string): string {
    const meta = this.store.get(name);
    if (meta === undefined) throw new EddyError('ERR_TOPIC_NOT_FOUND', `Topic "${name}" does not exist`, { topic: name });
    return meta.id;
  }

  /** The name of the topic with id `id`, or null. */
  topicNameById(id: string): string | null {
    for (const name of this.store.names()) if (this.store.get(name)?.id === id) return name;
    return null;
  }

  hasTopic(name: string): boolean {
    return this.store.get(name) !== undefined;
  }

  private topicLogs(name: string): PartitionLog[] {
    this.checkOpen();
    const logs = this.logs.get(name);
    if (logs === undefined) throw new EddyError('ERR_TOPIC_NOT_FOUND', `Topic "${name}" does not exist`, { topic: name });
    return logs;
  }

  partitionCount(name: string): number {
    return this.topicLogs(name).length;
  }

  log(topic: string, partition: number): PartitionLog {
    const logs = this.topicLogs(topic);
    const log = Number.isSafeInteger(partition) ? logs[partition] : undefined;
    if (log === undefined) {
      throw new EddyError('ERR_PARTITION_NOT_FOUND', `Topic "${topic}" has no partition ${partition} (it has ${logs.length})`, { topic, partition });
    }
    return log;
  }

  createTopic(name: string, request: CreateTopicRequest = {}): TopicDescription {
    this.checkOpen();
    if (request.internal === true) validateTopicNameSyntax(name);
    else validateUserTopicName(name);
    const partitions = request.partitions ?? this.options.numPartitions;
    if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new EddyError('ERR_PARTITIONS_INVALID', `Partition count must be an integer from 1 to ${MAX_PARTITIONS}, got ${String(partitions)}`, { topic: name, value: partitions });
    }
    const overrides = validateTopicConfig(request.config ?? {});
    if (this.store.get(name) !== undefined) throw new EddyError('ERR_TOPIC_EXISTS', `Topic "${name}" already exists`, { topic: name });
    const meta: TopicMetadata = { name, partitions, config: overrides, createdAt: this.options.clock.now(), id: newTopicId() };
    // Checkpoint entries are keyed by name: rewrite them without this name first, so entries of an
    // earlier topic called the same can never be applied to the new one after a crash.
    this.writeCheckpoints();
    this.cleanerManager.retainOnly((topic) => topic !== name);
    // Leftovers of an earlier topic with this name must not resurface as its data.
    for (let p = 0; p < partitions; p++) fs.rmSync(pathInside(this.options.dataDir, partitionDirName(name, p)), { recursive: true, force: true });
    this.store.update(name, meta);
    const logs: PartitionLog[] = [];
    for (let p = 0; p < partitions; p++) logs.push(this.openLog(meta, p, 0, 0, true));
    this.logs.set(name, logs);
    return this.describeTopic(name);
  }

  /**
   * Deletes the records of a partition below `offset` (-1: below the log end offset) by raising its
   * log start offset, durably (the log-start checkpoint is written before this returns). Returns the
   * new log start offset. ERR_OFFSET_OUT_OF_RANGE past the log end.
   */
  deleteRecords(topic: string, partition: number, offset: number): number {
    const log = this.log(topic, partition);
    const start = log.advanceLogStartOffset(offset === -1 ? log.logEndOffset() : offset);
    this.writeCheckpoints();
    return start;
  }

  deleteTopic(name: string): void {
    const logs = this.topicLogs(name);
    this.store.update(name, null);
    this.logs.delete(name);
    this.writeCheckpoints();
    this.cleanerManager.retainOnly((topic) => topic !== name);
    for (const log of logs) {
      // Rename first so a crash mid-removal leaves a `-delete` directory that open removes.
      const doomed = `${log.dir}.${Date.now().toString(36)}-delete`;
      log.close();
      try {
        fs.renameSync(log.dir, doomed);
        fs.rmSync(doomed, { recursive: true, force: true });
      } catch {
        fs.rmSync(log.dir, { recursive: true, force: true });
      }
    }
  }

  /** Changes config overrides; a null value resets that config to its default. All or nothing. */
  alterTopicConfig(name: string, changes: Record<string, unknown>): void {
    const logs = this.topicLogs(name);
    const meta = this.store.get(name) as TopicMetadata;
    const toSet: Record<string, unknown> = {};
    const toReset: string[] = [];
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === undefined) toReset.push(key);
      else toSet[key] = value;
    }
    const validated = validateTopicConfig(toSet);
    for (const key of toReset) {
      if (!isTopicConfigName(key)) throw new EddyError('ERR_CONFIG_UNKNOWN', `Unknown topic config "${key}"`, { config: key, topic: name });
    }
    const config = { ...meta.config, ...validated };
    for (const key of toReset) delete config[key];
    validateTopicConfig(config);
    this.store.update(name, { ...meta, config });
    const parsed = parseLogConfig(effectiveTopicConfig(config, this.options.topicDefaults));
    for (const log of logs) log.updateConfig(parsed);
  }

  addPartitions(name: string, total: number): void {
    const logs = this.topicLogs(name);
    const meta = this.store.get(name) as TopicMetadata;
    if (!Number.isSafeInteger(total) || total <= logs.length || total > MAX_PARTITIONS) {
      throw new EddyError('ERR_PARTITIONS_INVALID', `Topic "${name}" has ${logs.length} partitions; the new count must be larger (and at most ${MAX_PARTITIONS}), got ${String(total)}`, {
        topic: name,
        value: total,
      });
    }
    const updated = { ...meta, partitions: total };
    this.writeCheckpoints();
    for (let p = logs.length; p < total; p++) fs.rmSync(pathInside(this.options.dataDir, partitionDirName(name, p)), { recursive: true, force: true });
    this.store.update(name, updated);
    for (let p = logs.length; p < total; p++) logs.push(this.openLog(updated, p, 0, 0, true));
  }

  describeTopic(name: string): TopicDescription {
    const logs = this.topicLogs(name);
    const meta = this.store.get(name) as TopicMetadata;
    const partitions: PartitionDescription[] = logs.map((log) => ({
      partition: log.partition,
      logStartOffset: log.logStartOffset(),
      logEndOffset: log.logEndOffset(),
      lastStableOffset: log.lastStableOffset(),
      bytes: log.sizeInBytes(),
      segments: log.segmentCount(),
      ...this.dirtyRatioOf(log),
    }));
    return { name, partitions, config: effectiveTopicConfig(meta.config, this.options.topicDefaults) };
  }

  private dirtyRatioOf(log: PartitionLog): { dirtyRatio?: number } {
    const ratio = this.cleanerManager.dirtyRatio(log, this.options.clock.now());
    return ratio === null ? {} : { dirtyRatio: ratio };
  }

  /**
   * Compacts every partition of a compacted topic now, whatever its dirty ratio (the lag and
   * tombstone settings still apply). Runs in slices of the event loop, after any pass in progress.
   */
  async compactTopic(name: string, onProgress?: (progress: CompactionProgress) => void): Promise<PartitionCompaction[]> {
    const logs = this.topicLogs(name);
    if (!(logs[0] as PartitionLog).config.cleanupPolicy.compact) {
      throw new EddyError('ERR_CONFIG_INVALID', `Topic "${name}" is not compacted (cleanup.policy does not include compact); set cleanup.policy=compact first`, { topic: name, config: 'cleanup.policy' });
    }
    return this.cleaner.cleanNow(logs, onProgress);
  }

  /** Counters of the background cleaner (Kafka exposes similar metrics). */
  cleanerStats(): LogCleanerStats {
    return this.cleaner.stats;
  }

  /** Topic config overrides only (what was set explicitly). */
  topicOverrides(name: string): Record<string, string> {
    this.topicLogs(name);
    return { ...(this.store.get(name) as TopicMetadata).config };
  }

  /**
   * Clean shutdown: fsync every log, write checkpoints, then the clean-shutdown marker, so the next
   * open skips recovery. If any log failed, no marker is written and the next open recovers.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers.splice(0)) timer.cancel();
    try {
      await this.cleaner.shutdown();
      const logs = [...this.logs.values()].flat();
      const flushed = await Promise.allSettled(logs.map((log) => log.flushAll()));
      let ok = flushed.every((r) => r.status === 'fulfilled') && logs.every((log) => !log.isFailed);
      try {
        this.writeCheckpoints();
      } catch {
        ok = false;
      }
      for (const log of logs) log.close();
      if (ok) {
        fs.writeFileSync(path.join(this.options.dataDir, CLEAN_SHUTDOWN_FILE), '');
        fsyncDirSync(this.options.dataDir);
      }
    } finally {
      this.lock.release();
    }
  }


  get isClosed(): boolean {
    return this.closed;
  }
}
