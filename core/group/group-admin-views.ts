/**
 * The group coordinator's answers to administration: ListGroups, DescribeGroups (Eddy's description
 * with decoded assignments, and Kafka's GroupSummary with bytes), DeleteGroups and member counts.
 * Reads of the groups' state; a delete writes tombstones through the committed offsets
 * (group-offsets.ts). Eddy's admin API on top of these is group-admin.ts.
 */
import type { GroupOffsets } from './group-offsets.js';
import { groupError, isGone, validateGroupId, type GroupRegistry } from './group-registry.js';
import { CONSUMER_PROTOCOL_TYPE, rawAssignmentOf, rawMetadataOf } from './member-metadata.js';
import type { GroupDescription, GroupState, GroupSummary } from './protocol.js';

export interface GroupAdminViewsDeps {
  registry: GroupRegistry;
  /** Writes a deleted group's tombstones. */
  offsets: Pick<GroupOffsets, 'deleteAll'>;
}

export class GroupAdminViews {
  constructor(private readonly deps: GroupAdminViewsDeps) {}

  /** Every group; a group that never had a member (offsets only) is listed with protocol type "consumer". */
  listGroups(): Array<{ groupId: string; state: GroupState; protocolType: string }> {
    return [...this.deps.registry.values()]
      .map((g) => ({ groupId: g.groupId, state: g.state, protocolType: g.protocolType ?? CONSUMER_PROTOCOL_TYPE }))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
  }

  /** Throws ERR_GROUP_NOT_FOUND for a group with neither members nor offsets. */
  describeGroup(groupId: string): GroupDescription {
    validateGroupId(groupId);
    const group = this.deps.registry.get(groupId);
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
    const group = this.deps.registry.get(groupId);
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
    const { registry } = this.deps;
    registry.checkOpen();
    validateGroupId(groupId);
    const group = registry.get(groupId);
    if (group === undefined) throw groupError('ERR_GROUP_NOT_FOUND', groupId, `Group "${groupId}" does not exist`);
    if (group.members.size > 0) throw groupError('ERR_GROUP_NOT_EMPTY', groupId, `Group "${groupId}" has ${group.members.size} active member(s); stop them first`);
    await this.deps.offsets.deleteAll(group);
    if (isGone(group)) registry.delete(groupId);
  }

  /** Number of active members (0 for an unknown group). */
  memberCount(groupId: string): number {
    return this.deps.registry.get(groupId)?.members.size ?? 0;
  }
}
