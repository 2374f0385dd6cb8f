/**
 * The group coordinator's groups, by group id, and whether the coordinator is still open: the one
 * owner of that state, which the coordinator's parts (membership, rebalancing, offsets,
 * transactional offsets, admin views) are all given. A group is created by the first request that
 * needs it (a JoinGroup, a commit, a load) and forgotten once it holds nothing (`isGone`).
 */
import type { Clock } from '../clock.js';
import { EddyError, type ErrorCode } from '../errors.js';
import { Group } from './group-model.js';

/** An error about a group, with the group id in its context. */
export function groupError(code: ErrorCode, groupId: string, message?: string, extra: Record<string, unknown> = {}): EddyError {
  return new EddyError(code, message, { group: groupId, ...extra });
}

const MAX_GROUP_ID_BYTES = 0x7fff;

export function validateGroupId(groupId: unknown): asserts groupId is string {
  if (typeof groupId !== 'string' || groupId.length === 0 || Buffer.byteLength(groupId) > MAX_GROUP_ID_BYTES) {
    throw new EddyError('ERR_GROUP_ID_INVALID', `Group id must be a non-empty string of at most ${MAX_GROUP_ID_BYTES} bytes`, { value: groupId });
  }
}

/** A group with no members (joined or pending), offsets or pending transactional offsets can be forgotten. */
export function isGone(group: Group): boolean {
  return group.members.size === 0 && group.offsets.size === 0 && group.pendingTxnOffsets.size === 0 && group.pendingMembers.size === 0;
}

export class GroupRegistry {
  private readonly groups = new Map<string, Group>();
  private closed = false;

  constructor(private readonly clock: Clock) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** From now on requests fail with ERR_LOG_CLOSED (the parts cancel their own timers). */
  close(): void {
    this.closed = true;
  }

  checkOpen(): void {
    if (this.closed) throw new EddyError('ERR_LOG_CLOSED', 'Eddy is closed');
  }

  get(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  /** The group, created Empty (since now) if it does not exist yet. */
  groupFor(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = new Group(groupId, this.clock.now());
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** Adds a group built elsewhere (loading committed offsets). */
  add(group: Group): void {
    this.groups.set(group.groupId, group);
  }

  /** The group a member's request names; ERR_GROUP_UNKNOWN_MEMBER when there is none. */
  existingGroup(groupId: string): Group {
    const group = this.groups.get(groupId);
    if (group === undefined) throw groupError('ERR_GROUP_UNKNOWN_MEMBER', groupId, `Group "${groupId}" has no members`);
    return group;
  }

  delete(groupId: string): void {
    this.groups.delete(groupId);
  }

  values(): IterableIterator<Group> {
    return this.groups.values();
  }
}
