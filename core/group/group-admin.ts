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

  async resetOffsets(plan: ResetOffsetsPlan): Promise<ResetOffsetsResult> {
    const { groupId, spec } = plan;
    validateGroupId(groupId);
    const members = this.coordinator.memberCount(groupId);
    if (members > 0) {
      throw new EddyError('ERR_GROUP_NOT_EMPTY', `Group "${groupId}" has ${members} active member(s); offsets can only be reset while it has none`, { group: groupId });
    }
    checkSpec(spec);
    const targets: TopicPartition[] = [];
    for (const { topic, partitions } of plan.topics) {
      const count = this.manager.partitionCount(topic); // ERR_TOPIC_NOT_FOUND
      for (const partition of partitions ?? Array.from({ length: count }, (_, i) => i)) {
        if (!Number.isSafeInteger(partition) || partition < 0 || partition >= count) {
          throw new EddyError('ERR_PARTITION_NOT_FOUND', `Topic "${topic}" has no partition ${partition} (it has ${count})`, { topic, partition });
        }
        if (!targets.some((t) => t.topic === topic && t.partition === partition)) targets.push({ topic, partition });
      }
    }
    targets.sort(compareTopicPartitions);
    const current = new Map(this.coordinator.offsetFetch({ groupId, partitions: targets }).map((c) => [tpKey(c), c.offset < 0 ? null : c.offset]));
    const rows = targets.map((tp) => {
      const log = this.manager.log(tp.topic, tp.partition);
      const start = log.logStartOffset();
      const end = log.logEndOffset();
      const oldOffset = current.get(tpKey(tp)) ?? null;
      const clamp = (o: number): number => Math.min(end, Math.max(start, o));
      let newOffset: number;
      switch (spec.type) {
        case 'earliest': newOffset = start; break;
        case 'latest': newOffset = end; break;
        case 'offset': newOffset = clamp(spec.offset); break;
        case 'datetime': newOffset = log.offsetForTimestamp(spec.timestamp) ?? end; break;
        case 'duration': newOffset = log.offsetForTimestamp(this.clock.now() - spec.durationMs) ?? end; break;
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
      await this.coordinator.offsetCommit({
        groupId,
        generationId: -1,
        memberId: '',
        offsets: rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.newOffset })),
      });
    }
    return { groupId, executed: plan.execute === true, partitions: rows };
  }
}

function checkSpec(spec: ResetOffsetsSpec): void {
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
