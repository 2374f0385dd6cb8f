/**
 * The transaction coordinator (Kafka's TransactionCoordinator): producer ids, and per
 * transactionalId a state machine driven by the producer's requests (InitProducerId,
 * AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn) and by a timer on the injected clock.
 *
 *     Empty / CompleteCommit / CompleteAbort ──AddPartitions──▶ Ongoing ──EndTxn──▶ PrepareCommit / PrepareAbort
 *               ▲                                                                        │ markers written
 *               └──────────────────────── CompleteCommit / CompleteAbort ◀───────────────┘
 *
 * - Durability: every state change is written to `__transaction_state` and fsynced before it is
 *   applied in memory and before the call resolves (transaction-state-store.ts).
 * - One call per transactionalId at a time: calls on an id queue behind each other, so a state is
 *   never changed by two calls at once; different ids proceed in parallel.
 * - Fencing: InitProducerId bumps the epoch (a new producer id when it is exhausted), so every
 *   older instance's calls fail with ERR_PRODUCER_FENCED; a transaction the older instance left open
 *   is aborted first, one left prepared is completed first.
 * - EndTxn (KIP-890): Ongoing → Prepare* written with the epoch bumped, markers with that epoch to
 *   every partition (transaction-marker-writer.ts), then Complete*; the producer continues with the
 *   bumped epoch. A retry of that EndTxn (the producer's old epoch) is answered again; one in the
 *   other direction is ERR_TRANSACTION_STATE_INVALID. Ending a transaction with no partitions
 *   (Empty / Complete*) is accepted and writes nothing.
 * - EndTxn without the bump (`{ bumpEpoch: false }`, Kafka's transaction protocol v1, what Kafka
 *   clients that send EndTxn below v5 expect): the markers carry the producer's own epoch and it
 *   keeps that epoch for its next transaction. A retry then looks like a new EndTxn of the same
 *   epoch: one finding the transaction completed in the same direction is answered again, one in
 *   the other direction is ERR_TRANSACTION_STATE_INVALID, as Kafka does.
 * - A failure while writing markers leaves the id in Prepare*: calls get ERR_CONCURRENT_TRANSACTIONS
 *   (retriable) until the markers are written again by the retried EndTxn, an InitProducerId, the
 *   timer, or the next open.
 * - Timeouts: every `transaction.abort.timed.out.transaction.cleanup.interval.ms` the transactions
 *   open longer than their timeout are aborted with an epoch bump, which fences their producer.
 *   Ids idle for `transactional.id.expiration.ms` are forgotten (tombstoned).
 * - Recovery (`load()`, before Eddy.open resolves): the last state per id is read back; prepared
 *   transactions are completed. An ongoing one stays open for its producer, as Kafka's coordinator
 *   keeps it across a broker restart: a producer in another process (a Kafka client of `eddy serve`)
 *   goes on and commits it. It ends like any open transaction: by its producer, by an InitProducerId
 *   of the same id (a restarted in-process application), or by the timeout timer, which aborts it
 *   once it is open longer than its timeout (one already past it at open is aborted then). Then any
 *   transaction open in a partition log without the coordinator knowing is aborted (abortHanging),
 *   so no last stable offset stays stuck.
 */
import type { ProducerIdAndEpoch, TransactionAccess, TransactionIdentity } from '../client/log-access.js';
import type { Clock, Timer } from '../clock.js';
import { EddyError, isEddyError } from '../errors.js';
import { tpKey } from '../group/assignors/assignor.js';
import { validateGroupId, type OffsetsToCommit, type TxnCommitMember } from '../group/group-coordinator.js';
import { OFFSETS_TOPIC } from '../group/offset-store.js';
import type { ProducerIdManager } from './producer-id-manager.js';
import type { ResolvedTransactionConfig } from './transaction-config.js';
import type { TransactionLogValue, TransactionState } from './transaction-log.js';
import { TransactionMarkerWriter, type TransactionLogsAccess, type TransactionalOffsets } from './transaction-marker-writer.js';
import { isIdleState, isPrepareState, MAX_EPOCH, MAX_USABLE_EPOCH, TransactionMetadata, type TransactionDescription } from './transaction-metadata.js';
import type { TransactionStateStore } from './transaction-state-store.js';

export type { TransactionDescription } from './transaction-metadata.js';

export interface TransactionCoordinatorDeps {
  clock: Clock;
  config: ResolvedTransactionConfig;
  store: TransactionStateStore;
  producerIds: ProducerIdManager;
  logs: TransactionLogsAccess;
  offsets: TransactionalOffsets;
  onError(err: EddyError): void;
}

/** What `load()` did. */
export interface TransactionRecoveryReport {
  /** Prepared transactions completed. */
  completed: number;
  /** Ongoing transactions already open longer than their timeout, aborted. */
  aborted: number;
  /** Ongoing transactions kept open for their producer (the timeout timer ends them if it does not). */
  resumed: number;
  /** (partition, producer) transactions open in the logs without the coordinator knowing, aborted. */
  hangingAborted: number;
}

const MAX_TRANSACTIONAL_ID_BYTES = 0x7fff;

export function validateTransactionalId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id) > MAX_TRANSACTIONAL_ID_BYTES) {
    throw new EddyError('ERR_TRANSACTIONAL_ID_INVALID', `transactionalId must be a non-empty string of at most ${MAX_TRANSACTIONAL_ID_BYTES} bytes`, { value: id });
  }
}

function validateIdentity(txn: TransactionIdentity): void {
  if (typeof txn !== 'object' || txn === null) {
    throw new EddyError('ERR_TRANSACTIONAL_ID_INVALID', 'Expected { transactionalId, producerId, producerEpoch }', { value: txn });
  }
  validateTransactionalId(txn.transactionalId);
}

function ids(meta: TransactionMetadata): ProducerIdAndEpoch {
  return { producerId: meta.producerId, producerEpoch: meta.producerEpoch };
}

export class TransactionCoordinator implements TransactionAccess {
  private readonly txns = new Map<string, TransactionMetadata>();
  /** The last queued call per id; calls on one id run one after another. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly markers: TransactionMarkerWriter;
  private readonly timers = new Set<Timer>();
  private closed = false;
  /** What recovery did when this data directory was opened. */
  readonly recovery: TransactionRecoveryReport = { completed: 0, aborted: 0, resumed: 0, hangingAborted: 0 };

  constructor(private readonly deps: TransactionCoordinatorDeps) {
    this.markers = new TransactionMarkerWriter(deps);
  }

  // ── Lifecycle ───────────────────────────────────────────────────────────────────────────────

  /** Recovery at open (see the class comment); then starts the timers. Call after the group coordinator has loaded. */
  async load(): Promise<TransactionRecoveryReport> {
    let maxProducerId = -1;
    for (const [id, value] of this.deps.store.load()) {
      if (value.state === 'Dead') continue;
      this.txns.set(id, new TransactionMetadata(id, value));
      maxProducerId = Math.max(maxProducerId, value.producerId);
    }
    this.deps.producerIds.reserveAbove(maxProducerId);
    const report = this.recovery;
    await Promise.all([...this.txns.values()].map((meta) => this.serially(meta.transactionalId, async () => {
      try {
        if (isPrepareState(meta.state)) {
          await this.completeTransaction(meta);
          report.completed++;
        } else if (meta.state === 'Ongoing' && !this.timedOut(meta)) {
          report.resumed++;
        } else if (!isIdleState(meta.state)) {
          await this.endTransaction(meta, false, true);
          report.aborted++;
        }
      } catch (err) {
        this.report(err);
      }
    })));
    const epochs = new Map([...this.txns.values()].map((m) => [m.producerId, m.producerEpoch]));
    // A transaction whose completion failed just now keeps its outcome: it is retried, not swept.
    const unresolved = new Set([...this.txns.values()].filter((m) => !isIdleState(m.state)).map((m) => m.producerId));
    report.hangingAborted = await this.markers.abortHanging((producerId) => epochs.get(producerId), unresolved);
    this.every(this.deps.config.abortTimedOutIntervalMs, () => this.abortTimedOutTransactions());
    this.every(this.deps.config.removeExpiredIntervalMs, () => this.removeExpiredTransactionalIds());
    return report;
  }

  /** Stops the timers and waits for calls in flight, so no state change is left half-written. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }

  private checkOpen(): void {
    if (this.closed) throw new EddyError('ERR_LOG_CLOSED', 'Eddy is closed');
  }

  private every(ms: number, work: () => Promise<unknown>): void {
    if (this.closed) return;
    const timer = this.deps.clock.setTimer(ms, () => {
      this.timers.delete(timer);
      if (this.closed) return;
      work().catch((err: unknown) => this.report(err));
      this.every(ms, work);
    });
    this.timers.add(timer);
  }

  private report(err: unknown): void {
    this.deps.onError(isEddyError(err) ? err : new EddyError('ERR_STORAGE_IO', `Transaction coordinator: ${String(err)}`, {}, { cause: err }));
  }

  /** Runs `work` after every earlier call on the same id has finished. */
  private serially<T>(transactionalId: string, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(transactionalId) ?? Promise.resolve()).then(work);
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(transactionalId, tail);
    void tail.then(() => {
      if (this.tails.get(transactionalId) === tail) this.tails.delete(transactionalId);
    });
    return result;
  }

  // ── Producer requests ───────────────────────────────────────────────────────────────────────

  /** The data-directory settings this coordinator runs with (DescribeConfigs shows them). */
  get config(): ResolvedTransactionConfig {
    return this.deps.config;
  }

  /**
   * `expected` (KIP-360: a producer that already has an id asks to continue with it) must name the
   * id's current producer id and epoch, else ERR_PRODUCER_FENCED; it is ignored for an id the
   * coordinator does not know yet, and for an idempotent producer (no transactionalId), which always
   * gets a fresh producer id.
   */
  async initProducerId(transactionalId: string | null, transactionTimeoutMs: number, expected?: ProducerIdAndEpoch): Promise<ProducerIdAndEpoch> {
    this.checkOpen();
    if (transactionalId === null) return { producerId: this.deps.producerIds.generate(), producerEpoch: 0 };
    validateTransactionalId(transactionalId);
    const max = this.deps.config.maxTimeoutMs;
    if (!Number.isSafeInteger(transactionTimeoutMs) || transactionTimeoutMs < 1 || transactionTimeoutMs > max) {
      throw new EddyError('ERR_CONFIG_INVALID', `transactionTimeoutMs ${String(transactionTimeoutMs)} must be an integer from 1 to transaction.max.timeout.ms (${max})`, { config: 'transactionTimeoutMs', value: transactionTimeoutMs, transactionalId });
    }
    return this.serially(transactionalId, async () => {
      let meta = this.txns.get(transactionalId);
      if (meta === undefined) {
        const value: TransactionLogValue = { producerId: this.deps.producerIds.generate(), producerEpoch: 0, transactionTimeoutMs, state: 'Empty', partitions: [], lastUpdateTimestampMs: this.deps.clock.now(), startTimestampMs: -1 };
        await this.deps.store.write(transactionalId, value);
        meta = new TransactionMetadata(transactionalId, value);
        this.txns.set(transactionalId, meta);
        return ids(meta);
      }
      if (expected !== undefined && (expected.producerId !== meta.producerId || expected.producerEpoch !== meta.producerEpoch)) {
        throw this.fenced(meta, { transactionalId, ...expected });
      }
      if (isPrepareState(meta.state)) await this.completeTransaction(meta);
      else if (!isIdleState(meta.state)) await this.endTransaction(meta, false, true);
      const exhausted = meta.producerEpoch >= MAX_USABLE_EPOCH;
      await this.transition(meta, {
        state: 'Empty',
        producerId: exhausted ? this.deps.producerIds.generate() : meta.producerId,
        producerEpoch: exhausted ? 0 : meta.producerEpoch + 1,
        transactionTimeoutMs,
        startTimestampMs: -1,
      });
      meta.lastProducerId = -1;
      meta.lastProducerEpoch = -1;
      return ids(meta);
    });
  }

  async addPartitionsToTxn(txn: TransactionIdentity, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
    this.checkOpen();
    validateIdentity(txn);
    if (!Array.isArray(partitions)) throw new EddyError('ERR_PARTITION_NOT_FOUND', 'partitions must be an array of { topic, partition }', { transactionalId: txn.transactionalId });
    // Throws ERR_TOPIC_NOT_FOUND / ERR_PARTITION_NOT_FOUND for a partition that does not exist.
    for (const tp of partitions) {
      if (typeof tp !== 'object' || tp === null) throw new EddyError('ERR_PARTITION_NOT_FOUND', `Not a { topic, partition }: ${String(tp)}`, { transactionalId: txn.transactionalId });
      this.deps.logs.partitionLog(tp.topic, tp.partition);
    }
    await this.serially(txn.transactionalId, async () => {
      const meta = this.current(txn);
      const added = partitions.filter((tp) => !meta.partitions.has(tpKey(tp)));
      if (added.length === 0) return;
      await this.transition(meta, {
        state: 'Ongoing',
        partitions: [...meta.topicPartitions(), ...added.map(({ topic, partition }) => ({ topic, partition }))],
        startTimestampMs: meta.state === 'Ongoing' ? meta.startTimestamp : this.deps.clock.now(),
      });
    });
  }

  async addOffsetsToTxn(txn: TransactionIdentity, groupId: string): Promise<void> {
    this.checkOpen();
    validateGroupId(groupId);
    await this.addPartitionsToTxn(txn, [{ topic: OFFSETS_TOPIC, partition: this.deps.offsets.offsetsPartitionFor(groupId) }]);
  }

  /**
   * `member` (the consumer's group metadata, KIP-447) makes the group coordinator accept the offsets
   * only from a current member of the group's current generation (ERR_GROUP_UNKNOWN_MEMBER,
   * ERR_GROUP_ILLEGAL_GENERATION, ERR_GROUP_FENCED_INSTANCE_ID otherwise).
   */
  async txnOffsetCommit(txn: TransactionIdentity, groupId: string, offsets: OffsetsToCommit, member?: TxnCommitMember): Promise<void> {
    this.checkOpen();
    validateIdentity(txn);
    validateGroupId(groupId);
    await this.serially(txn.transactionalId, async () => {
      const meta = this.current(txn);
      const partition = this.deps.offsets.offsetsPartitionFor(groupId);
      if (meta.state !== 'Ongoing' || !meta.partitions.has(tpKey({ topic: OFFSETS_TOPIC, partition }))) {
        throw new EddyError('ERR_TRANSACTION_STATE_INVALID', `The offsets of group "${groupId}" are not part of the transaction of "${txn.transactionalId}"; call addOffsetsToTxn (sendOffsetsToTransaction) first`, { transactionalId: txn.transactionalId, group: groupId });
      }
      await this.deps.offsets.txnOffsetCommit(groupId, meta.producerId, meta.producerEpoch, offsets, member);
    });
  }

  /**
   * Resolves with the producer id and epoch for the next transaction: the epoch is bumped, and the
   * producer id is new when the epoch was exhausted (the TransactionAccess contract names only the
   * epoch; a producer should take both). With `bumpEpoch: false` (transaction protocol v1, see the
   * class comment) they stay the producer's own.
   */
  async endTxn(txn: TransactionIdentity, commit: boolean, options: { bumpEpoch?: boolean } = {}): Promise<ProducerIdAndEpoch> {
    this.checkOpen();
    validateIdentity(txn);
    return this.serially(txn.transactionalId, async () => {
      const meta = this.txns.get(txn.transactionalId);
      if (meta === undefined) throw this.unknown(txn.transactionalId);
      const prepared = commit ? 'PrepareCommit' : 'PrepareAbort';
      const completed = commit ? 'CompleteCommit' : 'CompleteAbort';
      if (options.bumpEpoch === false) {
        if (txn.producerId !== meta.producerId || txn.producerEpoch !== meta.producerEpoch) throw this.fenced(meta, txn);
        if (meta.state === 'Ongoing') await this.endTransaction(meta, commit, false, false);
        else if (meta.state === prepared) await this.completeTransaction(meta);
        else if (meta.state !== completed && meta.state !== 'Empty') {
          throw new EddyError('ERR_TRANSACTION_STATE_INVALID', `The last transaction of "${meta.transactionalId}" was ${meta.state === 'CompleteCommit' || meta.state === 'PrepareCommit' ? 'committed' : 'aborted'}; it cannot be ${commit ? 'committed' : 'aborted'}`, this.context(meta, txn));
        }
        return ids(meta);
      }
      if (meta.isLastEndTxn(txn.producerId, txn.producerEpoch)) {
        // A retry of the EndTxn that ended the last transaction: the producer missed the answer.
        if (meta.state === prepared) await this.completeTransaction(meta);
        else if (meta.state !== completed) {
          if (isPrepareState(meta.state) || meta.state === 'CompleteCommit' || meta.state === 'CompleteAbort') {
            throw new EddyError('ERR_TRANSACTION_STATE_INVALID', `The transaction of "${meta.transactionalId}" was already ${commit ? 'aborted' : 'committed'}; it cannot be ${commit ? 'committed' : 'aborted'}`, this.context(meta, txn));
          }
          throw this.fenced(meta, txn);
        }
        return ids(meta);
      }
      this.current(txn);
      if (meta.state === 'Ongoing') await this.endTransaction(meta, commit, false);
      return ids(meta);
    });
  }

  /** The id's metadata when (producerId, producerEpoch) is its current producer and it may take a call. */
  private current(txn: TransactionIdentity): TransactionMetadata {
    const meta = this.txns.get(txn.transactionalId);
    if (meta === undefined) throw this.unknown(txn.transactionalId);
    const isCurrent = txn.producerId === meta.producerId && txn.producerEpoch === meta.producerEpoch;
    if (isPrepareState(meta.state) && (isCurrent || meta.isLastEndTxn(txn.producerId, txn.producerEpoch))) {
      throw new EddyError('ERR_CONCURRENT_TRANSACTIONS', `The last transaction of "${meta.transactionalId}" is still being completed; retry`, this.context(meta, txn));
    }
    if (!isCurrent) throw this.fenced(meta, txn);
    if (meta.state !== 'Ongoing' && !isIdleState(meta.state)) {
      throw new EddyError('ERR_TRANSACTION_STATE_INVALID', `Transaction of "${meta.transactionalId}" is in state ${meta.state}`, this.context(meta, txn));
    }
    return meta;
  }

  private unknown(transactionalId: string): EddyError {
    return new EddyError('ERR_TRANSACTION_STATE_INVALID', `Unknown transactionalId "${transactionalId}": call initProducerId (initTransactions) first`, { transactionalId });
  }

  private fenced(meta: TransactionMetadata, txn: TransactionIdentity): EddyError {
    return new EddyError('ERR_PRODUCER_FENCED', `Producer ${String(txn.producerId)} epoch ${String(txn.producerEpoch)} of "${meta.transactionalId}" is fenced: the current one is producer ${meta.producerId} epoch ${meta.producerEpoch}`, this.context(meta, txn));
  }

  private context(meta: TransactionMetadata, txn: TransactionIdentity): Record<string, unknown> {
    return { transactionalId: meta.transactionalId, producerId: txn.producerId, producerEpoch: txn.producerEpoch, currentProducerId: meta.producerId, currentProducerEpoch: meta.producerEpoch, state: meta.state };
  }

  // ── Transitions ─────────────────────────────────────────────────────────────────────────────

  /** Writes the next state durably, then applies it. */
  private async transition(meta: TransactionMetadata, changes: Parameters<TransactionMetadata['next']>[0]): Promise<void> {
    const value = meta.next(changes, this.deps.clock.now());
    await this.deps.store.write(meta.transactionalId, value);
    meta.apply(value);
  }

  /**
   * Ongoing → Prepare* with the epoch bumped (unless `bump` is false: transaction protocol v1), then
   * markers and Complete*. With `fence` (timeout, a newer instance, recovery) the producer's epoch is
   * not remembered as the last EndTxn, so every call it still makes is fenced.
   */
  private async endTransaction(meta: TransactionMetadata, commit: boolean, fence: boolean, bump = true): Promise<void> {
    const { producerId, producerEpoch } = meta;
    await this.transition(meta, { state: commit ? 'PrepareCommit' : 'PrepareAbort', producerEpoch: bump ? Math.min(producerEpoch + 1, MAX_EPOCH) : producerEpoch });
    // Without the bump a retry carries the current epoch, so there is no older one to remember.
    meta.lastProducerId = fence || !bump ? -1 : producerId;
    meta.lastProducerEpoch = fence || !bump ? -1 : producerEpoch;
    await this.completeTransaction(meta);
  }

  /** Prepare* → markers → Complete*; a producer whose epoch reached the maximum continues under a new id. */
  private async completeTransaction(meta: TransactionMetadata): Promise<void> {
    const commit = meta.state === 'PrepareCommit';
    await this.markers.writeMarkers(meta.producerId, meta.producerEpoch, commit, meta.topicPartitions());
    const exhausted = meta.producerEpoch > MAX_USABLE_EPOCH;
    await this.transition(meta, {
      state: commit ? 'CompleteCommit' : 'CompleteAbort',
      partitions: [],
      ...(exhausted ? { producerId: this.deps.producerIds.generate(), producerEpoch: 0 } : {}),
    });
  }

  // ── Background work ─────────────────────────────────────────────────────────────────────────

  /**
   * Aborts every transaction open longer than its timeout (fencing its producer) and retries the
   * markers of prepared ones. Resolves with the number aborted.
   */
  private timedOut(meta: TransactionMetadata): boolean {
    return meta.state === 'Ongoing' && meta.startTimestamp + meta.timeoutMs < this.deps.clock.now();
  }

  async abortTimedOutTransactions(): Promise<number> {
    if (this.closed) return 0;
    const due = [...this.txns.values()].filter((m) => this.timedOut(m) || isPrepareState(m.state));
    const results = await Promise.allSettled(due.map((meta) => this.serially(meta.transactionalId, async () => {
      if (this.txns.get(meta.transactionalId) !== meta) return false;
      if (isPrepareState(meta.state)) await this.completeTransaction(meta);
      else if (this.timedOut(meta)) {
        await this.endTransaction(meta, false, true);
        return true;
      }
      return false;
    })));
    return this.count(results);
  }

  /** Forgets ids without a transaction for `transactional.id.expiration.ms` (tombstones). Resolves with the number removed. */
  async removeExpiredTransactionalIds(): Promise<number> {
    if (this.closed) return 0;
    const expired = (m: TransactionMetadata): boolean => isIdleState(m.state) && m.lastUpdateTimestamp + this.deps.config.idExpirationMs <= this.deps.clock.now();
    const due = [...this.txns.values()].filter(expired);
    const results = await Promise.allSettled(due.map((meta) => this.serially(meta.transactionalId, async () => {
      if (this.txns.get(meta.transactionalId) !== meta || !expired(meta)) return false;
      await this.deps.store.write(meta.transactionalId, null);
      this.txns.delete(meta.transactionalId);
      return true;
    })));
    return this.count(results);
  }

  /** The number of `true` results; failures are reported. */
  private count(results: Array<PromiseSettledResult<boolean>>): number {
    let n = 0;
    for (const r of results) {
      if (r.status === 'rejected') this.report(r.reason);
      else if (r.value) n++;
    }
    return n;
  }

  // ── Admin (Kafka's ListTransactions / DescribeTransactions) ─────────────────────────────────

  listTransactions(): Array<{ transactionalId: string; producerId: number; state: TransactionState }> {
    return [...this.txns.values()]
      .map((m) => ({ transactionalId: m.transactionalId, producerId: m.producerId, state: m.state }))
      .sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : 1));
  }

  /** The state of one id, or null when it is unknown. */
  describeTransaction(transactionalId: string): TransactionDescription | null {
    return this.txns.get(transactionalId)?.describe() ?? null;
  }
}
