/**
 * The producer of `Eddy.connect()`: the EddyProducer API of core/client/producer.ts over Kafka's
 * Produce, InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn, sent by
 * @platformatic/kafka's Producer.
 *
 * What is the same as embedded: the options (resolveProducerOptions), input validation and its
 * errors, serdes, headers (order and repeated keys kept), the partitioner (murmur2 of the serialized
 * key, byte for byte Kafka's, so a key lands on the same partition on every backend; sticky for null
 * keys), batching by `lingerMs`/`batchSize`, per-partition order, idempotence on by default, and the
 * transaction state machine (abort-only after a failed call, fencing final).
 *
 * What differs, and why:
 * - One Produce request is in flight at a time (the batches of every partition sealed meanwhile go
 *   in the next one). The library numbers idempotent batches when it encodes a request and only
 *   counts them when the answer arrives, so overlapping requests would reuse sequence numbers.
 *   `maxInFlight` is therefore 1 here; `retries`, `retryBackoffMs` map to the library's retries.
 *   `deliveryTimeoutMs` has no equivalent (each try is bounded by the request timeout instead).
 * - After a failed idempotent send the producer asks for a new producer id: the library's sequence
 *   numbers may no longer match what the broker stored (a partly applied request), and a fresh id
 *   starts every partition at sequence 0 (Kafka's Java client bumps the epoch for the same reason).
 * - RecordMetadata.timestamp is the record's create time; under LogAppendTime the broker's time is
 *   not passed on by the library. `metrics().retries` and `duplicates` stay 0 (the library retries
 *   inside one call and does not report them).
 * - acks 0 sends resolve once their partitions are known (metadata may need a round trip); an
 *   unknown topic still rejects them, as embedded.
 * - Partition counts come from metadata cached for `metadataMaxAgeMs`; a topic grown by another
 *   process is seen after that (this process's own admin calls refresh it at once).
 * - An empty transaction (nothing sent, no offsets) commits or aborts without an EndTxn request, as
 *   Kafka's Java client does (a coordinator refuses EndTxn for a transaction it never saw).
 */
import { Producer as KafkaProducer, ProduceAcks, type MessageToProduce } from '@platformatic/kafka';
import type { EddyProducer } from '../client/interfaces.js';
import { checkAcks, resolveProducerOptions, type ResolvedProducerOptions } from '../client/producer-options.js';
import { ProducerBatch, SendState } from '../client/producer-sender.js';
import type { ProducerMetrics, TransactionOffsets } from '../client/producer.js';
import { toRecordHeaders } from '../client/headers.js';
import { DefaultPartitioner, type Partitioner } from '../client/partitioner.js';
import type { Acks, Message, ProducerOptions, ProducerRecord, RecordMetadata } from '../client/types.js';
import { EddyError, isEddyError } from '../errors.js';
import { validateTopicNameSyntax } from '../log/topic-name.js';
import type { RecordHeader, RecordInput } from '../record/record.js';
import type { Serde } from '../serdes.js';
import { COORDINATOR_MOVED, type BrokerLink } from './broker-link.js';
import { connectionOptions, type ResolvedRemoteEddyOptions } from './remote-options.js';
import { kafkaError, toEddyError } from './remote-errors.js';

/** Upper bound of a record's framing (as the embedded producer counts it). */
const RECORD_OVERHEAD = 5 + 1 + 10 + 5 + 5 + 5 + 5;
const HEADER_OVERHEAD = 10;
/** A Produce request carries sealed batches up to about this many bytes (Kafka's max.request.size). */
const MAX_REQUEST_BYTES = 1_048_576;
/** Kafka's CONCURRENT_TRANSACTIONS: the previous transaction is still being completed. */
const CONCURRENT_TRANSACTIONS = 51;

const NO_HEADERS: RecordHeader[] = Object.freeze([]) as unknown as RecordHeader[];

type TransactionState = 'uninitialized' | 'initializing' | 'ready' | 'in-transaction' | 'committing' | 'commit-failed' | 'aborting' | 'abortable-error' | 'fenced';

type WireMessage = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;
/** The library's transaction handle (its class is not exported by name). */
type KafkaTransaction = Awaited<ReturnType<KafkaProducer['beginTransaction']>>;

interface PreparedRecord {
  record: RecordInput;
  /** The message's partition, or -1 for the partitioner to choose. */
  partition: number;
  size: number;
}

export class RemoteProducer<K = Buffer | string | null, V = Buffer | string | null> implements EddyProducer<K, V> {
  readonly options: ResolvedProducerOptions<K, V>;
  private readonly kafka: KafkaProducer;
  private readonly accumulators = new Map<string, Array<ProducerBatch | undefined>>();
  private readonly sealed: ProducerBatch[] = [];
  private inFlight = false;
  /** Sends are routed (partition count, partitioner) one after another, in send order. */
  private routing: Promise<void> = Promise.resolve();
  private drainScheduled = false;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private closing: Promise<void> | null = null;
  private needsNewProducerId = false;
  private readonly counters = { batchesAppended: 0, recordsAppended: 0, acks0Errors: 0 };
  // Transactions
  private txnState: TransactionState = 'uninitialized';
  private txnError: unknown = null;
  private txn: Promise<KafkaTransaction> | null = null;
  /** Something was added to the current transaction (a partition or a group's offsets). */
  private txnHasWork = false;
  /** A send of the current transaction failed: the next transaction starts under a new epoch. */
  private txnNeedsNewEpoch = false;
  private readonly txnGroups = new Set<string>();
  private readonly txnCalls = new Set<Promise<unknown>>();

  /** @internal Use `eddy.producer()` of an `Eddy.connect()` client. */
  constructor(
    private readonly link: BrokerLink,
    remote: ResolvedRemoteEddyOptions,
    options: ProducerOptions<K, V> = {},
    private readonly partitioner: Partitioner = new DefaultPartitioner(),
  ) {
    this.options = resolveProducerOptions(options);
    const o = this.options;
    this.kafka = new KafkaProducer({
      ...connectionOptions(remote),
      clientId: remote.clientId,
      bootstrapBrokers: [...remote.brokers],
      metadataMaxAge: remote.metadataMaxAgeMs,
      // The library turns 0 or 1 retries of an idempotent producer into unbounded ones.
      retries: o.idempotent ? Math.max(2, Math.min(o.retries, remote.retries)) : Math.min(o.retries, remote.retries),
      retryDelay: o.retryBackoffMs,
      idempotent: o.idempotent,
      compression: o.compression,
      autocreateTopics: true,
      // The library sends `timeout` as InitProducerId's transactionTimeoutMs and as Produce's timeout.
      timeout: o.transactionalId === null ? remote.requestTimeoutMs : o.transactionTimeoutMs,
      // InitProducerId with no producer id: a new one, or the transactional id's with a bumped epoch.
      producerId: -1n,
      producerEpoch: -1,
      ...(o.transactionalId === null ? {} : { transactionalId: o.transactionalId }),
    });
  }

  /**
   * Queues the messages and resolves with one RecordMetadata per message, in message order, once
   * the broker acknowledged them per `acks`.
   * @example
   * const eddy = await Eddy.connect({ brokers: ['localhost:9092'] });
   * const producer = eddy.producer({ keySerde: serdes.string, valueSerde: serdes.json });
   * const [meta] = await producer.send({ topic: 'orders', messages: [{ key: 'order-1', value: { total: 3 } }] });
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata[]> {
    if (typeof record !== 'object' || record === null) {
      return Promise.reject(new EddyError('ERR_RECORD_INVALID', 'send() takes { topic, messages }', { value: record }));
    }
    if (this.closed) return Promise.reject(new EddyError('ERR_PRODUCER_CLOSED', undefined, { topic: record.topic }));
    let acks: Acks;
    let prepared: PreparedRecord[];
    try {
      if (this.options.transactionalId !== null) this.checkCanSend();
      acks = record.acks === undefined ? this.options.acks : checkAcks(record.acks, 'acks');
      if (this.options.idempotent && acks !== 'all' && acks !== -1) {
        throw new EddyError('ERR_CONFIG_INVALID', "An idempotent producer sends with acks 'all' only; create the producer with idempotent: false to use acks 0 or 1", { config: 'acks', value: acks });
      }
      if (!Array.isArray(record.messages)) throw new EddyError('ERR_RECORD_INVALID', 'send() needs a messages array', { topic: record.topic });
      validateTopicNameSyntax(record.topic);
      prepared = this.prepare(record.topic, record.messages);
    } catch (err) {
      return Promise.reject(err);
    }
    const state = new SendState(acks, prepared.length);
    if (prepared.length === 0) {
      state.settled = true;
      return Promise.resolve([]);
    }
    const topic = record.topic;
    this.routing = this.routing.then(() => this.route(topic, prepared, state));
    return state.promise;
  }

  /** Finds the partitions of a send's records and adds them to their partitions' open batches. */
  private async route(topic: string, prepared: PreparedRecord[], state: SendState): Promise<void> {
    let numPartitions: number;
    try {
      numPartitions = await this.partitionCount(topic, false);
      // Cached metadata may predate partitions added since: look again before calling one missing.
      if (prepared.some((p) => p.partition >= numPartitions)) numPartitions = await this.partitionCount(topic, true);
      for (let i = 0; i < prepared.length; i++) {
        const partition = prepared[i]!.partition;
        if (partition >= numPartitions) {
          throw new EddyError('ERR_PARTITION_NOT_FOUND', `Topic ${topic} has no partition ${partition} (it has ${numPartitions})`, { topic, partition, index: i });
        }
      }
    } catch (err) {
      state.fail(toEddyError(err, { topic }));
      return;
    }
    for (let i = 0; i < prepared.length; i++) this.enqueue(topic, numPartitions, prepared[i]!, state, i);
    if (state.acks === 0) {
      state.settled = true;
      state.resolve(prepared.map(({ record: r, partition }) => ({ topic, partition, offset: -1, timestamp: r.timestamp! })));
    }
  }

  private async partitionCount(topic: string, fresh: boolean): Promise<number> {
    const metadata = await this.kafka.metadata({ topics: [topic], autocreateTopics: true, forceUpdate: fresh });
    const count = metadata.topics.get(topic)?.partitionsCount;
    if (count === undefined) throw new EddyError('ERR_TOPIC_NOT_FOUND', `Topic ${topic} does not exist`, { topic });
    return count;
  }

  /** Drops cached partition counts (the topic was created, deleted or grown meanwhile). */
  forgetMetadata(): void {
    this.kafka.clearMetadata();
  }

  /** Sends everything queued so far and waits until it is acknowledged (or failed). */
  async flush(): Promise<void> {
    await this.routing;
    this.sealAll();
    if (!this.inFlight && this.sealed.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Aborts an open transaction, flushes, then rejects every later send with ERR_PRODUCER_CLOSED. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.txnState === 'in-transaction' || this.txnState === 'abortable-error') {
        await this.abortTransaction().catch(() => undefined);
      }
      this.closed = true;
      await this.flush();
      await this.kafka.close().catch(() => undefined);
    })();
    return this.closing;
  }

  metrics(): ProducerMetrics {
    return { ...this.counters, retries: 0, duplicates: 0 };
  }

  /** The producer id and epoch in use (-1 before the id arrives or without idempotence). */
  get producerIdAndEpoch(): { producerId: number; producerEpoch: number } {
    const id = this.kafka.producerId;
    return { producerId: id === undefined ? -1 : Number(id), producerEpoch: this.kafka.producerEpoch ?? -1 };
  }

  // ---- transactions -----------------------------------------------------------------------------

  /**
   * Registers the transactionalId with its coordinator: gets the producer id with a bumped epoch,
   * which fences any older producer with the same id, and completes or aborts what it left open.
   */
  async initTransactions(): Promise<void> {
    this.requireTransactional('initTransactions');
    if (this.txnState !== 'uninitialized') throw this.stateError('initTransactions');
    this.txnState = 'initializing';
    try {
      await this.newEpoch();
      this.txnState = 'ready';
    } catch (err) {
      const mapped = toEddyError(err, { transactionalId: this.options.transactionalId });
      this.txnState = isFencing(mapped) ? 'fenced' : 'uninitialized';
      if (this.txnState === 'fenced') this.txnError = mapped;
      throw mapped;
    }
  }

  /** InitProducerId for the transactional id: the library does it when a transaction begins and it has no id for it. */
  private async newEpoch(): Promise<void> {
    const txn = await this.kafka.beginTransaction({ producerId: -1n, producerEpoch: -1 });
    if (this.kafka.producerId !== undefined && this.txnState !== 'initializing') {
      // The library already had an id for this transactional id: ask for a new epoch explicitly.
      await this.kafka.initIdempotentProducer({ producerId: -1n, producerEpoch: -1 });
    }
    await txn.cancel();
  }

  beginTransaction(): void {
    this.requireTransactional('beginTransaction');
    if (this.txnState !== 'ready') throw this.stateError('beginTransaction');
    this.txnState = 'in-transaction';
    this.txnGroups.clear();
    this.txnHasWork = false;
    const begun = this.kafka.beginTransaction();
    begun.catch((err: unknown) => this.onTransactionError(toEddyError(err)));
    this.txn = begun;
  }

  /** Commits consumed offsets as part of the transaction: they count only if it commits. */
  async sendOffsets({ groupId, offsets }: TransactionOffsets): Promise<void> {
    const transactionalId = this.requireTransactional('sendOffsets');
    this.checkCanSend();
    if (typeof groupId !== 'string' || groupId.length === 0) throw new EddyError('ERR_GROUP_ID_INVALID', 'sendOffsets() needs a groupId', { value: groupId });
    if (!Array.isArray(offsets)) throw new EddyError('ERR_CONFIG_INVALID', 'sendOffsets() needs an offsets array', { value: offsets });
    for (const o of offsets) {
      if (!Number.isSafeInteger(o?.offset) || o.offset < 0) throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `Cannot commit offset ${String(o?.offset)}`, { group: groupId, topic: o?.topic, partition: o?.partition });
    }
    await this.txnCall(async () => {
      await this.currentTxn();
      const producerId = this.kafka.producerId!;
      const producerEpoch = this.kafka.producerEpoch!;
      if (!this.txnGroups.has(groupId)) {
        await this.retryOnCoordinator('transaction', transactionalId, async (connection) => {
          const response = await this.link.request<{ errorCode: number }>('AddOffsetsToTxn', connection, transactionalId, producerId, producerEpoch, groupId);
          return response.errorCode;
        }, { transactionalId, group: groupId });
        this.txnGroups.add(groupId);
        this.txnHasWork = true;
      }
      const topics = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }>>();
      for (const o of offsets) {
        let list = topics.get(o.topic);
        if (list === undefined) topics.set(o.topic, (list = []));
        list.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, committedMetadata: o.metadata ?? '' });
      }
      const request = [...topics].map(([name, partitions]) => ({ name, partitions }));
      await this.retryOnCoordinator('group', groupId, async (connection) => {
        const response = await this.link.request<{ topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }> }>(
          'TxnOffsetCommit', connection, transactionalId, groupId, producerId, producerEpoch, -1, '', null, request,
        );
        for (const t of response.topics) {
          for (const p of t.partitions) {
            if (p.errorCode !== 0) {
              if (COORDINATOR_MOVED.has(p.errorCode) || p.errorCode === CONCURRENT_TRANSACTIONS) return p.errorCode;
              throw kafkaError(p.errorCode, null, { transactionalId, group: groupId, topic: t.name, partition: p.partitionIndex });
            }
          }
        }
        return 0;
      }, { transactionalId, group: groupId });
    });
  }

  /**
   * Runs a coordinator request; looks the coordinator up again when it moved and waits out
   * CONCURRENT_TRANSACTIONS (the previous transaction still completing), a few times.
   */
  private async retryOnCoordinator(type: 'group' | 'transaction', key: string, call: (connection: Awaited<ReturnType<BrokerLink['coordinator']>>) => Promise<number>, context: Record<string, unknown>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const errorCode = await call(await this.link.coordinator(type, key));
      if (errorCode === 0) return;
      const retriable = COORDINATOR_MOVED.has(errorCode) || errorCode === CONCURRENT_TRANSACTIONS;
      if (!retriable || attempt >= this.options.retries || attempt >= 50) throw kafkaError(errorCode, null, context);
      if (COORDINATOR_MOVED.has(errorCode)) this.link.forgetCoordinator(type, key);
      await new Promise((resolve) => setTimeout(resolve, Math.max(20, this.options.retryBackoffMs)));
    }
  }

  /** Sends everything sent in the transaction, then commits it. */
  async commitTransaction(): Promise<void> {
    this.requireTransactional('commitTransaction');
    if (this.txnState === 'abortable-error') throw this.abortOnly();
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

  /** Drops what was not sent yet, waits for requests in flight, then aborts the transaction. */
  async abortTransaction(): Promise<void> {
    this.requireTransactional('abortTransaction');
    if (this.txnState === 'commit-failed') return this.endTransaction(false);
    if (this.txnState !== 'in-transaction' && this.txnState !== 'abortable-error') throw this.stateError('abortTransaction');
    this.txnState = 'aborting';
    await this.routing;
    const aborted = new EddyError('ERR_TRANSACTION_ABORTED', 'The transaction was aborted before this record was sent', { transactionalId: this.options.transactionalId });
    this.sealAll();
    for (const batch of this.sealed.splice(0)) this.failBatch(batch, aborted);
    if (this.inFlight) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await Promise.allSettled([...this.txnCalls]);
    await this.endTransaction(false);
  }

  private async endTransaction(commit: boolean): Promise<void> {
    try {
      const txn = await this.currentTxn();
      if (!commit && this.txnNeedsNewEpoch) {
        // After a failed send the library's sequence numbers may not match the broker's: a new
        // epoch starts them again, and InitProducerId aborts the open transaction on the way.
        await txn.cancel();
        this.txn = null;
        await this.newEpoch();
        this.txnNeedsNewEpoch = false;
      } else {
        if (this.txnHasWork) await (commit ? txn.commit() : txn.abort());
        else await txn.cancel();
        this.txn = null;
      }
      this.txnHasWork = false;
      this.txnError = null;
      this.txnState = 'ready';
    } catch (err) {
      const mapped = toEddyError(err, { transactionalId: this.options.transactionalId });
      this.onTransactionError(mapped);
      if (this.txnState !== 'fenced') {
        this.txnState = commit ? 'commit-failed' : 'abortable-error';
        if (!commit) this.txnError ??= mapped;
      }
      throw mapped;
    }
  }

  private async currentTxn(): Promise<KafkaTransaction> {
    if (this.txn === null) this.txn = this.kafka.beginTransaction();
    try {
      return await this.txn;
    } catch (err) {
      this.txn = null;
      throw toEddyError(err, { transactionalId: this.options.transactionalId });
    }
  }

  private async txnCall(call: () => Promise<void>): Promise<void> {
    const running = call();
    this.txnCalls.add(running);
    try {
      await running;
    } catch (err) {
      const mapped = toEddyError(err, { transactionalId: this.options.transactionalId });
      this.onTransactionError(mapped);
      throw mapped;
    } finally {
      this.txnCalls.delete(running);
    }
  }

  /** Fencing is final; any other failure inside a transaction leaves it abort-only. */
  private onTransactionError(err: unknown): void {
    if (isFencing(err)) {
      this.txnState = 'fenced';
      this.txnError = err;
    } else if (this.txnState === 'in-transaction' || this.txnState === 'committing') {
      this.txnState = 'abortable-error';
      this.txnError ??= err;
    }
  }

  private requireTransactional(call: string): string {
    if (this.options.transactionalId === null) throw new EddyError('ERR_TRANSACTION_STATE_INVALID', `${call}() needs a producer with a transactionalId`);
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

  private abortOnly(): EddyError {
    const cause = this.txnError;
    if (this.txnState === 'fenced' && isEddyError(cause)) return cause;
    const why = isEddyError(cause) ? `${cause.code}: ${cause.message}` : String(cause);
    return new EddyError('ERR_TRANSACTION_STATE_INVALID', `The transaction can only be aborted: an earlier call failed (${why})`, { transactionalId: this.options.transactionalId, state: this.txnState }, { cause });
  }

  // ---- batching ---------------------------------------------------------------------------------

  /** Validates and converts every message before any is queued, so a bad message rejects the whole send. */
  private prepare(topic: string, messages: ReadonlyArray<Message<K, V>>): PreparedRecord[] {
    const out: PreparedRecord[] = new Array<PreparedRecord>(messages.length);
    const now = Date.now();
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      if (typeof message !== 'object' || message === null) throw new EddyError('ERR_RECORD_INVALID', `Message ${i} is not an object`, { topic, index: i });
      const key = toBytes(message.key ?? null, this.options.keySerde, 'key', topic, i);
      const value = toBytes(message.value ?? null, this.options.valueSerde, 'value', topic, i);
      const headers = message.headers === undefined ? NO_HEADERS : toRecordHeaders(message.headers, topic, i);
      const timestamp = message.timestamp ?? now;
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new EddyError('ERR_TIMESTAMP_INVALID', `Message ${i} has an invalid timestamp`, { topic, index: i, value: timestamp });
      let partition = -1;
      if (message.partition !== undefined) {
        partition = message.partition;
        if (!Number.isInteger(partition) || partition < 0) throw new EddyError('ERR_PARTITION_NOT_FOUND', `Topic ${topic} has no partition ${String(partition)}`, { topic, partition, index: i });
      }
      let size = RECORD_OVERHEAD + (key === null ? 0 : key.length) + (value === null ? 0 : value.length);
      for (const h of headers) size += HEADER_OVERHEAD + Buffer.byteLength(h.key) + (h.value === null ? 0 : h.value.length);
      out[i] = { record: { key, value, headers, timestamp }, partition, size };
    }
    return out;
  }

  /** Adds one record to its partition's open batch, as the embedded producer does (sticky partition moves when a batch seals). */
  private enqueue(topic: string, numPartitions: number, prepared: PreparedRecord, owner: SendState, slot: number): void {
    const { record, size } = prepared;
    const nullKey = record.key === null && prepared.partition < 0;
    let partition = prepared.partition >= 0 ? prepared.partition : this.partitioner.partition(topic, record.key, numPartitions);
    prepared.partition = partition;
    let batches = this.accumulators.get(topic);
    if (batches === undefined) this.accumulators.set(topic, (batches = []));
    let batch = batches[partition];
    if (batch !== undefined && batch.records.length > 0 && batch.bytes + size > this.options.batchSize) {
      this.seal(batch);
      if (nullKey) {
        partition = this.partitioner.partition(topic, null, numPartitions);
        prepared.partition = partition;
      }
      batch = batches[partition];
    }
    if (batch === undefined) {
      batch = new ProducerBatch(topic, partition, numPartitions);
      batches[partition] = batch;
      this.armLinger(batch);
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
      const handle = setTimeout(() => {
        batch.timer = null;
        this.seal(batch);
      }, this.options.lingerMs);
      batch.timer = { cancel: () => clearTimeout(handle) };
    } else if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(() => {
        this.drainScheduled = false;
        this.sealAll();
      });
    }
  }

  private sealAll(): void {
    for (const batches of this.accumulators.values()) {
      for (const batch of batches) if (batch !== undefined) this.seal(batch);
    }
  }

  private seal(batch: ProducerBatch): void {
    const batches = this.accumulators.get(batch.topic);
    if (batches === undefined || batches[batch.partition] !== batch) return;
    batches[batch.partition] = undefined;
    batch.timer?.cancel();
    batch.timer = null;
    if (batch.hasNullKeys) this.partitioner.onBatchSealed(batch.topic, batch.partition, batch.numPartitions);
    this.sealed.push(batch);
    this.pump();
  }

  /** Sends the sealed batches in one Produce request, unless one is in flight. */
  private pump(): void {
    if (this.inFlight || this.sealed.length === 0) return;
    this.inFlight = true;
    let bytes = 0;
    let take = 0;
    while (take < this.sealed.length && (take === 0 || bytes + this.sealed[take]!.bytes <= MAX_REQUEST_BYTES)) bytes += this.sealed[take++]!.bytes;
    const batches = this.sealed.splice(0, take);
    this.sendBatches(batches).finally(() => {
      this.inFlight = false;
      if (this.sealed.length > 0) this.pump();
      else if (this.idleWaiters.length > 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  private async sendBatches(batches: ProducerBatch[]): Promise<void> {
    let acks = 0;
    const messages: WireMessage[] = [];
    for (const batch of batches) {
      for (const owner of batch.owners) acks = strongerAcks(acks, owner.acks);
      for (const r of batch.records) {
        messages.push({
          topic: batch.topic,
          partition: batch.partition,
          key: r.key ?? undefined,
          value: r.value as Buffer,
          timestamp: BigInt(r.timestamp!),
          headers: toWireHeaders(r.headers ?? NO_HEADERS),
        });
      }
    }
    let offsets: Array<{ topic: string; partition: number; offset: bigint }> | undefined;
    try {
      if (this.needsNewProducerId) {
        await this.kafka.initIdempotentProducer({ producerId: -1n, producerEpoch: -1 });
        this.needsNewProducerId = false;
      }
      if (this.options.transactionalId !== null) {
        const txn = await this.currentTxn();
        this.txnHasWork = true;
        offsets = (await txn.send({ messages, acks })).offsets;
      } else {
        offsets = (await this.kafka.send({ messages, acks })).offsets;
      }
    } catch (err) {
      const mapped = toEddyError(err, batches.length === 1 ? { topic: batches[0]!.topic, partition: batches[0]!.partition } : { topic: batches[0]!.topic });
      for (const batch of batches) this.failBatch(batch, mapped);
      if (this.options.idempotent && this.options.transactionalId === null) this.needsNewProducerId = true;
      if (this.options.transactionalId !== null) this.txnNeedsNewEpoch = true;
      return;
    }
    if (acks === ProduceAcks.NO_RESPONSE) {
      for (const batch of batches) this.countAppended(batch);
      return;
    }
    const next = new Map<string, number>();
    for (const o of offsets ?? []) next.set(`${o.topic}:${o.partition}`, Number(o.offset));
    for (const batch of batches) {
      const key = `${batch.topic}:${batch.partition}`;
      const base = next.get(key);
      if (base === undefined) {
        this.failBatch(batch, new EddyError('ERR_PROTOCOL_INVALID', `The Produce response has no result for ${key}`, { topic: batch.topic, partition: batch.partition }));
        continue;
      }
      next.set(key, base + batch.records.length);
      this.countAppended(batch);
      for (let i = 0; i < batch.records.length; i++) {
        const owner = batch.owners[i]!;
        if (owner.acks === 0) continue;
        owner.results[batch.slots[i]!] = { topic: batch.topic, partition: batch.partition, offset: base + i, timestamp: batch.records[i]!.timestamp! };
        owner.recordDone();
      }
    }
  }

  private countAppended(batch: ProducerBatch): void {
    this.counters.batchesAppended++;
    this.counters.recordsAppended += batch.records.length;
  }

  private failBatch(batch: ProducerBatch, err: unknown): void {
    let counted = false;
    for (const owner of batch.owners) {
      if (owner.acks === 0) {
        if (!counted) this.counters.acks0Errors++;
        counted = true;
      } else {
        owner.fail(err);
      }
    }
    if (this.options.transactionalId !== null) this.onTransactionError(err);
  }
}

function isFencing(err: unknown): boolean {
  return isEddyError(err, 'ERR_PRODUCER_FENCED') || isEddyError(err, 'ERR_PRODUCER_EPOCH_INVALID');
}

/** The acks a request needs to serve every send in it ('all' > 1 > 0). */
function strongerAcks(current: number, acks: Acks): number {
  const wanted = acks === 'all' || acks === -1 ? ProduceAcks.ALL : acks;
  if (current === ProduceAcks.ALL || wanted === ProduceAcks.ALL) return ProduceAcks.ALL;
  return Math.max(current, wanted);
}

/**
 * Headers as the library writes them: a Map in order. Each key is its own Buffer, so a repeated
 * header name stays repeated.
 */
function toWireHeaders(headers: readonly RecordHeader[]): Map<Buffer, Buffer> | undefined {
  if (headers.length === 0) return undefined;
  return new Map(headers.map((h) => [Buffer.from(h.key, 'utf8'), h.value as Buffer]));
}

function toBytes<T>(input: T | null, serde: Serde<T> | undefined, what: 'key' | 'value', topic: string, index: number): Buffer | null {
  if (serde !== undefined) {
    try {
      return serde.serialize(input as T);
    } catch (err) {
      if (isEddyError(err)) throw err;
      throw new EddyError('ERR_SERDE_FAILED', `The ${what} serde failed on message ${index}`, { topic, index, what }, { cause: err });
    }
  }
  if (input === null) return null;
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (Buffer.isBuffer(input)) return input;
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  throw new EddyError('ERR_RECORD_INVALID', `Message ${index} has a ${what} that is not a Buffer, string or null; configure a ${what}Serde`, { topic, index, what });
}
