import test from 'ava';
import fc from 'fast-check';
import { DefaultPartitioner, murmur2, partitionForKey, toPositive } from '../../../core/client/partitioner.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

test("keys land where Kafka's default partitioner puts them", (t) => {
  t.is(partitionForKey(bytes('order-1'), 3), 1);
  t.is(partitionForKey(bytes('order-2'), 3), 0);
  t.is(partitionForKey(bytes('user-42'), 3), 1);
  t.is(partitionForKey(bytes('foo'), 3), 2);
  t.is(partitionForKey(bytes('order-1'), 12), 10);
  t.is(partitionForKey(bytes('foo'), 12), 8);
  t.is(partitionForKey(Buffer.alloc(0), 6), 3);
});

test('murmur2 is a signed 32-bit value covering every tail length', (t) => {
  // Keys of length 0..7 exercise the 0-3 byte tails and the 4-byte block loop.
  const hashes = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg'].map((k) => murmur2(bytes(k)));
  for (const h of hashes) t.true(Number.isInteger(h) && h >= -(2 ** 31) && h < 2 ** 31);
  t.is(new Set(hashes).size, hashes.length);
  t.is(toPositive(-(2 ** 31)), 0);
  t.is(toPositive(-1), 0x7fffffff);
});

test('property: keyed partitions are in range and deterministic', (t) => {
  const partitioner = new DefaultPartitioner();
  t.notThrows(() => fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: 1000 }), (key, n) => {
    const p = partitioner.partition('t', key, n);
    return p >= 0 && p < n && p === partitionForKey(key, n) && p === partitioner.partition('other', key, n);
  })));
});

test('null keys stick to one partition until its batch is sealed, then move to another', (t) => {
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const partitioner = new DefaultPartitioner(random);
  const first = partitioner.partition('t', null, 4);
  for (let i = 0; i < 20; i++) t.is(partitioner.partition('t', null, 4), first);
  // Sealing a batch of another partition does not move the sticky one.
  partitioner.onBatchSealed('t', (first + 1) % 4, 4);
  t.is(partitioner.partition('t', null, 4), first);
  let previous = first;
  const seen = new Set<number>([first]);
  for (let i = 0; i < 50; i++) {
    partitioner.onBatchSealed('t', previous, 4);
    const next = partitioner.partition('t', null, 4);
    t.not(next, previous);
    t.true(next >= 0 && next < 4);
    seen.add(next);
    previous = next;
  }
  t.is(seen.size, 4);
});

test('sticky partitions are per topic and a single partition stays put', (t) => {
  const partitioner = new DefaultPartitioner(() => 0.99);
  t.is(partitioner.partition('a', null, 5), 4);
  partitioner.onBatchSealed('a', 4, 5);
  t.is(partitioner.partition('a', null, 5), 3); // 0.99 * 4 = 3, the others skip 4
  t.is(partitioner.partition('b', null, 5), 4);
  t.is(partitioner.partition('one', null, 1), 0);
  partitioner.onBatchSealed('one', 0, 1);
  t.is(partitioner.partition('one', null, 1), 0);
});
