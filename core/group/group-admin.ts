/**
 * Group administration, as Kafka's AdminClient and `kafka-consumer-groups` offer it: list, describe
 * (members, assignment, committed offset, log end offset and lag per partition), delete, and
 * reset-offsets with a dry run. Exposed as `eddy.admin.listGroups()` and friends.
 *
 * Lag is `logEndOffset − committedOffset` per partition; it is null where the group has no committed
 * offset or the topic no longer exists.
 */
import type { TopicPartition } from '../client/types.js';
import type { Clock } from '../clock.js';
import { EddyError } from '../errors.js';
import type { LogManager } from '../log/log-manager.js';
import { compareTopicPartitions, tpKey } from './assignors/assignor.js';
import { validateGroupId, type GroupCoordinator } from './group-coordinator.js';
import type { GroupMemberDescription, GroupState } from './protocol.js';

export interface GroupListing {
  groupId: string;
  state: GroupState;
  members: number;
}

export interface GroupPartitionLag extends TopicPartition {
  committedOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
}

export interface GroupOffsetsDescription {
  group: string;
  state: GroupState;
  protocol: string | null;
  generationId: number;
  members: GroupMemberDescription[];
  partitions: GroupPartitionLag[];
}

/** Where reset-offsets moves each partition (kafka-consumer-groups' modes). */
export type ResetOffsetsSpec =
  | { type: 'earliest' }
  | { type: 'latest' }
  | { type: 'offset'; offset: number }
  /** The first offset with a timestamp >= `timestamp` (the log end when none). */
  | { type: 'datetime'; timestamp: number }
  /** Like datetime, at now − durationMs on the data directory's clock. */
  | { type: 'duration'; durationMs: number }
  /** The committed offset plus `shift` (negative moves back). */
  | { type: 'shift'; shift: number };

export interface ResetOffsetsPlan {
  groupId: string;
  /** Topics, each with all its partitions or the listed ones. */
  topics: Array<{ topic: string; partitions?: number[] }>;
  spec: ResetOffsetsSpec;
  /** false (default): compute and return the plan, change nothing. */
  execute?: boolean;
}

export interface ResetOffsetsResult {
  groupId: string;
  executed: boolean;
  partitions: Array<TopicPartition & { oldOffset: number | null; newOffset: number }>;
}

/**
 * What reset-offsets needs to know and do, from the embedded log or over the wire. Every call may
 * answer at once or with a promise.
 */
export interface OffsetResetAccess {
  /** Active members of the group (0 when it does not exist). */
  memberCount(groupId: string): number | Promise<number>;
  /** The topic's partition count; throws ERR_TOPIC_NOT_FOUND. */
  partitionCount(topic: string): number | Promise<number>;
  /** The group's committed offsets of `tps`, by tpKey (missing or null: none). */
  committed(groupId: string, tps: readonly TopicPartition[]): Map<string, number | null> | Promise<Map<string, number | null>>;
  /** Log start and end offsets of `tps`, by tpKey. */
  bounds(tps: readonly TopicPartition[]): Map<string, { start: number; end: number }> | Promise<Map<string, { start: number; end: number }>>;
  /** Per partition, the first offset with a timestamp >= `timestamp`, or null when there is none. */
  offsetsForTimestamp(tps: readonly TopicPartition[], timestamp: number): Map<string, number | null> | Promise<Map<string, number | null>>;
  /** Now, on the clock `duration` specs count back from. */
  now(): number;
  /** Commits the new offsets for the group (it has no members). */
  commit(groupId: string, offsets: ReadonlyArray<TopicPartition & { offset: number }>): Promise<void>;
}

/**
 * Reset-offsets (kafka-consumer-groups' --reset-offsets) over either backend: checks the group has
 * no members and the spec and partitions are valid, computes each partition's new offset (clamped to
 * the log's bounds), and commits them when `plan.execute` is true.
 */
export async function resetGroupOffsets(plan: ResetOffsetsPlan, access: OffsetResetAccess): Promise<ResetOffsetsResult> {
  const { groupId, spec } = plan;
  validateGroupId(groupId);
  const members = await access.memberCount(groupId);
  if (members > 0) {
    throw new EddyError('ERR_GROUP_NOT_EMPTY', `Group "${groupId}" has ${members} active member(s); offsets can only be reset while it has none`, { group: groupId });
  }
  checkResetOffsetsSpec(spec);
  const targets: TopicPartition[] = [];
  for (const { topic, partitions } of plan.topics) {
    const count = await access.partitionCount(topic);
    for (const partition of partitions ?? Array.from({ length: count }, (_, i) => i)) {
      if (!Number.isSafeInteger(partition) || partition < 0 || partition >= count) {
        throw new EddyError('ERR_PARTITION_NOT_FOUND', `Topic "${topic}" has no partition ${partition} (it has ${count})`, { topic, partition });
      }
      if (!targets.some((t) => t.topic === topic && t.partition === partition)) targets.push({ topic, partition });
    }
  }
  targets.sort(compareTopicPartitions);
  const timestamp = spec.type === 'datetime' ? spec.timestamp : spec.type === 'duration' ? access.now() - spec.durationMs : null;
  const [current, bounds, byTime] = await Promise.all([
    access.committed(groupId, targets),
    access.bounds(targets),
    timestamp === null ? new Map<string, number | null>() : access.offsetsForTimestamp(targets, timestamp),
  ]);
  const rows = targets.map((tp) => {
    const key = tpKey(tp);
    const { start, end } = bounds.get(key) ?? { start: 0, end: 0 };
    const oldOffset = current.get(key) ?? null;
    const clamp = (o: number): number => Math.min(end, Math.max(start, o));
    let newOffset: number;
    switch (spec.type) {
      case 'earliest': newOffset = start; break;
      case 'latest': newOffset = end; break;
      case 'offset': newOffset = clamp(spec.offset); break;
      case 'datetime':
      case 'duration': newOffset = byTime.get(key) ?? end; break;
      case 'shift':
        if (oldOffset === null) {
          throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `Cannot shift ${tp.topic}-${tp.partition}: group "${groupId}" has no committed offset for it`, { group: groupId, ...tp });
        }
        newOffset = clamp(oldOffset + spec.shift);
        break;
    }
    return { topic: tp.topic, partition: tp.partition, oldOffset, newOffset };
  });
  if (plan.execute === true && rows.length > 0) {
    await access.commit(groupId, rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.newOffset })));
  }
  return { groupId, executed: plan.execute === true, partitions: rows };
}

export class GroupAdmin {
  constructor(private readonly coordinator: GroupCoordinator, private readonly manager: LogManager, private readonly clock: Clock) {}

  listGroups(): GroupListing[] {
    return this.coordinator.listGroups().map((g) => ({ groupId: g.groupId, state: g.state, members: this.coordinator.memberCount(g.groupId) }));
  }

  describeGroup(groupId: string): GroupOffsetsDescription {
    const description = this.coordinator.describeGroup(groupId);
    const committed = new Map(this.coordinator.offsetFetch({ groupId, partitions: null }).map((c) => [tpKey(c), c.offset]));
    const all = new Map<string, TopicPartition>();
    for (const c of this.coordinator.offsetFetch({ groupId, partitions: null })) all.set(tpKey(c), { topic: c.topic, partition: c.partition });
    for (const m of description.members) for (const tp of m.assignment) all.set(tpKey(tp), tp);
    const partitions = [...all.values()].sort(compareTopicPartitions).map((tp) => {
      const committedOffset = committed.get(tpKey(tp)) ?? null;
      const logEndOffset = this.logEndOffset(tp);
      const lag = committedOffset === null || logEndOffset === null ? null : Math.max(0, logEndOffset - committedOffset);
      return { topic: tp.topic, partition: tp.partition, committedOffset, logEndOffset, lag };
    });
    return {
      group: groupId,
      state: description.state,
      protocol: description.protocolName,
      generationId: description.generationId,
      members: description.members,
      partitions,
    };
  }

  private logEndOffset(tp: TopicPartition): number | null {
    if (!this.manager.hasTopic(tp.topic) || tp.partition >= this.manager.partitionCount(tp.topic)) return null;
    return this.manager.log(tp.topic, tp.partition).logEndOffset();
  }

  deleteGroup(groupId: string): Promise<void> {
    return this.coordinator.deleteGroup(groupId);
  }

  resetOffsets(plan: ResetOffsetsPlan): Promise<ResetOffsetsResult> {
    return resetGroupOffsets(plan, {
      memberCount: (groupId) => this.coordinator.memberCount(groupId),
      partitionCount: (topic) => this.manager.partitionCount(topic), // ERR_TOPIC_NOT_FOUND
      committed: (groupId, tps) => new Map(this.coordinator.offsetFetch({ groupId, partitions: [...tps] }).map((c) => [tpKey(c), c.offset < 0 ? null : c.offset])),
      bounds: (tps) => new Map(tps.map((tp) => {
        const log = this.manager.log(tp.topic, tp.partition);
        return [tpKey(tp), { start: log.logStartOffset(), end: log.logEndOffset() }];
      })),
      offsetsForTimestamp: (tps, timestamp) => new Map(tps.map((tp) => [tpKey(tp), this.manager.log(tp.topic, tp.partition).offsetForTimestamp(timestamp)])),
      now: () => this.clock.now(),
      commit: (groupId, offsets) => this.coordinator.offsetCommit({ groupId, generationId: -1, memberId: '', offsets: [...offsets] }),
    });
  }
}

/** Refuses a malformed reset-offsets spec with ERR_CONFIG_INVALID (shared by the embedded and remote admins). */
export function checkResetOffsetsSpec(spec: ResetOffsetsSpec): void {
  const bad = (why: string): EddyError => new EddyError('ERR_CONFIG_INVALID', `Invalid reset-offsets spec: ${why}`, { value: spec });
  switch (spec?.type) {
    case 'earliest':
    case 'latest':
      return;
    case 'offset':
      if (!Number.isSafeInteger(spec.offset) || spec.offset < 0) throw bad('offset must be an integer >= 0');
      return;
    case 'datetime':
      if (!Number.isSafeInteger(spec.timestamp)) throw bad('timestamp must be an integer (ms since the epoch)');
      return;
    case 'duration':
      if (!Number.isSafeInteger(spec.durationMs) || spec.durationMs < 0) throw bad('durationMs must be an integer >= 0');
      return;
    case 'shift':
      if (!Number.isSafeInteger(spec.shift)) throw bad('shift must be an integer');
      return;
    default:
      throw bad('unknown type');
  }
}
