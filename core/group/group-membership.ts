/**
 * The membership requests of Kafka's classic group protocol: JoinGroup, SyncGroup, Heartbeat and
 * LeaveGroup. Each is validated and fenced here (group-fencing.ts), changes who is in the group, and
 * leaves the transitions it causes (rebalances, sessions, the Stable state) to group-rebalancer.ts.
 *
 * - Static members (groupInstanceId) do not leave on close. Rejoining with the same instance id
 *   within the session timeout replaces the old member id (which is fenced:
 *   ERR_GROUP_FENCED_INSTANCE_ID) and, in a stable group with unchanged subscription, returns the
 *   current generation and assignment without a rebalance.
 * - Wire clients and in-process consumers share groups: member-metadata.ts converts subscriptions and
 *   assignments between Kafka's bytes and decoded objects for whichever kind of member needs them.
 *   A group's members must share a protocol type (Kafka's "consumer" for in-process members); bytes
 *   of other protocol types pass through opaquely between wire members.
 * - JoinGroup v4+ (KIP-394, `requireKnownMemberId`): a new dynamic member first gets a member id to
 *   join with and is kept pending until it does or its session timeout passes. A rebalance waits
 *   for pending members as Kafka's does, so clients started together share one rebalance.
 */
import { randomUUID } from 'node:crypto';
import { EddyError } from '../errors.js';
import type { ResolvedGroupConfig } from './group-config.js';
import { currentMember, knownMember } from './group-fencing.js';
import { Member, type Group, type MemberProtocol, type Waiter } from './group-model.js';
import { syncResponse, type GroupRebalancer } from './group-rebalancer.js';
import { groupError, validateGroupId, type GroupRegistry } from './group-registry.js';
import { CONSUMER_PROTOCOL_TYPE, toMemberProtocols } from './member-metadata.js';
import type { HeartbeatRequest, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, SyncGroupRequest, SyncGroupResponse } from './protocol.js';

export interface GroupMembershipDeps {
  config: ResolvedGroupConfig;
  registry: GroupRegistry;
  rebalancer: GroupRebalancer;
}

export class GroupMembership {
  constructor(private readonly deps: GroupMembershipDeps) {}

  // ── JoinGroup ────────────────────────────────────────────────────────────────────────────────

  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    try {
      this.deps.registry.checkOpen();
      validateGroupId(request.groupId);
      this.checkJoin(request);
    } catch (err) {
      return Promise.reject(err);
    }
    const group = this.deps.registry.groupFor(request.groupId);
    return new Promise<JoinGroupResponse>((resolve, reject) => {
      try {
        this.handleJoin(group, request, { resolve, reject });
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
    const { rebalancer } = this.deps;
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
          rebalancer.addPendingMember(group, memberId, request.sessionTimeoutMs);
          waiter.resolve({ generationId: -1, protocolType, protocolName: '', leader: '', memberId, skipAssignment: false, members: [], memberIdRequired: true });
          return;
        }
      } else {
        rebalancer.removePendingMember(group, memberId);
      }
      const member = new Member(memberId, request.groupInstanceId, request.clientId, request.sessionTimeoutMs, request.rebalanceTimeoutMs, protocols, info);
      member.joinWaiter = waiter;
      group.members.set(memberId, member);
      group.protocolType = protocolType;
      if (request.groupInstanceId !== null) group.staticMembers.set(request.groupInstanceId, memberId);
      rebalancer.scheduleSession(group, member);
      rebalancer.rebalanceOnJoin(group, true);
      return;
    }
    const member = knownMember(group, request.memberId);
    member.protocols = protocols;
    member.info = info;
    group.protocolType = protocolType;
    member.clientId = request.clientId;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.joinWaiter?.reject(groupError('ERR_GROUP_REBALANCE_IN_PROGRESS', group.groupId, 'Superseded by a newer JoinGroup of the same member'));
    member.joinWaiter = waiter;
    rebalancer.scheduleSession(group, member);
    rebalancer.rebalanceOnJoin(group);
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
    this.deps.rebalancer.scheduleSession(group, old);
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
    this.deps.rebalancer.rebalanceOnJoin(group);
  }

  // ── SyncGroup, Heartbeat, LeaveGroup ─────────────────────────────────────────────────────────

  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    try {
      this.deps.registry.checkOpen();
      const group = this.deps.registry.existingGroup(request.groupId);
      const member = currentMember(group, request.memberId, request.generationId, request.groupInstanceId);
      const protocolType = group.protocolType ?? CONSUMER_PROTOCOL_TYPE;
      if ((request.protocolType != null && request.protocolType !== protocolType) || (request.protocolName != null && request.protocolName !== group.protocolName)) {
        throw groupError('ERR_GROUP_INCONSISTENT_PROTOCOL', group.groupId, `SyncGroup names protocol ${String(request.protocolType)}/${String(request.protocolName)}, the group has ${protocolType}/${String(group.protocolName)}`);
      }
      if (group.state === 'PreparingRebalance') throw groupError('ERR_GROUP_REBALANCE_IN_PROGRESS', group.groupId);
      this.deps.rebalancer.scheduleSession(group, member);
      if (group.state === 'Stable') return Promise.resolve(syncResponse(group, member));
      return new Promise<SyncGroupResponse>((resolve, reject) => {
        member.syncWaiter?.reject(groupError('ERR_GROUP_REBALANCE_IN_PROGRESS', group.groupId));
        member.syncWaiter = { resolve, reject };
        if (member.memberId === group.leaderId) this.deps.rebalancer.completeRebalance(group, request.assignments);
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  heartbeat(request: HeartbeatRequest): void {
    this.deps.registry.checkOpen();
    const group = this.deps.registry.existingGroup(request.groupId);
    const member = currentMember(group, request.memberId, request.generationId, request.groupInstanceId);
    this.deps.rebalancer.scheduleSession(group, member);
    if (group.state === 'PreparingRebalance') throw groupError('ERR_GROUP_REBALANCE_IN_PROGRESS', group.groupId);
  }

  leaveGroup(request: LeaveGroupRequest): void {
    this.deps.registry.checkOpen();
    const group = this.deps.registry.existingGroup(request.groupId);
    if (this.deps.rebalancer.pendingMemberLeft(group, request.memberId)) return;
    let memberId = request.memberId;
    if (request.groupInstanceId != null) {
      const current = group.staticMembers.get(request.groupInstanceId);
      if (current === undefined) throw groupError('ERR_GROUP_UNKNOWN_MEMBER', group.groupId, `No static member "${request.groupInstanceId}" in group "${group.groupId}"`, { groupInstanceId: request.groupInstanceId });
      if (memberId !== '' && memberId !== current) throw groupError('ERR_GROUP_FENCED_INSTANCE_ID', group.groupId, undefined, { memberId, groupInstanceId: request.groupInstanceId });
      memberId = current;
    }
    const member = knownMember(group, memberId);
    this.deps.rebalancer.removeMember(group, member, groupError('ERR_GROUP_UNKNOWN_MEMBER', group.groupId, 'The member left the group'));
  }
}
