/**
 * The consumer: reads assigned partitions from a position, like Kafka's KafkaConsumer — with manual
 * `assign()`, or as a member of a consumer group with `subscribe()` (the session and protocol sides
 * live in group-session.ts and core/group/group-member.ts; rebalance work runs inside poll() and the
 * iteration steps). One implementation serves both backends: `Consumer` reads the embedded log
 * (log-fetcher.ts), `RemoteConsumer` a broker over Kafka's protocol (core/remote/wire-fetcher.ts,
 * which lists where that one differs). What follows is the embedded consumer's behaviour.
 *
 * - Commit bookkeeping per partition: `consumed` = after the last record handed to the application
 *   (returned by poll(), yielded, or passed to an observer); `processed` = after the last record the
 *   application asked past (the next poll()/iteration step, or the observer's return). commit() with
 *   no arguments commits `consumed`; autoCommit (at-least-once) only ever commits `processed`. Either
 *   moves past transaction markers and aborted batches read beyond it (PartitionState.committable),
 *   as Kafka's consumer commits its position past them.
 *
 * - Each assigned partition has a position: the offset of the next record to return. A partition
 *   without one, or whose position falls outside [logStartOffset, logEndOffset] (a read raises
 *   ERR_OFFSET_OUT_OF_RANGE), is reset by `autoOffsetReset`: 'earliest' → logStartOffset, 'latest' →
 *   the end, 'none' → the error goes to the caller.
 * - The end depends on `isolationLevel`, as in Kafka. 'read_committed' (the default): the last stable
 *   offset (LSO, the first offset that may still belong to an open transaction). Reads stop there
 *   (`read(…, maxOffset = LSO)`), so a position reached by reading never passes it; a waiting poll
 *   waits for the LSO to move (a commit or abort marker is an append, and wakes it); records of
 *   aborted transactions are skipped. 'read_uncommitted': the log end; every data record is returned.
 *   seekToEnd(), 'latest', seekToTimestamp() past the end, and currentLag() all use that end.
 * - `poll()` reads whole batches (`read()` may start before the position; records below it are
 *   skipped), skips control batches, applies the serdes and advances positions past what it returns.
 *   Positions move past control batches and aborted batches too, though nothing of them is returned.
 *   Decoded records beyond `maxRecords` wait in a per-partition buffer for the next poll. It visits
 *   partitions round-robin, starting after the last one that returned records, so a busy partition
 *   cannot starve the others.
 * - With nothing to return, `poll()` waits on `waitForData()` (never a sleep loop) until data arrives,
 *   `timeoutMs` passes on the log's clock, the assignment or a position changes, or the consumer is
 *   closed (which resolves a pending poll with []). At most one waiter per partition is outstanding
 *   at a time, however many polls time out.
 * - Errors are never data: a corrupt batch (any EddyError from the codec, ERR_LOG_CORRUPT from the
 *   log) or a serde failure stops the partition at that record. Records before it are returned first;
 *   the next poll that reaches the partition raises the error, and keeps raising it until the caller
 *   seeks past it.
 * - The async iterator and `observe()` are loops over poll. Leaving them early (break, unsubscribe,
 *   close) puts back the positions of records fetched but not delivered, so nothing is skipped.
 *
 * @example
 * ```ts
 * const consumer = new Consumer(log, { autoOffsetReset: 'earliest', valueSerde: serdes.json });
 * consumer.assign([{ topic: 'orders', partition: 0 }]);
 * for await (const record of consumer) console.log(record.offset, record.value);
 * ```
 */
import { Observable } from 'rxjs';
import type { Timer } from '../clock.js';
import { EddyError } from '../errors.js';
import { tpKey } from '../group/assignors/assignor.js';
import type { Serde } from '../serdes.js';
import type { ConsumerBackend, ConsumerBackendFactory } from './consumer-backend.js';
import { invalidConsumerOption, type PollOptions, resolveConsumerOptions, resolvePollOptions, type ResolvedConsumerOptions } from './consumer-options.js';
import { GroupSession } from './group-session.js';
import type { ConsumerGroupContext } from './in-process-group-channel.js';
import type { EddyConsumer } from './interfaces.js';
import type { LogAccess } from './log-access.js';
import { LogFetcher, type LogPartition } from './log-fetcher.js';
import type { PartitionState, RawRecord } from './partition-state.js';
import type { CommittedOffsetInfo, ConsumerOptions, ConsumerRecord, SubscribeOptions, TopicPartition, TopicPartitionOffset } from './types.js';

export { DEFAULT_CONSUMER_OPTIONS, DEFAULT_POLL_OPTIONS, type PollOptions, resolveConsumerOptions, type ResolvedConsumerOptions } from './consumer-options.js';

export type { ConsumerGroupContext } from './in-process-group-channel.js';

/**
 * The consumer's logic over a backend that holds `S` partition states and answers position() and
 * currentLag() with `Offset` (a number on the embedded log, a promise over the wire). Create one
 * with `eddy.consumer()` (or `new Consumer(log, …)`); this class is what both backends share.
 */
export class BaseConsumer<K, V, Offset extends number | Promise<number>, S extends PartitionState> implements EddyConsumer<K, V> {
  readonly options: ResolvedConsumerOptions<K, V>;
  /** No serdes: decoded records are handed out as they are. */
  private readonly rawOnly: boolean;
  private readonly backend: ConsumerBackend<S, Offset>;
  private states: S[] = [];
  private readonly byKey = new Map<string, S>();
  /** Round-robin cursor: index in `states` where the next poll starts. */
  private nextIndex = 0;
  /** Wakers of pending polls; called on data, close, assignment or position changes. */
  private readonly wakers = new Set<() => void>();
  private closed = false;
  /** How partitions are chosen: by assign(), by subscribe() (group), or not yet. */
  private mode: 'none' | 'assign' | 'subscribe' = 'none';
  /** Group membership, rebalance work and commits; idle for a consumer without a groupId. */
  private readonly session: GroupSession;
  /** close() runs onPartitionsRevoked, which may still commit. */
  private revokingOnClose = false;

  protected constructor(options: ConsumerOptions<K, V>, backend: ConsumerBackendFactory<S, Offset>) {
    this.options = resolveConsumerOptions(options);
    this.rawOnly = this.options.keySerde === undefined && this.options.valueSerde === undefined;
    const resolved = this.options as ResolvedConsumerOptions<unknown, unknown>;
    this.backend = backend(resolved, {
      wake: () => this.wake(),
      isSubscribed: () => this.mode === 'subscribe',
      dropPartitions: (tps) => this.session.dropPartitions(tps),
      isAssigned: (state) => this.byKey.get(tpKey(state)) === state,
    });
    this.session = new GroupSession({
      isClosed: () => this.closed,
      setAssignment: (tps) => this.setAssignment(tps, true),
      isAssigned: (tp) => this.byKey.has(tpKey(tp)),
      committable: (o) => {
        const offset = this.byKey.get(tpKey(o))?.committable(o.offset) ?? o.offset;
        return offset === o.offset ? o : { ...o, offset };
      },
      startAt: (tp, offset) => {
        const state = this.byKey.get(tpKey(tp));
        if (state === undefined) return;
        if (offset === null) state.forgetPosition();
        else state.moveTo(offset);
      },
      wake: () => this.wake(),
    }, resolved, this.backend.coordinator, this.backend.clock);
  }

  /** Replaces the assignment. Partitions kept from the previous assignment keep their positions. */
  assign(tps: readonly TopicPartition[]): void {
    this.checkOpen();
    if (this.mode === 'subscribe') throw new EddyError('ERR_CONSUMER_MODE', 'assign() on a consumer that subscribed; call unsubscribe() first');
    if (!Array.isArray(tps) || !tps.every((tp) => typeof tp?.topic === 'string' && Number.isSafeInteger(tp.partition) && tp.partition >= 0)) {
      throw invalidConsumerOption('assign', tps, 'takes a list of { topic, partition }');
    }
    this.mode = 'assign';
    this.setAssignment(tps, false);
  }

  /**
   * Makes `tps` the assignment; returns it. A partition the backend cannot read fails the call, or,
   * for a group's assignment (`skipUnreadable`), is left out.
   */
  private setAssignment(tps: readonly TopicPartition[], skipUnreadable: boolean): TopicPartition[] {
    const states: S[] = [];
    const byKey = new Map<string, S>();
    for (const { topic, partition } of tps) {
      const key = tpKey({ topic, partition });
      if (byKey.has(key)) continue;
      let state = this.byKey.get(key);
      if (state === undefined) {
        try {
          state = this.backend.partition(topic, partition);
        } catch (err) {
          if (skipUnreadable) continue;
          throw err;
        }
      }
      states.push(state);
      byKey.set(key, state);
    }
    this.states = states;
    this.byKey.clear();
    for (const [key, state] of byKey) this.byKey.set(key, state);
    this.nextIndex = 0;
    this.wake();
    return this.assignment();
  }

  assignment(): TopicPartition[] {
    return this.states.map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Sets the position of an assigned partition; an out-of-range offset is handled at the next poll. */
  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    this.checkOpen();
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `Cannot seek to ${String(offset)}`, { topic, partition, offset });
    }
    this.stateOf({ topic, partition }).moveTo(offset);
    this.wake();
  }

  /** Moves to the log start offset. */
  seekToBeginning(tps?: readonly TopicPartition[]): void {
    this.checkOpen();
    for (const state of this.statesOf(tps)) this.backend.seek(state, 'earliest');
    this.wake();
  }

  /** Moves to the end: the last stable offset with read_committed, the log end with read_uncommitted. */
  seekToEnd(tps?: readonly TopicPartition[]): void {
    this.checkOpen();
    for (const state of this.statesOf(tps)) this.backend.seek(state, 'latest');
    this.wake();
  }

  /**
   * Moves to the first record with a timestamp >= `timestamp`; to the end (as seekToEnd) when there
   * is none before it (with read_committed, a record at or past the LSO does not count, as in Kafka).
   */
  seekToTimestamp(timestamp: number, tps?: readonly TopicPartition[]): void {
    this.checkOpen();
    if (!Number.isSafeInteger(timestamp)) throw new EddyError('ERR_TIMESTAMP_INVALID', `Cannot seek to timestamp ${String(timestamp)}`, { value: timestamp });
    const target = { timestamp };
    for (const state of this.statesOf(tps)) this.backend.seek(state, target);
    this.wake();
  }

  /** The offset of the next record poll() returns for `tp`, resolving a missing position first. */
  position(tp: TopicPartition): Offset {
    this.checkOpen();
    return this.backend.position(this.stateOf(tp));
  }

  /**
   * How far `tp`'s position is behind the end (Kafka's consumer lag): last stable offset − position
   * with read_committed, log end offset − position with read_uncommitted; never below 0. Resolves a
   * missing position first, as position() does.
   */
  currentLag(tp: TopicPartition): Offset {
    this.checkOpen();
    return this.backend.currentLag(this.stateOf(tp));
  }

  /**
   * Returns the records available now (up to `maxRecords`), or waits up to `timeoutMs` for some.
   * Resolves with [] on timeout or when the consumer is closed meanwhile.
   */
  poll(options: PollOptions = {}): Promise<Array<ConsumerRecord<K, V>>> {
    return this.pollUntil(options, null);
  }

  /**
   * Yields records until the consumer is closed. Breaking out early loses nothing. A yielded record
   * counts as processed (for autoCommit and commit()) once the loop asks for the next one.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord<K, V>, void, undefined> {
    while (!this.closed) {
      const records = await this.pollUntil({ timeoutMs: Infinity }, null, false);
      let delivered = 0;
      try {
        while (delivered < records.length && !this.closed) {
          const record = records[delivered]!;
          delivered++;
          this.session.noteConsumed(record);
          yield record;
          this.session.noteProcessed(record);
        }
      } finally {
        if (delivered < records.length) this.rewind(records, delivered);
      }
    }
  }

  /**
   * Tails the assigned partitions as an Observable. Unsubscribing stops reading (records fetched but
   * not delivered are put back); closing the consumer completes it; a read error errors it.
   */
  observe(options: Pick<PollOptions, 'maxRecords'> = {}): Observable<ConsumerRecord<K, V>> {
    return new Observable<ConsumerRecord<K, V>>((subscriber) => {
      const controller = new AbortController();
      const { signal } = controller;
      const run = async (): Promise<void> => {
        while (!signal.aborted && !this.closed) {
          const records = await this.pollUntil({ maxRecords: options.maxRecords, timeoutMs: Infinity }, signal, false);
          for (let i = 0; i < records.length; i++) {
            if (signal.aborted || this.closed) {
              this.rewind(records, i);
              return;
            }
            const record = records[i]!;
            this.session.noteConsumed(record);
            subscriber.next(record);
            this.session.noteProcessed(record);
          }
        }
        subscriber.complete();
      };
      run().catch((err: unknown) => subscriber.error(err));
      return () => controller.abort();
    });
  }

  /**
   * Stops the consumer: pending polls resolve with [], iterators end, observables complete. In a
   * group it first commits what was processed (autoCommit), runs onPartitionsRevoked, and leaves
   * the group (a static member stays until its session times out). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.backend.stop();
    this.wake();
    // onPartitionsRevoked runs inside session.close() and may commit (as Kafka's close allows).
    this.revokingOnClose = true;
    try {
      await this.session.close();
    } finally {
      this.revokingOnClose = false;
      await this.backend.close();
    }
  }

  /** Stops at once, without leaving the group, committing or running listeners, and without further heartbeats. */
  protected stopAbruptly(): void {
    this.session.member?.stop();
    this.closed = true;
    this.backend.stop();
    this.wake();
  }

  // ── Groups ───────────────────────────────────────────────────────────────────────────────────

  /**
   * Joins the consumer's group (`groupId`) and consumes the partitions the group assigns to it, of
   * the named topics or of every topic matching the pattern (topics created later included). The
   * rebalance work — listeners, committed-offset lookup, rejoining — happens inside poll() and the
   * iteration steps, never behind the application's back.
   * @example
   * const consumer = eddy.consumer({ groupId: 'billing', autoOffsetReset: 'earliest' });
   * consumer.subscribe({ topics: ['orders'], listener: { onPartitionsRevoked: () => consumer.commit() } });
   * for await (const record of consumer) handle(record);
   */
  subscribe(options: SubscribeOptions): void {
    this.checkOpen();
    if (this.mode === 'assign') throw new EddyError('ERR_CONSUMER_MODE', 'subscribe() on a consumer with a manual assignment; use another consumer');
    const topics = options?.topics;
    if (!(topics instanceof RegExp) && !(Array.isArray(topics) && topics.length > 0 && topics.every((t) => typeof t === 'string' && t !== ''))) {
      throw invalidConsumerOption('topics', topics, 'must be a non-empty list of topic names or a RegExp');
    }
    this.session.subscribe(topics, options.listener ?? {});
    this.mode = 'subscribe';
  }

  /** The group's member id and generation (for tests and tools); null before the first join. */
  groupMembership(): { memberId: string; generationId: number } | null {
    return this.session.membership();
  }

  /**
   * Commits offsets for the group and resolves once they are durable (fsynced in
   * __consumer_offsets). Without arguments it commits, per partition, the offset after the last
   * record handed to the application (returned by poll() or yielded), past any markers read after
   * it — call it after processing.
   * A member commits in its generation: after a rebalance took the partition away it fails with
   * ERR_GROUP_ILLEGAL_GENERATION / ERR_GROUP_UNKNOWN_MEMBER / ERR_GROUP_REBALANCE_IN_PROGRESS.
   */
  async commit(offsets?: ReadonlyArray<TopicPartitionOffset & { metadata?: string }>): Promise<void> {
    if (!this.revokingOnClose) this.checkOpen();
    await this.session.commit(offsets);
  }

  /** The group's committed offsets for `tps` (default: the current assignment). */
  async committed(tps?: readonly TopicPartition[]): Promise<CommittedOffsetInfo[]> {
    this.checkOpen();
    return this.session.committed(tps ?? this.assignment());
  }

  // ── Polling ──────────────────────────────────────────────────────────────────────────────────

  private async pollUntil(options: PollOptions, signal: AbortSignal | null, handOut = true): Promise<Array<ConsumerRecord<K, V>>> {
    const resolved = resolvePollOptions(options);
    if (this.closed) throw new EddyError('ERR_CONSUMER_CLOSED');
    if (this.mode === 'subscribe' || this.options.groupId !== undefined) this.session.markAllProcessed();
    const m = this.session.member;
    if (m === null) return this.handOut(await this.fetchUntil(resolved.maxRecords, resolved.timeoutMs, signal), handOut);
    const { clock } = this.backend;
    m.pollStarted();
    try {
      const deadline = clock.now() + resolved.timeoutMs;
      for (;;) {
        await this.session.step();
        this.session.maybeAutoCommit();
        const records = await this.fetchUntil(resolved.maxRecords, Math.max(0, deadline - clock.now()), signal);
        if (records.length > 0) {
          if (this.options.autoCommit && this.options.autoCommitMode === 'at-most-once') {
            try {
              await this.session.commitBeforeDelivery(records);
            } catch (err) {
              this.rewind(records, 0);
              throw err;
            }
          }
          return this.handOut(records, handOut);
        }
        // Woken for rebalance work: do it and keep waiting; otherwise closed, aborted or timed out.
        if (this.closed || signal?.aborted === true || clock.now() >= deadline || !this.session.needsAttention()) return [];
      }
    } finally {
      m.pollEnded();
    }
  }

  private handOut(records: Array<ConsumerRecord<K, V>>, handOut: boolean): Array<ConsumerRecord<K, V>> {
    if (handOut && this.options.groupId !== undefined) {
      // Records of a partition come in offset order: noting the last one per partition is enough,
      // and keeps this off the per-record path.
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        const next = records[i + 1];
        if (next === undefined || next.partition !== r.partition || next.topic !== r.topic) this.session.noteConsumed(r);
      }
    }
    return records;
  }

  /**
   * Hand-out passes until one returns records, the time is up, or something (rebalance work, close,
   * an abort) ends the wait. In between it waits to be woken by the backend (data, a fetch round's
   * end), the timer on the backend's clock, an assignment or position change, or close().
   */
  private async fetchUntil(maxRecords: number, timeoutMs: number, signal: AbortSignal | null): Promise<Array<ConsumerRecord<K, V>>> {
    const { clock } = this.backend;
    const deadline = clock.now() + timeoutMs;
    let timedOut = false;
    let fetched = false;
    let timer: Timer | null = null;
    let onAbort: (() => void) | null = null;
    // The clock's timers and the log's waiters hold no handle, so a program whose only work is a
    // pending poll would otherwise exit mid-await. A waiting poll keeps the process alive, as a
    // Kafka client's fetch does; close() ends it.
    let keepAlive: ReturnType<typeof setInterval> | null = null;
    try {
      for (;;) {
        if (this.closed || signal?.aborted === true || this.session.needsAttention()) return [];
        const preparing = this.backend.prepare(this.states);
        if (preparing !== undefined) {
          try {
            await preparing;
          } catch (err) {
            // close() during the preparation shut the backend down: a closed consumer's poll returns [].
            if (this.closed) return [];
            throw err;
          }
        }
        const records = this.takeRecords(maxRecords);
        if (records.length > 0) return records;
        const step = this.backend.fetch(this.states, timedOut ? 0 : Math.max(0, deadline - clock.now()), fetched);
        if (step === 'stop') return [];
        if (step === 'fetching') fetched = true;
        keepAlive ??= setInterval(() => undefined, 1 << 30);
        await new Promise<void>((resolve) => {
          this.wakers.add(resolve);
          if (timer === null && Number.isFinite(deadline)) {
            timer = clock.setTimer(Math.max(0, deadline - clock.now()), () => {
              timedOut = true;
              this.wake();
            });
          }
          if (signal !== null && onAbort === null) {
            onAbort = () => this.wake();
            signal.addEventListener('abort', onAbort, { once: true });
          }
        });
      }
    } finally {
      (timer as Timer | null)?.cancel();
      if (keepAlive !== null) clearInterval(keepAlive);
      if (onAbort !== null) signal?.removeEventListener('abort', onAbort);
    }
  }

  private wake(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const wake of wakers) wake();
  }

  /** One hand-out pass over the assignment, starting at the round-robin cursor. */
  private takeRecords(maxRecords: number): Array<ConsumerRecord<K, V>> {
    const out: Array<ConsumerRecord<K, V>> = [];
    const n = this.states.length;
    let lastContributor = -1;
    for (let k = 0; k < n && out.length < maxRecords; k++) {
      const index = (this.nextIndex + k) % n;
      const state = this.states[index]!;
      const before = out.length;
      try {
        this.takeFrom(state, out, maxRecords);
      } catch (err) {
        if (out.length === 0) {
          this.nextIndex = (index + 1) % n;
          throw err;
        }
        // Return what we have; the next poll starts here and raises the error.
        this.nextIndex = index;
        return out;
      }
      if (out.length > before) lastContributor = index;
    }
    if (lastContributor >= 0) this.nextIndex = (lastContributor + 1) % n;
    return out;
  }

  /**
   * Moves buffered records of one partition into `out` (the backend fills an empty buffer first when
   * it can). A serde failure leaves its record first in the buffer: every poll reaching it fails
   * until a seek. Hot path: per record one push, one object when serdes apply, no other allocation.
   */
  private takeFrom(state: S, out: Array<ConsumerRecord<K, V>>, maxRecords: number): void {
    this.backend.fill(state);
    const { buffered } = state;
    while (out.length < maxRecords && state.next < buffered.length) {
      const record = buffered[state.next]!;
      out.push(this.rawOnly ? (record as ConsumerRecord<K, V>) : this.toConsumerRecord(record));
      state.next++;
      state.position = record.offset + 1;
    }
    if (state.next >= buffered.length && buffered.length > 0) {
      state.clearBuffer();
      state.skipTo(state.bufferEnd);
    }
  }

  private toConsumerRecord(record: RawRecord): ConsumerRecord<K, V> {
    return {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      timestampType: record.timestampType,
      key: this.deserialize(this.options.keySerde, record.key, 'key', record),
      value: this.deserialize(this.options.valueSerde, record.value, 'value', record),
      headers: record.headers,
    };
  }

  private deserialize<T>(serde: Serde<T> | undefined, bytes: Buffer | null, what: string, record: RawRecord): T {
    if (serde === undefined) return bytes as T;
    try {
      return serde.deserialize(bytes);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new EddyError('ERR_SERDE_FAILED', `Cannot deserialize the ${what} at ${record.topic}-${record.partition}@${record.offset}: ${reason}`, {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        what,
      }, { cause: err });
    }
  }

  /** Puts positions back to the first of `records[from..]` per partition (fetched, never delivered). */
  private rewind(records: ReadonlyArray<ConsumerRecord<K, V>>, from: number): void {
    const seen = new Set<S>();
    for (let i = from; i < records.length; i++) {
      const { topic, partition, offset } = records[i]!;
      const state = this.byKey.get(tpKey({ topic, partition }));
      if (state === undefined || seen.has(state)) continue;
      seen.add(state);
      if (state.position !== null && state.position > offset) state.moveTo(offset);
    }
  }

  private stateOf({ topic, partition }: TopicPartition): S {
    const state = this.byKey.get(tpKey({ topic, partition }));
    if (state === undefined) throw new EddyError('ERR_CONSUMER_NOT_ASSIGNED', `${topic}-${partition} is not assigned to this consumer`, { topic, partition });
    return state;
  }

  private statesOf(tps: readonly TopicPartition[] | undefined): readonly S[] {
    return tps === undefined ? this.states : tps.map((tp) => this.stateOf(tp));
  }

  private checkOpen(): void {
    if (this.closed) throw new EddyError('ERR_CONSUMER_CLOSED');
  }
}

/** The consumer of the embedded log (`eddy.consumer()`); see the file comment for its behaviour. */
export class Consumer<K = Buffer | null, V = Buffer | null> extends BaseConsumer<K, V, number, LogPartition> {
  constructor(log: LogAccess, options: ConsumerOptions<K, V> = {}, group: ConsumerGroupContext | null = null) {
    super(options, (resolved, host) => new LogFetcher(log, resolved, host, group));
  }

  /**
   * Stops at once without leaving the group, committing or running listeners, and without further
   * heartbeats: to the coordinator this member looks crashed until its session times out. For tests
   * of failure handling.
   */
  simulateCrash(): void {
    this.stopAbruptly();
  }
}
