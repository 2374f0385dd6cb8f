/**
 * The consumer of `Eddy.connect()`: the EddyConsumer API of core/client/consumer.ts over Kafka's
 * Fetch, ListOffsets and group APIs, through @platformatic/kafka's connections and codecs. It keeps
 * positions itself (it does not use the library's message stream, which fetches ahead on its own and
 * commits by itself), so poll(), seeks, the iterator, observe() and the commit bookkeeping behave as
 * the embedded consumer's do.
 *
 * - poll() returns buffered records first (round-robin across partitions, as embedded); with none it
 *   sends one Fetch per partition leader, waiting on the broker up to 500 ms per request (Kafka's
 *   fetch.max.wait.ms) and sending more until `timeoutMs` passes. At most one fetch round is in flight;
 *   what a round brings after its poll timed out is kept for the next poll. Fetches use their own
 *   connections, so a long poll never holds up a heartbeat or a commit.
 * - Records are decoded as Kafka's Java consumer does (fetched-records.ts): markers are skipped,
 *   read_committed drops aborted transactions, records below the position are dropped, and the
 *   position moves past whatever a fetch held. Keys and values go through the serdes when handed out;
 *   a serde failure stops the partition at that record, raised by the next poll that reaches it until
 *   the caller seeks past it (as embedded).
 * - OFFSET_OUT_OF_RANGE applies autoOffsetReset ('none': ERR_OFFSET_OUT_OF_RANGE from poll).
 *
 * Where it differs from the embedded consumer, and why:
 * - position() and currentLag() return promises: they may need a ListOffsets round trip.
 * - seekToBeginning(), seekToEnd() and seekToTimestamp() are lazy, as in Kafka's Java client: the
 *   offset is looked up at the next poll() or position(), so records appended between the seek and
 *   that call count as before the end.
 * - assign() cannot check synchronously that the topic exists; a missing one fails the next poll
 *   with ERR_TOPIC_NOT_FOUND. In a group, a deleted topic's partitions are dropped and the member
 *   rejoins (as embedded).
 * - Only eager rebalancing (range, roundrobin or your own eager assignor); cooperative assignors are
 *   refused with ERR_CONFIG_INVALID.
 * - Time is the system clock: poll timeouts, heartbeats, autoCommitIntervalMs, maxPollIntervalMs.
 * - A broker that cannot be reached fails poll() with a retriable error rather than waiting silently.
 */
import { FetchIsolationLevels } from '@platformatic/kafka';
import { Observable } from 'rxjs';
import type { EddyConsumer } from '../client/interfaces.js';
import { invalidConsumerOption, resolveConsumerOptions, resolvePollOptions, type PollOptions, type ResolvedConsumerOptions } from '../client/consumer-options.js';
import type { RawRecord } from '../client/partition-state.js';
import type { CommittedOffsetInfo, ConsumerOptions, ConsumerRecord, SubscribeOptions, TopicPartition, TopicPartitionOffset } from '../client/types.js';
import { EddyError, isEddyError } from '../errors.js';
import { tpKey } from '../group/assignors/assignor.js';
import type { Serde } from '../serdes.js';
import { BrokerLink } from './broker-link.js';
import { decodeFetchedBatches, type AbortedTransactionRef } from './fetched-records.js';
import { EARLIEST, LATEST, listOffsets, type OffsetQuery } from './list-offsets.js';
import { RemoteGroupSession } from './remote-group-session.js';
import { connectionOptions, type ResolvedRemoteEddyOptions } from './remote-options.js';
import { kafkaError, toEddyError } from './remote-errors.js';
import type { RecordsBatch } from '@platformatic/kafka';

/** How long one Fetch may wait on the broker for data (Kafka's fetch.max.wait.ms). */
const FETCH_MAX_WAIT_MS = 500;
/** Upper bound of a Fetch response (Kafka's fetch.max.bytes). */
const FETCH_MAX_BYTES = 52_428_800;
/** Kafka errors after which a partition's leader is looked up again and the fetch retried. */
const LEADER_MOVED = new Set([5, 6, 9, 74, 75]); // LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, REPLICA_NOT_AVAILABLE, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH
/** Pause before fetching again after a leader moved (Kafka's retry.backoff.ms). */
const LEADER_BACKOFF_MS = 100;
const OFFSET_OUT_OF_RANGE = 1;
const TOPIC_GONE = new Set([3, 100]); // UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID

type PendingSeek = 'earliest' | 'latest' | { timestamp: number };

/** One assigned partition: its position, the records fetched and not yet returned, a pending seek. */
class RemotePartition {
  position: number | null = null;
  /** A seek to look up at the next poll or position() (lazy, as in Kafka). */
  pendingSeek: PendingSeek | null = null;
  buffered: RawRecord[] = [];
  next = 0;
  /** Where the position goes once the buffer is drained: past the last batch fetched. */
  bufferEnd = 0;
  /** Raised by the next poll that reaches the partition, until a seek. */
  error: EddyError | null = null;
  /** Bumped by every change of position, so an answer to an older fetch or lookup is dropped. */
  epoch = 0;

  constructor(readonly topic: string, readonly partition: number) {}

  clearBuffer(): void {
    this.buffered = [];
    this.next = 0;
  }

  get fetchable(): boolean {
    return this.position !== null && this.pendingSeek === null && this.error === null && this.next >= this.buffered.length;
  }
}

interface FetchResponse {
  errorCode: number;
  responses: Array<{
    topicId: string;
    partitions: Array<{
      partitionIndex: number;
      errorCode: number;
      abortedTransactions: AbortedTransactionRef[] | null;
      records?: RecordsBatch[];
    }>;
  }>;
}

export class RemoteConsumer<K = Buffer | null, V = Buffer | null> implements EddyConsumer<K, V> {
  readonly options: ResolvedConsumerOptions<K, V>;
  private readonly link: BrokerLink;
  private readonly rawOnly: boolean;
  private states: RemotePartition[] = [];
  private readonly byKey = new Map<string, RemotePartition>();
  private nextIndex = 0;
  private readonly wakers = new Set<() => void>();
  private closed = false;
  private mode: 'none' | 'assign' | 'subscribe' = 'none';
  private readonly session: RemoteGroupSession;
  /** The fetch round in flight, if any. */
  private fetching: Promise<void> | null = null;
  /** A failure of a fetch round that finished after its poll returned: raised by the next poll. */
  private fetchError: EddyError | null = null;
  private revokingOnClose = false;
  /** After a leader moved, no new fetch round before this time (the metadata needs a moment). */
  private fetchNotBefore = 0;

  /** @internal Use `eddy.consumer()` of an `Eddy.connect()` client. */
  constructor(remote: ResolvedRemoteEddyOptions, options: ConsumerOptions<K, V> = {}) {
    this.options = resolveConsumerOptions(options);
    const cooperative = this.options.partitionAssignors.find((a) => a.protocol === 'cooperative');
    if (cooperative !== undefined) {
      throw invalidConsumerOption('partitionAssignors', cooperative.name, 'names a cooperative assignor; Eddy.connect consumers rebalance eagerly (use range or roundrobin)');
    }
    this.rawOnly = this.options.keySerde === undefined && this.options.valueSerde === undefined;
    // A JoinGroup waits on the broker up to the rebalance timeout (maxPollIntervalMs): the requests
    // of this consumer may take that long.
    const requestTimeoutMs = Math.max(remote.requestTimeoutMs, this.options.maxPollIntervalMs + 5_000);
    this.link = new BrokerLink({
      clientId: this.options.clientId === 'eddy-consumer' ? remote.clientId : this.options.clientId,
      bootstrapBrokers: remote.brokers,
      connection: connectionOptions(remote, requestTimeoutMs),
      metadataMaxAgeMs: remote.metadataMaxAgeMs,
    });
    this.session = new RemoteGroupSession({
      isClosed: () => this.closed,
      setAssignment: (tps) => this.setAssignment(tps),
      isAssigned: (tp) => this.byKey.has(tpKey(tp)),
      startAt: (tp, offset) => {
        const state = this.byKey.get(tpKey(tp));
        if (state === undefined) return;
        if (offset === null) {
          state.position = null;
          state.epoch++;
        } else {
          this.setPosition(state, offset);
        }
      },
      wake: () => this.wake(),
    }, this.options as ResolvedConsumerOptions<unknown, unknown>, this.link);
  }

  /** Replaces the assignment. Partitions kept from the previous assignment keep their positions. */
  assign(tps: readonly TopicPartition[]): void {
    this.checkOpen();
    if (this.mode === 'subscribe') throw new EddyError('ERR_CONSUMER_MODE', 'assign() on a consumer that subscribed; call unsubscribe() first');
    if (!Array.isArray(tps) || !tps.every((tp) => typeof tp?.topic === 'string' && Number.isSafeInteger(tp.partition) && tp.partition >= 0)) {
      throw invalidConsumerOption('assign', tps, 'takes a list of { topic, partition }');
    }
    this.mode = 'assign';
    this.setAssignment(tps);
  }

  private setAssignment(tps: readonly TopicPartition[]): void {
    const states: RemotePartition[] = [];
    const byKey = new Map<string, RemotePartition>();
    for (const { topic, partition } of tps) {
      const key = tpKey({ topic, partition });
      if (byKey.has(key)) continue;
      const state = this.byKey.get(key) ?? new RemotePartition(topic, partition);
      states.push(state);
      byKey.set(key, state);
    }
    this.states = states;
    this.byKey.clear();
    for (const [key, state] of byKey) this.byKey.set(key, state);
    this.nextIndex = 0;
    this.wake();
  }

  assignment(): TopicPartition[] {
    return this.states.map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Sets the position of an assigned partition; an out-of-range offset is handled at the next poll. */
  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    this.checkOpen();
    if (!Number.isSafeInteger(offset) || offset < 0) throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `Cannot seek to ${String(offset)}`, { topic, partition, offset });
    this.setPosition(this.stateOf({ topic, partition }), offset);
    this.wake();
  }

  /** Moves to the log start offset (looked up at the next poll or position()). */
  seekToBeginning(tps?: readonly TopicPartition[]): void {
    this.seekLazily(tps, 'earliest');
  }

  /** Moves to the end: the last stable offset with read_committed, the log end with read_uncommitted (looked up lazily). */
  seekToEnd(tps?: readonly TopicPartition[]): void {
    this.seekLazily(tps, 'latest');
  }

  /** Moves to the first record with a timestamp >= `timestamp`, or to the end when there is none (looked up lazily). */
  seekToTimestamp(timestamp: number, tps?: readonly TopicPartition[]): void {
    if (!Number.isSafeInteger(timestamp)) throw new EddyError('ERR_TIMESTAMP_INVALID', `Cannot seek to timestamp ${String(timestamp)}`, { value: timestamp });
    this.seekLazily(tps, { timestamp });
  }

  private seekLazily(tps: readonly TopicPartition[] | undefined, seek: PendingSeek): void {
    this.checkOpen();
    for (const state of this.statesOf(tps)) {
      state.clearBuffer();
      state.error = null;
      state.pendingSeek = seek;
      state.epoch++;
    }
    this.wake();
  }

  /** The offset of the next record poll() returns for `tp`, resolving a missing position or pending seek first. */
  position(tp: TopicPartition): Promise<number> {
    this.checkOpen();
    const state = this.stateOf(tp);
    return this.resolvePositions([state]).then(() => state.position!);
  }

  /** How far `tp`'s position is behind the end (the LSO with read_committed, the log end otherwise); never below 0. */
  currentLag(tp: TopicPartition): Promise<number> {
    this.checkOpen();
    const state = this.stateOf(tp);
    return (async () => {
      await this.resolvePositions([state]);
      const end = (await listOffsets(this.link, [{ topic: state.topic, partition: state.partition, timestamp: LATEST }], this.options.isolationLevel)).get(tpKey(state)) ?? 0;
      return Math.max(0, end - state.position!);
    })();
  }

  /**
   * Returns the records available now (up to `maxRecords`), or waits up to `timeoutMs` for some.
   * Resolves with [] on timeout or when the consumer is closed meanwhile.
   */
  poll(options: PollOptions = {}): Promise<Array<ConsumerRecord<K, V>>> {
    return this.pollUntil(options, null);
  }

  /** Yields records until the consumer is closed. Breaking out early loses nothing. */
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

  /** Tails the assignment as an Observable; unsubscribing puts back records fetched but not delivered. */
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
   * group it first commits what was processed (autoCommit), runs onPartitionsRevoked, and leaves the
   * group (a static member stays until its session times out). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    this.revokingOnClose = true;
    try {
      await this.session.close();
    } finally {
      this.revokingOnClose = false;
      await this.fetching?.catch(() => undefined);
      await this.link.close();
    }
  }

  // ── Groups ───────────────────────────────────────────────────────────────────────────────────

  /**
   * Joins the consumer's group (`groupId`) and consumes the partitions the group assigns to it. The
   * rebalance work runs inside poll() and the iteration steps.
   * @example
   * const eddy = await Eddy.connect({ brokers: ['localhost:9092'] });
   * const consumer = eddy.consumer({ groupId: 'billing', autoOffsetReset: 'earliest' });
   * consumer.subscribe({ topics: ['orders'] });
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

  groupMembership(): { memberId: string; generationId: number } | null {
    return this.session.membership();
  }

  /**
   * Commits offsets for the group. Without arguments it commits, per assigned partition, the offset
   * after the last record handed to the application.
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
    if (m === null) return this.handOut(await this.fetchUntil(resolved, signal), handOut);
    m.pollStarted();
    try {
      const deadline = Date.now() + resolved.timeoutMs;
      for (;;) {
        await this.session.step();
        this.session.maybeAutoCommit();
        const records = await this.fetchUntil({ maxRecords: resolved.maxRecords, timeoutMs: Math.max(0, deadline - Date.now()) }, signal);
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
        if (this.closed || signal?.aborted === true || Date.now() >= deadline || !this.session.needsAttention()) return [];
      }
    } finally {
      m.pollEnded();
    }
  }

  private handOut(records: Array<ConsumerRecord<K, V>>, handOut: boolean): Array<ConsumerRecord<K, V>> {
    if (handOut && this.options.groupId !== undefined) {
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        const next = records[i + 1];
        if (next === undefined || next.partition !== r.partition || next.topic !== r.topic) this.session.noteConsumed(r);
      }
    }
    return records;
  }

  /** Buffered records, else fetch rounds until records arrive, the time is up, or something wakes the poll. */
  private async fetchUntil(options: Required<PollOptions>, signal: AbortSignal | null): Promise<Array<ConsumerRecord<K, V>>> {
    const { maxRecords, timeoutMs } = options;
    const deadline = Date.now() + timeoutMs;
    let fetchedHere = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let keepAlive: ReturnType<typeof setInterval> | null = null;
    let onAbort: (() => void) | null = null;
    try {
      for (;;) {
        if (this.closed || signal?.aborted === true || this.session.needsAttention()) return [];
        if (this.fetchError !== null) {
          const err = this.fetchError;
          this.fetchError = null;
          throw err;
        }
        try {
          await this.resolvePositions(this.states);
        } catch (err) {
          // close() during the lookup shut the connections: a closed consumer's poll returns [].
          if (this.closed) return [];
          throw err;
        }
        const records = this.takeBuffered(maxRecords);
        if (records.length > 0) return records;
        const canFetch = this.states.some((s) => s.fetchable);
        const backingOff = Date.now() < this.fetchNotBefore;
        const timeUp = Date.now() >= deadline;
        if (timeUp && (fetchedHere || !canFetch || this.fetching !== null)) return [];
        if (this.fetching === null && canFetch && !backingOff) {
          fetchedHere = true;
          this.startFetch(Math.max(0, Math.min(deadline - Date.now(), FETCH_MAX_WAIT_MS)));
        }
        keepAlive ??= setInterval(() => undefined, 1 << 30);
        await new Promise<void>((resolve) => {
          this.wakers.add(resolve);
          if (timer === null && Number.isFinite(deadline)) {
            timer = setTimeout(() => this.wake(), Math.max(0, deadline - Date.now()));
          }
          if (backingOff && this.fetching === null) setTimeout(() => this.wake(), this.fetchNotBefore - Date.now()).unref();
          if (signal !== null && onAbort === null) {
            onAbort = () => this.wake();
            signal.addEventListener('abort', onAbort, { once: true });
          }
        });
      }
    } finally {
      if (timer !== null) clearTimeout(timer);
      if (keepAlive !== null) clearInterval(keepAlive);
      if (onAbort !== null) signal?.removeEventListener('abort', onAbort);
    }
  }

  private wake(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const wake of wakers) wake();
  }

  /** Hands out buffered records, round-robin over partitions starting after the last that gave some. */
  private takeBuffered(maxRecords: number): Array<ConsumerRecord<K, V>> {
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
        this.nextIndex = index;
        return out;
      }
      if (out.length > before) lastContributor = index;
    }
    if (lastContributor >= 0) this.nextIndex = (lastContributor + 1) % n;
    return out;
  }

  private takeFrom(state: RemotePartition, out: Array<ConsumerRecord<K, V>>, maxRecords: number): void {
    if (state.error !== null) throw state.error;
    const { buffered } = state;
    while (out.length < maxRecords && state.next < buffered.length) {
      const record = buffered[state.next]!;
      // A serde failure leaves the record first in the buffer: every poll reaching it fails until a seek.
      out.push(this.rawOnly ? (record as ConsumerRecord<K, V>) : this.toConsumerRecord(record));
      state.next++;
      state.position = record.offset + 1;
    }
    if (state.next >= buffered.length && buffered.length > 0) {
      state.clearBuffer();
      state.position = Math.max(state.position ?? 0, state.bufferEnd);
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

  /** Looks up the offsets of pending seeks and missing positions (autoOffsetReset), in two ListOffsets rounds at most. */
  private async resolvePositions(states: readonly RemotePartition[]): Promise<void> {
    const todo = states.filter((s) => s.pendingSeek !== null || s.position === null);
    if (todo.length === 0) return;
    const epochs = new Map(todo.map((s) => [s, s.epoch]));
    const queries: OffsetQuery[] = [];
    for (const s of todo) {
      let seek = s.pendingSeek;
      if (seek === null) {
        if (this.options.autoOffsetReset === 'none') {
          throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `${s.topic}-${s.partition} has no position and autoOffsetReset is 'none'`, { topic: s.topic, partition: s.partition });
        }
        seek = this.options.autoOffsetReset;
      }
      queries.push({ topic: s.topic, partition: s.partition, timestamp: seek === 'earliest' ? EARLIEST : seek === 'latest' ? LATEST : seek.timestamp });
    }
    let found: Map<string, number | null>;
    try {
      found = await listOffsets(this.link, queries, this.options.isolationLevel);
    } catch (err) {
      // In a group, a partition whose topic was deleted is dropped (and the member rejoins).
      const topic = isEddyError(err) ? err.context.topic : undefined;
      if (this.mode !== 'subscribe' || (!isEddyError(err, 'ERR_TOPIC_NOT_FOUND') && !isEddyError(err, 'ERR_PARTITION_NOT_FOUND')) || typeof topic !== 'string') throw err;
      this.session.dropPartitions(todo.filter((s) => s.topic === topic));
      return;
    }
    // A timestamp after every record (or, with read_committed, at or past the LSO) means the end.
    const ends = queries.filter((q) => found.get(tpKey(q)) === null).map((q) => ({ topic: q.topic, partition: q.partition, timestamp: LATEST }));
    const endOffsets = ends.length === 0 ? new Map<string, number | null>() : await listOffsets(this.link, ends, this.options.isolationLevel);
    for (const s of todo) {
      if (s.epoch !== epochs.get(s) || this.byKey.get(tpKey(s)) !== s) continue;
      const offset = found.get(tpKey(s)) ?? endOffsets.get(tpKey(s)) ?? 0;
      this.setPosition(s, offset);
    }
  }

  private startFetch(maxWaitMs: number): void {
    this.fetching = this.fetchRound(maxWaitMs)
      .catch((err: unknown) => {
        this.fetchError = toEddyError(err);
      })
      .finally(() => {
        this.fetching = null;
        this.wake();
      });
  }

  /** One Fetch per leader of the fetchable partitions; applies what comes back. */
  private async fetchRound(maxWaitMs: number): Promise<void> {
    const targets = this.states.filter((s) => s.fetchable);
    if (targets.length === 0) return;
    const metadata = await this.topicsOrDrop(targets);
    const api = await this.link.api<unknown[], FetchResponse>('Fetch');
    const byId = api.version >= 13;
    const byLeader = new Map<number, Array<{ state: RemotePartition; fetchOffset: number; epoch: number; topicKey: string }>>();
    for (const state of targets) {
      const meta = metadata.get(state.topic);
      if (meta === undefined) continue;
      const p = meta.partitions[state.partition];
      if (p === undefined) {
        this.partitionGone(state, new EddyError('ERR_PARTITION_NOT_FOUND', `Topic ${state.topic} has no partition ${state.partition}`, { topic: state.topic, partition: state.partition }));
        continue;
      }
      let list = byLeader.get(p.leader);
      if (list === undefined) byLeader.set(p.leader, (list = []));
      list.push({ state, fetchOffset: state.position!, epoch: state.epoch, topicKey: byId ? meta.id : meta.name });
    }
    const level = this.options.isolationLevel === 'read_committed' ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED;
    await Promise.all([...byLeader].map(async ([leader, slots]) => {
      const topics = new Map<string, Array<{ partition: number; currentLeaderEpoch: number; fetchOffset: bigint; lastFetchedEpoch: number; partitionMaxBytes: number }>>();
      for (const slot of slots) {
        let list = topics.get(slot.topicKey);
        if (list === undefined) topics.set(slot.topicKey, (list = []));
        list.push({ partition: slot.state.partition, currentLeaderEpoch: -1, fetchOffset: BigInt(slot.fetchOffset), lastFetchedEpoch: -1, partitionMaxBytes: this.options.maxBytes });
      }
      const request = [...topics].map(([topicId, partitions]) => ({ topicId, partitions }));
      const maxBytes = Math.min(FETCH_MAX_BYTES, this.options.maxBytes * slots.length);
      const connection = await this.link.connectionTo(leader, true);
      const response = await this.link.request<FetchResponse>('Fetch', connection, maxWaitMs, 1, maxBytes, level, 0, -1, request, [], '');
      if (response.errorCode !== 0) throw kafkaError(response.errorCode, null, {});
      for (const topic of response.responses) {
        for (const p of topic.partitions) {
          const slot = slots.find((s) => s.topicKey === topic.topicId && s.state.partition === p.partitionIndex);
          if (slot !== undefined) this.applyFetched(slot, p);
        }
      }
    }));
  }

  /** Metadata of the partitions' topics; in a group, partitions of deleted topics are dropped (the member rejoins). */
  private async topicsOrDrop(targets: readonly RemotePartition[]): Promise<Map<string, { id: string; name: string; partitions: Array<{ leader: number } | undefined> }>> {
    const out = new Map<string, { id: string; name: string; partitions: Array<{ leader: number } | undefined> }>();
    for (const topic of new Set(targets.map((s) => s.topic))) {
      try {
        let meta = await this.link.topic(topic);
        // Cached metadata may predate partitions added since: look again before calling one missing.
        if (targets.some((s) => s.topic === topic && meta.partitions[s.partition] === undefined)) meta = await this.link.topic(topic, { fresh: true });
        out.set(topic, { id: meta.id, name: meta.name, partitions: meta.partitions });
      } catch (err) {
        if (!isEddyError(err, 'ERR_TOPIC_NOT_FOUND')) throw err;
        for (const state of targets) if (state.topic === topic) this.partitionGone(state, err);
      }
    }
    return out;
  }

  /** A partition whose topic is gone: dropped with a rejoin in a group (as embedded), an error for the next poll otherwise. */
  private partitionGone(state: RemotePartition, err: EddyError): void {
    if (this.mode === 'subscribe') this.session.dropPartitions([{ topic: state.topic, partition: state.partition }]);
    else state.error = err;
  }

  private applyFetched(
    slot: { state: RemotePartition; fetchOffset: number; epoch: number },
    p: FetchResponse['responses'][number]['partitions'][number],
  ): void {
    const { state } = slot;
    // Dropped if the partition was reassigned, sought or read meanwhile.
    if (this.byKey.get(tpKey(state)) !== state || state.epoch !== slot.epoch || state.position !== slot.fetchOffset || !state.fetchable) return;
    if (p.errorCode !== 0) {
      const context = { topic: state.topic, partition: state.partition, offset: slot.fetchOffset };
      if (p.errorCode === OFFSET_OUT_OF_RANGE && this.options.autoOffsetReset !== 'none') {
        state.pendingSeek = this.options.autoOffsetReset;
        state.epoch++;
      } else if (LEADER_MOVED.has(p.errorCode)) {
        this.link.forgetTopics([state.topic]);
        this.fetchNotBefore = Date.now() + LEADER_BACKOFF_MS;
      } else if (TOPIC_GONE.has(p.errorCode)) {
        this.link.forgetTopics([state.topic]);
        this.partitionGone(state, kafkaError(p.errorCode, null, context));
      } else {
        state.error = kafkaError(p.errorCode, null, context);
      }
      return;
    }
    let decoded;
    try {
      const aborted = this.options.isolationLevel === 'read_committed' ? (p.abortedTransactions ?? []) : null;
      decoded = decodeFetchedBatches(p.records ?? [], slot.fetchOffset, state.topic, state.partition, aborted);
    } catch (err) {
      state.error = toEddyError(err, { topic: state.topic, partition: state.partition, offset: slot.fetchOffset });
      return;
    }
    if (decoded.records.length > 0) {
      state.buffered = decoded.records;
      state.next = 0;
      state.bufferEnd = decoded.nextOffset;
    } else {
      // Only markers or aborted batches: the position moves past them all the same.
      state.position = Math.max(slot.fetchOffset, decoded.nextOffset);
    }
  }

  private setPosition(state: RemotePartition, offset: number): void {
    state.position = offset;
    state.pendingSeek = null;
    state.error = null;
    state.clearBuffer();
    state.bufferEnd = offset;
    state.epoch++;
  }

  /** Puts positions back to the first of `records[from..]` per partition (fetched, never delivered). */
  private rewind(records: ReadonlyArray<ConsumerRecord<K, V>>, from: number): void {
    const seen = new Set<RemotePartition>();
    for (let i = from; i < records.length; i++) {
      const { topic, partition, offset } = records[i]!;
      const state = this.byKey.get(tpKey({ topic, partition }));
      if (state === undefined || seen.has(state)) continue;
      seen.add(state);
      if (state.position !== null && state.position > offset) this.setPosition(state, offset);
    }
  }

  private stateOf({ topic, partition }: TopicPartition): RemotePartition {
    const state = this.byKey.get(tpKey({ topic, partition }));
    if (state === undefined) throw new EddyError('ERR_CONSUMER_NOT_ASSIGNED', `${topic}-${partition} is not assigned to this consumer`, { topic, partition });
    return state;
  }

  private statesOf(tps: readonly TopicPartition[] | undefined): RemotePartition[] {
    return tps === undefined ? this.states : tps.map((tp) => this.stateOf(tp));
  }

  private checkOpen(): void {
    if (this.closed) throw new EddyError('ERR_CONSUMER_CLOSED');
  }
}
