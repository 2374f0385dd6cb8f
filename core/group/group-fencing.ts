/**
 * Fencing: whether a request comes from a current member of a group's current generation. SyncGroup,
 * Heartbeat, OffsetCommit, member OffsetFetch and a TxnOffsetCommit naming a member (KIP-447) from
 * an unknown member fail with ERR_GROUP_UNKNOWN_MEMBER, from another generation with
 * ERR_GROUP_ILLEGAL_GENERATION, and from a static member's id that a newer instance replaced with
 * ERR_GROUP_FENCED_INSTANCE_ID. Pure checks over the group's state; each request decides which
 * of them apply and what the group's state allows (group-membership.ts, group-offsets.ts).
 */
import type { Group, Member } from './group-model.js';
import { groupError } from './group-registry.js';

/** The member with `memberId`; fenced if a newer instance of a static member replaced it, unknown otherwise. */
export function knownMember(group: Group, memberId: string): Member {
  const member = group.members.get(memberId);
  if (member !== undefined) return member;
  if (group.fenced.has(memberId)) throw groupError('ERR_GROUP_FENCED_INSTANCE_ID', group.groupId, undefined, { memberId });
  throw groupError('ERR_GROUP_UNKNOWN_MEMBER', group.groupId, `Member ${memberId} is not in group "${group.groupId}"`, { memberId });
}

/** A request naming a static member id that now belongs to another member id is fenced (Kafka's isStaticMemberFenced). */
export function checkStaticMember(group: Group, groupInstanceId: string | null | undefined, memberId: string): void {
  if (groupInstanceId == null) return;
  const current = group.staticMembers.get(groupInstanceId);
  if (current !== undefined && current !== memberId) throw groupError('ERR_GROUP_FENCED_INSTANCE_ID', group.groupId, undefined, { memberId, groupInstanceId });
}

export function checkGeneration(group: Group, generationId: number, memberId: string): void {
  if (generationId !== group.generationId) {
    throw groupError('ERR_GROUP_ILLEGAL_GENERATION', group.groupId, `Generation ${generationId} is not the group's current generation ${group.generationId}`, { memberId, generationId });
  }
}

/**
 * The member a request names, checked in Kafka's order: the static instance id (when given), then
 * the member id, then the generation.
 */
export function currentMember(group: Group, memberId: string, generationId: number, groupInstanceId?: string | null): Member {
  checkStaticMember(group, groupInstanceId, memberId);
  const member = knownMember(group, memberId);
  checkGeneration(group, generationId, member.memberId);
  return member;
}
