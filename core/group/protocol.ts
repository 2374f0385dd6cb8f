/**
 * The requests and responses of the group coordinator: Kafka's classic group protocol (JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch) as plain objects. The in-process
 * consumer speaks exactly these to the coordinator; the wire-protocol server will decode Kafka's
 * bytes into them and encode the answers (errors map to Kafka's error codes by their `code`).
 *
 * Where Kafka carries the consumer's subscription and assignment as opaque bytes
 * (ConsumerProtocolSubscription / Assignment), these carry the decoded objects.
 */
import type { TopicPartition } from '../client/types.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface ConsumerSubscription {
  topics: string[];
  /** What the member owns now (cooperative protocol). */
  ownedPartitions: TopicPartition[];
}

export interface GroupProtocol {
  /** An assignor name: `range`, `roundrobin`, `cooperative-sticky`. */
  name: string;
  metadata: ConsumerSubscription;
}

export interface JoinGroupRequest {
  groupId: string;
  /** '' for a member joining for the first time. */
  memberId: string;
  /** Static membership (KIP-345): a stable id that survives restarts. */
  groupInstanceId: string | null;
  clientId: string;
  sessionTimeoutMs: number;
  /** How long the coordinator waits for every member to rejoin; the consumer sends maxPollIntervalMs. */
  rebalanceTimeoutMs: number;
  protocols: GroupProtocol[];
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: ConsumerSubscription;
}

export interface JoinGroupResponse {
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  /** True when a static member rejoined a stable group: the leader must not compute a new assignment. */
  skipAssignment: boolean;
  /** Every member's subscription, for the leader only; empty for followers. */
  members: JoinGroupMember[];
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** The leader's assignment for every member; empty from followers. */
  assignments: Array<{ memberId: string; assignment: TopicPartition[] }>;
}

export interface SyncGroupResponse {
  assignment: TopicPartition[];
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
}

export interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
}

export interface OffsetCommitRequest {
  groupId: string;
  /** -1 together with memberId '' for a commit from outside the group (admin, manual assignment): only while the group has no members. */
  generationId: number;
  memberId: string;
  offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string }>;
}

export interface OffsetFetchRequest {
  groupId: string;
  /** When given with a generation, the fetch is fenced like a commit (KIP-447 style). */
  memberId?: string;
  generationId?: number;
  /** null: every partition the group has an offset for. */
  partitions: TopicPartition[] | null;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** -1 when the group has no offset for the partition. */
  offset: number;
  metadata: string;
  commitTimestamp: number;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  assignment: TopicPartition[];
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  protocolType: 'consumer';
  protocolName: string | null;
  generationId: number;
  leader: string | null;
  members: GroupMemberDescription[];
}
