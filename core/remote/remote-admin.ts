/**
 * Topic and consumer-group administration over Kafka's protocol: the EddyAdmin calls of core/admin.ts
 * as CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs, IncrementalAlterConfigs,
 * ListOffsets, ListGroups, DescribeGroups, DeleteGroups, OffsetFetch and OffsetCommit requests.
 *
 * Where it differs from the embedded Admin:
 * - describeTopic() has no `bytes`, `segments` or `dirtyRatio` (the protocol has no such figures);
 *   offsets come from ListOffsets, configs from DescribeConfigs (a real cluster lists more configs
 *   than Eddy has, broker-level ones included).
 * - describeGroup() reports generationId -1: DescribeGroups does not carry the generation.
 * - resetOffsets() with a `duration` measures from this machine's clock, not the data directory's.
 * - A topic created on a real cluster may take a moment to appear in metadata: createTopic() waits
 *   until the broker reports it before it describes it.
 * - Topic names are checked for Kafka's syntax here; whether `__` names are refused is the broker's
 *   rule (Eddy refuses them with ERR_TOPIC_RESERVED, Kafka allows them).
 */
import { ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import type { CreateTopicOptions, TopicPartition } from '../client/types.js';
import type { EddyAdmin, EddyTopicDescription } from '../client/interfaces.js';
import { EddyError, isEddyError, toSafeNumber } from '../errors.js';
import { compareTopicPartitions, tpKey } from '../group/assignors/assignor.js';
import { resetGroupOffsets, type GroupListing, type GroupOffsetsDescription, type GroupPartitionLag, type ResetOffsetsPlan, type ResetOffsetsResult } from '../group/group-admin.js';
import { validateGroupId } from '../group/group-coordinator.js';
import type { GroupMemberDescription, GroupState } from '../group/protocol.js';
import { validateTopicNameSyntax } from '../log/topic-name.js';
import { decodeAssignment } from '../protocol/consumer-protocol.js';
import { COORDINATOR_MOVED, type BrokerLink } from './broker-link.js';
import { EARLIEST, LATEST, listOffsets } from './list-offsets.js';
import { kafkaError } from './remote-errors.js';
import type { OffsetFetchResponse } from './remote-group-coordinator.js';

interface ErrorItem {
  errorCode: number;
  errorMessage?: string | null;
}

interface DescribeGroupsResponse {
  groups: Array<{
    errorCode: number;
    groupId: string;
    groupState: string;
    protocolType: string;
    protocolData: string;
    members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; memberAssignment: Buffer | null }>;
  }>;
}


interface OffsetCommitResponse {
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;
}

const GROUP_STATES: ReadonlySet<string> = new Set<GroupState>(['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable']);

/** How long createTopic() waits for a new topic to show up in metadata. */
const NEW_TOPIC_VISIBLE_WITHIN_MS = 10_000;

export class RemoteAdmin implements EddyAdmin {
  /** @internal */
  constructor(
    private readonly link: BrokerLink,
    private readonly requestTimeoutMs: number,
  ) {}

  // ── Topics ─────────────────────────────────────────────────────────────────────────────────────

  /**
   * Creates a topic (partitions default to the broker's num.partitions).
   * @example
   * const eddy = await Eddy.connect({ brokers: ['localhost:9092'] });
   * await eddy.admin.createTopic('orders', { partitions: 3, config: { 'retention.ms': 86_400_000 } });
   */
  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<EddyTopicDescription> {
    validateTopicNameSyntax(name);
    const configs = Object.entries(options.config ?? {}).map(([key, value]) => ({ name: key, value: String(value) }));
    const numPartitions = options.partitions ?? -1;
    if (!Number.isSafeInteger(numPartitions) || (numPartitions < 1 && options.partitions !== undefined)) {
      throw new EddyError('ERR_PARTITIONS_INVALID', `A topic needs at least one partition, got ${String(options.partitions)}`, { topic: name, value: options.partitions });
    }
    const response = await this.link.request<{ topics: Array<ErrorItem & { name: string }> }>(
      'CreateTopics', await this.link.controller(), [{ name, numPartitions, replicationFactor: -1, assignments: [], configs }], this.requestTimeoutMs, false,
    );
    throwFirstError(response.topics, (t) => ({ topic: t.name }));
    this.changed([name]);
    const deadline = Date.now() + NEW_TOPIC_VISIBLE_WITHIN_MS;
    for (;;) {
      try {
        return await this.describeTopic(name);
      } catch (err) {
        if (!(err instanceof EddyError) || err.code !== 'ERR_TOPIC_NOT_FOUND' || Date.now() >= deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** User topic names, sorted; internal (`__`) topics only with `includeInternal`. */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    const topics = await this.link.allTopics();
    return topics
      .filter((t) => options.includeInternal === true || !(t.internal || t.name.startsWith('__')))
      .map((t) => t.name)
      .sort();
  }

  /** Per partition the log start, log end and last stable offsets, plus every config with its value. */
  async describeTopic(name: string): Promise<EddyTopicDescription> {
    validateTopicNameSyntax(name);
    const meta = await this.link.topic(name, { fresh: true });
    const tps = meta.partitions.map((p) => ({ topic: name, partition: p.partition }));
    const [starts, ends, stable, config] = await Promise.all([
      listOffsets(this.link, tps.map((tp) => ({ ...tp, timestamp: EARLIEST })), 'read_uncommitted'),
      listOffsets(this.link, tps.map((tp) => ({ ...tp, timestamp: LATEST })), 'read_uncommitted'),
      listOffsets(this.link, tps.map((tp) => ({ ...tp, timestamp: LATEST })), 'read_committed'),
      this.topicConfig(name),
    ]);
    return {
      name,
      partitions: tps.map((tp) => ({
        partition: tp.partition,
        logStartOffset: starts.get(tpKey(tp)) ?? 0,
        logEndOffset: ends.get(tpKey(tp)) ?? 0,
        lastStableOffset: stable.get(tpKey(tp)) ?? 0,
      })),
      config,
    };
  }

  private async topicConfig(name: string): Promise<Record<string, string>> {
    const response = await this.link.requestAny<{ results: Array<ErrorItem & { resourceName: string; configs: Array<{ name: string; value: string | null }> }> }>(
      'DescribeConfigs', [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: name, configurationKeys: null }], false, false,
    );
    throwFirstError(response.results, (r) => ({ topic: r.resourceName }));
    const config: Record<string, string> = {};
    for (const result of response.results) {
      for (const c of result.configs) if (c.value !== null) config[c.name] = c.value;
    }
    return Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  async deleteTopic(name: string): Promise<void> {
    validateTopicNameSyntax(name);
    const response = await this.link.request<{ responses: Array<ErrorItem & { name: string | null }> }>(
      'DeleteTopics', await this.link.controller(), [{ name }], this.requestTimeoutMs,
    );
    throwFirstError(response.responses, (r) => ({ topic: r.name ?? name }));
    this.changed([name]);
  }

  /** Sets config overrides; `null` resets one to its default. One IncrementalAlterConfigs request: all or nothing. */
  async alterTopicConfig(name: string, config: Record<string, string | number | null>): Promise<void> {
    validateTopicNameSyntax(name);
    if (typeof config !== 'object' || config === null) throw new EddyError('ERR_CONFIG_INVALID', 'alterTopicConfig() takes an object of configs', { topic: name, value: config });
    const configs = Object.entries(config).map(([key, value]) => {
      if (value === null) return { name: key, configOperation: IncrementalAlterConfigOperationTypes.DELETE };
      if (typeof value !== 'string' && typeof value !== 'number') throw new EddyError('ERR_CONFIG_INVALID', `Config ${key} must be a string, a number or null`, { topic: name, config: key, value });
      return { name: key, configOperation: IncrementalAlterConfigOperationTypes.SET, value: String(value) };
    });
    const response = await this.link.requestAny<{ responses: Array<ErrorItem & { resourceName: string }> }>(
      'IncrementalAlterConfigs', [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: name, configs }], false,
    );
    throwFirstError(response.responses, (r) => ({ topic: r.resourceName }));
  }

  /** Raises the partition count to `totalCount` (Kafka's `--alter --partitions`). */
  async addPartitions(name: string, totalCount: number): Promise<void> {
    validateTopicNameSyntax(name);
    if (!Number.isSafeInteger(totalCount) || totalCount < 1) {
      throw new EddyError('ERR_PARTITIONS_INVALID', `Partition count must be a positive integer, got ${String(totalCount)}`, { topic: name, value: totalCount });
    }
    const response = await this.link.request<{ results: Array<ErrorItem & { name: string }> }>(
      'CreatePartitions', await this.link.controller(), [{ name, count: totalCount, assignments: null }], this.requestTimeoutMs, false,
    );
    throwFirstError(response.results, (r) => ({ topic: r.name }));
    this.changed([name]);
  }

  /** Drops the topics' cached metadata, which every client of this connection reads partition counts from. */
  private changed(topics: readonly string[]): void {
    this.link.forgetTopics(topics);
  }

  // ── Consumer groups ────────────────────────────────────────────────────────────────────────────

  /** Every group the brokers know (with members or committed offsets), sorted by id. */
  async listGroups(): Promise<GroupListing[]> {
    const brokers = await this.brokerIds();
    const listings: GroupListing[] = [];
    await Promise.all(brokers.map(async (nodeId) => {
      const connection = await this.link.connectionTo(nodeId);
      const listed = await this.link.request<{ errorCode: number; groups: Array<{ groupId: string; groupState: string }> }>('ListGroups', connection, [], []);
      if (listed.errorCode !== 0) throw kafkaError(listed.errorCode, null, { nodeId });
      if (listed.groups.length === 0) return;
      // ListGroups answers the groups this broker coordinates, so it can describe them too.
      const described = await this.link.request<DescribeGroupsResponse>('DescribeGroups', connection, listed.groups.map((g) => g.groupId), false);
      for (const g of described.groups) {
        if (g.errorCode !== 0 || !GROUP_STATES.has(g.groupState)) continue;
        listings.push({ groupId: g.groupId, state: g.groupState as GroupState, members: g.members.length });
      }
    }));
    return listings.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  private async brokerIds(): Promise<number[]> {
    const response = await this.link.requestAny<{ brokers: Array<{ nodeId: number }> }>('Metadata', [], false, false);
    return response.brokers.map((b) => b.nodeId);
  }

  /**
   * State, members with their assignment, and per partition the committed offset, log end offset and
   * lag. ERR_GROUP_NOT_FOUND for an unknown group.
   */
  async describeGroup(groupId: string): Promise<GroupOffsetsDescription> {
    validateGroupId(groupId);
    const group = await this.describeOne(groupId);
    const members: GroupMemberDescription[] = group.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      assignment: m.memberAssignment === null || m.memberAssignment.length === 0 ? [] : decodeAssignment(m.memberAssignment).assignedPartitions,
    }));
    const committed = await this.committedOffsets(groupId, null);
    const all = new Map<string, TopicPartition>();
    for (const c of committed.values()) all.set(tpKey(c), { topic: c.topic, partition: c.partition });
    for (const m of members) for (const tp of m.assignment) all.set(tpKey(tp), { topic: tp.topic, partition: tp.partition });
    const tps = [...all.values()].sort(compareTopicPartitions);
    const ends = await this.logEndOffsets(tps);
    const partitions: GroupPartitionLag[] = tps.map((tp) => {
      const committedOffset = committed.get(tpKey(tp))?.offset ?? null;
      const logEndOffset = ends.get(tpKey(tp)) ?? null;
      const lag = committedOffset === null || logEndOffset === null ? null : Math.max(0, logEndOffset - committedOffset);
      return { topic: tp.topic, partition: tp.partition, committedOffset, logEndOffset, lag };
    });
    return {
      group: groupId,
      state: group.groupState as GroupState,
      protocol: group.protocolData === '' ? null : group.protocolData,
      generationId: -1,
      members,
      partitions,
    };
  }

  private async describeOne(groupId: string): Promise<DescribeGroupsResponse['groups'][number]> {
    const response = await this.onCoordinator(groupId, (c) => this.link.request<DescribeGroupsResponse>('DescribeGroups', c, [groupId], false), (r) => r.groups[0]?.errorCode ?? 0);
    const group = response.groups.find((g) => g.groupId === groupId);
    if (group === undefined) throw new EddyError('ERR_PROTOCOL_INVALID', 'DescribeGroups answered without the group', { group: groupId });
    if (group.errorCode !== 0) throw kafkaError(group.errorCode, null, { group: groupId });
    if (!GROUP_STATES.has(group.groupState)) throw new EddyError('ERR_GROUP_NOT_FOUND', `Group "${groupId}" does not exist`, { group: groupId });
    return group;
  }

  /** Log end offsets of the partitions that still exist. */
  private async logEndOffsets(tps: readonly TopicPartition[]): Promise<Map<string, number | null>> {
    const existing: TopicPartition[] = [];
    for (const topic of new Set(tps.map((tp) => tp.topic))) {
      try {
        const meta = await this.link.topic(topic, { fresh: true });
        for (const tp of tps) if (tp.topic === topic && tp.partition < meta.partitions.length) existing.push(tp);
      } catch (err) {
        if (!(err instanceof EddyError) || err.code !== 'ERR_TOPIC_NOT_FOUND') throw err;
      }
    }
    return listOffsets(this.link, existing.map((tp) => ({ ...tp, timestamp: LATEST })), 'read_uncommitted');
  }

  /** Committed offsets of the group (of `tps`, or of every partition it has one for). */
  private async committedOffsets(groupId: string, tps: readonly TopicPartition[] | null): Promise<Map<string, TopicPartition & { offset: number }>> {
    const topics = tps === null ? null : groupPartitions(tps).map(({ topic, partitions }) => ({ name: topic, partitionIndexes: partitions }));
    const response = await this.onCoordinator(
      groupId,
      (c) => this.link.request<OffsetFetchResponse>('OffsetFetch', c, [{ groupId, memberId: null, memberEpoch: -1, topics }], false),
      (r) => r.groups[0]?.errorCode ?? 0,
    );
    const out = new Map<string, TopicPartition & { offset: number }>();
    for (const group of response.groups) {
      if (group.errorCode !== 0) throw kafkaError(group.errorCode, null, { group: groupId });
      for (const topic of group.topics) {
        for (const p of topic.partitions) {
          if (p.errorCode !== 0) throw kafkaError(p.errorCode, null, { group: groupId, topic: topic.name, partition: p.partitionIndex });
          if (p.committedOffset >= 0n) out.set(tpKey({ topic: topic.name, partition: p.partitionIndex }), { topic: topic.name, partition: p.partitionIndex, offset: toSafeNumber(p.committedOffset, 'committed offset') });
        }
      }
    }
    return out;
  }

  /** Deletes a group and its committed offsets; ERR_GROUP_NOT_EMPTY while it has members. */
  async deleteGroup(groupId: string): Promise<void> {
    validateGroupId(groupId);
    const response = await this.onCoordinator(
      groupId,
      (c) => this.link.request<{ results: Array<{ groupId: string; errorCode: number }> }>('DeleteGroups', c, [groupId]),
      (r) => r.results[0]?.errorCode ?? 0,
    );
    for (const r of response.results) if (r.errorCode !== 0) throw kafkaError(r.errorCode, null, { group: r.groupId });
  }

  /**
   * Computes (and with `execute: true` commits) new offsets for a group without members.
   * @example
   * await eddy.admin.resetOffsets({ groupId: 'billing', topics: [{ topic: 'orders' }], spec: { type: 'earliest' }, execute: true });
   */
  resetOffsets(plan: ResetOffsetsPlan): Promise<ResetOffsetsResult> {
    return resetGroupOffsets(plan, {
      memberCount: async (groupId) => {
        try {
          return (await this.describeOne(groupId)).members.length;
        } catch (err) {
          if (isEddyError(err, 'ERR_GROUP_NOT_FOUND')) return 0;
          throw err;
        }
      },
      partitionCount: async (topic) => (await this.link.topic(topic, { fresh: true })).partitions.length,
      committed: async (groupId, tps) => new Map([...(await this.committedOffsets(groupId, tps))].map(([key, c]) => [key, c.offset])),
      bounds: async (tps) => {
        const [starts, ends] = await Promise.all([
          listOffsets(this.link, tps.map((tp) => ({ ...tp, timestamp: EARLIEST })), 'read_uncommitted'),
          listOffsets(this.link, tps.map((tp) => ({ ...tp, timestamp: LATEST })), 'read_uncommitted'),
        ]);
        return new Map(tps.map((tp) => [tpKey(tp), { start: starts.get(tpKey(tp)) ?? 0, end: ends.get(tpKey(tp)) ?? 0 }]));
      },
      offsetsForTimestamp: (tps, timestamp) => listOffsets(this.link, tps.map((tp) => ({ ...tp, timestamp })), 'read_uncommitted'),
      now: () => Date.now(),
      commit: async (groupId, offsets) => {
        const topics = groupPartitions(offsets).map(({ topic }) => ({
          name: topic,
          partitions: offsets.filter((o) => o.topic === topic).map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, committedMetadata: '' })),
        }));
        const response = await this.onCoordinator(
          groupId,
          (c) => this.link.request<OffsetCommitResponse>('OffsetCommit', c, groupId, -1, '', null, topics),
          (r) => r.topics[0]?.partitions[0]?.errorCode ?? 0,
        );
        for (const t of response.topics) {
          for (const p of t.partitions) if (p.errorCode !== 0) throw kafkaError(p.errorCode, null, { group: groupId, topic: t.name, partition: p.partitionIndex });
        }
      },
    });
  }

  /** Runs a group request on the group's coordinator, looking the coordinator up again when it moved. */
  private async onCoordinator<R>(groupId: string, call: (connection: Awaited<ReturnType<BrokerLink['coordinator']>>) => Promise<R>, errorCode: (r: R) => number): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      const response = await call(await this.link.coordinator('group', groupId));
      if (!COORDINATOR_MOVED.has(errorCode(response)) || attempt >= 5) return response;
      this.link.forgetCoordinator('group', groupId);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Throws the EddyError of the first item with a non-zero error code. */
function throwFirstError<T extends ErrorItem>(items: readonly T[], context: (item: T) => Record<string, unknown>): void {
  for (const item of items) if (item.errorCode !== 0) throw kafkaError(item.errorCode, item.errorMessage, context(item));
}

/** Partitions grouped by topic, topics in order of first appearance. */
export function groupPartitions(tps: readonly TopicPartition[]): Array<{ topic: string; partitions: number[] }> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of tps) {
    let list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, (list = []));
    list.push(partition);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

