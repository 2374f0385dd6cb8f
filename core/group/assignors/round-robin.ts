/**
 * Kafka's RoundRobinAssignor: every partition of every subscribed topic, sorted by topic and
 * partition, dealt in turn to the members (in member order), skipping members not subscribed to
 * the partition's topic. Eager.
 */
import type { TopicPartition } from '../../client/types.js';
import { emptyAssignment, sortMembers, type AssignorMember, type PartitionAssignor } from './assignor.js';

export const roundRobinAssignor: PartitionAssignor = {
  name: 'roundrobin',
  protocol: 'eager',
  assign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
    const result = emptyAssignment(members);
    const sorted = sortMembers(members);
    if (sorted.length === 0) return result;
    let cursor = 0;
    for (const topic of [...partitionsPerTopic.keys()].sort()) {
      if (!sorted.some((m) => m.topics.includes(topic))) continue;
      const count = partitionsPerTopic.get(topic) ?? 0;
      for (let partition = 0; partition < count; partition++) {
        while (!sorted[cursor % sorted.length]!.topics.includes(topic)) cursor++;
        result.get(sorted[cursor % sorted.length]!.memberId)!.push({ topic, partition });
        cursor++;
      }
    }
    return result;
  },
};
