/**
 * Kafka's CooperativeStickyAssignor, in two steps:
 *
 * 1. `stickyAssign` computes the target: every member keeps the partitions it owns that still exist
 *    and that it still subscribes to (a partition claimed by two members stays with the first in
 *    member order); the rest go one by one to the least-loaded subscribed member; then partitions
 *    move from a member to a subscribed one with at least two fewer, until none can. With equal
 *    subscriptions that leaves loads within one of each other, and a member only ever loses
 *    partitions when it holds more than its share — so a member leaving moves only its own.
 * 2. The cooperative adjustment (KIP-429): a partition whose owner changes is left out of the new
 *    owner's assignment in this round. The old owner sees it missing, revokes it (its rebalance
 *    listener runs) and rejoins at once; the next round hands it to the new owner. No partition is
 *    ever owned by two members, and members keep consuming the partitions that do not move.
 */
import type { TopicPartition } from '../../client/types.js';
import { compareTopicPartitions, emptyAssignment, sortMembers, tpKey, type AssignorMember, type PartitionAssignor } from './assignor.js';

/** The sticky target assignment (step 1): every existing subscribed partition exactly once. */
export function stickyAssign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const result = emptyAssignment(members);
  const sorted = sortMembers(members);
  const owner = new Map<string, string>();
  const all: TopicPartition[] = [];
  for (const topic of [...partitionsPerTopic.keys()].sort()) {
    if (!sorted.some((m) => m.topics.includes(topic))) continue;
    const count = partitionsPerTopic.get(topic) ?? 0;
    for (let partition = 0; partition < count; partition++) all.push({ topic, partition });
  }
  const exists = new Set(all.map(tpKey));
  const subscribes = (m: AssignorMember, tp: TopicPartition): boolean => m.topics.includes(tp.topic);
  for (const member of sorted) {
    for (const tp of [...member.ownedPartitions].sort(compareTopicPartitions)) {
      const key = tpKey(tp);
      if (!exists.has(key) || owner.has(key) || !subscribes(member, tp)) continue;
      owner.set(key, member.memberId);
      result.get(member.memberId)!.push({ topic: tp.topic, partition: tp.partition });
    }
  }
  const load = (m: AssignorMember): number => result.get(m.memberId)!.length;
  for (const tp of all) {
    if (owner.has(tpKey(tp))) continue;
    let best: AssignorMember | undefined;
    for (const m of sorted) if (subscribes(m, tp) && (best === undefined || load(m) < load(best))) best = m;
    if (best === undefined) continue;
    owner.set(tpKey(tp), best.memberId);
    result.get(best.memberId)!.push(tp);
  }
  // Move from the most loaded while a subscribed member has at least two fewer. Each move lowers
  // the sum of squared loads, so this ends.
  for (let moved = true; moved;) {
    moved = false;
    const byLoad = [...sorted].sort((a, b) => load(b) - load(a));
    for (const from of byLoad) {
      const list = result.get(from.memberId)!;
      for (let i = list.length - 1; i >= 0 && !moved; i--) {
        const tp = list[i]!;
        let to: AssignorMember | undefined;
        for (const m of sorted) if (m !== from && subscribes(m, tp) && load(m) < load(from) - 1 && (to === undefined || load(m) < load(to))) to = m;
        if (to === undefined) continue;
        list.splice(i, 1);
        result.get(to.memberId)!.push(tp);
        moved = true;
      }
      if (moved) break;
    }
  }
  for (const list of result.values()) list.sort(compareTopicPartitions);
  return result;
}

/** Step 2: leaves out of each member's assignment the partitions another member still owns. */
export function withoutPartitionsOwnedByOthers(members: readonly AssignorMember[], target: Map<string, TopicPartition[]>): Map<string, TopicPartition[]> {
  const ownedBy = new Map<string, string>();
  for (const m of members) for (const tp of m.ownedPartitions) if (!ownedBy.has(tpKey(tp))) ownedBy.set(tpKey(tp), m.memberId);
  const adjusted = new Map<string, TopicPartition[]>();
  for (const [memberId, tps] of target) {
    adjusted.set(memberId, tps.filter((tp) => {
      const current = ownedBy.get(tpKey(tp));
      return current === undefined || current === memberId;
    }));
  }
  return adjusted;
}

export const cooperativeStickyAssignor: PartitionAssignor = {
  name: 'cooperative-sticky',
  protocol: 'cooperative',
  assign(members, partitionsPerTopic) {
    return withoutPartitionsOwnedByOthers(members, stickyAssign(members, partitionsPerTopic));
  },
};
