/**
 * Topic administration, as Kafka's AdminClient and `kafka-topics` offer it: create, list, describe,
 * delete, alter configs, add partitions. Every call validates all of its input before it changes
 * anything, so a bad name or config creates or alters nothing.
 */
import type { CreateTopicOptions, TopicDescription } from './client/types.js';
import type { CompactionProgress, LogCleanerStats, PartitionCompaction } from './log/cleaner/log-cleaner.js';
import type { LogManager } from './log/log-manager.js';
import type { GroupAdmin, GroupListing, GroupOffsetsDescription, ResetOffsetsPlan, ResetOffsetsResult } from './group/group-admin.js';
import { EddyError } from './errors.js';

export class Admin {
  /** @internal */
  constructor(private readonly manager: LogManager) {}

  /**
   * Creates a topic.
   * @example
   * await eddy.admin.createTopic('orders', { partitions: 3, config: { 'retention.ms': 86_400_000 } });
   */
  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<TopicDescription> {
    return this.manager.createTopic(name, { partitions: options.partitions, config: options.config ?? {} });
  }

  /** User topic names, sorted; internal (`__`) topics only with `includeInternal`. */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    return this.manager.topicNames(options.includeInternal === true);
  }

  /** Per partition offsets, bytes and segments, plus every config with its effective value. */
  async describeTopic(name: string): Promise<TopicDescription> {
    return this.manager.describeTopic(name);
  }

  async deleteTopic(name: string): Promise<void> {
    this.manager.deleteTopic(name);
  }

  /** Sets config overrides; `null` resets one to its default. All or nothing. */
  async alterTopicConfig(name: string, config: Record<string, string | number | null>): Promise<void> {
    this.manager.alterTopicConfig(name, config);
  }

  /** Raises the partition count to `totalCount` (Kafka's `--alter --partitions`). */
  async addPartitions(name: string, totalCount: number): Promise<void> {
    this.manager.addPartitions(name, totalCount);
  }

  /**
   * Compacts every partition of a compacted topic now, whatever its dirty ratio (Kafka has no such
   * call; its cleaner only runs on a schedule). min.compaction.lag.ms and delete.retention.ms still
   * apply. `onProgress` reports bytes done per partition and phase.
   * @example
   * const [p0] = await eddy.admin.compactTopic('profiles', (p) => console.error(p.partition, p.phase, p.bytesDone, p.bytesTotal));
   * console.log(p0?.bytesBefore, '→', p0?.bytesAfter);
   */
  async compactTopic(name: string, onProgress?: (progress: CompactionProgress) => void): Promise<PartitionCompaction[]> {
    return this.manager.compactTopic(name, onProgress);
  }

  /** Counters of the background log cleaner: passes completed, whether one runs now, checks made. */
  cleanerMetrics(): LogCleanerStats {
    return this.manager.cleanerStats();
  }

  /** Runs a retention pass now instead of waiting for `log.retention.check.interval.ms`. */
  async runRetention(): Promise<number> {
    return this.manager.runRetention();
  }

  // ── Consumer groups (core/group/group-admin.ts) ──────────────────────────────────────────────

  private groups: GroupAdmin | null = null;

  /** @internal Eddy wires its group coordinator in. */
  attachGroups(groups: GroupAdmin): void {
    this.groups = groups;
  }

  private groupAdmin(): GroupAdmin {
    if (this.groups === null) throw new EddyError('ERR_INTERNAL_DEFECT', 'Admin has no group coordinator');
    return this.groups;
  }

  /** Every group with members or committed offsets, sorted by id. */
  async listGroups(): Promise<GroupListing[]> {
    return this.groupAdmin().listGroups();
  }

  /**
   * State, members with their assignment, and per partition the committed offset, log end offset and
   * lag (log end − committed). ERR_GROUP_NOT_FOUND for an unknown group.
   * @example
   * const { partitions } = await eddy.admin.describeGroup('billing');
   * // [{ topic: 'orders', partition: 0, committedOffset: 40, logEndOffset: 42, lag: 2 }, ...]
   */
  async describeGroup(groupId: string): Promise<GroupOffsetsDescription> {
    return this.groupAdmin().describeGroup(groupId);
  }

  /** Deletes a group and its committed offsets; ERR_GROUP_NOT_EMPTY while it has members. */
  async deleteGroup(groupId: string): Promise<void> {
    await this.groupAdmin().deleteGroup(groupId);
  }

  /**
   * Computes (and with `execute: true` commits) new offsets for a group without members.
   * @example
   * await eddy.admin.resetOffsets({ groupId: 'billing', topics: [{ topic: 'orders' }], spec: { type: 'earliest' }, execute: true });
   */
  async resetOffsets(plan: ResetOffsetsPlan): Promise<ResetOffsetsResult> {
    return this.groupAdmin().resetOffsets(plan);
  }
}
