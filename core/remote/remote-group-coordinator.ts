/**
 * A group's coordinator as a remote consumer and its group member reach it (the GroupChannel of
 * core/group/group-member.ts over the wire): JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 * OffsetCommit and OffsetFetch as promises with EddyErrors, over the connection to the broker that
 * FindCoordinator names, and the topic metadata a leader assigns from. When the coordinator moved
 * (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS) it is looked up again and
 * the request repeated, a few times.
 *
 * Subscriptions and assignments travel as Kafka's ConsumerProtocolSubscription / Assignment bytes
 * (core/protocol/consumer-protocol.ts), so remote Eddy consumers share groups with any Kafka client.
 * Members are eager only: the subscription carries no owned partitions.
 */
import type { TopicPartition } from '../client/types.js';
import { EddyError, toSafeNumber } from '../errors.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../protocol/consumer-protocol.js';
import type { FetchedOffset, GroupChannel, MemberCommitRequest, MemberJoinRequest, MemberJoinResult, MemberSyncRequest } from '../group/group-member.js';
import { COORDINATOR_MOVED, type BrokerLink } from './broker-link.js';
import { kafkaError } from './remote-errors.js';
import { groupPartitions } from './remote-admin.js';

/** Kafka's MEMBER_ID_REQUIRED: join again with the member id in the answer (KIP-394). */
const MEMBER_ID_REQUIRED = 79;
/** Kafka's UNSTABLE_OFFSET_COMMIT: a transaction holding offsets of the partition is still open (KIP-447). */
const UNSTABLE_OFFSET_COMMIT = 88;
const MAX_COORDINATOR_RETRIES = 5;
const RETRY_BACKOFF_MS = 100;
const PROTOCOL_TYPE = 'consumer';

interface JoinGroupResponse {
  errorCode: number;
  generationId: number;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string | null;
  members: Array<{ memberId: string; groupInstanceId?: string | null; metadata: Buffer | null }>;
}

/** The OffsetFetch answer (v8+: per group) as the library decodes it. */
export interface OffsetFetchResponse {
  groups: Array<{
    groupId: string;
    errorCode: number;
    topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint; metadata: string | null; errorCode: number }> }>;
  }>;
}

export class RemoteGroupCoordinator implements GroupChannel {
  constructor(private readonly link: BrokerLink, readonly groupId: string) {}

  /**
   * JoinGroup with the member's subscription for each assignor name. A new member gets its id
   * (MEMBER_ID_REQUIRED) and joins again with it, as KIP-394 asks.
   */
  async joinGroup(request: MemberJoinRequest): Promise<MemberJoinResult> {
    const protocols = request.protocols.map((p) => ({
      name: p.name,
      metadata: encodeSubscription({ version: 0, topics: p.topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null }),
    }));
    let memberId = request.memberId;
    for (let attempt = 0; ; attempt++) {
      const response = await this.call<JoinGroupResponse>(
        'JoinGroup',
        [this.groupId, request.sessionTimeoutMs, request.rebalanceTimeoutMs, memberId, request.groupInstanceId, PROTOCOL_TYPE, protocols, null],
        (r) => r.errorCode,
      );
      if (response.errorCode === MEMBER_ID_REQUIRED && response.memberId && attempt < 2) {
        memberId = response.memberId;
        continue;
      }
      if (response.errorCode !== 0) throw kafkaError(response.errorCode, null, { group: this.groupId, memberId });
      return {
        generationId: response.generationId,
        protocolName: response.protocolName ?? '',
        leader: response.leader,
        memberId: response.memberId ?? memberId,
        skipAssignment: response.skipAssignment === true,
        members: response.members.map((m) => {
          const subscription = m.metadata === null || m.metadata.length === 0 ? null : decodeSubscription(m.metadata);
          return {
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId ?? null,
            topics: subscription?.topics ?? [],
            ownedPartitions: subscription?.ownedPartitions ?? [],
          };
        }),
      };
    }
  }

  /** SyncGroup: the leader sends every member's assignment; every member gets its own. */
  async syncGroup(request: MemberSyncRequest): Promise<TopicPartition[]> {
    const assignments = request.assignments.map((a) => ({
      memberId: a.memberId,
      assignment: encodeAssignment({ version: 0, assignedPartitions: a.assignment, userData: null }),
    }));
    const response = await this.call<{ errorCode: number; assignment: Buffer | null }>(
      'SyncGroup',
      [this.groupId, request.generationId, request.memberId, request.groupInstanceId, PROTOCOL_TYPE, request.protocolName, assignments],
      (r) => r.errorCode,
    );
    if (response.errorCode !== 0) throw kafkaError(response.errorCode, null, { group: this.groupId, memberId: request.memberId });
    if (response.assignment === null || response.assignment.length === 0) return [];
    return decodeAssignment(response.assignment).assignedPartitions.map(({ topic, partition }) => ({ topic, partition }));
  }

  async heartbeat(request: { generationId: number; memberId: string; groupInstanceId: string | null }): Promise<void> {
    const response = await this.call<{ errorCode: number }>('Heartbeat', [this.groupId, request.generationId, request.memberId, request.groupInstanceId], (r) => r.errorCode);
    if (response.errorCode !== 0) throw kafkaError(response.errorCode, null, { group: this.groupId, memberId: request.memberId });
  }

  async leaveGroup(memberId: string, groupInstanceId: string | null): Promise<void> {
    const response = await this.call<{ errorCode: number; members: Array<{ errorCode: number }> }>(
      'LeaveGroup',
      [this.groupId, [{ memberId, groupInstanceId, reason: null }]],
      (r) => r.errorCode,
    );
    const code = response.errorCode !== 0 ? response.errorCode : (response.members.find((m) => m.errorCode !== 0)?.errorCode ?? 0);
    if (code !== 0) throw kafkaError(code, null, { group: this.groupId, memberId });
  }

  /** OffsetCommit; generationId -1 and memberId '' commit from outside the group (only while it has no members). */
  async offsetCommit(request: MemberCommitRequest): Promise<void> {
    if (request.offsets.length === 0) return;
    for (const o of request.offsets) {
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) {
        throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `Cannot commit offset ${String(o.offset)}`, { group: this.groupId, topic: o.topic, partition: o.partition, offset: o.offset });
      }
    }
    const topics = groupPartitions(request.offsets).map(({ topic }) => ({
      name: topic,
      partitions: request.offsets.filter((o) => o.topic === topic).map((o) => ({
        partitionIndex: o.partition,
        committedOffset: BigInt(o.offset),
        committedLeaderEpoch: -1,
        committedMetadata: o.metadata ?? '',
      })),
    }));
    const response = await this.call<{ topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }> }>(
      'OffsetCommit',
      [this.groupId, request.generationId, request.memberId, request.groupInstanceId, topics],
      (r) => r.topics[0]?.partitions[0]?.errorCode ?? 0,
    );
    for (const t of response.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0) throw kafkaError(p.errorCode, null, { group: this.groupId, topic: t.name, partition: p.partitionIndex });
      }
    }
  }

  /**
   * Committed offsets of `partitions`, unfenced (a classic member's OffsetFetch carries no
   * generation). With `requireStable`, offsets a still-open transaction holds are waited for
   * (KIP-447), so a read_committed consumer never starts from an offset that transaction is about to
   * replace.
   */
  async offsetFetch(partitions: readonly TopicPartition[], _member: unknown, requireStable: boolean): Promise<FetchedOffset[]> {
    const topics = groupPartitions(partitions).map(({ topic, partitions: list }) => ({ name: topic, partitionIndexes: list }));
    for (let attempt = 0; ; attempt++) {
      const response = await this.call<OffsetFetchResponse>(
        'OffsetFetch',
        [[{ groupId: this.groupId, memberId: null, memberEpoch: -1, topics }], requireStable],
        (r) => r.groups[0]?.errorCode ?? 0,
      );
      const out: FetchedOffset[] = [];
      let unstable = false;
      for (const group of response.groups) {
        if (group.errorCode === UNSTABLE_OFFSET_COMMIT) unstable = true;
        else if (group.errorCode !== 0) throw kafkaError(group.errorCode, null, { group: this.groupId });
        for (const t of group.topics) {
          for (const p of t.partitions) {
            if (p.errorCode === UNSTABLE_OFFSET_COMMIT) {
              unstable = true;
              continue;
            }
            if (p.errorCode !== 0) throw kafkaError(p.errorCode, null, { group: this.groupId, topic: t.name, partition: p.partitionIndex });
            const offset = p.committedOffset < 0n ? -1 : toSafeNumber(p.committedOffset, 'committed offset');
            out.push({ topic: t.name, partition: p.partitionIndex, offset, metadata: offset < 0 ? null : p.metadata });
          }
        }
      }
      if (!unstable) return out;
      if (attempt >= 600) throw kafkaError(UNSTABLE_OFFSET_COMMIT, null, { group: this.groupId });
      await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
    }
  }

  /** Names of the user topics (what a pattern subscription may match). */
  async topicNames(): Promise<string[]> {
    return (await this.link.allTopics()).filter((t) => !t.internal && !t.name.startsWith('__')).map((t) => t.name);
  }

  /** Partition counts of those of `topics` that exist (fresh metadata). */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    return this.link.partitionCounts(topics);
  }

  private async call<R>(name: string, args: unknown[], errorCode: (response: R) => number): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.link.request<R>(name, await this.link.coordinator('group', this.groupId), ...args);
      if (!COORDINATOR_MOVED.has(errorCode(response)) || attempt >= MAX_COORDINATOR_RETRIES) return response;
      this.link.forgetCoordinator('group', this.groupId);
      await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
    }
  }
}
