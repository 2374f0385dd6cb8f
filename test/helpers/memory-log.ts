/**
 * TEST DOUBLE: an in-memory LogAccess for unit tests of the producer and consumer. It is not the
 * storage engine (core/log/ is); it keeps the contract of core/client/log-access.ts honestly so
 * client tests can run without a data directory:
 *
 * - `append()` verifies the batch (CRC included), copies it, assigns its base offset by rewriting
 *   bytes 0..7, stamps LogAppendTime (attribute bit, maxTimestamp, CRC recomputed) when the topic
 *   uses it, and wakes `waitForData()` waiters. Nothing polls.
 * - `read()` returns whole stored batches from the one holding `offset` (a batch is never split),
 *   at least one batch, then more while under `maxBytes`; ERR_OFFSET_OUT_OF_RANGE outside
 *   [logStartOffset, logEndOffset].
 * - `offsetForTimestamp()` decodes the stored records and answers with the first offset at or after
 *   logStartOffset whose timestamp is >= the target.
 * - Transactions, as far as readers see them: a transactional data batch opens a transaction for its
 *   producer id (if none is open), an abort or commit marker (a transactional control batch, stored
 *   with `appendRaw`) closes it; an abort marker adds `{ producerId, firstOffset, lastOffset }` to the
 *   aborted list. `lastStableOffset()` is the first offset of the oldest open transaction (the log
 *   end when none is open); `read(offset, maxBytes, maxOffset)` returns only batches starting below
 *   maxOffset; `waitForData(offset, signal, 'read_committed')` waits for the LSO to pass offset. No
 *   producer-state checks (epochs, sequences): that is core/log's job.
 * - `transactions` is a minimal coordinator fake: `initProducerId` hands out increasing producer ids
 *   with epoch 0; every other call fails with ERR_TRANSACTION_STATE_INVALID.
 *
 * Hooks for tests: `failNextAppend`/`failNextFlush`, `appendRaw` (control or hand-made batches),
 * `records()` (everything stored, decoded),
 * `deleteRecordsBefore` (moves logStartOffset like retention), `batches` (to count or corrupt bytes),
 * `appendCount`/`flushCount`, `pendingWaiters()`.
 */
import { ManualClock, type Clock } from '../../core/clock.js';
import type {
  AbortedTransaction,
  AppendResult,
  IsolationLevel,
  LogAccess,
  PartitionLogAccess,
  ProducerIdAndEpoch,
  ReadResult,
  TransactionAccess,
} from '../../core/client/log-access.js';
import { EddyError } from '../../core/errors.js';
import { decodeControlRecord } from '../../core/record/control-record.js';
import { batchIsControl, batchIsTransactional, decodeRecords, readBatchHeader, setBaseOffset, setLogAppendTime, verifyBatch } from '../../core/record/record-batch.js';
import type { LogRecord, TimestampType } from '../../core/record/record.js';

export interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  bytes: Buffer;
}

export interface MemoryTopicConfig {
  timestampType?: TimestampType;
}

export class MemoryPartitionLog implements PartitionLogAccess {
  readonly batches: StoredBatch[] = [];
  appendCount = 0;
  flushCount = 0;
  private startOffset = 0;
  private endOffset = 0;
  private waiters: Array<{ offset: number; isolationLevel: IsolationLevel; resolve: () => void }> = [];
  /** Open transactions: producer id → offset of the transaction's first batch here. */
  private readonly openTransactions = new Map<number, number>();
  /** Transactions ended by an abort marker, in marker order (so also by firstOffset per producer). */
  private aborted: AbortedTransaction[] = [];
  private nextAppendError: unknown = null;
  private nextFlushError: unknown = null;
  closed = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly clock: Clock,
    private readonly timestampType: TimestampType = 'CreateTime',
  ) {}

  logStartOffset(): number {
    return this.startOffset;
  }

  logEndOffset(): number {
    return this.endOffset;
  }

  failNextAppend(err: unknown): void {
    this.nextAppendError = err;
  }

  failNextFlush(err: unknown): void {
    this.nextFlushError = err;
  }

  append(batch: Buffer): AppendResult {
    this.checkOpen();
    if (this.nextAppendError !== null) {
      const err = this.nextAppendError;
      this.nextAppendError = null;
      throw err;
    }
    this.appendCount++;
    return this.appendRaw(batch);
  }

  /** Stores any well-framed batch (control batches too) without the failure hook or append counting. */
  appendRaw(batch: Buffer): AppendResult {
    const header = verifyBatch(batch, 0);
    if (header.batchLength + 12 !== batch.length) {
      throw new EddyError('ERR_BATCH_INVALID', 'append() takes exactly one batch', { topic: this.topic, partition: this.partition });
    }
    const bytes = Buffer.from(batch);
    const baseOffset = this.endOffset;
    setBaseOffset(bytes, baseOffset);
    let logAppendTime = -1;
    if (this.timestampType === 'LogAppendTime') {
      logAppendTime = this.clock.now();
      setLogAppendTime(bytes, logAppendTime);
    }
    const lastOffset = baseOffset + header.lastOffsetDelta;
    this.batches.push({ baseOffset, lastOffset, bytes });
    this.endOffset = lastOffset + 1;
    if (batchIsTransactional(header.attributes)) this.trackTransaction(bytes, baseOffset);
    const ready = this.waiters.filter((w) => w.offset < this.bound(w.isolationLevel));
    this.waiters = this.waiters.filter((w) => w.offset >= this.bound(w.isolationLevel));
    for (const w of ready) w.resolve();
    return { baseOffset, lastOffset, logAppendTime, timestampType: this.timestampType };
  }

  private trackTransaction(bytes: Buffer, baseOffset: number): void {
    const header = readBatchHeader(bytes, 0);
    const { producerId } = header;
    if (!batchIsControl(header.attributes)) {
      if (!this.openTransactions.has(producerId)) this.openTransactions.set(producerId, baseOffset);
      return;
    }
    const [record] = decodeRecords(bytes, header);
    const marker = record === undefined ? null : decodeControlRecord(record);
    const firstOffset = this.openTransactions.get(producerId);
    if (marker === null || marker.type === 'unknown' || firstOffset === undefined) return;
    this.openTransactions.delete(producerId);
    if (marker.type === 'abort') this.aborted.push({ producerId, firstOffset, lastOffset: baseOffset });
  }

  lastStableOffset(): number {
    let lso = this.endOffset;
    for (const first of this.openTransactions.values()) lso = Math.min(lso, first);
    return lso;
  }

  abortedTransactions(from: number, to: number): AbortedTransaction[] {
    return this.aborted
      .filter((a) => a.lastOffset >= from && a.firstOffset < to)
      .map((a) => ({ ...a }))
      .sort((a, b) => a.firstOffset - b.firstOffset);
  }

  private bound(isolationLevel: IsolationLevel): number {
    return isolationLevel === 'read_committed' ? this.lastStableOffset() : this.endOffset;
  }

  async flush(): Promise<void> {
    this.checkOpen();
    this.flushCount++;
    await Promise.resolve();
    if (this.nextFlushError !== null) {
      const err = this.nextFlushError;
      this.nextFlushError = null;
      throw err;
    }
  }

  read(offset: number, maxBytes: number, maxOffset = Number.MAX_SAFE_INTEGER): ReadResult {
    this.checkOpen();
    if (offset < this.startOffset || offset > this.endOffset) {
      throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `Offset ${offset} is outside [${this.startOffset}, ${this.endOffset}]`, {
        topic: this.topic,
        partition: this.partition,
        offset,
      });
    }
    const parts: Buffer[] = [];
    let size = 0;
    let nextOffset = offset;
    for (const batch of this.batches) {
      if (batch.lastOffset < offset) continue;
      if (batch.baseOffset >= maxOffset) break;
      if (parts.length > 0 && size + batch.bytes.length > maxBytes) break;
      parts.push(batch.bytes);
      size += batch.bytes.length;
      nextOffset = batch.lastOffset + 1;
    }
    return { bytes: Buffer.concat(parts), nextOffset, logStartOffset: this.startOffset, logEndOffset: this.endOffset };
  }

  offsetForTimestamp(timestamp: number): number | null {
    for (const batch of this.batches) {
      if (batch.lastOffset < this.startOffset) continue;
      const header = readBatchHeader(batch.bytes, 0);
      if (header.maxTimestamp < timestamp) continue;
      // decodeRecords reports maxTimestamp for every record of a LogAppendTime batch.
      for (const record of decodeRecords(batch.bytes, header)) {
        if (record.offset >= this.startOffset && record.timestamp >= timestamp) return record.offset;
      }
    }
    return null;
  }

  waitForData(offset: number, signal?: AbortSignal, isolationLevel: IsolationLevel = 'read_uncommitted'): Promise<void> {
    if (this.closed || signal?.aborted === true || this.bound(isolationLevel) > offset) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { offset, isolationLevel, resolve };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      }, { once: true });
    });
  }

  /** Moves logStartOffset forward like retention or DeleteRecords; drops batches wholly below it. */
  deleteRecordsBefore(offset: number): void {
    this.startOffset = Math.min(Math.max(this.startOffset, offset), this.endOffset);
    while (this.batches.length > 0 && this.batches[0]!.lastOffset < this.startOffset) this.batches.shift();
    this.aborted = this.aborted.filter((a) => a.lastOffset >= this.startOffset);
  }

  /** Every stored data record, decoded (control batches left out). */
  records(): LogRecord[] {
    return this.batches.flatMap((b) => {
      const header = readBatchHeader(b.bytes, 0);
      return batchIsControl(header.attributes) ? [] : decodeRecords(b.bytes, header);
    });
  }

  pendingWaiters(): number {
    return this.waiters.length;
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  private checkOpen(): void {
    if (this.closed) throw new EddyError('ERR_LOG_CLOSED', undefined, { topic: this.topic, partition: this.partition });
  }
}

export interface MemoryLogOptions {
  clock?: Clock;
  /** Partitions of an auto-created topic. Default 1. */
  defaultPartitions?: number;
}

/** TEST DOUBLE: a transaction coordinator that only hands out producer ids (see the file comment). */
export class MemoryTransactions implements TransactionAccess {
  private nextProducerId = 1000;

  initProducerId(): Promise<ProducerIdAndEpoch> {
    return Promise.resolve({ producerId: this.nextProducerId++, producerEpoch: 0 });
  }

  addPartitionsToTxn(): Promise<void> {
    return unsupported('addPartitionsToTxn');
  }

  addOffsetsToTxn(): Promise<void> {
    return unsupported('addOffsetsToTxn');
  }

  txnOffsetCommit(): Promise<void> {
    return unsupported('txnOffsetCommit');
  }

  endTxn(): Promise<ProducerIdAndEpoch> {
    return unsupported('endTxn');
  }
}

function unsupported(call: string): Promise<never> {
  return Promise.reject(new EddyError('ERR_TRANSACTION_STATE_INVALID', `The memory log's transaction fake does not support ${call}()`));
}

/** TEST DOUBLE: see the file comment. */
export class MemoryLog implements LogAccess {
  readonly clock: Clock;
  readonly transactions = new MemoryTransactions();
  private readonly defaultPartitions: number;
  private readonly topics = new Map<string, MemoryPartitionLog[]>();

  constructor(options: MemoryLogOptions = {}) {
    this.clock = options.clock ?? new ManualClock();
    this.defaultPartitions = options.defaultPartitions ?? 1;
  }

  createTopic(topic: string, partitions = this.defaultPartitions, config: MemoryTopicConfig = {}): this {
    if (this.topics.has(topic)) throw new EddyError('ERR_TOPIC_EXISTS', undefined, { topic });
    this.topics.set(topic, Array.from({ length: partitions }, (_, p) => new MemoryPartitionLog(topic, p, this.clock, config.timestampType)));
    return this;
  }

  hasTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  partitionCount(topic: string, autoCreate: boolean): number {
    const partitions = this.topics.get(topic);
    if (partitions !== undefined) return partitions.length;
    if (!autoCreate) throw new EddyError('ERR_TOPIC_NOT_FOUND', undefined, { topic });
    this.createTopic(topic);
    return this.defaultPartitions;
  }

  partitionLog(topic: string, partition: number): MemoryPartitionLog {
    const partitions = this.topics.get(topic);
    if (partitions === undefined) throw new EddyError('ERR_TOPIC_NOT_FOUND', undefined, { topic });
    const log = partitions[partition];
    if (log === undefined) throw new EddyError('ERR_PARTITION_NOT_FOUND', undefined, { topic, partition });
    return log;
  }

  /** Total batches appended through `append()` across the topic's partitions. */
  appendCount(topic: string): number {
    return (this.topics.get(topic) ?? []).reduce((n, p) => n + p.appendCount, 0);
  }

  close(): void {
    for (const partitions of this.topics.values()) for (const p of partitions) p.close();
  }
}
