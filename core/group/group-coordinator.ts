/**
 * The group coordinator: Kafka's classic group protocol as a state machine driven by requests
 * (protocol.ts) and by timers on the injected clock. It owns group membership and committed
 * offsets; it never computes assignments (the leader member does, see assignors/).
 *
 * States, as Kafka names them:
 *
 *     Empty ──join──▶ PreparingRebalance ──every member joined / rebalance timeout──▶ CompletingRebalance
 *       ▲                     ▲                                                        │ leader's SyncGroup
 *       └─ last member gone ──┴──── join, leave, session timeout ◀──── Stable ◀────────┘
 *
 * - A rebalance starts when a member joins or rejoins, leaves, or misses its session timeout. It
 *   completes once every known member has sent JoinGroup again (the group generation then goes up
 *   by one), or at the rebalance timeout (the largest of the members' `rebalanceTimeoutMs`), which
 *   drops the members that did not rejoin. Members learn of a rebalance from their next heartbeat
 *   (ERR_GROUP_REBALANCE_IN_PROGRESS).
 * - Sessions: a member that sends nothing (heartbeat, join, sync) for `sessionTimeoutMs` is removed,
 *   which is how a crashed member looks. A member waiting for a join or sync response is kept alive.
 * - Static members (groupInstanceId) do not leave on close. Rejoining with the same instance id
 *   within the session timeout replaces the old member id (which is fenced:
 *   ERR_GROUP_FENCED_INSTANCE_ID) and, in a stable group with unchanged subscription, returns the
 *   current generation and assignment without a rebalance.
 * - Fencing: SyncGroup, Heartbeat, OffsetCommit and member OffsetFetch from an unknown member fail
 *   with ERR_GROUP_UNKNOWN_MEMBER, from another generation with ERR_GROUP_ILLEGAL_GENERATION.
 *   Commits are accepted while PreparingRebalance (a member commits in its revoke listener before it
 *   rejoins) and refused while CompletingRebalance, as in Kafka.
 * - Offsets: OffsetCommit resolves after the record is fsynced in __consumer_offsets; the cache the
 *   fetches read is updated only then. Expiry (offsets.retention.minutes): an offset of a group
 *   that has been Empty that long and was committed at least that long ago; in other groups, offsets of topics that no longer exist or that no
 *   member subscribes to, that long after their commit. Expired offsets get tombstones, and an Empty
 *   group left without offsets disappears. After a restart a group's "Empty since" is its newest
 *   commit time (membership itself is not persisted: members live in the owning process).
 * - Wire clients and in-process consumers share groups: member-metadata.ts converts subscriptions and
 *   assignments between Kafka's bytes and decoded objects for whichever kind of member needs them.
 *   A group's members must share a protocol type (Kafka's "consumer" for in-process members); bytes
 *   of other protocol types pass through opaquely between wire members.
 * - JoinGroup v4+ (KIP-394, `requireKnownMemberId`): a new dynamic member first gets a member id to
 *   join with and is kept pending until it does or its session timeout passes. Unlike Kafka, a
 *   rebalance does not wait for pending members: one that joins later starts another rebalance.
 * - Transactional offsets (TxnOffsetCommit, on behalf of the transaction coordinator): written as a
 *   transactional batch of the producer and kept pending per producer id, invisible to fetches,
 *   until the transaction coordinator has written the producer's marker to the group's
 *   __consumer_offsets partition and calls `completeTransaction()`: a commit makes them the
 *   committed offsets (unless a commit recorded later in the log already replaced one), an abort
 *   drops them. A pending offset does not expire.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, Timer } from '../clock.js';
import { EddyError, type ErrorCode } from '../errors.js';
import { tpKey } from './assignors/assignor.js';
import type { ResolvedGroupConfig } from './group-config.js';
import { Group, Member, type MemberProtocol, type PendingTxnOffset, type Waiter } from './group-model.js';
import { CONSUMER_PROTOCOL_TYPE, partitionsOfAssignment, rawAssignmentOf, rawMetadataOf, toMemberProtocols } from './member-metadata.js';
import type { OffsetEntry, OffsetStore } from './offset-store.js';
import type {
  CommittedOffset,
  GroupDescription,
  GroupState,
  GroupSummary,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  OffsetCommitRequest,
  OffsetFetchRequest,
  SyncGroupRequest,
  SyncGroupResponse,
} from './protocol.js';

export interface GroupCoordinatorDeps {
  clock: Clock;
  store: OffsetStore;
  config: ResolvedGroupConfig;
  /** Whether a topic exists (offsets of deleted topics expire). */
  topicExists(topic: string): boolean;
  onError(err: EddyError): void;
}

function groupError(code: ErrorCode, groupId: string, message?: string, extra: Record<string, unknown> = {}): EddyError {
  return new EddyError(code, message, { group: groupId, ...extra });
}

const MAX_GROUP_ID_BYTES = 0x7fff;

export function validateGroupId(groupId: unknown): asserts groupId is string {
  if (typeof groupId !== 'string' || groupId.length === 0 || Buffer.byteLength(groupId) > MAX_GROUP_ID_BYTES) {
    throw new EddyError('ERR_GROUP_ID_INVALID', `Group id must be a non-empty string of at most ${MAX_GROUP_ID_BYTES} bytes`, { value: groupId });
  }
}

/** Offsets of an OffsetCommit or TxnOffsetCommit. */
export type OffsetsToCommit = ReadonlyArray<{ topic: string; partition: number; offset: number; metadata?: string | null }>;

function validateOffsets(groupId: string, offsets: OffsetsToCommit): void {
  if (!Array.isArray(offsets)) throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', 'Offsets to commit must be an array', { group: groupId });
  for (const o of offsets) {
    if (!Number.isSafeInteger(o.offset) || o.offset < 0 || !Number.isSafeInteger(o.partition) || o.partition < 0 || typeof o.topic !== 'string') {
      throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `Cannot commit offset ${String(o.offset)} for ${String(o.topic)}-${String(o.partition)}`, { group: groupId, topic: o.topic, partition: o.partition, offset: o.offset });
    }
  }
}

function toEntries(offsets: OffsetsToCommit, now: number): OffsetEntry[] {
  return offsets.map((o) => ({ topic: o.topic, partition: o.partition, value: { offset: o.offset, metadata: o.metadata ?? '', commitTimestamp: now } }));
}

/** The consumer's group metadata a transactional offset commit carries (Kafka's ConsumerGroupMetadata), for KIP-447's check. */
export interface TxnCommitMember {
  memberId: string;
  generationId: number;
  groupInstanceId?: string | null;
}

/** A group with no members (joined or pending), offsets or pending transactional offsets can be forgotten. */
function isGone(group: Group): boolean {
  return group.members.size === 0 && group.offsets.size === 0 && group.pendingTxnOffsets.size === 0 && group.pendingMembers.size === 0;
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  /** Producer id → ids of the groups holding pending transactional offsets of it. */
  private readonly txnGroups = new Map<number, Set<string>>();
  private expiryTimer: Timer | null = null;
  private closed = false;

  constructor(private readonly deps: GroupCoordinatorDeps) {}

  /**
   * Loads committed offsets from __consumer_offsets and starts the expiry timer. Offsets of
   * transactions without a marker yet stay pending: the transaction coordinator's recovery ends
   * those transactions and reports each through `completeTransaction()`.
   */
  load(): void {
    const now = this.deps.clock.now();
    const { committed, pending } = this.deps.store.load();
    for (const [groupId, offsets] of committed) {
      const group = new Group(groupId, now);
      let newest = 0;
      for (const [key, entry] of offsets) {
        group.offsets.set(key, { topic: entry.topic, partition: entry.partition, value: entry.value, seq: entry.logOffset });
        newest = Math.max(newest, entry.value.commitTimestamp);
      }
      group.stateSince = newest;
      this.groups.set(groupId, group);
    }
    for (const txn of pending) {
      for (const [groupId, entries] of txn.groups) {
        const pendingOffsets = new Map<string, PendingTxnOffset>();
        for (const [key, e] of entries) pendingOffsets.set(key, { topic: e.topic, partition: e.partition, value: e.value, seq: e.logOffset });
        this.addPending(this.groupFor(groupId), txn.producerId, pendingOffsets);
      }
    }
    this.scheduleExpiry();
  }

  private groupFor(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = new Group(groupId, this.deps.clock.now());
      this.groups.set(groupId, group);
    }
    return group;
  }

  private scheduleExpiry(): void {
    if (this.closed) return;
    this.expiryTimer = this.deps.clock.setTimer(this.deps.config.offsetsRetentionCheckIntervalMs, () => {
      this.expireOffsets().catch((err: unknown) => this.deps.onError(err instanceof EddyError ? err : new EddyError('ERR_STORAGE_IO', String(err))));
      this.scheduleExpiry();
    });
  }

  close(): void {
    this.closed = true;
    this.expiryTimer?.cancel();
    for (const group of this.groups.values()) {
      group.rebalanceTimer?.cancel();
      for (const timer of group.pendingMembers.values()) timer.cancel();
      group.pendingMembers.clear();
      for (const member of group.members.values()) {
        member.sessionTimer?.cancel();
        const err = new EddyError('ERR_LOG_CLOSED', 'Eddy is closed');
        member.joinWaiter?.reject(err);
        member.syncWaiter?.reject(err);
      }
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new EddyError('ERR_LOG_CLOSED', 'Eddy is closed');
  }

  // ── JoinGroup ────────────────────────────────────────────────────────────────────────────────

  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    try {
      this.checkOpen();
      validateGroupId(request.groupId);
      this.checkJoin(request);
    } catch (err) {
      return Promise.reject(err);
    }
    const { groupId } = request;
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = new Group(groupId, this.deps.clock.now());
      this.groups.set(groupId, group);
    }
    const g = group;
    return new Promise<JoinGroupResponse>((resolve, reject) => {
      try {
        this.handleJoin(g, request, { resolve, reject });
      } catch (err) {
        reject(err);
      }
    });
  }

  private checkJoin(request: JoinGroupRequest): void {
    const { minSessionTimeoutMs, maxSessionTimeoutMs } = this.deps.config;
    const s = request.sessionTimeoutMs;
    if (!Number.isSafeInteger(s) || s < minSessionTimeoutMs || s > maxSessionTimeoutMs) {
      throw new EddyError('ERR_CONFIG_INVALID', `sessionTimeoutMs ${String(s)} is outside [group.min.session.timeout.ms ${minSessionTimeoutMs}, group.max.session.timeout.ms ${maxSessionTimeoutMs}]`, { config: 'sessionTimeoutMs', value: s });
    }
    if (!Number.isSafeInteger(request.rebalanceTimeoutMs) || request.rebalanceTimeoutMs < 1) {
      throw new EddyError('ERR_CONFIG_INVALID', 'rebalanceTimeoutMs must be an integer >= 1', { config: 'rebalanceTimeoutMs', value: request.rebalanceTimeoutMs });
    }
    if (!Array.isArray(request.protocols) || request.protocols.length === 0) {
      throw new EddyError('ERR_GROUP_INCONSISTENT_PROTOCOL', 'JoinGroup needs at least one protocol (assignor)', { group: request.groupId });
    }
    if (request.protocolType !== undefined && (typeof request.protocolType !== 'string' || request.protocolType === '')) {
      throw new EddyError('ERR_GROUP_INCONSISTENT_PROTOCOL', 'JoinGroup needs a protocol type', { group: request.groupId });
    }
  }

  private handleJoin(group: Group, request: JoinGroupRequest, waiter: Waiter<JoinGroupResponse>): void {
    const protocolType = request.protocolType ?? CONSUMER_PROTOCOL_TYPE;
    const names = new Set(request.protocols.map((p) => p.name));
    for (const other of group.members.values()) {
      if (other.memberId === request.memberId || (request.groupInstanceId !== null && other.groupInstanceId === request.groupInstanceId)) continue;
      if (other.info.protocolType !== protocolType) {
        throw groupError('ERR_GROUP_INCONSISTENT_PROTOCOL', group.groupId, `Protocol type "${protocolType}" is not the group's "${other.info.protocolType}"`);
      }
      if (!other.protocols.some((p) => names.has(p.name))) {
        throw groupError('ERR_GROUP_INCONSISTENT_PROTOCOL', group.groupId, `Member's assignors (${[...names].join(', ')}) share none with the group's members`);
      }
    }
    const { protocols, wire } = toMemberProtocols(group.groupId, protocolType, request.protocols);
    const info = { protocolType, clientHost: request.clientHost ?? '', wire };
    if (request.memberId === '' || group.pendingMembers.has(request.memberId)) {
      const existingId = request.groupInstanceId === null ? undefined : group.staticMembers.get(request.groupInstanceId);
      const existing = existingId === undefined ? undefined : group.members.get(existingId);
      if (existing !== undefined) {
        this.replaceStaticMember(group, existing, request, protocols, info, waiter);
        return;
      }
      let memberId = request.memberId;
      if (memberId === '') {
        memberId = `${request.groupInstanceId ?? (request.clientId || 'consumer')}-${randomUUID()}`;
        if (request.requireKnownMemberId === true && request.groupInstanceId === null) {
          this.addPendingMember(group, memberId, request.sessionTimeoutMs);
          waiter.resolve({ generationId: -1, protocolType, protocolName: '', leader: '', memberId, skipAssignment: false, members: [], memberIdRequired: true });
          return;
        }
      } else {
        group.pendingMembers.get(memberId)?.cancel();
        group.pendingMembers.delete(memberId);
      }
      const member = new Member(memberId, request.groupInstanceId, request.clientId, request.sessionTimeoutMs, request.rebalanceTimeoutMs, protocols, info);
      member.joinWaiter = waiter;
      group.members.set(memberId, member);
      group.protocolType = protocolType;
      if (request.groupInstanceId !== null) group.staticMembers.set(request.groupInstanceId, memberId);
      this.scheduleSession(group, member);
      this.rebalanceOnJoin(group);
      return;
    }
    const member = this.knownMember(group, request.memberId);
    member.protocols = protocols;
    member.info = info;
    group.protocolType = protocolType;
    member.clientId = request.clientId;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.joinWaiter?.reject(groupError('ERR_GROUP_REBALANCE_IN_PROGRESS', group.groupId, 'Superseded by a newer JoinGroup of the same member'));
    member.joinWaiter = waiter;
    this.scheduleSession(group, member);
    this.rebalanceOnJoin(group);
  }

  /** A member id handed out by MEMBER_ID_REQUIRED: joinable until the session timeout passes. */
  private addPendingMember(group: Group, memberId: string, sessionTimeoutMs: number): void {
    group.pendingMembers.set(memberId, this.deps.clock.setTimer(sessionTimeoutMs, () => {
      group.pendingMembers.delete(memberId);
      if (group.state === 'Empty' && isGone(group)) this.groups.delete(group.groupId);
    }));
  }

  private rebalanceOnJoin(group: Group): void {
    if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
    else this.prepareRebalance(group);
  }

  /** A static member restarting: takes over the old member id's place, fencing the old id. */
  private replaceStaticMember(group: Group, old: Member, request: JoinGroupRequest, protocols: MemberProtocol[], info: Member['info'], waiter: Waiter<JoinGroupResponse>): void {
    const newId = `${request.groupInstanceId ?? 'consumer'}-${randomUUID()}`;
    const oldId = old.memberId;
    old.joinWaiter?.reject(groupError('ERR_GROUP_FENCED_INSTANCE_ID', group.groupId, undefined, { memberId: oldId }));
    old.syncWaiter?.reject(groupError('ERR_GROUP_FENCED_INSTANCE_ID', group.groupId, undefined, { memberId: oldId }));
    old.joinWaiter = null;
    old.syncWaiter = null;
    // Opaque metadata (another protocol type) is compared as bytes.
    const subscriptionKey = (list: MemberProtocol[]): string =>
      JSON.stringify(list.map((p) => [p.name, [...p.metadata.topics].sort(), info.protocolType === CONSUMER_PROTOCOL_TYPE ? '' : Buffer.from(p.rawMetadata ?? []).toString('hex')]));
    const sameSubscription = subscriptionKey(old.protocols) === subscriptionKey(protocols);
    group.members.delete(oldId);
    group.fenced.add(oldId);
    old.memberId = newId;
    old.clientId = request.clientId;
    old.sessionTimeoutMs = request.sessionTimeoutMs;
    old.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    old.protocols = protocols;
    old.info = info;
    group.members.set(newId, old);
    group.staticMembers.set(request.groupInstanceId as string, newId);
    if (group.leaderId === oldId) group.leaderId = newId;
    this.scheduleSession(group, old);
    if (group.state === 'Stable' && sameSubscription) {
      // No rebalance: the member gets its old assignment from SyncGroup in this generation.
      waiter.resolve({
        generationId: group.generationId,
        protocolType: info.protocolType,
        protocolName: group.protocolName as string,
        leader: group.leaderId as string,
        memberId: newId,
        skipAssignment: true,
        members: [],
      });
      return;
    }
    old.joinWaiter = waiter;
    this.rebalanceOnJoin(group);
  }

  private knownMember(group: Group, memberId: string): Member {
    const member = group.members.get(memberId);
    if (member !== undefined) return member;
    if (group.fenced.has(memberId)) throw groupError('ERR_GROUP_FENCED_INSTANCE_ID', group.groupId, undefined, { memberId });
    throw groupError('ERR_GROUP_UNKNOWN_MEMBER', group.groupId, `Member ${memberId} is not in group "${group.groupId}"`, { memberId });
  }

  private prepareRebalance(group: Group): void {
    for (const member of group.members.values()) {
      member.syncWaiter?.reject(groupError('ERR_GROUP_REBALANCE_IN_PROGRESS', group.groupId));
      member.syncWaiter = null;
    }
    group.state = 'PreparingRebalance';
    group.stateSince = this.deps.clock.now();
    group.rebalanceTimer?.cancel();
    const timeout = Math.max(1, ...[...group.members.values()].map((m) => m.rebalanceTimeoutMs));
    group.rebalanceTimer = this.deps.clock.setTimer(timeout, () => {
      group.rebalanceTimer = null;
      if (group.state === 'PreparingRebalance') this.completeJoin(group);
    });
    this.maybeCompleteJoin(group);
  }

  private maybeCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    for (const member of group.members.values()) if (member.joinWaiter === null) return;
    this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    group.rebalanceTimer?.cancel();
    group.rebalanceTimer = null;
    for (const member of [...group.members.values()]) {
      // Members that did not rejoin within the rebalance timeout are dropped.
      if (member.joinWaiter === null) this.dropMember(group, member, groupError('ERR_GROUP_UNKNOWN_MEMBER', group.groupId, 'Removed: did not rejoin within the rebalance timeout'));
    }
    group.generationId++;
    group.stateSince = this.deps.clock.now();
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocolName = null;
      group.leaderId = null;
      return;
    }
    const members = [...group.members.values()];
    group.protocolName = this.selectProtocol(group, members);
    if (group.leaderId === null || !group.members.has(group.leaderId)) group.leaderId = members[0]!.memberId;
    group.state = 'CompletingRebalance';
    const protocolName = group.protocolName;
    const protocolType = group.protocolType ?? CONSUMER_PROTOCOL_TYPE;
    // A wire leader gets every member's metadata bytes, an in-process leader the decoded subscriptions.
    const leaderIsWire = group.members.get(group.leaderId)?.info.wire === true;
    const all = members.map((m) => {
      const protocol = m.protocols.find((p) => p.name === protocolName) as MemberProtocol;
      return {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        metadata: protocol.metadata,
        ...(leaderIsWire ? { rawMetadata: rawMetadataOf(protocol) } : {}),
      };
    });
    for (const member of members) {
      member.assignment = [];
      member.rawAssignment = null;
      const waiter = member.joinWaiter as Waiter<JoinGroupResponse>;
      member.joinWaiter = null;
      this.scheduleSession(group, member);
      waiter.resolve({
        generationId: group.generationId,
        protocolType,
        protocolName,
        leader: group.leaderId,
        memberId: member.memberId,
        skipAssignment: false,
        members: member.memberId === group.leaderId ? all : [],
      });
    }
  }

  /** Kafka's vote: each member votes for its most preferred protocol that every member supports. */
  private selectProtocol(group: Group, members: Member[]): string {
    const candidates = members.reduce<Set<string>>((acc, m, i) => {
      const names = new Set(m.protocols.map((p) => p.name));
      return i === 0 ? names : new Set([...acc].filter((n) => names.has(n)));
    }, new Set());
    const votes = new Map<string, number>();
    for (const m of members) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice !== undefined) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best: string | null = null;
    for (const [name, count] of votes) if (best === null || count > (votes.get(best) ?? 0)) best = name;
    if (best === null) throw groupError('ERR_GROUP_INCONSISTENT_PROTOCOL', group.groupId);
    return best;
  }

  // ── SyncGroup, Heartbeat, LeaveGroup ─────────────────────────────────────────────────────────

  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    try {
      this.checkOpen();
      const group = this.existingGroup(request.groupId);
      this.checkStaticMember(group, request.groupInstanceId, request.memberId);
      const member = this.knownMember(group, request.memberId);
      this.checkGeneration(group, request.generationId, member.memberId);
      const protocolType = group.protocolType ?? CONSUMER_PROTOCOL_TYPE;
      if ((request.protocolType != null && request.protocolType !== protocolType) || (request.protocolName != null && request.protocolName !== group.protocolName)) {
        throw groupError('ERR_GROUP_INCONSISTENT_PROTOCOL', group.groupId, `SyncGroup names protocol ${String(request.protocolType)}/${String(request.protocolName)}, the group has ${protocolType}/${String(group.protocolName)}`);
      }
      if (group.state === 'PreparingRebalance') throw groupError('ERR_GROUP_REBALANCE_IN_PROGRESS', group.groupId);
      this.scheduleSession(group, member);
      if (group.state === 'Stable') return Promise.resolve(this.syncResponse(group, member));
      return new Promise<SyncGroupResponse>((resolve, reject) => {
        member.syncWaiter?.reject(groupError('ERR_GROUP_REBALANCE_IN_PROGRESS', group.groupId));
        member.syncWaiter = { resolve, reject };
        if (member.memberId === group.leaderId) {
          const byMember = new Map(request.assignments.map((a) => [a.memberId, a]));
          for (const m of group.members.values()) {
            const given = byMember.get(m.memberId);
            if (given?.rawAssignment !== undefined) {
              m.rawAssignment = Buffer.from(given.rawAssignment);
              m.assignment = partitionsOfAssignment(protocolType, m.rawAssignment);
            } else {
              m.rawAssignment = null;
              m.assignment = (given?.assignment ?? []).map(({ topic, partition }) => ({ topic, partition }));
            }
          }
          group.state = 'Stable';
          group.stateSince = this.deps.clock.now();
          for (const m of group.members.values()) {
            const waiter = m.syncWaiter;
            m.syncWaiter = null;
            waiter?.resolve(this.syncResponse(group, m));
          }
        }
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** A member's SyncGroup answer: its partitions, and for a wire member its assignment bytes. */
  private syncResponse(group: Group, member: Member): SyncGroupResponse {
    const protocolType = group.protocolType ?? CONSUMER_PROTOCOL_TYPE;
    const response: SyncGroupResponse = { assignment: member.assignment.map(({ topic, partition }) => ({ topic, partition })), protocolType, protocolName: group.protocolName ?? '' };
    if (member.info.wire) response.rawAssignment = rawAssignmentOf(protocolType, member.rawAssignment, member.assignment);
    return response;
  }

  /** A request naming a static member id that now belongs to another member id is fenced (Kafka's isStaticMemberFenced). */
  private checkStaticMember(group: Group, groupInstanceId: string | null | undefined, memberId: string): void {
    if (groupInstanceId == null) return;
    const current = group.staticMembers.get(groupInstanceId);
    if (current !== undefined && current !== memberId) throw groupError('ERR_GROUP_FENCED_INSTANCE_ID', group.groupId, undefined, { memberId, groupInstanceId });
  }

  heartbeat(request: HeartbeatRequest): void {
    this.checkOpen();
    const group = this.existingGroup(request.groupId);
    this.checkStaticMember(group, request.groupInstanceId, request.memberId);
    const member = this.knownMember(group, request.memberId);
    this.checkGeneration(group, request.generationId, member.memberId);
    this.scheduleSession(group, member);
    if (group.state === 'PreparingRebalance') throw groupError('ERR_GROUP_REBALANCE_IN_PROGRESS', group.groupId);
  }

  leaveGroup(request: LeaveGroupRequest): void {
    this.checkOpen();
    const group = this.existingGroup(request.groupId);
    const pending = group.pendingMembers.get(request.memberId);
    if (pending !== undefined) {
      pending.cancel();
      group.pendingMembers.delete(request.memberId);
      return;
    }
    let memberId = request.memberId;
    if (request.groupInstanceId != null) {
      const current = group.staticMembers.get(request.groupInstanceId);
      if (current === undefined) throw groupError('ERR_GROUP_UNKNOWN_MEMBER', group.groupId, `No static member "${request.groupInstanceId}" in group "${group.groupId}"`, { groupInstanceId: request.groupInstanceId });
      if (memberId !== '' && memberId !== current) throw groupError('ERR_GROUP_FENCED_INSTANCE_ID', group.groupId, undefined, { memberId, groupInstanceId: request.groupInstanceId });
      memberId = current;
    }
    const member = this.knownMember(group, memberId);
    this.removeMember(group, member, groupError('ERR_GROUP_UNKNOWN_MEMBER', group.groupId, 'The member left the group'));
  }

  private existingGroup(groupId: string): Group {
    const group = this.groups.get(groupId);
    if (group === undefined) throw groupError('ERR_GROUP_UNKNOWN_MEMBER', groupId, `Group "${groupId}" has no members`);
    return group;
  }

  private checkGeneration(group: Group, generationId: number, memberId: string): void {
    if (generationId !== group.generationId) {
      throw groupError('ERR_GROUP_ILLEGAL_GENERATION', group.groupId, `Generation ${generationId} is not the group's current generation ${group.generationId}`, { memberId, generationId });
    }
  }

  private scheduleSession(group: Group, member: Member): void {
    member.sessionTimer?.cancel();
    member.sessionTimer = this.deps.clock.setTimer(member.sessionTimeoutMs, () => {
      member.sessionTimer = null;
      if (group.members.get(member.memberId) !== member) return;
      // A member waiting for its join or sync response is alive by definition.
      if (member.joinWaiter !== null || member.syncWaiter !== null) {
        this.scheduleSession(group, member);
        return;
      }
      this.removeMember(group, member, groupError('ERR_GROUP_UNKNOWN_MEMBER', group.groupId, 'Session timed out'));
    });
  }

  /** Removes a member without starting a rebalance (the caller decides). */
  private dropMember(group: Group, member: Member, reason: EddyError): void {
    member.sessionTimer?.cancel();
    member.sessionTimer = null;
    member.joinWaiter?.reject(reason);
    member.syncWaiter?.reject(reason);
    member.joinWaiter = null;
    member.syncWaiter = null;
    group.members.delete(member.memberId);
    if (member.groupInstanceId !== null && group.staticMembers.get(member.groupInstanceId) === member.memberId) group.staticMembers.delete(member.groupInstanceId);
  }

  private removeMember(group: Group, member: Member, reason: EddyError): void {
    this.dropMember(group, member, reason);
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.prepareRebalance(group);
    else if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
  }

  // ── OffsetCommit, OffsetFetch ───────────────────────────────────────────────────────────────

  async offsetCommit(request: OffsetCommitRequest): Promise<void> {
    this.checkOpen();
    validateGroupId(request.groupId);
    validateOffsets(request.groupId, request.offsets);
    let group = this.groups.get(request.groupId);
    if (request.generationId < 0 && request.memberId === '') {
      if (group !== undefined && group.members.size > 0) {
        throw groupError('ERR_GROUP_UNKNOWN_MEMBER', request.groupId, `Group "${request.groupId}" has active members; only they can commit`);
      }
    } else {
      if (group === undefined) throw groupError('ERR_GROUP_UNKNOWN_MEMBER', request.groupId, `Group "${request.groupId}" has no members`);
      this.checkStaticMember(group, request.groupInstanceId, request.memberId);
      const member = this.knownMember(group, request.memberId);
      this.checkGeneration(group, request.generationId, member.memberId);
      if (group.state === 'CompletingRebalance') throw groupError('ERR_GROUP_REBALANCE_IN_PROGRESS', group.groupId);
      this.scheduleSession(group, member);
    }
    group ??= this.groupFor(request.groupId);
    await this.writeOffsets(group, toEntries(request.offsets, this.deps.clock.now()));
  }

  private async writeOffsets(group: Group, entries: OffsetEntry[]): Promise<void> {
    const seq = await this.deps.store.write(group.groupId, entries);
    for (const entry of entries) {
      const key = tpKey(entry);
      const current = group.offsets.get(key);
      if (current !== undefined && current.seq > seq) continue;
      if (entry.value === null) group.offsets.delete(key);
      else group.offsets.set(key, { topic: entry.topic, partition: entry.partition, value: entry.value, seq });
    }
  }

  // ── TxnOffsetCommit and transaction markers (for the transaction coordinator) ──────────────

  /** The __consumer_offsets partition of a group (Kafka's partitionFor); creates the topic on first use. */
  offsetsPartitionFor(groupId: string): number {
    validateGroupId(groupId);
    return this.deps.store.partitionFor(groupId);
  }

  /**
   * Writes offsets of `producerId`'s open transaction (the transaction coordinator has checked the
   * producer and that the group's partition is in its transaction). Resolves once they are fsynced;
   * they stay pending until `completeTransaction()`.
   */
  async txnOffsetCommit(groupId: string, producerId: number, producerEpoch: number, offsets: OffsetsToCommit, member?: TxnCommitMember): Promise<void> {
    this.checkOpen();
    validateGroupId(groupId);
    validateOffsets(groupId, offsets);
    if (member !== undefined) this.checkTxnCommitMember(groupId, member);
    const entries = toEntries(offsets, this.deps.clock.now());
    const seq = await this.deps.store.writeTransactional(groupId, producerId, producerEpoch, entries);
    const pending = new Map<string, PendingTxnOffset>();
    for (const e of entries) pending.set(tpKey(e), { topic: e.topic, partition: e.partition, value: e.value, seq });
    this.addPending(this.groupFor(groupId), producerId, pending);
  }

  /**
   * KIP-447: a transactional commit that names a member (a generation >= 0, a member id or a static
   * instance id, as Kafka clients send from TxnOffsetCommit v3 with the consumer's group metadata)
   * is accepted only from a current member of the current generation, so a zombie that lost its
   * partitions in a rebalance cannot commit offsets for them. One naming no member is not checked
   * (older clients). Unlike a plain commit, a rebalance in progress does not refuse it, as in Kafka.
   */
  private checkTxnCommitMember(groupId: string, { memberId, generationId, groupInstanceId }: TxnCommitMember): void {
    if (generationId < 0 && memberId === '' && groupInstanceId == null) return;
    const group = this.existingGroup(groupId);
    this.checkStaticMember(group, groupInstanceId, memberId);
    const member = this.knownMember(group, memberId);
    this.checkGeneration(group, generationId, member.memberId);
  }

  private addPending(group: Group, producerId: number, entries: Map<string, PendingTxnOffset>): void {
    group.addPendingTxnOffsets(producerId, entries);
    let groups = this.txnGroups.get(producerId);
    if (groups === undefined) this.txnGroups.set(producerId, (groups = new Set()));
    groups.add(group.groupId);
  }

  /**
   * The transaction coordinator has written (and fsynced) `producerId`'s commit or abort marker to
   * __consumer_offsets partition `offsetsPartition`: its pending offsets of the groups there become
   * committed offsets or are dropped, as `load()` would find them after a restart.
   */
  completeTransaction(offsetsPartition: number, producerId: number, commit: boolean): void {
    const groupIds = this.txnGroups.get(producerId);
    if (groupIds === undefined) return;
    for (const groupId of [...groupIds]) {
      if (this.deps.store.partitionFor(groupId) !== offsetsPartition) continue;
      groupIds.delete(groupId);
      this.groups.get(groupId)?.completePendingTxnOffsets(producerId, commit);
    }
    if (groupIds.size === 0) this.txnGroups.delete(producerId);
  }

  /** Producers with pending transactional offsets, per __consumer_offsets partition (for recovery). */
  pendingTransactions(): Array<{ offsetsPartition: number; producerId: number }> {
    const out: Array<{ offsetsPartition: number; producerId: number }> = [];
    for (const [producerId, groupIds] of this.txnGroups) {
      const partitions = new Set([...groupIds].map((g) => this.deps.store.partitionFor(g)));
      for (const offsetsPartition of partitions) out.push({ offsetsPartition, producerId });
    }
    return out;
  }

  offsetFetch(request: OffsetFetchRequest): CommittedOffset[] {
    this.checkOpen();
    validateGroupId(request.groupId);
    const group = this.groups.get(request.groupId);
    if (request.memberId !== undefined && request.memberId !== '' && request.generationId !== undefined && request.generationId >= 0) {
      if (group === undefined) throw groupError('ERR_GROUP_UNKNOWN_MEMBER', request.groupId);
      const member = this.knownMember(group, request.memberId);
      this.checkGeneration(group, request.generationId, member.memberId);
    }
    const toResult = (topic: string, partition: number): CommittedOffset => {
      const cached = group?.offsets.get(tpKey({ topic, partition }));
      return cached === undefined
        ? { topic, partition, offset: -1, metadata: '', commitTimestamp: -1 }
        : { topic, partition, offset: cached.value.offset, metadata: cached.value.metadata, commitTimestamp: cached.value.commitTimestamp };
    };
    if (request.partitions !== null) return request.partitions.map((tp) => toResult(tp.topic, tp.partition));
    return [...(group?.offsets.values() ?? [])]
      .map((c) => toResult(c.topic, c.partition))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  /** Whether a transaction holds a pending offset of the group for the partition (OffsetFetch's requireStable). */
  hasPendingTxnOffset(groupId: string, topic: string, partition: number): boolean {
    const group = this.groups.get(groupId);
    if (group === undefined) return false;
    const key = tpKey({ topic, partition });
    for (const entries of group.pendingTxnOffsets.values()) if (entries.has(key)) return true;
    return false;
  }

  // ── Admin ───────────────────────────────────────────────────────────────────────────────────

  /** Every group; a group that never had a member (offsets only) is listed with protocol type "consumer". */
  listGroups(): Array<{ groupId: string; state: GroupState; protocolType: string }> {
    return [...this.groups.values()]
      .map((g) => ({ groupId: g.groupId, state: g.state, protocolType: g.protocolType ?? CONSUMER_PROTOCOL_TYPE }))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
  }

  /** Throws ERR_GROUP_NOT_FOUND for a group with neither members nor offsets. */
  describeGroup(groupId: string): GroupDescription {
    validateGroupId(groupId);
    const group = this.groups.get(groupId);
    if (group === undefined) throw groupError('ERR_GROUP_NOT_FOUND', groupId, `Group "${groupId}" does not exist`);
    return {
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? CONSUMER_PROTOCOL_TYPE,
      protocolName: group.protocolName,
      generationId: group.generationId,
      leader: group.leaderId,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        assignment: m.assignment.map(({ topic, partition }) => ({ topic, partition })),
      })),
    };
  }

  /**
   * Kafka's GroupSummary for DescribeGroups: members with their chosen protocol's metadata bytes and
   * assignment bytes while the group is Stable (empty bytes and no protocol otherwise, as in Kafka);
   * null for a group that does not exist.
   */
  groupSummary(groupId: string): GroupSummary | null {
    validateGroupId(groupId);
    const group = this.groups.get(groupId);
    if (group === undefined) return null;
    const stable = group.state === 'Stable';
    const protocolType = group.protocolType ?? CONSUMER_PROTOCOL_TYPE;
    const empty = Buffer.alloc(0);
    return {
      groupId,
      state: group.state,
      protocolType,
      protocolName: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => {
        const protocol = stable ? m.protocols.find((p) => p.name === group.protocolName) : undefined;
        return {
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.info.clientHost,
          metadata: protocol === undefined ? empty : rawMetadataOf(protocol),
          assignment: stable ? rawAssignmentOf(protocolType, m.rawAssignment, m.assignment) : empty,
        };
      }),
    };
  }

  /** Deletes a group without members: tombstones for all its offsets. ERR_GROUP_NOT_EMPTY otherwise. */
  async deleteGroup(groupId: string): Promise<void> {
    this.checkOpen();
    validateGroupId(groupId);
    const group = this.groups.get(groupId);
    if (group === undefined) throw groupError('ERR_GROUP_NOT_FOUND', groupId, `Group "${groupId}" does not exist`);
    if (group.members.size > 0) throw groupError('ERR_GROUP_NOT_EMPTY', groupId, `Group "${groupId}" has ${group.members.size} active member(s); stop them first`);
    await this.writeOffsets(group, [...group.offsets.values()].map((c) => ({ topic: c.topic, partition: c.partition, value: null })));
    if (isGone(group)) this.groups.delete(groupId);
  }

  /** Number of active members (0 for an unknown group). */
  memberCount(groupId: string): number {
    return this.groups.get(groupId)?.members.size ?? 0;
  }

  /** One expiry pass (see the class comment); resolves with the number of offsets expired. */
  async expireOffsets(): Promise<number> {
    if (this.closed) return 0;
    const now = this.deps.clock.now();
    const retention = this.deps.config.offsetsRetentionMs;
    let expired = 0;
    for (const group of [...this.groups.values()]) {
      const subscribed = new Set<string>();
      for (const m of group.members.values()) for (const p of m.protocols) for (const t of p.metadata.topics) subscribed.add(t);
      const doomed: OffsetEntry[] = [];
      const pendingKeys = new Set<string>();
      for (const entries of group.pendingTxnOffsets.values()) for (const key of entries.keys()) pendingKeys.add(key);
      for (const [key, c] of group.offsets) {
        if (pendingKeys.has(key)) continue;
        const emptyLongEnough = group.state === 'Empty' && now - Math.max(group.stateSince, c.value.commitTimestamp) >= retention;
        const orphan = (!this.deps.topicExists(c.topic) || (group.members.size > 0 && !subscribed.has(c.topic))) && now - c.value.commitTimestamp >= retention;
        if (emptyLongEnough || orphan) doomed.push({ topic: c.topic, partition: c.partition, value: null });
      }
      if (doomed.length > 0) {
        await this.writeOffsets(group, doomed);
        expired += doomed.length;
      }
      if (group.state === 'Empty' && isGone(group)) this.groups.delete(group.groupId);
    }
    return expired;
  }
}
