/**
 * The group state machine's transitions and the timers on the injected clock that drive them:
 * rebalances, member sessions and the expiry of pending member ids. The requests that trigger
 * transitions are handled in group-membership.ts; this file owns every membership timer and is the
 * only place a group's state (below) changes.
 *
 * States, as Kafka names them:
 *
 *     Empty ──join──▶ PreparingRebalance ──every member joined / rebalance timeout──▶ CompletingRebalance
 *       ▲                     ▲                                                        │ leader's SyncGroup
 *       └─ last member gone ──┴──── join, leave, session timeout ◀──── Stable ◀────────┘
 *
 * - A rebalance starts when a member joins or rejoins, leaves, or misses its session timeout. It
 *   completes once every known member has sent JoinGroup again and every pending member id (handed
 *   out by MEMBER_ID_REQUIRED) has joined, left or expired, as Kafka waits for them (the group
 *   generation then goes up by one), or at the rebalance timeout (the largest of the members'
 *   `rebalanceTimeoutMs`), which drops the members that did not rejoin. Members learn of a
 *   rebalance from their next heartbeat (ERR_GROUP_REBALANCE_IN_PROGRESS).
 * - The first rebalance of an empty group waits `group.initial.rebalance.delay.ms` (0 by default)
 *   before it completes, and again (up to that delay, within the rebalance timeout) each time a new
 *   member joined during the wait, as Kafka's InitialDelayedJoin does: consumers started one after
 *   another then share one first rebalance.
 * - Sessions: a member that sends nothing (heartbeat, join, sync) for `sessionTimeoutMs` is removed,
 *   which is how a crashed member looks. A member waiting for a join or sync response is kept alive.
 * - The generation's protocol is Kafka's vote among the members' assignors. A wire leader gets every
 *   member's metadata bytes, an in-process leader the decoded subscriptions (member-metadata.ts).
 */
import type { Clock } from '../clock.js';
import { EddyError } from '../errors.js';
import type { Group, Member, MemberProtocol, Waiter } from './group-model.js';
import { groupError, isGone, type GroupRegistry } from './group-registry.js';
import { CONSUMER_PROTOCOL_TYPE, partitionsOfAssignment, rawAssignmentOf, rawMetadataOf } from './member-metadata.js';
import type { JoinGroupResponse, SyncGroupRequest, SyncGroupResponse } from './protocol.js';

export interface GroupRebalancerDeps {
  clock: Clock;
  registry: GroupRegistry;
  /** group.initial.rebalance.delay.ms; 0 completes a first rebalance as soon as every member joined. */
  initialRebalanceDelayMs: number;
}

/** A member's SyncGroup answer: its partitions, and for a wire member its assignment bytes. */
export function syncResponse(group: Group, member: Member): SyncGroupResponse {
  const protocolType = group.protocolType ?? CONSUMER_PROTOCOL_TYPE;
  const response: SyncGroupResponse = { assignment: member.assignment.map(({ topic, partition }) => ({ topic, partition })), protocolType, protocolName: group.protocolName ?? '' };
  if (member.info.wire) response.rawAssignment = rawAssignmentOf(protocolType, member.rawAssignment, member.assignment);
  return response;
}

export class GroupRebalancer {
  constructor(private readonly deps: GroupRebalancerDeps) {}

  /** Cancels every group's timers and fails the requests waiting for a join or sync response. */
  close(): void {
    for (const group of this.deps.registry.values()) {
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

  // ── Sessions and pending members ─────────────────────────────────────────────────────────────

  /** (Re)starts the member's session timer: any request of the member keeps it alive this long. */
  scheduleSession(group: Group, member: Member): void {
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

  /** A member id handed out by MEMBER_ID_REQUIRED: joinable until the session timeout passes. */
  addPendingMember(group: Group, memberId: string, sessionTimeoutMs: number): void {
    group.pendingMembers.set(memberId, this.deps.clock.setTimer(sessionTimeoutMs, () => {
      group.pendingMembers.delete(memberId);
      if (group.state === 'Empty' && isGone(group)) this.deps.registry.delete(group.groupId);
      else this.maybeCompleteJoin(group);
    }));
  }

  /** Forgets a pending member id that is joining now (the caller adds the member); false if it was not pending. */
  removePendingMember(group: Group, memberId: string): boolean {
    const pending = group.pendingMembers.get(memberId);
    if (pending === undefined) return false;
    pending.cancel();
    group.pendingMembers.delete(memberId);
    return true;
  }

  /** A pending member id left before joining: a rebalance waiting for it goes on without it. */
  pendingMemberLeft(group: Group, memberId: string): boolean {
    if (!this.removePendingMember(group, memberId)) return false;
    this.maybeCompleteJoin(group);
    return true;
  }

  // ── Transitions ──────────────────────────────────────────────────────────────────────────────

  /**
   * A member joined (`newMember`) or rejoined (its join waiter is set): start a rebalance or
   * complete the one under way.
   */
  rebalanceOnJoin(group: Group, newMember = false): void {
    // As Kafka: only a group's very first rebalance (generation 0) waits longer for new members.
    if (newMember && group.initialDelay !== null && group.generationId === 0) group.initialDelay.newMemberAdded = true;
    if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
    else this.prepareRebalance(group);
  }

  /** A member left or timed out: the others rebalance without it. */
  removeMember(group: Group, member: Member, reason: EddyError): void {
    this.dropMember(group, member, reason);
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.prepareRebalance(group);
    else if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
  }

  /**
   * The leader's SyncGroup (its own sync waiter is set): every member gets its share of the
   * leader's assignment, the group becomes Stable and the waiting SyncGroups are answered.
   */
  completeRebalance(group: Group, assignments: SyncGroupRequest['assignments']): void {
    const protocolType = group.protocolType ?? CONSUMER_PROTOCOL_TYPE;
    const byMember = new Map(assignments.map((a) => [a.memberId, a]));
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
      waiter?.resolve(syncResponse(group, m));
    }
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

  private prepareRebalance(group: Group): void {
    for (const member of group.members.values()) {
      member.syncWaiter?.reject(groupError('ERR_GROUP_REBALANCE_IN_PROGRESS', group.groupId));
      member.syncWaiter = null;
    }
    const initial = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    group.stateSince = this.deps.clock.now();
    group.rebalanceTimer?.cancel();
    const timeout = Math.max(1, ...[...group.members.values()].map((m) => m.rebalanceTimeoutMs));
    const delay = this.deps.initialRebalanceDelayMs;
    if (initial && delay > 0) {
      group.initialDelay = { remainingMs: Math.max(timeout - delay, 0), newMemberAdded: false };
      this.holdInitialJoin(group, delay);
      return;
    }
    group.rebalanceTimer = this.deps.clock.setTimer(timeout, () => {
      group.rebalanceTimer = null;
      if (group.state === 'PreparingRebalance') this.completeJoin(group);
    });
    this.maybeCompleteJoin(group);
  }

  /**
   * Holds a first rebalance for `delayMs`; then waits again if a new member joined meanwhile and
   * time is left, else completes it with the members that joined (pending member ids do not hold it).
   */
  private holdInitialJoin(group: Group, delayMs: number): void {
    group.rebalanceTimer = this.deps.clock.setTimer(delayMs, () => {
      group.rebalanceTimer = null;
      const held = group.initialDelay;
      if (held === null || group.state !== 'PreparingRebalance') return;
      if (held.newMemberAdded && held.remainingMs > 0) {
        const next = Math.min(this.deps.initialRebalanceDelayMs, held.remainingMs);
        held.remainingMs -= next;
        held.newMemberAdded = false;
        this.holdInitialJoin(group, next);
        return;
      }
      this.completeJoin(group);
    });
  }

  private maybeCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance' || group.pendingMembers.size > 0 || group.initialDelay !== null) return;
    for (const member of group.members.values()) if (member.joinWaiter === null) return;
    this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    group.rebalanceTimer?.cancel();
    group.rebalanceTimer = null;
    group.initialDelay = null;
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
}
