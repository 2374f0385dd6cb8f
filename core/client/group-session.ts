/**
 * A consumer's side of its group: membership (through GroupMember), the rebalance work that runs
 * inside poll() — lost partitions, revoke and assign listeners, committed-offset lookup, rejoining —
 * and the offsets it commits.
 *
 * Offsets: `consumed` is, per partition, the offset after the last record handed to the
 * application; `processed` the offset after the last record the application has finished with (it
 * asked for the next one). commit() without arguments commits `consumed`; autoCommit in at-least-once
 * mode only ever commits `processed`, so it is never ahead of the application.
 */
import { EddyError, isEddyError } from '../errors.js';
import { tpKey } from '../group/assignors/assignor.js';
import type { GroupCoordinator } from '../group/group-coordinator.js';
import { GroupMember, type GroupMetadataAccess } from '../group/group-member.js';
import type { ResolvedConsumerOptions } from './consumer-options.js';
import type { LogAccess, PartitionLogAccess } from './log-access.js';
import type { CommittedOffsetInfo, RebalanceListener, TopicPartition, TopicPartitionOffset } from './types.js';

/** What a consumer in a group needs from its Eddy: the coordinator and topic metadata. */
export interface ConsumerGroupContext {
  coordinator: GroupCoordinator;
  metadata: GroupMetadataAccess;
}

/** What the session needs from its consumer. */
export interface GroupSessionHost {
  readonly log: LogAccess;
  isClosed(): boolean;
  setAssignment(tps: readonly TopicPartition[]): void;
  isAssigned(tp: TopicPartition): boolean;
  /** The log the consumer reads a partition from (undefined when not assigned). */
  readingLog(tp: TopicPartition): PartitionLogAccess | undefined;
  /** Positions a newly assigned partition at its committed offset; null: none committed. */
  startAt(tp: TopicPartition, offset: number | null): void;
  wake(): void;
}

type CommitOffset = TopicPartitionOffset & { metadata?: string };

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

  constructor(
    private readonly host: GroupSessionHost,
    private readonly options: ResolvedConsumerOptions<unknown, unknown>,
    private readonly context: ConsumerGroupContext | null,
  ) {}

  get groupId(): string {
    const groupId = this.options.groupId;
    if (groupId === undefined) throw new EddyError('ERR_CONSUMER_NO_GROUP', 'This call needs a consumer created with a groupId');
    return groupId;
  }

  private get coordinator(): GroupCoordinator {
    if (this.context === null) throw new EddyError('ERR_CONSUMER_NO_GROUP', 'This consumer was not created by an Eddy instance with a group coordinator');
    return this.context.coordinator;
  }

  /** Joins (or changes the subscription of) the group. */
  subscribe(topics: string[] | RegExp, listener: RebalanceListener): void {
    const groupId = this.groupId;
    this.listener = listener;
    if (this.member !== null) {
      this.member.setSubscription(topics);
      return;
    }
    const coordinator = this.coordinator;
    const o = this.options;
    this.member = new GroupMember(coordinator, this.host.log.clock, (this.context as ConsumerGroupContext).metadata, {
      groupId,
      groupInstanceId: o.groupInstanceId ?? null,
      clientId: o.clientId,
      sessionTimeoutMs: o.sessionTimeoutMs,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      maxPollIntervalMs: o.maxPollIntervalMs,
      assignors: o.partitionAssignors,
    }, topics, () => this.host.wake());
    this.nextAutoCommitAt = this.host.log.clock.now() + o.autoCommitIntervalMs;
  }

  membership(): { memberId: string; generationId: number } | null {
    const m = this.member;
    return m === null || m.memberId === '' ? null : { memberId: m.memberId, generationId: m.generationId };
  }

  /** Commits `offsets`, or what was handed out on the assigned partitions. */
  commit(offsets?: readonly CommitOffset[]): Promise<void> {
    const groupId = this.groupId;
    const list = offsets ?? [...this.consumed.values()].filter((o) => this.host.isAssigned(o));
    return this.commitOffsets(groupId, list);
  }

  committed(partitions: readonly TopicPartition[]): CommittedOffsetInfo[] {
    const groupId = this.groupId;
    return this.coordinator.offsetFetch({ groupId, partitions: partitions.map(({ topic, partition }) => ({ topic, partition })) }).map((c) => ({
      topic: c.topic,
      partition: c.partition,
      offset: c.offset < 0 ? null : c.offset,
      metadata: c.offset < 0 ? null : c.metadata,
    }));
  }

  private async commitOffsets(groupId: string, offsets: readonly CommitOffset[]): Promise<void> {
    const coordinator = this.coordinator;
    if (offsets.length === 0) return;
    const m = this.member;
    await coordinator.offsetCommit({
      groupId,
      generationId: m === null ? -1 : m.generationId,
      memberId: m === null ? '' : m.memberId,
      offsets: offsets.map(({ topic, partition, offset, metadata }) => ({ topic, partition, offset, metadata: metadata ?? '' })),
    });
  }

  private autoCommitsProcessed(): boolean {
    return this.options.autoCommit && this.options.autoCommitMode === 'at-least-once';
  }

  /** Commits the processed offsets of `only` (default: every assigned partition). */
  private commitProcessed(only?: readonly TopicPartition[]): Promise<void> {
    const keys = only === undefined ? null : new Set(only.map((tp) => tpKey(tp)));
    const list = [...this.processed.entries()].filter(([key, o]) => (keys === null ? this.host.isAssigned(o) : keys.has(key))).map(([, o]) => o);
    return this.commitOffsets(this.groupId, list);
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
    return m.lost || this.joinResult !== null || this.joinError !== null || (m.needsRejoin && this.joining === null);
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
      if (!isEddyError(err) || !err.code.startsWith('ERR_GROUP_') || err.code === 'ERR_GROUP_INCONSISTENT_PROTOCOL') {
        if (!isEddyError(err, 'ERR_LOG_CLOSED')) throw err;
      }
    }
    if (this.joinResult !== null) {
      const assignment = this.joinResult;
      this.joinResult = null;
      await this.applyAssignment(m, assignment);
    }
    if (m.needsRejoin && this.joining === null && !this.host.isClosed()) {
      if (m.rebalanceProtocol === 'eager' && this.owned.length > 0) {
        // Eager protocol: give up everything before rejoining, so no one else can get a partition
        // while this member still consumes it. The listener runs while the partitions are still
        // assigned, so commit() in it covers them.
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

  private async applyAssignment(m: GroupMember, assignment: TopicPartition[]): Promise<void> {
    const next = new Set(assignment.map((tp) => tpKey(tp)));
    const before = new Set(this.owned.map((tp) => tpKey(tp)));
    const revoked = this.owned.filter((tp) => !next.has(tpKey(tp)));
    const added = assignment.filter((tp) => !before.has(tpKey(tp)));
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
    const readable = assignment.filter((tp) => {
      try {
        this.host.log.partitionLog(tp.topic, tp.partition);
        return true;
      } catch {
        return false;
      }
    });
    this.owned = readable;
    this.host.setAssignment(readable);
    const addedReadable = added.filter((tp) => readable.some((r) => r.topic === tp.topic && r.partition === tp.partition));
    if (addedReadable.length > 0 && this.context !== null) {
      const committed = this.context.coordinator.offsetFetch({
        groupId: m.options.groupId,
        memberId: m.memberId,
        generationId: m.generationId,
        partitions: addedReadable,
      });
      for (const c of committed) {
        this.consumed.delete(tpKey(c));
        this.processed.delete(tpKey(c));
        this.host.startAt(c, c.offset >= 0 ? c.offset : null);
      }
    }
    if (addedReadable.length > 0 || m.rebalanceProtocol === 'eager') await this.listener.onPartitionsAssigned?.(addedReadable);
  }

  maybeAutoCommit(): void {
    if (!this.autoCommitsProcessed() || this.member === null) return;
    const now = this.host.log.clock.now();
    if (now < this.nextAutoCommitAt) return;
    this.nextAutoCommitAt = now + this.options.autoCommitIntervalMs;
    // A background commit: a failure (a rebalance meanwhile) is retried by the next one.
    this.commitProcessed().catch(() => undefined);
  }

  /** at-most-once: the offsets after these records are durable before the application sees them. */
  async commitBeforeDelivery(records: ReadonlyArray<{ topic: string; partition: number; offset: number }>): Promise<void> {
    const ends = new Map<string, TopicPartitionOffset>();
    for (const r of records) ends.set(tpKey(r), { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
    await this.commitOffsets(this.groupId, [...ends.values()]);
  }

  /**
   * A member whose subscribed topic was deleted (or deleted and created again) stops reading those
   * partitions and rejoins: the next assignment no longer has them. The application sees no error.
   */
  dropDeletedPartitions(): void {
    const m = this.member;
    if (m === null) return;
    const gone = this.owned.filter((tp) => {
      try {
        return this.host.readingLog(tp) !== this.host.log.partitionLog(tp.topic, tp.partition);
      } catch {
        return true;
      }
    });
    if (gone.length === 0) return;
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
      member.leave();
      this.owned = [];
    }
  }
}
