/**
 * A remote consumer's side of the classic group protocol, as core/group/group-member.ts is for the
 * embedded one, with the coordinator across the network: joins, runs the assignor when it is the
 * leader, syncs, heartbeats every `heartbeatIntervalMs`, and tells the consumer when it must rejoin or
 * has lost its partitions. Rebalance work itself (listeners, rejoining) is started by the consumer
 * inside poll(), never by this class.
 *
 * - No heartbeat is sent while a join or sync is in flight (the coordinator keeps such a member).
 * - `maxPollIntervalMs`: when the application has not been inside poll() for that long, the next tick
 *   leaves the group instead of heartbeating (as Kafka's heartbeat thread does); the partitions are
 *   lost and the next poll rejoins.
 * - Each tick also re-reads metadata: a pattern subscription that now matches other topics, or (on
 *   the leader) a subscribed topic whose partition count changed, makes the member rejoin.
 * - Only eager rebalancing: every partition is given up before a rejoin. Cooperative assignors are
 *   refused when the consumer is created.
 * - Time is the system clock (the coordinator's session timeout runs on the broker's clock anyway).
 */
import type { TopicPartition } from '../client/types.js';
import { isEddyError } from '../errors.js';
import type { AssignorMember, PartitionAssignor } from '../group/assignors/assignor.js';
import type { BrokerLink } from './broker-link.js';
import type { RemoteGroupCoordinator } from './remote-group-coordinator.js';

export interface RemoteGroupMemberOptions {
  groupId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  assignors: readonly PartitionAssignor[];
}

export type Subscription = readonly string[] | RegExp;

/** A RegExp that must match a whole topic name, as Kafka's Pattern.matches does. */
function wholeName(pattern: RegExp): RegExp {
  return new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ''));
}

export class RemoteGroupMember {
  memberId = '';
  generationId = -1;
  needsRejoin = true;
  lost = false;
  readonly rebalanceProtocol = 'eager' as const;
  private joining = false;
  private heartbeatTimer: ReturnType<typeof setTimeout> | null = null;
  private inPoll = 0;
  private lastPoll = Date.now();
  private joinedTopics: string[] = [];
  private assignedCounts: Map<string, number> | null = null;
  private stopped = false;

  constructor(
    private readonly coordinator: RemoteGroupCoordinator,
    private readonly link: BrokerLink,
    readonly options: RemoteGroupMemberOptions,
    private subscription: Subscription,
    private readonly onAttention: () => void,
  ) {}

  setSubscription(subscription: Subscription): void {
    this.subscription = subscription;
    this.requestRejoin();
  }

  /** The subscribed topics: a name list as given (names that do not exist yet included), a pattern's matches now. */
  async subscribedTopics(): Promise<string[]> {
    const sub = this.subscription;
    if (Array.isArray(sub)) return [...new Set(sub as string[])].sort();
    const re = wholeName(sub as RegExp);
    const topics = await this.link.allTopics();
    return topics.filter((t) => !t.internal && !t.name.startsWith('__') && re.test(t.name)).map((t) => t.name).sort();
  }

  /** The poll rule is checked here too: a poll after the interval ran out drops (loses) the partitions and rejoins first. */
  pollStarted(): void {
    if (this.inPoll === 0 && !this.joining && this.memberId !== '' && Date.now() - this.lastPoll > this.options.maxPollIntervalMs) {
      this.leaveQuietly();
      this.lost = true;
      this.requestRejoin();
    }
    this.inPoll++;
    this.lastPoll = Date.now();
  }

  pollEnded(): void {
    this.inPoll--;
    this.lastPoll = Date.now();
  }

  requestRejoin(): void {
    this.needsRejoin = true;
    this.onAttention();
  }

  /** JoinGroup, the leader's assignment, SyncGroup. Resolves with this member's partitions. */
  async joinAndSync(): Promise<TopicPartition[]> {
    this.joining = true;
    this.needsRejoin = false;
    const o = this.options;
    try {
      const topics = await this.subscribedTopics();
      let join;
      try {
        join = await this.coordinator.joinGroup({
          memberId: this.memberId,
          groupInstanceId: o.groupInstanceId,
          sessionTimeoutMs: o.sessionTimeoutMs,
          rebalanceTimeoutMs: o.maxPollIntervalMs,
          protocols: o.assignors.map((a) => ({ name: a.name, topics })),
        });
      } catch (err) {
        if (isEddyError(err, 'ERR_GROUP_UNKNOWN_MEMBER') || isEddyError(err, 'ERR_GROUP_FENCED_INSTANCE_ID')) this.resetMemberId();
        throw err;
      }
      this.memberId = join.memberId;
      this.generationId = join.generationId;
      this.joinedTopics = topics;
      const assignments: Array<{ memberId: string; assignment: TopicPartition[] }> = [];
      if (join.leader === join.memberId && !join.skipAssignment) {
        const assignor = o.assignors.find((a) => a.name === join.protocolName);
        if (assignor === undefined) throw new Error(`The group chose assignor ${join.protocolName}, which this member does not have`);
        const counts = await this.link.partitionCounts(join.members.flatMap((m) => m.topics));
        const members: AssignorMember[] = join.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: m.topics, ownedPartitions: m.ownedPartitions }));
        for (const [memberId, assignment] of assignor.assign(members, counts)) assignments.push({ memberId, assignment });
        this.assignedCounts = counts;
      } else {
        this.assignedCounts = null;
      }
      let assignment;
      try {
        assignment = await this.coordinator.syncGroup({ generationId: join.generationId, memberId: join.memberId, groupInstanceId: o.groupInstanceId, protocolName: join.protocolName, assignments });
      } catch (err) {
        if (isEddyError(err, 'ERR_GROUP_UNKNOWN_MEMBER') || isEddyError(err, 'ERR_GROUP_FENCED_INSTANCE_ID')) this.resetMemberId();
        throw err;
      }
      this.startHeartbeats();
      return assignment;
    } catch (err) {
      this.needsRejoin = true;
      throw err;
    } finally {
      this.joining = false;
    }
  }

  private resetMemberId(): void {
    this.memberId = '';
    this.generationId = -1;
  }

  private startHeartbeats(): void {
    if (this.heartbeatTimer !== null || this.stopped) return;
    const tick = (): void => {
      this.heartbeatTimer = null;
      if (this.stopped) return;
      this.heartbeatTick().finally(() => {
        if (!this.stopped && this.heartbeatTimer === null) {
          this.heartbeatTimer = setTimeout(tick, this.options.heartbeatIntervalMs);
          this.heartbeatTimer.unref();
        }
      });
    };
    this.heartbeatTimer = setTimeout(tick, this.options.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeatTick(): Promise<void> {
    if (this.joining || this.memberId === '') return;
    if (this.inPoll === 0 && Date.now() - this.lastPoll > this.options.maxPollIntervalMs) {
      // Kafka's rule: a member that stopped polling leaves, so the group can move on without it.
      this.leaveQuietly();
      this.lost = true;
      this.requestRejoin();
      return;
    }
    const generationId = this.generationId;
    try {
      await this.coordinator.heartbeat({ generationId, memberId: this.memberId, groupInstanceId: this.options.groupInstanceId });
    } catch (err) {
      // An answer about an older generation (a join finished meanwhile) says nothing about this one.
      if (this.joining || generationId !== this.generationId) return;
      if (isEddyError(err, 'ERR_GROUP_REBALANCE_IN_PROGRESS')) {
        this.requestRejoin();
      } else if (isEddyError(err, 'ERR_GROUP_ILLEGAL_GENERATION')) {
        this.lost = true;
        this.requestRejoin();
      } else if (isEddyError(err, 'ERR_GROUP_UNKNOWN_MEMBER') || isEddyError(err, 'ERR_GROUP_FENCED_INSTANCE_ID')) {
        this.resetMemberId();
        this.lost = true;
        this.requestRejoin();
      }
      // Anything else (the broker unreachable for a moment) is tried again on the next tick; the
      // coordinator's session timeout decides whether the member is still in the group.
      return;
    }
    try {
      if (await this.metadataChanged()) this.requestRejoin();
    } catch {
      // Metadata is checked again on the next tick.
    }
  }

  private async metadataChanged(): Promise<boolean> {
    if (!(this.subscription instanceof RegExp) && this.assignedCounts === null) return false;
    const topics = await this.subscribedTopics();
    if (topics.length !== this.joinedTopics.length || topics.some((t, i) => t !== this.joinedTopics[i])) return true;
    if (this.assignedCounts !== null) {
      const counts = await this.link.partitionCounts(topics);
      for (const t of topics) if ((counts.get(t) ?? -1) !== (this.assignedCounts.get(t) ?? -1)) return true;
    }
    return false;
  }

  /** Leaves without waiting for the answer (the member is gone for this process either way). */
  private leaveQuietly(): void {
    this.stopHeartbeats();
    if (this.memberId !== '') this.coordinator.leaveGroup(this.memberId, this.options.groupInstanceId).catch(() => undefined);
    this.resetMemberId();
  }

  /** Clean exit: a dynamic member leaves (the group rebalances at once); a static one stays until its session times out. */
  async leave(): Promise<void> {
    this.stopped = true;
    this.stopHeartbeats();
    if (this.options.groupInstanceId === null && this.memberId !== '') {
      const memberId = this.memberId;
      this.resetMemberId();
      await this.coordinator.leaveGroup(memberId, null).catch(() => undefined);
    }
  }

  /** Stops heartbeating without a word to the coordinator. */
  stop(): void {
    this.stopped = true;
    this.stopHeartbeats();
  }
}
