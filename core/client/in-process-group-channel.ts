/**
 * The group coordinator of an embedded Eddy as its consumers' group members reach it: the
 * GroupCoordinator's requests (core/group/protocol.ts) called in-process, with the decoded
 * subscriptions and assignments it takes, and topic metadata read from the Eddy itself.
 *
 * Heartbeat, LeaveGroup and OffsetFetch answer synchronously, as the coordinator does, so a member's
 * heartbeat on a ManualClock takes effect inside the clock's tick. The lookup of a new partition's
 * committed offset is fenced by the member's generation; requireStable is not needed in-process
 * (a read_committed consumer on the log never reads past an open transaction anyway).
 */
import type { GroupCoordinator } from '../group/group-coordinator.js';
import type {
  FetchedOffset,
  GroupChannel,
  GroupMetadataAccess,
  MemberCommitRequest,
  MemberJoinRequest,
  MemberJoinResult,
  MemberSyncRequest,
} from '../group/group-member.js';
import type { TopicPartition } from './types.js';

/** What a consumer in a group needs from its Eddy: the coordinator and topic metadata. */
export interface ConsumerGroupContext {
  coordinator: GroupCoordinator;
  metadata: GroupMetadataAccess;
}

export class InProcessGroupChannel implements GroupChannel {
  private readonly coordinator: GroupCoordinator;
  private readonly metadata: GroupMetadataAccess;

  constructor(context: ConsumerGroupContext, readonly groupId: string) {
    this.coordinator = context.coordinator;
    this.metadata = context.metadata;
  }

  async joinGroup(request: MemberJoinRequest): Promise<MemberJoinResult> {
    const join = await this.coordinator.joinGroup({
      groupId: this.groupId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      clientId: request.clientId,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      protocols: request.protocols.map((p) => ({ name: p.name, metadata: { topics: p.topics, ownedPartitions: p.ownedPartitions } })),
    });
    return {
      generationId: join.generationId,
      protocolName: join.protocolName,
      leader: join.leader,
      memberId: join.memberId,
      skipAssignment: join.skipAssignment,
      members: join.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: m.metadata.topics, ownedPartitions: m.metadata.ownedPartitions })),
    };
  }

  async syncGroup(request: MemberSyncRequest): Promise<TopicPartition[]> {
    const sync = await this.coordinator.syncGroup({ groupId: this.groupId, generationId: request.generationId, memberId: request.memberId, assignments: request.assignments });
    return sync.assignment;
  }

  heartbeat(request: { generationId: number; memberId: string }): void {
    this.coordinator.heartbeat({ groupId: this.groupId, generationId: request.generationId, memberId: request.memberId });
  }

  leaveGroup(memberId: string): void {
    this.coordinator.leaveGroup({ groupId: this.groupId, memberId });
  }

  offsetCommit(request: MemberCommitRequest): Promise<void> {
    return this.coordinator.offsetCommit({
      groupId: this.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      offsets: request.offsets.map(({ topic, partition, offset, metadata }) => ({ topic, partition, offset, metadata: metadata ?? '' })),
    });
  }

  offsetFetch(partitions: readonly TopicPartition[], member: { memberId: string; generationId: number } | null): FetchedOffset[] {
    const committed = this.coordinator.offsetFetch({
      groupId: this.groupId,
      ...(member === null ? {} : { memberId: member.memberId, generationId: member.generationId }),
      partitions: partitions.map(({ topic, partition }) => ({ topic, partition })),
    });
    return committed.map((c) => ({ topic: c.topic, partition: c.partition, offset: c.offset, metadata: c.offset < 0 ? null : c.metadata }));
  }

  topicNames(): string[] {
    return this.metadata.topicNames();
  }

  partitionCounts(topics: readonly string[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const topic of topics) {
      const n = this.metadata.partitionCount(topic);
      if (n !== null) counts.set(topic, n);
    }
    return counts;
  }
}
