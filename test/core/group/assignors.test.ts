/**
 * The assignors as pure functions, checked on random groups with fast-check: every partition of a
 * subscribed topic is assigned exactly once, loads are within one when subscriptions are equal, and
 * the cooperative-sticky assignor keeps what it can and never hands out a partition another member
 * still owns.
 */
import test from 'ava';
import fc from 'fast-check';
import type { TopicPartition } from '../../../core/client/types.js';
import type { AssignorMember, PartitionAssignor } from '../../../core/group/assignors/assignor.js';
import { cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor, stickyAssign } from '../../../core/group/assignors/index.js';

const key = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

function members(n: number, topics: string[], owned: TopicPartition[][] = []): AssignorMember[] {
  return Array.from({ length: n }, (_, i) => ({ memberId: `m${String(i).padStart(3, '0')}`, groupInstanceId: null, topics, ownedPartitions: owned[i] ?? [] }));
}

function allPartitions(counts: Map<string, number>): string[] {
  return [...counts].flatMap(([topic, n]) => Array.from({ length: n }, (_, p) => `${topic}-${p}`)).sort();
}

function assigned(result: Map<string, TopicPartition[]>): string[] {
  return [...result.values()].flat().map(key).sort();
}

const groupArb = fc.record({
  memberCount: fc.integer({ min: 1, max: 8 }),
  counts: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }),
});

for (const assignor of [rangeAssignor, roundRobinAssignor, { ...cooperativeStickyAssignor, assign: stickyAssign } as PartitionAssignor]) {
  test(`${assignor.name}: every partition exactly once`, (t) => {
    t.notThrows(() => fc.assert(fc.property(groupArb, ({ memberCount, counts }) => {
      const partitions = new Map(counts.map((n, i) => [`t${i}`, n]));
      const result = assignor.assign(members(memberCount, [...partitions.keys()]), partitions);
      const got = assigned(result);
      return JSON.stringify(got) === JSON.stringify(allPartitions(partitions)) && result.size === memberCount;
    })));
  });
}

for (const assignor of [roundRobinAssignor, { ...cooperativeStickyAssignor, assign: stickyAssign } as PartitionAssignor]) {
  test(`${assignor.name}: loads within one of each other with equal subscriptions`, (t) => {
    t.notThrows(() => fc.assert(fc.property(groupArb, ({ memberCount, counts }) => {
      const partitions = new Map(counts.map((n, i) => [`t${i}`, n]));
      const loads = [...assignor.assign(members(memberCount, [...partitions.keys()]), partitions).values()].map((l) => l.length);
      return Math.max(...loads) - Math.min(...loads) <= 1;
    })));
  });
}

test('range: per topic, consecutive ranges, first members get the extra partitions', (t) => {
  const result = rangeAssignor.assign(members(2, ['a', 'b']), new Map([['a', 3], ['b', 2]]));
  t.deepEqual(result.get('m000')?.map(key), ['a-0', 'a-1', 'b-0']);
  t.deepEqual(result.get('m001')?.map(key), ['a-2', 'b-1']);
});

test('round-robin: deals partitions in turn, skipping members not subscribed', (t) => {
  const ms: AssignorMember[] = [
    { memberId: 'x', groupInstanceId: null, topics: ['a'], ownedPartitions: [] },
    { memberId: 'y', groupInstanceId: null, topics: ['a', 'b'], ownedPartitions: [] },
  ];
  const result = roundRobinAssignor.assign(ms, new Map([['a', 2], ['b', 2]]));
  t.deepEqual(result.get('x')?.map(key), ['a-0']);
  t.deepEqual(result.get('y')?.map(key), ['a-1', 'b-0', 'b-1']);
});

const stickyCase = fc.record({
  memberCount: fc.integer({ min: 2, max: 7 }),
  partitions: fc.integer({ min: 1, max: 30 }),
  leaving: fc.integer({ min: 0, max: 6 }),
  joining: fc.integer({ min: 0, max: 3 }),
});

test('cooperative-sticky: after members leave, every remaining member keeps all it owned', (t) => {
  t.notThrows(() => fc.assert(fc.property(stickyCase, ({ memberCount, partitions, leaving }) => {
    const counts = new Map([['t', partitions]]);
    const before = stickyAssign(members(memberCount, ['t']), counts);
    const stay = members(memberCount, ['t'], [...before.values()]).slice(0, Math.max(1, memberCount - leaving));
    const after = stickyAssign(stay, counts);
    const kept = stay.every((m) => m.ownedPartitions.every((tp) => after.get(m.memberId)!.some((x) => key(x) === key(tp))));
    const loads = [...after.values()].map((l) => l.length);
    return kept && Math.max(...loads) - Math.min(...loads) <= 1 && assigned(after).length === partitions;
  })));
});

test('cooperative-sticky: after members join, only partitions of members above their share move', (t) => {
  t.notThrows(() => fc.assert(fc.property(stickyCase, ({ memberCount, partitions, joining }) => {
    const counts = new Map([['t', partitions]]);
    const before = stickyAssign(members(memberCount, ['t']), counts);
    const all = members(memberCount + joining, ['t'], [...before.values()]);
    const after = stickyAssign(all, counts);
    const floor = Math.floor(partitions / all.length);
    for (const m of all.slice(0, memberCount)) {
      const keptCount = m.ownedPartitions.filter((tp) => after.get(m.memberId)!.some((x) => key(x) === key(tp))).length;
      // A member keeps at least its fair share of what it had, and never gains from someone else's loss.
      if (keptCount < Math.min(m.ownedPartitions.length, floor)) return false;
      if (after.get(m.memberId)!.length > m.ownedPartitions.length) return false;
    }
    return assigned(after).length === partitions;
  })));
});

test('cooperative-sticky: a partition still owned by another member is held back for one round, then handed over', (t) => {
  t.notThrows(() => fc.assert(fc.property(stickyCase, ({ memberCount, partitions, joining }) => {
    const counts = new Map([['t', partitions]]);
    const before = stickyAssign(members(memberCount, ['t']), counts);
    const round1Members = members(memberCount + joining, ['t'], [...before.values()]);
    const round1 = cooperativeStickyAssignor.assign(round1Members, counts);
    // Round 1: nobody is given a partition someone else owns now.
    for (const [memberId, tps] of round1) {
      for (const tp of tps) {
        const owner = round1Members.find((m) => m.ownedPartitions.some((x) => key(x) === key(tp)));
        if (owner !== undefined && owner.memberId !== memberId) return false;
      }
    }
    // Owners revoke what they lost and everyone rejoins with what they now own: round 2 is complete.
    const round2Members = round1Members.map((m) => ({ ...m, ownedPartitions: round1.get(m.memberId)! }));
    const round2 = cooperativeStickyAssignor.assign(round2Members, counts);
    const loads = [...round2.values()].map((l) => l.length);
    return assigned(round2).length === partitions && new Set(assigned(round2)).size === partitions && Math.max(...loads) - Math.min(...loads) <= 1;
  })));
});
