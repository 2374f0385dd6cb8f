/**
 * Partition assignors, as in Kafka's classic consumer protocol: the coordinator never computes an
 * assignment. It picks one assignor every member supports, hands every member's subscription to
 * the leader in the JoinGroup response, and the leader runs the assignor and returns the result in
 * SyncGroup. An assignor is therefore a pure function of the subscriptions and partition counts.
 *
 * `eager` assignors (range, round-robin) expect every member to give up all its partitions before
 * it rejoins; `cooperative` ones (cooperative-sticky) let members keep partitions across a
 * rebalance and only move those that must move, in two rounds (KIP-429).
 */
import type { TopicPartition } from '../../client/types.js';

export type RebalanceProtocol = 'eager' | 'cooperative';

/** One member's subscription as the leader sees it (Kafka's ConsumerProtocolSubscription). */
export interface AssignorMember {
  memberId: string;
  groupInstanceId: string | null;
  /** Subscribed topic names (a pattern is resolved by the member before it joins). */
  topics: readonly string[];
  /** Partitions the member owns now (cooperative protocol; empty under eager). */
  ownedPartitions: readonly TopicPartition[];
}

export interface PartitionAssignor {
  /** The protocol name members agree on in JoinGroup: `range`, `roundrobin`, `cooperative-sticky`. */
  readonly name: string;
  readonly protocol: RebalanceProtocol;
  /** memberId → partitions, for every member (an empty list when it gets nothing). */
  assign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Map<string, TopicPartition[]>;
}

/** Members ordered as Kafka orders them: by groupInstanceId when static, else by memberId. */
export function sortMembers(members: readonly AssignorMember[]): AssignorMember[] {
  const key = (m: AssignorMember): string => m.groupInstanceId ?? m.memberId;
  return [...members].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

export function emptyAssignment(members: readonly AssignorMember[]): Map<string, TopicPartition[]> {
  return new Map(members.map((m) => [m.memberId, []]));
}
