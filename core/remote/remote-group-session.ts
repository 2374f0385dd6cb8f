/**
 * A remote consumer's side of its group, as core/client/group-session.ts is for the embedded one:
 * membership (RemoteGroupMember), the rebalance work that runs inside poll() — lost partitions,
 * revoke and assign listeners, the committed-offset lookup, rejoining — and the offsets it commits.
 *
 * Offsets: `consumed` is, per partition, the offset after the last record handed to the application;
 * `processed` the offset after the last record the application has finished with (it asked for the
 * next one). commit() without arguments commits `consumed`; autoCommit in at-least-once mode only
 * ever commits `processed`.
 */
import type { CommittedOffsetInfo, RebalanceListener, TopicPartition, TopicPartitionOffset } from '../client/types.js';
import type { ResolvedConsumerOptions } from '../client/consumer-options.js';
import { EddyError, isEddyError } from '../errors.js';
import { tpKey } from '../group/assignors/assignor.js';
import type { BrokerLink } from './broker-link.js';
import { RemoteGroupCoordinator } from './remote-group-coordinator.js';
import { RemoteGroupMember, type Subscription } from './remote-group-member.js';

/** What the session needs from its consumer. */
export interface RemoteSessionHost {
  isClosed(): boolean;
  setAssignment(tps: readonly TopicPartition[]): void;
  isAssigned(tp: TopicPartition): boolean;
  /** Positions a newly assigned partition at its committed offset; null: none committed. */
  startAt(tp: TopicPartition, offset: number | null): void;
  wake(): void;
}

type CommitOffset = TopicPartitionOffset & { metadata?: string };

/** Pause before joining again after a join failed because the broker could not be reached. */
const REJOIN_BACKOFF_MS = 500;

export class RemoteGroupSession {
  member: RemoteGroupMember | null = null;
  private readonly coordinator: RemoteGroupCoordinator | null;
  private listener: RebalanceListener = {};
  owned: TopicPartition[] = [];
  private joining: Promise<void> | null = null;
  private joinResult: TopicPartition[] | null = null;
  private joinError: unknown = null;
  private readonly consumed = new Map<string, TopicPartitionOffset>();
  private readonly processed = new Map<string, TopicPartitionOffset>();
  private nextAutoCommitAt = 0;
  private readonly requireStable: boolean;
  /** After a join failed for a reason other than the group's state, no new one before this time. */
  private rejoinNotBefore = 0;

  constructor(
    private readonly host: RemoteSessionHost,
    private readonly options: ResolvedConsumerOptions<unknown, unknown>,
    private readonly link: BrokerLink,
  ) {
    this.coordinator = options.groupId === undefined ? null : new RemoteGroupCoordinator(link, options.groupId);
    this.requireStable = options.isolationLevel === 'read_committed';
  }

  private get groupCoordinator(): RemoteGroupCoordinator {
    if (this.coordinator === null) throw new EddyError('ERR_CONSUMER_NO_GROUP', 'This call needs a consumer created with a groupId');
    return this.coordinator;
  }

  /** Joins (or changes the subscription of) the group. */
  subscribe(topics: Subscription, listener: RebalanceListener): void {
    const coordinator = this.groupCoordinator;
    this.listener = listener;
    if (this.member !== null) {
      this.member.setSubscription(topics);
      return;
    }
    const o = this.options;
    this.member = new RemoteGroupMember(coordinator, this.link, {
      groupId: coordinator.groupId,
      groupInstanceId: o.groupInstanceId ?? null,
      sessionTimeoutMs: o.sessionTimeoutMs,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      maxPollIntervalMs: o.maxPollIntervalMs,
      assignors: o.partitionAssignors,
    }, topics, () => this.host.wake());
    this.nextAutoCommitAt = Date.now() + o.autoCommitIntervalMs;
  }

  membership(): { memberId: string; generationId: number } | null {
    const m = this.member;
    return m === null || m.memberId === '' ? null : { memberId: m.memberId, generationId: m.generationId };
  }

  /** Commits `offsets`, or what was handed out on the assigned partitions. */
  commit(offsets?: readonly CommitOffset[]): Promise<void> {
    const list = offsets ?? [...this.consumed.values()].filter((o) => this.host.isAssigned(o));
    return this.commitOffsets(list);
  }

  async committed(partitions: readonly TopicPartition[]): Promise<CommittedOffsetInfo[]> {
    const coordinator = this.groupCoordinator;
    if (partitions.length === 0) return [];
    const found = new Map((await coordinator.offsetFetch(partitions, this.requireStable)).map((c) => [tpKey(c), c]));
    return partitions.map(({ topic, partition }) => {
      const c = found.get(tpKey({ topic, partition }));
      return c === undefined || c.offset < 0
        ? { topic, partition, offset: null, metadata: null }
        : { topic, partition, offset: c.offset, metadata: c.metadata };
    });
  }

  private async commitOffsets(offsets: readonly CommitOffset[]): Promise<void> {
    const coordinator = this.groupCoordinator;
    if (offsets.length === 0) return;
    const m = this.member;
    await coordinator.offsetCommit({
      generationId: m === null || m.memberId === '' ? -1 : m.generationId,
      memberId: m === null ? '' : m.memberId,
      groupInstanceId: this.options.groupInstanceId ?? null,
      offsets: offsets.map(({ topic, partition, offset, metadata }) => ({ topic, partition, offset, metadata: metadata ?? '' })),
    });
  }

  private autoCommitsProcessed(): boolean {
    return this.options.autoCommit && this.options.autoCommitMode === 'at-least-once';
  }

  private commitProcessed(only?: readonly TopicPartition[]): Promise<void> {
    const keys = only === undefined ? null : new Set(only.map((tp) => tpKey(tp)));
    const list = [...this.processed.entries()].filter(([key, o]) => (keys === null ? this.host.isAssigned(o) : keys.has(key))).map(([, o]) => o);
    return this.commitOffsets(list);
  }

  noteConsumed(record: { topic: string; partition: number; offset: number }): void {
    this.consumed.set(tpKey(record), { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
  }

  noteProcessed(record: { topic: string; partition: number; offset: number }): void {
    this.processed.set(tpKey(record), { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
  }

  markAllProcessed(): void {
    for (const [key, o] of this.consumed) this.processed.set(key, o);
  }

  needsAttention(): boolean {
    const m = this.member;
    if (m === null) return false;
    return m.lost || this.joinResult !== null || this.joinError !== null || (m.needsRejoin && this.joining === null && Date.now() >= this.rejoinNotBefore);
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
      // Group errors mean "join again" (the member is already marked for it); a broker that cannot be
      // reached is retried the same way. Anything else is the application's to see.
      const groupState = isEddyError(err) && err.code.startsWith('ERR_GROUP_') && err.code !== 'ERR_GROUP_INCONSISTENT_PROTOCOL';
      if (!groupState && !(isEddyError(err) && err.retriable)) throw err;
      if (!groupState) {
        // The broker could not be reached: try again after a pause, not in a tight loop.
        this.rejoinNotBefore = Date.now() + REJOIN_BACKOFF_MS;
        setTimeout(() => this.host.wake(), REJOIN_BACKOFF_MS).unref();
      }
    }
    if (this.joinResult !== null) await this.applyAssignment(this.joinResult);
    if (m.needsRejoin && this.joining === null && !this.host.isClosed() && Date.now() >= this.rejoinNotBefore) {
      if (this.owned.length > 0) {
        // Eager protocol: give up everything before rejoining; the listener runs while the
        // partitions are still assigned (and the generation current), so commit() in it works.
        const revoked = this.owned;
        try {
          if (this.autoCommitsProcessed()) await this.commitProcessed(revoked).catch(() => undefined);
          await this.listener.onPartitionsRevoked?.(revoked);
        } finally {
          this.dropOwned();
        }
      }
      const joining = m.joinAndSync().then(
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
   * partitions at autoOffsetReset).
   */
  private async applyAssignment(assignment: TopicPartition[]): Promise<void> {
    const m = this.member!;
    const before = new Set(this.owned.map((tp) => tpKey(tp)));
    const added = assignment.filter((tp) => !before.has(tpKey(tp)));
    const committed = added.length > 0 ? await this.groupCoordinator.offsetFetch(added, this.requireStable) : [];
    this.joinResult = null;
    this.owned = assignment;
    this.host.setAssignment(assignment);
    const found = new Map(committed.map((c) => [tpKey(c), c.offset]));
    for (const tp of added) {
      this.consumed.delete(tpKey(tp));
      this.processed.delete(tpKey(tp));
      const offset = found.get(tpKey(tp)) ?? -1;
      this.host.startAt(tp, offset >= 0 ? offset : null);
    }
    if (added.length > 0 || m.rebalanceProtocol === 'eager') await this.listener.onPartitionsAssigned?.(added);
  }

  maybeAutoCommit(): void {
    if (!this.autoCommitsProcessed() || this.member === null) return;
    const now = Date.now();
    if (now < this.nextAutoCommitAt) return;
    this.nextAutoCommitAt = now + this.options.autoCommitIntervalMs;
    // A background commit: a failure (a rebalance meanwhile) is retried by the next one.
    this.commitProcessed().catch(() => undefined);
  }

  /** at-most-once: the offsets after these records are committed before the application sees them. */
  async commitBeforeDelivery(records: ReadonlyArray<{ topic: string; partition: number; offset: number }>): Promise<void> {
    const ends = new Map<string, TopicPartitionOffset>();
    for (const r of records) ends.set(tpKey(r), { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
    await this.commitOffsets([...ends.values()]);
  }

  /** Partitions whose topic is gone: dropped from the assignment, and the member rejoins (the next assignment no longer has them). */
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
