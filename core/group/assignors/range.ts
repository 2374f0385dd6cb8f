/**
 * Kafka's RangeAssignor: per topic, the members subscribed to it (in member order) get consecutive
 * ranges of its partitions; the first `partitions % members` get one extra. Eager.
 */
import type { TopicPartition } from '../../client/types.js';
import { emptyAssignment, sortMembers, type AssignorMember, type PartitionAssignor } from './assignor.js';

export const rangeAssignor: PartitionAssignor = {
  name: 'range',
  protocol: 'eager',
  assign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
    const result = emptyAssignment(members);
    const sorted = sortMembers(members);
    for (const topic of [...partitionsPerTopic.keys()].sort()) {
      const count = partitionsPerTopic.get(topic) ?? 0;
      const subscribers = sorted.filter((m) => m.topics.includes(topic));
      if (subscribers.length === 0) continue;
      const per = Math.floor(count / subscribers.length);
      const extra = count % subscribers.length;
      let next = 0;
      subscribers.forEach((member, i) => {
        const take = per + (i < extra ? 1 : 0);
        const list = result.get(member.memberId)!;
        for (let k = 0; k < take; k++) list.push({ topic, partition: next++ });
      });
    }
    return result;
  },
};
