/**
 * The consumer's side of the group protocol (Kafka's ConsumerCoordinator): joins, runs the assignor
 * when it is the leader, syncs, heartbeats on the clock, and tells the consumer when it must rejoin
 * or has lost its partitions. It only talks to the coordinator through its requests (protocol.ts).
 *
 * - Heartbeats go out every `heartbeatIntervalMs` (the next one is scheduled before the current one
 *   is sent, so a jump of a ManualClock sends every heartbeat due on the way). None are sent while a
 *   join or sync is in flight: the coordinator keeps such a member alive.
 * - `maxPollIntervalMs`: if the application has not been inside poll() for that long, the next
 *   heartbeat tick leaves the group instead (as Kafka's heartbeat thread does); the partitions are
 *   then lost, and the next poll rejoins.
 * - Metadata is re-checked on every heartbeat tick: a pattern subscription that now matches other
 *   topics, or (on the leader) a subscribed topic whose partition count changed since the last
 *   assignment, makes the member rejoin, which rebalances the group.
 */
import type { TopicPartition } from '../client/types.js';
import type { Clock, Timer } from '../clock.js';
import { isEddyError } from '../errors.js';
import type { AssignorMember, PartitionAssignor, RebalanceProtocol } from './assignors/assignor.js';
import type { GroupCoordinator } from './group-coordinator.js';

export interface GroupMetadataAccess {
  /** User topic names (internal topics never match a pattern). */
  topicNames(): string[];
  /** Partition count of a topic, or null when it does not exist. */
  partitionCount(topic: string): number | null;
}

export interface GroupMemberOptions {
  groupId: string;
  groupInstanceId: string | null;
  clientId: string;
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

export class GroupMember {
  memberId = '';
  generationId = -1;
  /** The group must be (re)joined before the member can own partitions. */
  needsRejoin = true;
  /** The member was fenced, timed out or left on a poll timeout: what it owned is lost. */
  lost = false;
  readonly rebalanceProtocol: RebalanceProtocol;
  private joining = false;
  private heartbeatTimer: Timer | null = null;
  private inPoll = 0;
  private lastPoll: number;
  private joinedTopics: string[] = [];
  /** Partition counts the leader assigned from; a change means a new assignment is needed. */
  private assignedCounts: Map<string, number> | null = null;
  private stopped = false;
  private subscription: Subscription;

  constructor(
    private readonly coordinator: GroupCoordinator,
    private readonly clock: Clock,
    private readonly metadata: GroupMetadataAccess,
    readonly options: GroupMemberOptions,
    subscription: Subscription,
    /** Called whenever the consumer should look at the member (rejoin needed, partitions lost). */
    private readonly onAttention: () => void,
  ) {
    this.subscription = subscription;
    this.lastPoll = clock.now();
    this.rebalanceProtocol = options.assignors.every((a) => a.protocol === 'cooperative') ? 'cooperative' : 'eager';
  }

  setSubscription(subscription: Subscription): void {
    this.subscription = subscription;
    this.requestRejoin();
  }

  /** The subscribed topics that exist now (a name list keeps names that do not exist yet). */
  subscribedTopics(): string[] {
    const sub = this.subscription;
    if (Array.isArray(sub)) return [...new Set(sub as string[])].sort();
    const re = wholeName(sub as RegExp);
    return this.metadata.topicNames().filter((t) => re.test(t)).sort();
  }

  pollStarted(): void {
    // The max-poll rule is checked here too, not only on heartbeat ticks: a poll that comes after the
    // interval ran out must not hand out records of partitions the group may already have given to
    // another member. It drops them (lost) and rejoins first.
    if (this.inPoll === 0 && !this.joining && this.memberId !== '' && this.clock.now() - this.lastPoll > this.options.maxPollIntervalMs) {
      this.leaveQuietly();
      this.lost = true;
      this.requestRejoin();
    }
    this.inPoll++;
    this.lastPoll = this.clock.now();
  }

  pollEnded(): void {
    this.inPoll--;
    this.lastPoll = this.clock.now();
  }

  requestRejoin(): void {
    this.needsRejoin = true;
    this.onAttention();
  }

  /** JoinGroup, the leader's assignment, SyncGroup. Resolves with this member's partitions. */
  async joinAndSync(owned: readonly TopicPartition[]): Promise<TopicPartition[]> {
    this.joining = true;
    this.needsRejoin = false;
    try {
      const topics = this.subscribedTopics();
      const ownedPartitions = this.rebalanceProtocol === 'cooperative' ? owned.map(({ topic, partition }) => ({ topic, partition })) : [];
      let join;
      try {
        join = await this.coordinator.joinGroup({
          groupId: this.options.groupId,
          memberId: this.memberId,
          groupInstanceId: this.options.groupInstanceId,
          clientId: this.options.clientId,
          sessionTimeoutMs: this.options.sessionTimeoutMs,
          rebalanceTimeoutMs: this.options.maxPollIntervalMs,
          protocols: this.options.assignors.map((a) => ({ name: a.name, metadata: { topics, ownedPartitions } })),
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
        const assignor = this.options.assignors.find((a) => a.name === join.protocolName);
        if (assignor === undefined) throw new Error(`The group chose assignor ${join.protocolName}, which this member does not have`);
        const counts = new Map<string, number>();
        for (const m of join.members) {
          for (const t of m.metadata.topics) {
            const n = this.metadata.partitionCount(t);
            if (n !== null) counts.set(t, n);
          }
        }
        const members: AssignorMember[] = join.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          topics: m.metadata.topics,
          ownedPartitions: m.metadata.ownedPartitions,
        }));
        for (const [memberId, assignment] of assignor.assign(members, counts)) assignments.push({ memberId, assignment });
        this.assignedCounts = counts;
      } else {
        this.assignedCounts = null;
      }
      let sync;
      try {
        sync = await this.coordinator.syncGroup({ groupId: this.options.groupId, generationId: join.generationId, memberId: join.memberId, assignments });
      } catch (err) {
        if (isEddyError(err, 'ERR_GROUP_UNKNOWN_MEMBER') || isEddyError(err, 'ERR_GROUP_FENCED_INSTANCE_ID')) this.resetMemberId();
        throw err;
      }
      this.startHeartbeats();
      return sync.assignment;
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
      this.heartbeatTimer = this.clock.setTimer(this.options.heartbeatIntervalMs, tick);
      this.heartbeatTick();
    };
    this.heartbeatTimer = this.clock.setTimer(this.options.heartbeatIntervalMs, tick);
  }

  private stopHeartbeats(): void {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
  }

  private heartbeatTick(): void {
    if (this.joining || this.memberId === '') return;
    if (this.inPoll === 0 && this.clock.now() - this.lastPoll > this.options.maxPollIntervalMs) {
      // Kafka's rule: a member that stopped polling leaves, so the group can move on without it.
      this.leaveQuietly();
      this.lost = true;
      this.requestRejoin();
      return;
    }
    try {
      this.coordinator.heartbeat({ groupId: this.options.groupId, generationId: this.generationId, memberId: this.memberId });
    } catch (err) {
      if (isEddyError(err, 'ERR_GROUP_REBALANCE_IN_PROGRESS')) {
        this.requestRejoin();
      } else if (isEddyError(err, 'ERR_GROUP_ILLEGAL_GENERATION')) {
        this.lost = true;
        this.requestRejoin();
      } else if (isEddyError(err, 'ERR_GROUP_UNKNOWN_MEMBER') || isEddyError(err, 'ERR_GROUP_FENCED_INSTANCE_ID')) {
        this.resetMemberId();
        this.lost = true;
        this.requestRejoin();
      } else if (isEddyError(err, 'ERR_LOG_CLOSED')) {
        this.stop();
      }
      return;
    }
    if (this.metadataChanged()) this.requestRejoin();
  }

  private metadataChanged(): boolean {
    const topics = this.subscribedTopics();
    if (topics.length !== this.joinedTopics.length || topics.some((t, i) => t !== this.joinedTopics[i])) return true;
    if (this.assignedCounts !== null) {
      for (const t of topics) {
        const n = this.metadata.partitionCount(t);
        if ((n ?? -1) !== (this.assignedCounts.get(t) ?? -1)) return true;
      }
    }
    return false;
  }

  private leaveQuietly(): void {
    this.stopHeartbeats();
    if (this.memberId !== '') {
      try {
        this.coordinator.leaveGroup({ groupId: this.options.groupId, memberId: this.memberId });
      } catch {
        // Already gone: nothing to leave.
      }
    }
    this.resetMemberId();
  }

  /** Clean exit: a dynamic member leaves (the group rebalances at once); a static one stays until its session times out. */
  leave(): void {
    this.stopped = true;
    if (this.options.groupInstanceId === null) this.leaveQuietly();
    else this.stopHeartbeats();
  }

  /** Stops heartbeating without a word to the coordinator: how a crashed member looks. */
  stop(): void {
    this.stopped = true;
    this.stopHeartbeats();
  }
}
