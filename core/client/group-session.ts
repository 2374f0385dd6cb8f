/**
 * A consumer's side of its group, on either backend: membership (core/group/group-member.ts), the
 * rebalance work that runs inside poll() — lost partitions, revoke and assign listeners, the
 * committed-offset lookup, rejoining — and the offsets it commits, through the backend's
 * GroupChannel and on the backend's clock.
 *
 * Offsets: `consumed` is, per partition, the offset after the last record handed to the
 * application; `processed` the offset after the last record the application has finished with (it
 * asked for the next one). commit() without arguments commits `consumed`; autoCommit in at-least-once
 * mode only ever commits `processed`, so it is never ahead of the application.
 *
 * A join that fails because of the group's state (a rebalance, a fenced member) is simply joined
 * again; one that fails because the coordinator could not be reached (a retriable error) is joined
 * again after REJOIN_BACKOFF_MS; anything else is raised by the poll that finds it.
 */
import type { Clock } from '../clock.js';
import { EddyError, isEddyError } from '../errors.js';
import { tpKey } from '../group/assignors/assignor.js';
import { type FetchedOffset, type GroupChannel, GroupMember, type Subscription } from '../group/group-member.js';
import type { ResolvedConsumerOptions } from './consumer-options.js';
import type { CommittedOffsetInfo, RebalanceListener, TopicPartition, TopicPartitionOffset } from './types.js';

/** What the session needs from its consumer. */
export interface GroupSessionHost {
  isClosed(): boolean;
  /** Replaces the assignment; returns what was assigned (partitions that cannot be read are left out). */
  setAssignment(tps: readonly TopicPartition[]): TopicPartition[];
  isAssigned(tp: TopicPartition): boolean;
  /** `o` moved past transaction markers and aborted batches that follow it (see PartitionState.committable). */
  committable<T extends TopicPartitionOffset>(o: T): T;
  /** Positions a newly assigned partition at its committed offset; null: none committed. */
  startAt(tp: TopicPartition, offset: number | null): void;
  wake(): void;
}

type CommitOffset = TopicPartitionOffset & { metadata?: string };

/** Pause before joining again after a join failed for a reason other than the group's state. */
const REJOIN_BACKOFF_MS = 500;

/** An error that only says the member must join again (it is already marked for it). */
function isGroupState(err: unknown): boolean {
  return isEddyError(err) && err.code.startsWith('ERR_GROUP_') && err.code !== 'ERR_GROUP_INCONSISTENT_PROTOCOL';
}

export class GroupSession {
  member: GroupMember | null = null;
  private listener: RebalanceListener = {};
  /** The group's assignment to this member, as last applied. */
  owned: TopicPartition[] = [];
  /** Join/sync in flight, and its outcome waiting to be applied inside poll. */
  private joining: Promise<void> | null = null;
  private joinResult: TopicPartition[] | null = null;
  private joinError: unknown = null;
  private readonly consumed = new Map<string, TopicPartitionOffset>();
  private readonly processed = new Map<string, TopicPartitionOffset>();
  private nextAutoCommitAt = 0;
  /** After a join failed for a reason other than the group's state, no new one before this time. */
  private rejoinNotBefore = 0;
  /** read_committed: committed offsets an open transaction holds are waited for (KIP-447). */
  private readonly requireStable: boolean;

  constructor(
    private readonly host: GroupSessionHost,
    private readonly options: ResolvedConsumerOptions<unknown, unknown>,
    private readonly coordinator: GroupChannel | null,
    private readonly clock: Clock,
  ) {
    this.requireStable = options.isolationLevel === 'read_committed';
  }

  private get channel(): GroupChannel {
    if (this.options.groupId === undefined) throw new EddyError('ERR_CONSUMER_NO_GROUP', 'This call needs a consumer created with a groupId');
    if (this.coordinator === null) throw new EddyError('ERR_CONSUMER_NO_GROUP', 'This consumer was not created by an Eddy instance with a group coordinator');
    return this.coordinator;
  }

  /** Joins (or changes the subscription of) the group. */
  subscribe(topics: Subscription, listener: RebalanceListener): void {
    const channel = this.channel;
    this.listener = listener;
    if (this.member !== null) {
      this.member.setSubscription(topics);
      return;
    }
    const o = this.options;
    this.member = new GroupMember(channel, this.clock, {
      groupInstanceId: o.groupInstanceId ?? null,
      clientId: o.clientId,
      sessionTimeoutMs: o.sessionTimeoutMs,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      maxPollIntervalMs: o.maxPollIntervalMs,
      assignors: o.partitionAssignors,
    }, topics, () => this.host.wake());
    this.nextAutoCommitAt = this.clock.now() + o.autoCommitIntervalMs;
  }

  membership(): { memberId: string; generationId: number } | null {
    const m = this.member;
    return m === null || m.memberId === '' ? null : { memberId: m.memberId, generationId: m.generationId };
  }

  /** Commits `offsets`, or what was handed out on the assigned partitions. */
  commit(offsets?: readonly CommitOffset[]): Promise<void> {
    const list = offsets ?? [...this.consumed.values()].filter((o) => this.host.isAssigned(o)).map((o) => this.host.committable(o));
    return this.commitOffsets(list);
  }

  async committed(partitions: readonly TopicPartition[]): Promise<CommittedOffsetInfo[]> {
    const channel = this.channel;
    if (partitions.length === 0) return [];
    const found = new Map((await channel.offsetFetch(partitions, null, this.requireStable)).map((c) => [tpKey(c), c]));
    return partitions.map(({ topic, partition }) => {
      const c = found.get(tpKey({ topic, partition }));
      return c === undefined || c.offset < 0
        ? { topic, partition, offset: null, metadata: null }
        : { topic, partition, offset: c.offset, metadata: c.metadata };
    });
  }

  private async commitOffsets(offsets: readonly CommitOffset[]): Promise<void> {
    const channel = this.channel;
    if (offsets.length === 0) return;
    const m = this.member;
    await channel.offsetCommit({
      generationId: m === null || m.memberId === '' ? -1 : m.generationId,
      memberId: m === null ? '' : m.memberId,
      groupInstanceId: this.options.groupInstanceId ?? null,
      offsets: offsets.map(({ topic, partition, offset, metadata }) => ({ topic, partition, offset, metadata: metadata ?? '' })),
    });
  }

  private autoCommitsProcessed(): boolean {
    return this.options.autoCommit && this.options.autoCommitMode === 'at-least-once';
  }

  /** Commits the processed offsets of `only` (default: every assigned partition). */
  private commitProcessed(only?: readonly TopicPartition[]): Promise<void> {
    const keys = only === undefined ? null : new Set(only.map((tp) => tpKey(tp)));
    const list = [...this.processed.entries()].filter(([key, o]) => (keys === null ? this.host.isAssigned(o) : keys.has(key))).map(([, o]) => this.host.committable(o));
    return this.commitOffsets(list);
  }

  noteConsumed(record: { topic: string; partition: number; offset: number }): void {
    this.consumed.set(tpKey(record), { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
  }

  noteProcessed(record: { topic: string; partition: number; offset: number }): void {
    this.processed.set(tpKey(record), { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
  }

  /** Everything handed out before this poll counts as processed. */
  markAllProcessed(): void {
    for (const [key, o] of this.consumed) this.processed.set(key, o);
  }

  /** Rebalance work is waiting for the next poll. */
  needsAttention(): boolean {
    const m = this.member;
    if (m === null) return false;
    return m.lost || this.joinResult !== null || this.joinError !== null || (m.needsRejoin && this.joining === null && this.clock.now() >= this.rejoinNotBefore);
  }

  /** The rebalance work, run inside poll: lost partitions, applying a finished join, starting a join. */
  async step(): Promise<void> {
    const m = this.member;
    if (m === null) return;
    if (m.lost) {
      m.lost = false;
      const lost = this.owned;
      this.dropOwned();
      if (lost.length > 0) await this.listener.onPartitionsLost?.(lost);
    }
    if (this.joinError !== null) {
      const err = this.joinError;
      this.joinError = null;
      if (!isGroupState(err)) {
        // A coordinator that could not be reached (or a log closing under the member) is tried again
        // after a pause, not in a tight loop; anything else is the application's to see.
        if (!isEddyError(err) || !(err.retriable || err.code === 'ERR_LOG_CLOSED')) throw err;
        this.rejoinNotBefore = this.clock.now() + REJOIN_BACKOFF_MS;
        this.clock.setTimer(REJOIN_BACKOFF_MS, () => this.host.wake());
      }
    }
    if (this.joinResult !== null) await this.applyAssignment(m, this.joinResult);
    if (m.needsRejoin && this.joining === null && !this.host.isClosed() && this.clock.now() >= this.rejoinNotBefore) {
      if (m.rebalanceProtocol === 'eager' && this.owned.length > 0) {
        // Eager protocol: give up everything before rejoining, so no one else can get a partition
        // while this member still consumes it. The listener runs while the partitions are still
        // assigned (and the generation current), so commit() in it covers them.
        const revoked = this.owned;
        try {
          if (this.autoCommitsProcessed()) await this.commitProcessed(revoked).catch(() => undefined);
          await this.listener.onPartitionsRevoked?.(revoked);
        } finally {
          this.dropOwned();
        }
      }
      const joining = m.joinAndSync(this.owned).then(
        (assignment) => { this.joinResult = assignment; },
        (err: unknown) => { this.joinError = err; },
      );
      this.joining = joining.finally(() => {
        this.joining = null;
        this.host.wake();
      });
    }
  }

  private dropOwned(): void {
    this.owned = [];
    this.host.setAssignment([]);
  }

  /**
   * Takes the assignment of a finished join. The committed offsets of new partitions are looked up
   * first: if that fails, nothing changes and the next poll tries again (rather than starting the
   * partitions at autoOffsetReset); if it fails because the generation is over, the assignment is
   * dropped and the member rejoins.
   */
  private async applyAssignment(m: GroupMember, assignment: TopicPartition[]): Promise<void> {
    const next = new Set(assignment.map((tp) => tpKey(tp)));
    const before = new Set(this.owned.map((tp) => tpKey(tp)));
    const added = assignment.filter((tp) => !before.has(tpKey(tp)));
    let committed: FetchedOffset[] = [];
    try {
      if (added.length > 0) committed = await this.channel.offsetFetch(added, { memberId: m.memberId, generationId: m.generationId }, this.requireStable);
    } catch (err) {
      if (!isGroupState(err)) throw err;
      this.joinResult = null;
      m.requestRejoin();
      return;
    }
    this.joinResult = null;
    const revoked = this.owned.filter((tp) => !next.has(tpKey(tp)));
    if (revoked.length > 0) {
      try {
        if (this.autoCommitsProcessed()) await this.commitProcessed(revoked).catch(() => undefined);
        await this.listener.onPartitionsRevoked?.(revoked);
      } finally {
        this.owned = this.owned.filter((tp) => next.has(tpKey(tp)));
        this.host.setAssignment(this.owned);
        // Cooperative protocol: the revoked partitions go to their new owner in a second round.
        if (m.rebalanceProtocol === 'cooperative') m.requestRejoin();
      }
    }
    // Partitions that cannot be read (a topic deleted since the assignment) are left out.
    this.owned = this.host.setAssignment(assignment);
    const owned = new Set(this.owned.map((tp) => tpKey(tp)));
    const found = new Map(committed.map((c) => [tpKey(c), c.offset]));
    const addedOwned = added.filter((tp) => owned.has(tpKey(tp)));
    for (const tp of addedOwned) {
      this.consumed.delete(tpKey(tp));
      this.processed.delete(tpKey(tp));
      const offset = found.get(tpKey(tp)) ?? -1;
      this.host.startAt(tp, offset >= 0 ? offset : null);
    }
    if (addedOwned.length > 0 || m.rebalanceProtocol === 'eager') await this.listener.onPartitionsAssigned?.(addedOwned);
  }

  maybeAutoCommit(): void {
    if (!this.autoCommitsProcessed() || this.member === null) return;
    const now = this.clock.now();
    if (now < this.nextAutoCommitAt) return;
    this.nextAutoCommitAt = now + this.options.autoCommitIntervalMs;
    // A background commit: a failure (a rebalance meanwhile) is retried by the next one.
    this.commitProcessed().catch(() => undefined);
  }

  /** at-most-once: the offsets after these records are committed before the application sees them. */
  async commitBeforeDelivery(records: ReadonlyArray<{ topic: string; partition: number; offset: number }>): Promise<void> {
    const ends = new Map<string, TopicPartitionOffset>();
    for (const r of records) ends.set(tpKey(r), { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
    await this.commitOffsets([...ends.values()].map((o) => this.host.committable(o)));
  }

  /**
   * A member whose subscribed topic was deleted (or deleted and created again) stops reading those
   * partitions and rejoins: the next assignment no longer has them. The application sees no error.
   */
  dropPartitions(gone: readonly TopicPartition[]): void {
    const m = this.member;
    if (m === null || gone.length === 0) return;
    const goneKeys = new Set(gone.map((tp) => tpKey(tp)));
    this.owned = this.owned.filter((tp) => !goneKeys.has(tpKey(tp)));
    this.host.setAssignment(this.owned);
    m.requestRejoin();
  }

  /** On close: commit what was processed (autoCommit), run onPartitionsRevoked, leave the group. */
  async close(): Promise<void> {
    const member = this.member;
    if (member === null) return;
    try {
      if (this.owned.length > 0 && member.memberId !== '' && !member.lost) {
        if (this.autoCommitsProcessed()) await this.commitProcessed().catch(() => undefined);
        await this.listener.onPartitionsRevoked?.([...this.owned]);
      }
    } finally {
      await member.leave();
      this.owned = [];
    }
  }
}
