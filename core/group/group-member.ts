/**
 * The consumer's side of the classic group protocol (Kafka's ConsumerCoordinator): joins, runs the
 * assignor when it is the leader, syncs, heartbeats on the clock, and tells the consumer when it must
 * rejoin or has lost its partitions. Rebalance work itself (listeners, rejoining) is started by the
 * consumer inside poll() (core/client/group-session.ts), never by this class.
 *
 * It reaches the coordinator through a {@link GroupChannel}: the in-process GroupCoordinator of an
 * embedded Eddy (core/client/in-process-group-channel.ts, synchronous where the coordinator is) or
 * one across the network (core/remote/remote-group-coordinator.ts). A synchronous answer is used at
 * once, so on the embedded log a heartbeat and what follows from it happen inside the timer's tick.
 *
 * - Heartbeats go out every `heartbeatIntervalMs` (the next one is scheduled before the current one
 *   is sent, so a jump of a ManualClock sends every heartbeat due on the way; a tick that finds the
 *   previous heartbeat still unanswered sends none). None are sent while a join or sync is in flight:
 *   the coordinator keeps such a member alive.
 * - `maxPollIntervalMs`: if the application has not been inside poll() for that long, the next
 *   heartbeat tick leaves the group instead (as Kafka's heartbeat thread does); the partitions are
 *   then lost, and the next poll rejoins.
 * - Metadata is re-checked after every heartbeat: a pattern subscription that now matches other
 *   topics, or (on the leader) a subscribed topic whose partition count changed since the last
 *   assignment, makes the member rejoin, which rebalances the group.
 * - Cooperative assignors (every assignor cooperative) keep owned partitions across a rejoin and
 *   report them in the subscription; otherwise the protocol is eager.
 */
import type { MaybePromise } from '../client/interfaces.js';
import type { TopicPartition } from '../client/types.js';
import type { Clock, Timer } from '../clock.js';
import { isEddyError } from '../errors.js';
import type { AssignorMember, PartitionAssignor, RebalanceProtocol } from './assignors/assignor.js';

/** Topic metadata as an embedded Eddy gives it to its group members. */
export interface GroupMetadataAccess {
  /** User topic names (internal topics never match a pattern). */
  topicNames(): string[];
  /** Partition count of a topic, or null when it does not exist. */
  partitionCount(topic: string): number | null;
}

export interface MemberJoinRequest {
  /** '' for a member joining for the first time. */
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** One per assignor, with the member's subscription. */
  protocols: Array<{ name: string; topics: string[]; ownedPartitions: TopicPartition[] }>;
}

export interface MemberJoinResult {
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  skipAssignment: boolean;
  /** Every member's subscription (leader only). */
  members: Array<{ memberId: string; groupInstanceId: string | null; topics: string[]; ownedPartitions: TopicPartition[] }>;
}

export interface MemberSyncRequest {
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolName: string;
  /** The leader's assignment for every member; empty from followers. */
  assignments: Array<{ memberId: string; assignment: TopicPartition[] }>;
}

export interface MemberCommitRequest {
  /** -1 together with memberId '' for a commit from outside the group (only while it has no members). */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  offsets: ReadonlyArray<TopicPartition & { offset: number; metadata?: string | null }>;
}

export interface FetchedOffset extends TopicPartition {
  /** -1 when the group has none for the partition. */
  offset: number;
  metadata: string | null;
}

/**
 * One group's coordinator as its members (and their consumer) reach it: the requests of Kafka's
 * classic group protocol, EddyErrors for failures, and the topic metadata a leader assigns from. An
 * answer may come synchronously (in-process) or as a promise (over the network).
 */
export interface GroupChannel {
  readonly groupId: string;
  joinGroup(request: MemberJoinRequest): Promise<MemberJoinResult>;
  /** Resolves with this member's partitions. */
  syncGroup(request: MemberSyncRequest): Promise<TopicPartition[]>;
  heartbeat(request: { generationId: number; memberId: string; groupInstanceId: string | null }): MaybePromise<void>;
  leaveGroup(memberId: string, groupInstanceId: string | null): MaybePromise<void>;
  offsetCommit(request: MemberCommitRequest): Promise<void>;
  /**
   * Committed offsets of `partitions`. `member`: a member asking for its new partitions (a backend
   * may fence the lookup by its generation). `requireStable`: wait for offsets an open transaction
   * holds (KIP-447), where the backend can.
   */
  offsetFetch(partitions: readonly TopicPartition[], member: { memberId: string; generationId: number } | null, requireStable: boolean): MaybePromise<FetchedOffset[]>;
  /** Names of the topics a pattern subscription may match (internal topics never do). */
  topicNames(): MaybePromise<string[]>;
  /** Partition counts of those of `topics` that exist. */
  partitionCounts(topics: readonly string[]): MaybePromise<Map<string, number>>;
}

export interface GroupMemberOptions {
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

/** Runs `next` on a value at once, or on a promise's value once it resolves (a synchronous backend stays synchronous). */
function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** Errors after which the member's id is no longer valid: it joins again as a new member. */
function unknownMember(err: unknown): boolean {
  return isEddyError(err, 'ERR_GROUP_UNKNOWN_MEMBER') || isEddyError(err, 'ERR_GROUP_FENCED_INSTANCE_ID');
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
  /** A heartbeat sent and not answered yet (over the network). */
  private heartbeating = false;
  private inPoll = 0;
  private lastPoll: number;
  private joinedTopics: string[] = [];
  /** Partition counts the leader assigned from; a change means a new assignment is needed. */
  private assignedCounts: Map<string, number> | null = null;
  private stopped = false;
  private subscription: Subscription;

  constructor(
    private readonly channel: GroupChannel,
    private readonly clock: Clock,
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

  /** The subscribed topics: a name list as given (names that do not exist yet included), a pattern's matches now. */
  subscribedTopics(): MaybePromise<string[]> {
    const sub = this.subscription;
    if (Array.isArray(sub)) return [...new Set(sub as string[])].sort();
    const re = wholeName(sub as RegExp);
    return andThen(this.channel.topicNames(), (names) => names.filter((t) => re.test(t)).sort());
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
    const o = this.options;
    try {
      const topics = await this.subscribedTopics();
      const ownedPartitions = this.rebalanceProtocol === 'cooperative' ? owned.map(({ topic, partition }) => ({ topic, partition })) : [];
      const join = await this.asMember(this.channel.joinGroup({
        memberId: this.memberId,
        groupInstanceId: o.groupInstanceId,
        clientId: o.clientId,
        sessionTimeoutMs: o.sessionTimeoutMs,
        rebalanceTimeoutMs: o.maxPollIntervalMs,
        protocols: o.assignors.map((a) => ({ name: a.name, topics, ownedPartitions })),
      }));
      this.memberId = join.memberId;
      this.generationId = join.generationId;
      this.joinedTopics = topics;
      const assignments: Array<{ memberId: string; assignment: TopicPartition[] }> = [];
      if (join.leader === join.memberId && !join.skipAssignment) {
        const assignor = o.assignors.find((a) => a.name === join.protocolName);
        if (assignor === undefined) throw new Error(`The group chose assignor ${join.protocolName}, which this member does not have`);
        const counts = await this.channel.partitionCounts(join.members.flatMap((m) => m.topics));
        const members: AssignorMember[] = join.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: m.topics, ownedPartitions: m.ownedPartitions }));
        for (const [memberId, assignment] of assignor.assign(members, counts)) assignments.push({ memberId, assignment });
        this.assignedCounts = counts;
      } else {
        this.assignedCounts = null;
      }
      const assignment = await this.asMember(this.channel.syncGroup({
        generationId: join.generationId,
        memberId: join.memberId,
        groupInstanceId: o.groupInstanceId,
        protocolName: join.protocolName,
        assignments,
      }));
      this.startHeartbeats();
      return assignment;
    } catch (err) {
      this.needsRejoin = true;
      throw err;
    } finally {
      this.joining = false;
    }
  }

  /** A join or sync: when the coordinator no longer knows the member id, the next join starts afresh. */
  private async asMember<T>(request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (err) {
      if (unknownMember(err)) this.resetMemberId();
      throw err;
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
    if (this.joining || this.memberId === '' || this.heartbeating) return;
    if (this.inPoll === 0 && this.clock.now() - this.lastPoll > this.options.maxPollIntervalMs) {
      // Kafka's rule: a member that stopped polling leaves, so the group can move on without it.
      this.leaveQuietly();
      this.lost = true;
      this.requestRejoin();
      return;
    }
    const generationId = this.generationId;
    let sent: MaybePromise<void>;
    try {
      sent = this.channel.heartbeat({ generationId, memberId: this.memberId, groupInstanceId: this.options.groupInstanceId });
    } catch (err) {
      this.heartbeatFailed(err, generationId);
      return;
    }
    if (!(sent instanceof Promise)) {
      this.checkMetadata();
      return;
    }
    this.heartbeating = true;
    sent.then(
      () => {
        this.heartbeating = false;
        this.checkMetadata();
      },
      (err: unknown) => {
        this.heartbeating = false;
        this.heartbeatFailed(err, generationId);
      },
    );
  }

  private heartbeatFailed(err: unknown, generationId: number): void {
    // An answer about an older generation (a join finished meanwhile) says nothing about this one.
    if (this.joining || generationId !== this.generationId) return;
    if (isEddyError(err, 'ERR_GROUP_REBALANCE_IN_PROGRESS')) {
      this.requestRejoin();
    } else if (isEddyError(err, 'ERR_GROUP_ILLEGAL_GENERATION')) {
      this.lost = true;
      this.requestRejoin();
    } else if (unknownMember(err)) {
      this.resetMemberId();
      this.lost = true;
      this.requestRejoin();
    } else if (isEddyError(err, 'ERR_LOG_CLOSED')) {
      this.stop();
    }
    // Anything else (the broker unreachable for a moment) is tried again on the next tick; the
    // coordinator's session timeout decides whether the member is still in the group.
  }

  private checkMetadata(): void {
    let changed: MaybePromise<boolean>;
    try {
      changed = this.metadataChanged();
    } catch {
      return; // checked again after the next heartbeat
    }
    if (!(changed instanceof Promise)) {
      if (changed) this.requestRejoin();
      return;
    }
    changed.then((yes) => {
      if (yes) this.requestRejoin();
    }, () => undefined);
  }

  private metadataChanged(): MaybePromise<boolean> {
    const counts = this.assignedCounts;
    // A name list only changes through setSubscription(), which rejoins anyway.
    if (!(this.subscription instanceof RegExp) && counts === null) return false;
    return andThen(this.subscribedTopics(), (topics) => {
      if (topics.length !== this.joinedTopics.length || topics.some((t, i) => t !== this.joinedTopics[i])) return true;
      if (counts === null) return false;
      return andThen(this.channel.partitionCounts(topics), (now) => topics.some((t) => (now.get(t) ?? -1) !== (counts.get(t) ?? -1)));
    });
  }

  /** Leaves without waiting for the answer (the member is gone for this process either way). */
  private leaveQuietly(): void {
    this.stopHeartbeats();
    if (this.memberId !== '') {
      try {
        const left = this.channel.leaveGroup(this.memberId, this.options.groupInstanceId);
        if (left instanceof Promise) left.catch(() => undefined);
      } catch {
        // Already gone: nothing to leave.
      }
    }
    this.resetMemberId();
  }

  /** Clean exit: a dynamic member leaves (the group rebalances at once); a static one stays until its session times out. */
  async leave(): Promise<void> {
    this.stopped = true;
    this.stopHeartbeats();
    if (this.options.groupInstanceId !== null || this.memberId === '') return;
    const memberId = this.memberId;
    this.resetMemberId();
    try {
      await this.channel.leaveGroup(memberId, null);
    } catch {
      // Already gone: nothing to leave.
    }
  }

  /** Stops heartbeating without a word to the coordinator: how a crashed member looks. */
  stop(): void {
    this.stopped = true;
    this.stopHeartbeats();
  }
}
