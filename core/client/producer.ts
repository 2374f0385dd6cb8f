/**
 * The producer: turns `send({ topic, messages })` calls into RecordBatch v2 batches appended to the
 * log, the way Kafka's RecordAccumulator + Sender do. One producer for both backends: it sits on a
 * ProducerLogAccess (core/client/log-access.ts), the embedded log itself or Produce and coordinator
 * requests over the wire (core/remote/remote-log.ts); what differs between the two lives there.
 *
 * - Each topic-partition has at most one open batch. A record goes to the partition its message
 *   names, else to the one the partitioner picks (murmur2 of the serialized key; sticky for null keys).
 * - A batch is sealed when it reaches `batchSize` bytes (estimated, uncompressed), when `lingerMs`
 *   has passed since it was opened, or on `flush()`/`close()`. With `lingerMs: 0` every batch opened
 *   during one turn of the event loop is sealed on the next `setImmediate`, so sends made in the same
 *   tick share batches. Sealed batches are appended by BatchSender (producer-sender.ts) in order per
 *   partition, with retries; offsets follow send order per partition.
 * - A send is routed (partition count, partitioner) at once when the backend knows the count, as the
 *   embedded log does; when it has to ask (cluster metadata), the send and every send after it wait
 *   their turn, so routing still follows send order.
 * - Idempotent by default: the producer gets a producer id from the log's coordinator and numbers its
 *   batches, so a retried batch is never stored twice.
 * - acks 1 resolves after the append; 'all'/-1 also awaits `flush()` (the log group-commits the
 *   fsync; over the wire the broker acknowledged per acks already); 0 resolves once routed, with
 *   offset -1, and never reports an append error (they are counted in `metrics().acks0Errors`).
 * - An append (or encode) failure rejects exactly the sends with a record in that batch. A send whose
 *   input is bad (serde failure, unknown partition, invalid timestamp) is rejected before any of its
 *   records is queued.
 * - Transactions (with `transactionalId`): initTransactions(), then beginTransaction(), send() and
 *   sendOffsets(), and commitTransaction() or abortTransaction(). A partition joins the transaction
 *   (AddPartitionsToTxn) before its first batch is appended. A failed send makes the transaction
 *   abort-only; ERR_PRODUCER_FENCED (a newer producer with the same id, or a timed-out transaction)
 *   is final for this producer.
 *
 * @example
 * ```ts
 * const producer = new Producer(log, { valueSerde: serdes.json });
 * const [meta] = await producer.send({ topic: 'orders', messages: [{ key: 'order-1', value: { total: 3 } }] });
 * await producer.close();
 * ```
 */
import { EddyError, isEddyError } from '../errors.js';
import type { AppendResult, ProducerLogAccess, ProducerPartitionAccess, TransactionIdentity } from './log-access.js';
import { DefaultPartitioner, type Partitioner } from './partitioner.js';
import { checkPartitions, type PreparedRecord, prepareRecords } from './prepared-records.js';
import { checkAcks, resolveProducerOptions, type ResolvedProducerOptions } from './producer-options.js';
import { BatchSender, ProducerBatch, SendState, type PartitionSender } from './producer-sender.js';
import type { Acks, ProducerOptions, ProducerRecord, RecordMetadata, TopicPartitionOffset } from './types.js';

export { DEFAULT_PRODUCER_OPTIONS, resolveProducerOptions, type ResolvedProducerOptions } from './producer-options.js';

export interface ProducerMetrics {
  batchesAppended: number;
  recordsAppended: number;
  /** Append failures of acks-0 sends, which are not reported to the caller. */
  acks0Errors: number;
  /** Appends sent again after a retriable failure. */
  retries: number;
  /** Retried batches the log already held (answered with their original offsets). */
  duplicates: number;
}

/** Offsets consumed in a transaction: the next offset to read per partition, as commit() takes them. */
export interface TransactionOffsets {
  groupId: string;
  offsets: Array<TopicPartitionOffset & { metadata?: string | null }>;
}

type TransactionState = 'uninitialized' | 'initializing' | 'ready' | 'in-transaction' | 'committing' | 'commit-failed' | 'aborting' | 'abortable-error' | 'fenced';

export class Producer<K = Buffer | string | null, V = Buffer | string | null> {
  readonly options: ResolvedProducerOptions<K, V>;
  private readonly accumulators = new Map<string, Array<ProducerBatch | undefined>>();
  private readonly sender: BatchSender;
  /** Sealed batches not yet done (appended and, for acks 'all', fsynced; or failed). */
  private unfinished = 0;
  private idleWaiters: Array<() => void> = [];
  private drainScheduled = false;
  /** The last send still waiting for its partition count (later sends queue behind it), or null. */
  private routing: Promise<void> | null = null;
  /** An idempotent producer without a transactionalId is asking for its producer id. */
  private requestingId = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly counters = { batchesAppended: 0, recordsAppended: 0, acks0Errors: 0 };
  // Transactions
  private txnState: TransactionState = 'uninitialized';
  /** Why the transaction can only be aborted (or why the producer is fenced). */
  private txnError: unknown = null;
  private readonly pendingAdds: PartitionSender[] = [];
  private addScheduled = false;
  private readonly txnGroups = new Set<string>();
  /** Coordinator calls of the current transaction still running (commit waits for them). */
  private readonly txnCalls = new Set<Promise<unknown>>();

  constructor(
    private readonly log: ProducerLogAccess,
    options: ProducerOptions<K, V> = {},
    private readonly partitioner: Partitioner = new DefaultPartitioner(),
  ) {
    this.options = resolveProducerOptions(options);
    this.sender = new BatchSender(log, this.options as ResolvedProducerOptions<unknown, unknown>, {
      appended: (batch, partitionLog, result) => this.onAppended(batch, partitionLog, result),
      failed: (batch, err) => this.failBatch(batch, err),
      needsAdd: (s) => this.options.transactionalId !== null && !s.inTransaction,
      requestAdd: (s) => this.requestAdd(s),
      producerIdNeeded: () => this.requestProducerId(),
    });
    this.requestProducerId();
  }

  /**
   * Idempotent without a transactionalId: asks the coordinator for a producer id, at the start and
   * when the sender needs a new one. When that fails, the batches waiting for it fail with the
   * error, and the next batch asks again.
   */
  private requestProducerId(): void {
    if (!this.options.idempotent || this.options.transactionalId !== null || this.requestingId) return;
    this.requestingId = true;
    this.log.transactions.initProducerId(null, this.options.transactionTimeoutMs).then(
      ({ producerId, producerEpoch }) => {
        this.requestingId = false;
        this.sender.setProducer(producerId, producerEpoch);
      },
      (err: unknown) => {
        this.requestingId = false;
        for (const batch of this.sender.takeQueued()) this.failBatch(batch, err);
      },
    );
  }

  /**
   * Queues the messages and resolves with one RecordMetadata per message, in message order, once
   * the batches holding them are appended (acks 1) or appended and fsynced (acks 'all').
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata[]> {
    if (typeof record !== 'object' || record === null) {
      return Promise.reject(new EddyError('ERR_RECORD_INVALID', 'send() takes { topic, messages }', { value: record }));
    }
    if (this.closed) return Promise.reject(new EddyError('ERR_PRODUCER_CLOSED', undefined, { topic: record.topic }));
    let acks: Acks;
    let prepared: PreparedRecord[];
    let numPartitions: number | Promise<number> | null = null;
    try {
      if (this.options.transactionalId !== null) this.checkCanSend();
      acks = record.acks === undefined ? this.options.acks : checkAcks(record.acks, 'acks');
      // A batch acknowledged before it is durable could vanish in a crash and leave a hole in the
      // producer's sequence numbers: an idempotent producer writes with acks 'all' only.
      if (this.options.idempotent && acks !== 'all' && acks !== -1) {
        throw new EddyError('ERR_CONFIG_INVALID', "An idempotent producer sends with acks 'all' only; create the producer with idempotent: false to use acks 0 or 1", { config: 'acks', value: acks });
      }
      if (!Array.isArray(record.messages)) {
        throw new EddyError('ERR_RECORD_INVALID', 'send() needs a messages array', { topic: record.topic });
      }
      // Convert and validate first, so a bad message does not auto-create the topic.
      prepared = prepareRecords(record.topic, record.messages, this.options, this.log.clock.now());
      if (this.routing === null) {
        numPartitions = this.log.partitionCount(record.topic, true);
        if (typeof numPartitions === 'number') checkPartitions(record.topic, prepared, numPartitions);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    const state = new SendState(acks, prepared.length);
    if (typeof numPartitions === 'number') this.route(record.topic, numPartitions, prepared, state);
    else this.routeLater(record.topic, numPartitions, prepared, state);
    return state.promise;
  }

  /** Adds a send's records to their partitions' open batches; an acks-0 (or empty) send resolves here. */
  private route(topic: string, numPartitions: number, prepared: PreparedRecord[], state: SendState): void {
    for (let i = 0; i < prepared.length; i++) this.enqueue(topic, numPartitions, prepared[i]!, state, i);
    if (state.acks === 0 || prepared.length === 0) {
      state.settled = true;
      state.resolve(prepared.map(({ record: r, partition }) => ({ topic, partition, offset: -1, timestamp: r.timestamp! })));
    }
  }

  /** Routes a send once its partition count is known and every earlier send is routed. */
  private routeLater(topic: string, count: Promise<number> | null, prepared: PreparedRecord[], state: SendState): void {
    const previous = this.routing;
    const routed = (async () => {
      if (previous !== null) await previous;
      let numPartitions = await (count ?? this.log.partitionCount(topic, true));
      // A count from cached metadata may predate partitions added since: look again before calling one missing.
      if (prepared.some((p) => p.partition >= numPartitions)) numPartitions = await this.log.partitionCount(topic, true, true);
      checkPartitions(topic, prepared, numPartitions);
      this.route(topic, numPartitions, prepared, state);
    })().catch((err: unknown) => state.fail(err));
    this.routing = routed;
    void routed.then(() => {
      if (this.routing === routed) this.routing = null;
    });
  }

  /** Seals every open batch and waits until every batch sealed so far has completed (or failed). */
  async flush(): Promise<void> {
    while (this.routing !== null) await this.routing;
    this.sealAll();
    if (this.unfinished === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Flushes (aborting an open transaction first, as Kafka's close does), then rejects every later send with ERR_PRODUCER_CLOSED. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.txnState === 'in-transaction' || this.txnState === 'abortable-error') {
        await this.abortTransaction().catch(() => undefined);
      }
      this.closed = true;
      await this.flush();
    })();
    return this.closing;
  }

  metrics(): ProducerMetrics {
    return { ...this.counters, ...this.sender.metrics };
  }

  /** The producer id and epoch in use (-1 before the id arrives or without idempotence). */
  get producerIdAndEpoch(): { producerId: number; producerEpoch: number } {
    return { producerId: this.sender.producerId, producerEpoch: this.sender.producerEpoch };
  }

  // ---- transactions -----------------------------------------------------------------------------

  /**
   * Registers the transactionalId with the coordinator: gets the producer id with a bumped epoch,
   * which fences any older producer with the same id, and completes or aborts what it left open.
   */
  async initTransactions(): Promise<void> {
    const transactionalId = this.requireTransactional('initTransactions');
    if (this.txnState !== 'uninitialized') throw this.stateError('initTransactions');
    this.txnState = 'initializing';
    try {
      const { producerId, producerEpoch } = await this.log.transactions.initProducerId(transactionalId, this.options.transactionTimeoutMs);
      this.sender.setProducer(producerId, producerEpoch);
      this.txnState = 'ready';
    } catch (err) {
      this.txnState = isEddyError(err, 'ERR_PRODUCER_FENCED') ? 'fenced' : 'uninitialized';
      if (this.txnState === 'fenced') this.txnError = err;
      throw err;
    }
  }

  beginTransaction(): void {
    this.requireTransactional('beginTransaction');
    if (this.txnState !== 'ready') throw this.stateError('beginTransaction');
    this.txnState = 'in-transaction';
    this.txnGroups.clear();
  }

  /** Commits consumed offsets as part of the transaction: they count only if it commits. */
  async sendOffsets({ groupId, offsets }: TransactionOffsets): Promise<void> {
    this.requireTransactional('sendOffsets');
    this.checkCanSend();
    if (typeof groupId !== 'string' || groupId.length === 0) throw new EddyError('ERR_GROUP_ID_INVALID', 'sendOffsets() needs a groupId', { value: groupId });
    if (!Array.isArray(offsets)) throw new EddyError('ERR_CONFIG_INVALID', 'sendOffsets() needs an offsets array', { value: offsets });
    await this.txnCall(async (txn) => {
      if (!this.txnGroups.has(groupId)) {
        await this.log.transactions.addOffsetsToTxn(txn, groupId);
        this.txnGroups.add(groupId);
      }
      await this.log.transactions.txnOffsetCommit(txn, groupId, offsets);
    });
  }

  /** Appends (and fsyncs) everything sent in the transaction, then commits it. */
  async commitTransaction(): Promise<void> {
    this.requireTransactional('commitTransaction');
    if (this.txnState === 'abortable-error') throw this.abortOnly();
    // The coordinator may have recorded the decision before the call failed: finishing it is retried.
    if (this.txnState === 'commit-failed') return this.endTransaction(true);
    if (this.txnState !== 'in-transaction') throw this.stateError('commitTransaction');
    this.txnState = 'committing';
    await this.flush();
    await Promise.allSettled([...this.txnCalls]);
    if (this.txnError !== null) {
      if (this.txnState === 'committing') this.txnState = 'abortable-error';
      throw this.abortOnly();
    }
    await this.endTransaction(true);
  }

  /** Drops what was not appended yet, waits for appends in flight, then aborts the transaction. */
  async abortTransaction(): Promise<void> {
    this.requireTransactional('abortTransaction');
    if (this.txnState === 'commit-failed') return this.endTransaction(false);
    if (this.txnState !== 'in-transaction' && this.txnState !== 'abortable-error') throw this.stateError('abortTransaction');
    this.txnState = 'aborting';
    while (this.routing !== null) await this.routing;
    const aborted = new EddyError('ERR_TRANSACTION_ABORTED', 'The transaction was aborted before this record was appended', { transactionalId: this.options.transactionalId });
    this.sealAll();
    for (const batch of this.sender.takeQueued()) this.failBatch(batch, aborted);
    for (const s of this.pendingAdds.splice(0)) s.adding = false;
    if (this.unfinished > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await Promise.allSettled([...this.txnCalls]);
    await this.endTransaction(false);
  }

  private async endTransaction(commit: boolean): Promise<void> {
    try {
      const { producerId, producerEpoch } = await this.log.transactions.endTxn(this.identity(), commit);
      // KIP-890: the next transaction runs under the bumped epoch (or a new id), sequences from 0.
      this.sender.setProducer(producerId, producerEpoch);
      this.txnError = null;
      this.txnState = 'ready';
    } catch (err) {
      this.onTransactionError(err);
      if (this.txnState !== 'fenced') {
        // A failed commit may be retried (the decision may already be recorded) or aborted; a failed
        // abort may be tried again.
        this.txnState = commit ? 'commit-failed' : 'abortable-error';
        if (!commit) this.txnError ??= err;
      }
      throw err;
    }
  }

  private identity(): TransactionIdentity {
    return { transactionalId: this.options.transactionalId as string, producerId: this.sender.producerId, producerEpoch: this.sender.producerEpoch };
  }

  private async txnCall(call: (txn: TransactionIdentity) => Promise<void>): Promise<void> {
    const running = call(this.identity());
    this.txnCalls.add(running);
    try {
      await running;
    } catch (err) {
      this.onTransactionError(err);
      throw err;
    } finally {
      this.txnCalls.delete(running);
    }
  }

  /** Fencing is final; any other failure inside a transaction leaves it abort-only. */
  private onTransactionError(err: unknown): void {
    if (isEddyError(err, 'ERR_PRODUCER_FENCED') || isEddyError(err, 'ERR_PRODUCER_EPOCH_INVALID')) {
      this.txnState = 'fenced';
      this.txnError = err;
    } else if (this.txnState === 'in-transaction' || this.txnState === 'committing') {
      this.txnState = 'abortable-error';
      this.txnError ??= err;
    }
  }

  private requireTransactional(call: string): string {
    if (this.options.transactionalId === null) {
      throw new EddyError('ERR_TRANSACTION_STATE_INVALID', `${call}() needs a producer with a transactionalId`);
    }
    return this.options.transactionalId;
  }

  private checkCanSend(): void {
    if (this.txnState === 'in-transaction') return;
    if (this.txnState === 'abortable-error' || this.txnState === 'fenced') throw this.abortOnly();
    throw new EddyError('ERR_TRANSACTION_STATE_INVALID', `A transactional producer sends only inside a transaction (call ${this.txnState === 'uninitialized' ? 'initTransactions() and ' : ''}beginTransaction() first; state: ${this.txnState})`, {
      transactionalId: this.options.transactionalId,
    });
  }

  private stateError(call: string): EddyError {
    if (this.txnState === 'fenced') return this.abortOnly();
    return new EddyError('ERR_TRANSACTION_STATE_INVALID', `${call}() is not allowed in transaction state ${this.txnState}`, { transactionalId: this.options.transactionalId, state: this.txnState });
  }

  /** The error to throw while only an abort (or nothing, when fenced) is possible. */
  private abortOnly(): EddyError {
    const cause = this.txnError;
    if (this.txnState === 'fenced' && isEddyError(cause)) return cause;
    const why = isEddyError(cause) ? `${cause.code}: ${cause.message}` : String(cause);
    return new EddyError('ERR_TRANSACTION_STATE_INVALID', `The transaction can only be aborted: an earlier call failed (${why})`, { transactionalId: this.options.transactionalId, state: this.txnState }, { cause });
  }

  /** Collects partitions that need AddPartitionsToTxn this turn and adds them in one call. */
  private requestAdd(s: PartitionSender): void {
    if (s.adding) return;
    s.adding = true;
    this.pendingAdds.push(s);
    if (this.addScheduled) return;
    this.addScheduled = true;
    queueMicrotask(() => {
      this.addScheduled = false;
      const senders = this.pendingAdds.splice(0);
      if (senders.length === 0) return;
      this.txnCall((txn) => this.log.transactions.addPartitionsToTxn(txn, senders.map((x) => ({ topic: x.topic, partition: x.partition })))).then(
        () => {
          for (const x of senders) {
            x.adding = false;
            x.inTransaction = true;
            this.sender.pump(x);
          }
        },
        (err: unknown) => {
          for (const x of senders) {
            x.adding = false;
            for (const batch of x.queue.splice(0)) this.failBatch(batch, err);
          }
        },
      );
    });
  }

  // ---- batching ---------------------------------------------------------------------------------

  /*
   * Hot path, once per record. It avoids per-record allocation beyond the RecordInput itself (owners
   * and slots go into parallel arrays of the batch, not into a wrapper object per record; one promise
   * per send, not per record), copies no key or value bytes (the batch encoder reads them once), and
   * keeps every RecordInput the same shape (all four fields always set, in one order) so the encoder's
   * property reads stay monomorphic.
   */
  private enqueue(topic: string, numPartitions: number, prepared: PreparedRecord, owner: SendState, slot: number): void {
    const { record, size } = prepared;
    const nullKey = record.key === null && prepared.partition < 0;
    let partition = prepared.partition >= 0 ? prepared.partition : this.partitioner.partition(topic, record.key, numPartitions);
    prepared.partition = partition;
    let batches = this.accumulators.get(topic);
    if (batches === undefined) {
      batches = [];
      this.accumulators.set(topic, batches);
    }
    let batch = batches[partition];
    if (batch !== undefined && batch.records.length > 0 && batch.bytes + size > this.options.batchSize) {
      this.seal(batch);
      if (nullKey) {
        // Sealing moved the sticky partition on (KIP-480): the record follows it.
        partition = this.partitioner.partition(topic, null, numPartitions);
        prepared.partition = partition;
      }
      batch = batches[partition];
    }
    if (batch === undefined) {
      batch = new ProducerBatch(topic, partition, numPartitions, owner.acks);
      batches[partition] = batch;
      this.armLinger(batch);
    } else if (batch.acks !== owner.acks) {
      batch.addAcks(owner.acks);
    }
    batch.records.push(record);
    batch.owners.push(owner);
    batch.slots.push(slot);
    batch.bytes += size;
    if (nullKey) batch.hasNullKeys = true;
    if (batch.bytes >= this.options.batchSize) this.seal(batch);
  }

  private armLinger(batch: ProducerBatch): void {
    if (this.options.lingerMs > 0) {
      batch.timer = this.log.clock.setTimer(this.options.lingerMs, () => {
        batch.timer = null;
        this.seal(batch);
      });
    } else if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(() => {
        this.drainScheduled = false;
        for (const batches of this.accumulators.values()) {
          for (const b of batches) if (b !== undefined) this.seal(b);
        }
      });
    }
  }

  private sealAll(): void {
    for (const batches of this.accumulators.values()) {
      for (const batch of batches) if (batch !== undefined) this.seal(batch);
    }
  }

  /** Removes the batch from its accumulator and hands it to the sender. Idempotent. */
  private seal(batch: ProducerBatch): void {
    const batches = this.accumulators.get(batch.topic);
    if (batches === undefined || batches[batch.partition] !== batch) return;
    batches[batch.partition] = undefined;
    if (batch.timer !== null) {
      batch.timer.cancel();
      batch.timer = null;
    }
    if (batch.hasNullKeys) this.partitioner.onBatchSealed(batch.topic, batch.partition, batch.numPartitions);
    this.unfinished++;
    this.sender.enqueue(batch);
  }

  private onAppended(batch: ProducerBatch, partitionLog: ProducerPartitionAccess, result: AppendResult): void {
    this.counters.batchesAppended++;
    this.counters.recordsAppended += batch.records.length;
    let needsFsync = false;
    const { records, owners, slots } = batch;
    for (let i = 0; i < records.length; i++) {
      const owner = owners[i]!;
      if (owner.acks === 0) continue;
      owner.results[slots[i]!] = {
        topic: batch.topic,
        partition: batch.partition,
        offset: result.baseOffset + i,
        timestamp: result.logAppendTime >= 0 ? result.logAppendTime : records[i]!.timestamp!,
      };
      if (owner.acks === 1) owner.recordDone();
      else needsFsync = true;
    }
    if (!needsFsync) {
      this.batchDone();
      return;
    }
    partitionLog.flush().then(
      () => {
        for (const owner of owners) if (owner.acks === 'all' || owner.acks === -1) owner.recordDone();
        this.batchDone();
      },
      (err: unknown) => this.failBatch(batch, err, true),
    );
  }

  private batchDone(): void {
    if (--this.unfinished === 0 && this.idleWaiters.length > 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** Rejects the sends with a record in the batch; after a failed fsync only the acks-'all' ones. */
  private failBatch(batch: ProducerBatch, err: unknown, fsyncOnly = false): void {
    let counted = false;
    for (const owner of batch.owners) {
      if (owner.acks === 0) {
        if (!counted && !fsyncOnly) this.counters.acks0Errors++;
        counted = true;
      } else if (!fsyncOnly || owner.acks === 'all' || owner.acks === -1) {
        owner.fail(err);
      }
    }
    if (this.options.transactionalId !== null) this.onTransactionError(err);
    this.batchDone();
  }
}
