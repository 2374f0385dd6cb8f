/**
 * The requests and responses of the group coordinator: Kafka's classic group protocol (JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch) as plain objects. The in-process
 * consumer speaks exactly these to the coordinator; the wire-protocol server will decode Kafka's
 * bytes into them and encode the answers (errors map to Kafka's error codes by their `code`).
 *
 * Where Kafka carries the consumer's subscription and assignment as opaque bytes
 * (ConsumerProtocolSubscription / Assignment), an in-process consumer gives and gets the decoded
 * objects, and a wire client gives the bytes it sent (`rawMetadata`, `rawAssignment`). The
 * coordinator hands each member what it understands: a wire member gets bytes (encoded from the
 * decoded form where an in-process member gave that), an in-process member decoded objects (decoded
 * from a wire member's bytes). A member is a wire member when its JoinGroup carried raw metadata.
 */
import type { TopicPartition } from '../client/types.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface ConsumerSubscription {
  topics: string[];
  /** What the member owns now (cooperative protocol). */
  ownedPartitions: TopicPartition[];
}

/**
 * A protocol (assignor) a member supports: `range`, `roundrobin`, `cooperative-sticky`… with the
 * member's subscription for it, decoded (in-process consumer) or as the bytes a wire client sent
 * (a ConsumerProtocolSubscription when the protocol type is "consumer", opaque otherwise).
 */
export type GroupProtocol =
  | { name: string; metadata: ConsumerSubscription; rawMetadata?: undefined }
  | { name: string; rawMetadata: Uint8Array; metadata?: undefined };

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
  /** Kafka's protocolType; "consumer" (the default) is the only one in-process members use. */
  protocolType?: string;
  /** Where a wire member connects from (`/127.0.0.1`), for DescribeGroups. */
  clientHost?: string;
  /**
   * JoinGroup v4+ (KIP-394): a dynamic member joining with an empty memberId is not added yet; it
   * gets a member id (`memberIdRequired`) to join again with.
   */
  requireKnownMemberId?: boolean;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  /** The member's subscription (empty topics for a protocol type other than "consumer"). */
  metadata: ConsumerSubscription;
  /** The member's metadata bytes, given to a wire leader only. */
  rawMetadata?: Uint8Array;
}

export interface JoinGroupResponse {
  generationId: number;
  protocolType: string;
  protocolName: string;
  leader: string;
  memberId: string;
  /** True when a static member rejoined a stable group: the leader must not compute a new assignment. */
  skipAssignment: boolean;
  /** Every member's subscription, for the leader only; empty for followers. */
  members: JoinGroupMember[];
  /** Only with `requireKnownMemberId`: nobody joined; join again with `memberId`. */
  memberIdRequired?: boolean;
}

/** One member's share: decoded (in-process leader) or the bytes a wire leader sent. */
export type MemberAssignment =
  | { memberId: string; assignment: TopicPartition[]; rawAssignment?: undefined }
  | { memberId: string; rawAssignment: Uint8Array; assignment?: undefined };

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** The leader's assignment for every member; empty from followers. */
  assignments: MemberAssignment[];
  /** When given, must be the member's static id (else ERR_GROUP_FENCED_INSTANCE_ID). */
  groupInstanceId?: string | null;
  /** SyncGroup v5: when given, must match the group's (else ERR_GROUP_INCONSISTENT_PROTOCOL). */
  protocolType?: string | null;
  protocolName?: string | null;
}

export interface SyncGroupResponse {
  assignment: TopicPartition[];
  /** The member's assignment bytes, for a wire member only. */
  rawAssignment?: Uint8Array;
  protocolType?: string;
  protocolName?: string;
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
}

export interface LeaveGroupRequest {
  groupId: string;
  /** '' with a groupInstanceId: the static member of that id, whatever its member id. */
  memberId: string;
  groupInstanceId?: string | null;
}

export interface OffsetCommitRequest {
  groupId: string;
  /** -1 together with memberId '' for a commit from outside the group (admin, manual assignment): only while the group has no members. */
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
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
  protocolType: string;
  protocolName: string | null;
  generationId: number;
  leader: string | null;
  members: GroupMemberDescription[];
}

/** A group as Kafka's DescribeGroups shows it (GroupSummary): metadata and assignments as bytes, only while Stable. */
export interface GroupSummary {
  groupId: string;
  state: GroupState;
  protocolType: string;
  /** The chosen protocol while Stable, else ''. */
  protocolName: string;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: Uint8Array;
    assignment: Uint8Array;
  }>;
}
