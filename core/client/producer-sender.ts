/**
 * The producer's sending half (Kafka's Sender): sealed batches go to their partition's queue and are
 * appended in order, at most `maxInFlight` awaiting their result per partition, through the
 * producer's backend (ProducerLogAccess: the embedded log, or Produce requests over the wire).
 *
 * Idempotence: a batch gets its partition's next sequence number when it is first sent and keeps it
 * on every retry, so the log can tell a retry from new data. A retriable failure (the outcome is
 * unknown, e.g. ERR_REQUEST_TIMED_OUT) holds the partition: once nothing else is in flight the failed
 * batches are sent again one at a time in sequence order, after `retryBackoffMs`, then normal sending
 * resumes — per-partition order is kept. ERR_OUT_OF_ORDER_SEQUENCE is retriable while an earlier
 * batch of the partition is unresolved (it was refused because that one is missing). A batch the log
 * refused for good (too large, invalid) was not stored: the batches sent after it move down to fill
 * its sequence numbers before they are retried. A batch failed with its outcome unknown (retries or
 * time used up) leaves the log's sequence numbers unknown: as in Kafka (KIP-360), nothing new is sent
 * until the batches in flight are resolved and a new producer id starts every partition at 0 (a
 * transactional producer is abort-only by then; its abort starts the next epoch).
 */
import type { Timer } from '../clock.js';
import { isEddyError } from '../errors.js';
import { addSequence } from '../log/producer-state.js';
import { encodeRecordBatch } from '../record/record-batch.js';
import type { RecordInput } from '../record/record.js';
import type { AppendResult, ProducerLogAccess, ProducerPartitionAccess } from './log-access.js';
import type { ResolvedProducerOptions } from './producer-options.js';
import type { Acks, RecordMetadata } from './types.js';

/** One `send()` call: its promise, its per-record results, and how many records are still pending. */
export class SendState {
  readonly results: RecordMetadata[];
  remaining: number;
  settled = false;
  resolve!: (metadata: RecordMetadata[]) => void;
  reject!: (err: unknown) => void;
  readonly promise: Promise<RecordMetadata[]>;

  constructor(readonly acks: Acks, count: number) {
    this.results = new Array<RecordMetadata>(count);
    this.remaining = count;
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  recordDone(): void {
    if (--this.remaining === 0 && !this.settled) {
      this.settled = true;
      this.resolve(this.results);
    }
  }

  fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(err);
  }
}

/** RecordBatch v2 header bytes. */
export const BATCH_OVERHEAD = 61;

/** A partition's batch: open while records are added, then sealed, sent, retried, done. */
export class ProducerBatch {
  readonly records: RecordInput[] = [];
  readonly owners: SendState[] = [];
  readonly slots: number[] = [];
  bytes = BATCH_OVERHEAD;
  hasNullKeys = false;
  /** The strongest acks of the sends with a record here ('all' > 1 > 0). */
  acks: Acks;
  timer: Timer | null = null;
  /** Encoded bytes, once first sent (with its producer id, epoch and sequence). */
  encoded: Buffer | null = null;
  baseSequence = -1;
  attempts = 0;
  sealedAt = 0;
  /** Appended or failed for good. */
  resolved = false;

  constructor(readonly topic: string, readonly partition: number, readonly numPartitions: number, acks: Acks) {
    this.acks = acks;
  }

  /** Adds a send's acks to the batch's (called only when they differ, which is rare). */
  addAcks(acks: Acks): void {
    if (this.acks === 'all' || this.acks === -1) return;
    this.acks = acks === 'all' || acks === -1 ? 'all' : acks > this.acks ? acks : this.acks;
  }

  get lastSequence(): number {
    return addSequence(this.baseSequence, this.records.length - 1);
  }
}

/** Per topic-partition sending state. */
export class PartitionSender {
  nextSequence = 0;
  /** One past the highest sequence the log acknowledged. */
  ackedNext = 0;
  /**
   * Whether the log acknowledged a batch of this producer id and epoch here. Until it has, one batch
   * at a time: a log that does not know a producer accepts any first sequence (its earlier batches may
   * be gone), so a later batch overtaking a lost first one would be taken as the start.
   */
  acknowledged = false;
  readonly queue: ProducerBatch[] = [];
  /** Sent batches awaiting their result. */
  readonly inflight = new Set<ProducerBatch>();
  /**
   * Batches sent, in order, from the oldest one not yet resolved. Its length is what maxInFlight
   * bounds: a batch resolved out of order does not free a slot until every earlier one is resolved,
   * so a retry always falls within the last batches the log remembers per producer.
   */
  readonly window: ProducerBatch[] = [];
  /** Batches to send again, in sequence order. */
  retrying: ProducerBatch[] = [];
  backoff: Timer | null = null;
  /** After a batch failed for good: the sequence the batches sent after it move down to, else -1. */
  renumberFrom = -1;
  pumping = false;
  /** Transactions: the partition is part of the current transaction. */
  inTransaction = false;
  /** Transactions: waiting for the coordinator to add the partition. */
  adding = false;

  constructor(readonly topic: string, readonly partition: number) {}

  unresolvedBefore(batch: ProducerBatch): boolean {
    for (const b of this.inflight) if (b !== batch && b.baseSequence < batch.baseSequence) return true;
    return this.retrying.some((b) => b.baseSequence < batch.baseSequence);
  }
}

export interface SenderHooks {
  /** A batch was appended (all its records have offsets). */
  appended(batch: ProducerBatch, log: ProducerPartitionAccess, result: AppendResult): void;
  /** A batch failed for good. */
  failed(batch: ProducerBatch, err: unknown): void;
  /** Transactions: whether a partition must be added to the transaction before data goes to it. */
  needsAdd(sender: PartitionSender): boolean;
  /** Transactions: asks for the partition to be added; the hook calls `pump` when it is. */
  requestAdd(sender: PartitionSender): void;
  /** Idempotence: batches wait for a (new) producer id; the hook calls `setProducer` once it has one. */
  producerIdNeeded(): void;
}

export interface SenderMetrics {
  retries: number;
  duplicates: number;
}

export class BatchSender {
  private readonly senders = new Map<string, PartitionSender[]>();
  producerId = -1;
  producerEpoch = -1;
  /** False while an idempotent producer waits for its producer id. */
  ready: boolean;
  /** A batch failed with its outcome unknown: a new producer id is needed before new batches go out. */
  private sequencesUnknown = false;
  readonly metrics: SenderMetrics = { retries: 0, duplicates: 0 };

  constructor(
    private readonly log: ProducerLogAccess,
    private readonly options: ResolvedProducerOptions<unknown, unknown>,
    private readonly hooks: SenderHooks,
  ) {
    this.ready = !options.idempotent;
  }

  sender(topic: string, partition: number): PartitionSender {
    let list = this.senders.get(topic);
    if (list === undefined) {
      list = [];
      this.senders.set(topic, list);
    }
    let sender = list[partition];
    if (sender === undefined) {
      sender = new PartitionSender(topic, partition);
      list[partition] = sender;
    }
    return sender;
  }

  allSenders(): PartitionSender[] {
    const out: PartitionSender[] = [];
    for (const list of this.senders.values()) for (const s of list) if (s !== undefined) out.push(s);
    return out;
  }

  /**
   * Sets the producer id and epoch for what is sent next (also at the start of every transaction).
   * A new id or epoch starts every partition's sequence again at 0; the same ones (a coordinator that
   * keeps the epoch from one transaction to the next) continue them.
   */
  setProducer(producerId: number, producerEpoch: number): void {
    const renewed = producerId !== this.producerId || producerEpoch !== this.producerEpoch;
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    for (const s of this.allSenders()) {
      if (renewed) {
        s.nextSequence = 0;
        s.ackedNext = 0;
        s.acknowledged = false;
        s.renumberFrom = -1;
      }
      s.inTransaction = false;
    }
    this.ready = true;
    for (const s of this.allSenders()) this.pump(s);
  }

  enqueue(batch: ProducerBatch): void {
    batch.sealedAt = this.log.clock.now();
    const s = this.sender(batch.topic, batch.partition);
    s.queue.push(batch);
    this.pump(s);
  }

  /** Asks for a new producer id once nothing sent under the current one is unresolved. */
  private renewWhenIdle(): void {
    for (const s of this.allSenders()) if (s.inflight.size > 0 || s.retrying.length > 0) return;
    this.sequencesUnknown = false;
    this.ready = false;
    this.hooks.producerIdNeeded();
  }

  /** Sends what the partition may send now. Re-entrant calls (from a synchronous result) are no-ops. */
  pump(s: PartitionSender): void {
    if (s.pumping) return;
    s.pumping = true;
    try {
      for (;;) {
        if (!this.ready) {
          this.hooks.producerIdNeeded();
          return;
        }
        if (s.backoff !== null || s.adding) return;
        if (s.renumberFrom >= 0) {
          if (s.inflight.size > 0) return;
          this.renumber(s);
        }
        if (s.retrying.length > 0) {
          if (s.inflight.size > 0) return;
          this.metrics.retries++;
          this.attempt(s, s.retrying.shift() as ProducerBatch);
          continue;
        }
        if (s.queue.length === 0 || s.window.length >= (s.acknowledged || !this.options.idempotent ? this.options.maxInFlight : 1)) return;
        if (this.sequencesUnknown) {
          this.renewWhenIdle();
          return;
        }
        if (this.hooks.needsAdd(s)) {
          this.hooks.requestAdd(s);
          return;
        }
        this.attempt(s, s.queue.shift() as ProducerBatch);
      }
    } finally {
      s.pumping = false;
    }
  }

  private encode(batch: ProducerBatch): Buffer {
    return encodeRecordBatch({
      records: batch.records,
      compression: this.options.compression,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence: batch.baseSequence,
      isTransactional: this.options.transactionalId !== null,
    });
  }

  private attempt(s: PartitionSender, batch: ProducerBatch): void {
    let log: ProducerPartitionAccess;
    try {
      log = this.log.partitionLog(batch.topic, batch.partition);
      if (batch.encoded === null) {
        if (this.options.idempotent) batch.baseSequence = s.nextSequence;
        batch.encoded = this.encode(batch);
        if (this.options.idempotent) s.nextSequence = addSequence(s.nextSequence, batch.records.length);
        s.window.push(batch);
      }
    } catch (err) {
      this.resolve(s, batch);
      this.hooks.failed(batch, err);
      return;
    }
    batch.attempts++;
    s.inflight.add(batch);
    let result: AppendResult | Promise<AppendResult>;
    try {
      result = log.append(batch.encoded, batch.acks);
    } catch (err) {
      this.settleError(s, batch, err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (r) => this.settleOk(s, batch, log, r),
        (err: unknown) => this.settleError(s, batch, err),
      );
    } else {
      this.settleOk(s, batch, log, result);
    }
  }

  /** Marks a batch done and drops resolved batches from the front of the window. */
  private resolve(s: PartitionSender, batch: ProducerBatch): void {
    batch.resolved = true;
    let drop = 0;
    while (drop < s.window.length && (s.window[drop] as ProducerBatch).resolved) drop++;
    if (drop > 0) s.window.splice(0, drop);
  }

  private settleOk(s: PartitionSender, batch: ProducerBatch, log: ProducerPartitionAccess, result: AppendResult): void {
    s.inflight.delete(batch);
    this.resolve(s, batch);
    s.acknowledged = true;
    if (result.duplicate === true) this.metrics.duplicates++;
    if (batch.baseSequence >= 0) {
      const after = addSequence(batch.lastSequence, 1);
      if (after > s.ackedNext) s.ackedNext = after;
    }
    this.hooks.appended(batch, log, result);
    this.pump(s);
    if (this.sequencesUnknown) this.renewWhenIdle();
  }

  private settleError(s: PartitionSender, batch: ProducerBatch, err: unknown): void {
    s.inflight.delete(batch);
    if (this.shouldRetry(s, batch, err)) {
      let at = s.retrying.length;
      while (at > 0 && (s.retrying[at - 1] as ProducerBatch).baseSequence > batch.baseSequence) at--;
      s.retrying.splice(at, 0, batch);
      if (s.backoff === null) {
        // Clock timers do not keep the process alive; a retry that is due must.
        const keepAlive = setTimeout(() => undefined, this.options.retryBackoffMs + 1000);
        s.backoff = this.log.clock.setTimer(this.options.retryBackoffMs, () => {
          clearTimeout(keepAlive);
          s.backoff = null;
          this.pump(s);
        });
      }
      return;
    }
    // A refusal the log gave before storing anything: later batches take over its sequence numbers.
    if (this.options.idempotent && batch.baseSequence >= 0 && isEddyError(err) && !err.retriable) {
      if (s.renumberFrom < 0 || batch.baseSequence < s.renumberFrom) s.renumberFrom = batch.baseSequence;
    } else if (this.options.idempotent && this.options.transactionalId === null) {
      this.sequencesUnknown = true;
    }
    this.resolve(s, batch);
    this.hooks.failed(batch, err);
    this.pump(s);
    if (this.sequencesUnknown) this.renewWhenIdle();
  }

  private shouldRetry(s: PartitionSender, batch: ProducerBatch, err: unknown): boolean {
    if (!isEddyError(err) || batch.attempts > this.options.retries) return false;
    if (this.log.clock.now() - batch.sealedAt >= this.options.deliveryTimeoutMs) return false;
    if (err.retriable) return true;
    return err.code === 'ERR_OUT_OF_ORDER_SEQUENCE' && (s.renumberFrom >= 0 || s.unresolvedBefore(batch));
  }

  /** Moves the batches waiting for a retry down to follow the last sequence the log holds. */
  private renumber(s: PartitionSender): void {
    let next = Math.max(s.renumberFrom, s.ackedNext);
    s.renumberFrom = -1;
    for (const batch of s.retrying) {
      if (batch.baseSequence < next) continue;
      batch.baseSequence = next;
      batch.encoded = this.encode(batch);
      next = addSequence(next, batch.records.length);
    }
    s.nextSequence = next;
  }

  /** Batches not yet sent, taken out of every queue (an abort fails them). */
  takeQueued(): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    for (const s of this.allSenders()) out.push(...s.queue.splice(0));
    return out;
  }
}
