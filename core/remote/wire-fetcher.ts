/**
 * The backend of `Eddy.connect()` consumers (RemoteConsumer): the consumer of core/client/consumer.ts
 * over Kafka's Fetch, ListOffsets and group APIs, through @platformatic/kafka's connections and
 * codecs. Positions are the consumer's own (the library's message stream, which fetches ahead on its
 * own and commits by itself, is not used), so poll(), seeks, the iterator, observe() and the commit
 * bookkeeping behave as the embedded consumer's do.
 *
 * - A poll hands out buffered records first (round-robin across partitions, as embedded); with none
 *   it starts a fetch round — one Fetch per partition leader, waiting on the broker up to 500 ms per
 *   request (Kafka's fetch.max.wait.ms) — and starts more until `timeoutMs` passes. At most one round
 *   is in flight; what a round brings after its poll timed out is kept for the next poll. Fetches use
 *   their own connections, so a long poll never holds up a heartbeat or a commit.
 * - Records are decoded as Kafka's Java consumer does (fetched-records.ts): markers are skipped,
 *   read_committed drops aborted transactions, records below the position are dropped, and the
 *   position moves past whatever a fetch held. A decoding failure or a partition error stops the
 *   partition: the next poll that reaches it raises the error until the caller seeks past it.
 * - OFFSET_OUT_OF_RANGE applies autoOffsetReset ('none': ERR_OFFSET_OUT_OF_RANGE from poll). A
 *   partition whose leader moved is looked up again and fetched after a pause (Kafka's
 *   retry.backoff.ms).
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
import { FetchIsolationLevels, type RecordsBatch } from '@platformatic/kafka';
import type { ConsumerBackend, ConsumerBackendHost, FetchStep, SeekTarget } from '../client/consumer-backend.js';
import { invalidConsumerOption, type ResolvedConsumerOptions } from '../client/consumer-options.js';
import { noPositionError, PartitionState } from '../client/partition-state.js';
import { systemClock } from '../clock.js';
import { EddyError, isEddyError } from '../errors.js';
import { tpKey } from '../group/assignors/assignor.js';
import { BrokerLink } from './broker-link.js';
import { decodeFetchedBatches, type AbortedTransactionRef } from './fetched-records.js';
import { EARLIEST, LATEST, listOffsets, type OffsetQuery } from './list-offsets.js';
import { RemoteGroupCoordinator } from './remote-group-coordinator.js';
import { connectionOptions, type ResolvedRemoteEddyOptions } from './remote-options.js';
import { kafkaError, toEddyError } from './remote-errors.js';

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

/** A partition fetched over the wire: besides the position and buffer, a pending lookup and a stopping error. */
export class WirePartition extends PartitionState {
  /** A seek to look up at the next poll or position() (lazy, as in Kafka). */
  pendingSeek: SeekTarget | null = null;
  /** Raised by the next poll that reaches the partition, until a seek. */
  error: EddyError | null = null;
  /** Bumped by every change of position, so an answer to an older fetch or lookup is dropped. */
  epoch = 0;

  override moveTo(offset: number): void {
    super.moveTo(offset);
    this.pendingSeek = null;
    this.error = null;
    this.epoch++;
  }

  override forgetPosition(): void {
    super.forgetPosition();
    this.epoch++;
  }

  seekLazily(target: SeekTarget): void {
    this.clearBuffer();
    this.error = null;
    this.pendingSeek = target;
    this.epoch++;
  }

  get fetchable(): boolean {
    return this.position !== null && this.pendingSeek === null && this.error === null && this.next >= this.buffered.length;
  }
}

interface FetchedPartition {
  partitionIndex: number;
  errorCode: number;
  abortedTransactions: AbortedTransactionRef[] | null;
  records?: RecordsBatch[];
}

interface FetchResponse {
  errorCode: number;
  responses: Array<{ topicId: string; partitions: FetchedPartition[] }>;
}

/** A partition in a fetch round: what was asked, to drop the answer if the partition moved meanwhile. */
interface FetchSlot {
  state: WirePartition;
  fetchOffset: number;
  epoch: number;
  topicKey: string;
}

type TopicLeaders = Map<string, { id: string; name: string; partitions: Array<{ leader: number } | undefined> }>;

export class WireFetcher implements ConsumerBackend<WirePartition, Promise<number>> {
  readonly clock = systemClock;
  readonly coordinator: RemoteGroupCoordinator | null;
  private readonly link: BrokerLink;
  /** The fetch round in flight, if any. */
  private fetching: Promise<void> | null = null;
  /** A failure of a fetch round that finished after its poll returned: raised by the next poll. */
  private fetchError: EddyError | null = null;
  /** After a leader moved, no new fetch round before this time (the metadata needs a moment). */
  private fetchNotBefore = 0;

  constructor(remote: ResolvedRemoteEddyOptions, private readonly options: ResolvedConsumerOptions<unknown, unknown>, private readonly host: ConsumerBackendHost) {
    const cooperative = options.partitionAssignors.find((a) => a.protocol === 'cooperative');
    if (cooperative !== undefined) {
      throw invalidConsumerOption('partitionAssignors', cooperative.name, 'names a cooperative assignor; Eddy.connect consumers rebalance eagerly (use range or roundrobin)');
    }
    // A JoinGroup waits on the broker up to the rebalance timeout (maxPollIntervalMs): the requests
    // of this consumer may take that long.
    const requestTimeoutMs = Math.max(remote.requestTimeoutMs, options.maxPollIntervalMs + 5_000);
    this.link = new BrokerLink({
      clientId: options.clientId === 'eddy-consumer' ? remote.clientId : options.clientId,
      bootstrapBrokers: remote.brokers,
      connection: connectionOptions(remote, requestTimeoutMs),
      metadataMaxAgeMs: remote.metadataMaxAgeMs,
    });
    this.coordinator = options.groupId === undefined ? null : new RemoteGroupCoordinator(this.link, options.groupId);
  }

  partition(topic: string, partition: number): WirePartition {
    return new WirePartition(topic, partition);
  }

  seek(state: WirePartition, target: SeekTarget): void {
    state.seekLazily(target);
  }

  async position(state: WirePartition): Promise<number> {
    await this.resolvePositions([state]);
    return state.position!;
  }

  async currentLag(state: WirePartition): Promise<number> {
    await this.resolvePositions([state]);
    const end = (await listOffsets(this.link, [{ topic: state.topic, partition: state.partition, timestamp: LATEST }], this.options.isolationLevel)).get(tpKey(state)) ?? 0;
    return Math.max(0, end - state.position!);
  }

  /** Raises the failure of a round that ended after its poll; looks up pending seeks and missing positions. */
  prepare(states: readonly WirePartition[]): Promise<void> | undefined {
    if (this.fetchError !== null) {
      const err = this.fetchError;
      this.fetchError = null;
      throw err;
    }
    return states.some(needsLookup) ? this.resolvePositions(states) : undefined;
  }

  /** Records arrive from fetch rounds in the background; a partition that stopped raises its error. */
  fill(state: WirePartition): void {
    if (state.error !== null) throw state.error;
  }

  /** Starts a fetch round unless one is in flight or the time is up (a poll whose time ran out still makes one round, so timeoutMs 0 fetches). */
  fetch(states: readonly WirePartition[], remainingMs: number, fetchedThisPoll: boolean): FetchStep {
    const canFetch = states.some((s) => s.fetchable);
    const now = Date.now();
    const backingOff = now < this.fetchNotBefore;
    if (remainingMs <= 0 && (fetchedThisPoll || !canFetch || this.fetching !== null)) return 'stop';
    if (this.fetching === null && canFetch && !backingOff) {
      this.startFetch(states, Math.min(remainingMs, FETCH_MAX_WAIT_MS));
      return 'fetching';
    }
    if (backingOff && this.fetching === null) setTimeout(() => this.host.wake(), this.fetchNotBefore - now).unref();
    return 'wait';
  }

  stop(): void {
    // A round in flight ends on its own (within fetch.max.wait.ms); close() waits for it.
  }

  async close(): Promise<void> {
    await this.fetching?.catch(() => undefined);
    await this.link.close();
  }

  /** Looks up the offsets of pending seeks and missing positions (autoOffsetReset), in two ListOffsets rounds at most. */
  private async resolvePositions(states: readonly WirePartition[]): Promise<void> {
    const todo = states.filter(needsLookup);
    if (todo.length === 0) return;
    const epochs = new Map(todo.map((s) => [s, s.epoch]));
    const queries: OffsetQuery[] = [];
    for (const s of todo) {
      let seek = s.pendingSeek;
      if (seek === null) {
        if (this.options.autoOffsetReset === 'none') throw noPositionError(s);
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
      if (!this.host.isSubscribed() || (!isEddyError(err, 'ERR_TOPIC_NOT_FOUND') && !isEddyError(err, 'ERR_PARTITION_NOT_FOUND')) || typeof topic !== 'string') throw err;
      this.host.dropPartitions(todo.filter((s) => s.topic === topic));
      return;
    }
    // A timestamp after every record (or, with read_committed, at or past the LSO) means the end.
    const ends = queries.filter((q) => found.get(tpKey(q)) === null).map((q) => ({ topic: q.topic, partition: q.partition, timestamp: LATEST }));
    const endOffsets = ends.length === 0 ? new Map<string, number | null>() : await listOffsets(this.link, ends, this.options.isolationLevel);
    for (const s of todo) {
      if (s.epoch !== epochs.get(s) || !this.host.isAssigned(s)) continue;
      s.moveTo(found.get(tpKey(s)) ?? endOffsets.get(tpKey(s)) ?? 0);
    }
  }

  private startFetch(states: readonly WirePartition[], maxWaitMs: number): void {
    this.fetching = this.fetchRound(states.filter((s) => s.fetchable), maxWaitMs)
      .catch((err: unknown) => {
        this.fetchError = toEddyError(err);
      })
      .finally(() => {
        this.fetching = null;
        this.host.wake();
      });
  }

  /** One Fetch per leader of the partitions; applies what comes back. */
  private async fetchRound(targets: readonly WirePartition[], maxWaitMs: number): Promise<void> {
    if (targets.length === 0) return;
    const metadata = await this.topicsOrDrop(targets);
    const api = await this.link.api<unknown[], FetchResponse>('Fetch');
    const byId = api.version >= 13;
    const byLeader = new Map<number, FetchSlot[]>();
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
  private async topicsOrDrop(targets: readonly WirePartition[]): Promise<TopicLeaders> {
    const out: TopicLeaders = new Map();
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
  private partitionGone(state: WirePartition, err: EddyError): void {
    if (this.host.isSubscribed()) this.host.dropPartitions([{ topic: state.topic, partition: state.partition }]);
    else state.error = err;
  }

  private applyFetched(slot: FetchSlot, p: FetchedPartition): void {
    const { state } = slot;
    // Dropped if the partition was reassigned, sought or read meanwhile.
    if (!this.host.isAssigned(state) || state.epoch !== slot.epoch || state.position !== slot.fetchOffset || !state.fetchable) return;
    if (p.errorCode !== 0) {
      const context = { topic: state.topic, partition: state.partition, offset: slot.fetchOffset };
      if (p.errorCode === OFFSET_OUT_OF_RANGE && this.options.autoOffsetReset !== 'none') {
        state.seekLazily(this.options.autoOffsetReset);
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
      state.skipTo(Math.max(slot.fetchOffset, decoded.nextOffset));
    }
  }
}

/** A pending seek or a missing position: a ListOffsets lookup before the partition can be fetched. */
function needsLookup(state: WirePartition): boolean {
  return state.pendingSeek !== null || state.position === null;
}
