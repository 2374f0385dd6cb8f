/**
 * Kafka's consumer protocol (the subscription and assignment bytes inside JoinGroup and SyncGroup):
 * golden bytes written by hand from Kafka's ConsumerProtocolSubscription / Assignment definitions,
 * newer versions read by their known fields, round trips of every version, and fuzzing — random,
 * bit-flipped and truncated bytes decode or fail with ERR_PROTOCOL_INVALID.
 */
import test from 'ava';
import fc from 'fast-check';
import { isEddyError } from '../../../core/errors.js';
import {
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
  decodeAssignment,
  decodeSubscription,
  type DecodedAssignment,
  type DecodedSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../../core/protocol/consumer-protocol.js';
import { hex } from './golden-bytes.js';
import { assertRoundTrips, decodesOrRefuses } from './protocol-values.js';

const V0_SUBSCRIPTION = hex(`
  0000                | version 0
  00000002            | topics: 2
  0001 61             | "a"
  0002 6263           | "bc"
  00000003 010203     | userData
`);

const V3_SUBSCRIPTION = hex(`
  0003                | version 3
  00000001 0001 61    | topics: ["a"]
  ffffffff            | userData null
  00000002            | ownedPartitions: 2 topics
  0001 61 00000002 00000000 00000002   | a: [0, 2]
  0002 6263 00000001 00000001          | bc: [1]
  00000007            | generationId 7
  0004 7261636b       | rackId "rack"
`);

const V0_ASSIGNMENT = hex(`
  0000                | version 0
  00000001            | assignedPartitions: 1 topic
  0001 74 00000002 00000001 00000003   | t: [1, 3]
  00000000            | userData: empty
`);

test('subscription v0: topics and userData', (t) => {
  const sub: DecodedSubscription = { version: 0, topics: ['a', 'bc'], userData: Buffer.from([1, 2, 3]), ownedPartitions: [], generationId: -1, rackId: null };
  t.deepEqual(encodeSubscription(sub), V0_SUBSCRIPTION);
  t.deepEqual(decodeSubscription(V0_SUBSCRIPTION), sub);
});

test('subscription v3: owned partitions grouped by topic, generation and rack', (t) => {
  const sub: DecodedSubscription = {
    version: 3,
    topics: ['a'],
    userData: null,
    ownedPartitions: [
      { topic: 'a', partition: 0 },
      { topic: 'bc', partition: 1 },
      { topic: 'a', partition: 2 },
    ],
    generationId: 7,
    rackId: 'rack',
  };
  t.deepEqual(encodeSubscription(sub), V3_SUBSCRIPTION);
  t.deepEqual(decodeSubscription(V3_SUBSCRIPTION), {
    ...sub,
    ownedPartitions: [
      { topic: 'a', partition: 0 },
      { topic: 'a', partition: 2 },
      { topic: 'bc', partition: 1 },
    ],
  });
});

test('subscription v1 and v2 stop after their last field', (t) => {
  const base = { topics: ['a'], userData: null, ownedPartitions: [{ topic: 'a', partition: 0 }], generationId: 4, rackId: 'r' };
  const v1 = encodeSubscription({ version: 1, ...base });
  t.deepEqual(v1, hex('0001 00000001 000161 ffffffff 00000001 000161 00000001 00000000'));
  t.deepEqual(decodeSubscription(v1), { version: 1, ...base, generationId: -1, rackId: null });
  const v2 = encodeSubscription({ version: 2, ...base });
  t.deepEqual(v2, Buffer.concat([hex('0002'), v1.subarray(2), hex('00000004')]));
  t.deepEqual(decodeSubscription(v2), { version: 2, ...base, rackId: null });
});

test('assignment v0: partitions grouped by topic, userData', (t) => {
  const assignment: DecodedAssignment = { version: 0, assignedPartitions: [{ topic: 't', partition: 1 }, { topic: 't', partition: 3 }], userData: Buffer.alloc(0) };
  t.deepEqual(encodeAssignment(assignment), V0_ASSIGNMENT);
  t.deepEqual(decodeAssignment(V0_ASSIGNMENT), assignment);
});

test('assignment v1–3 keep the v0 layout', (t) => {
  for (const version of [1, 2, 3]) {
    const bytes = encodeAssignment({ version, assignedPartitions: [{ topic: 't', partition: 1 }, { topic: 't', partition: 3 }], userData: Buffer.alloc(0) });
    t.deepEqual(bytes, Buffer.concat([Buffer.from([0, version]), V0_ASSIGNMENT.subarray(2)]));
    t.is(decodeAssignment(bytes).version, version);
  }
});

test('a newer version is read with the newest known layout; the bytes after it are ignored', (t) => {
  const v9 = Buffer.concat([hex('0009'), V3_SUBSCRIPTION.subarray(2), hex('deadbeef')]);
  const sub = decodeSubscription(v9);
  t.is(sub.version, 9);
  t.deepEqual(sub.topics, ['a']);
  t.is(sub.generationId, 7);
  t.is(sub.rackId, 'rack');
  const assignment = decodeAssignment(Buffer.concat([hex('0004'), V0_ASSIGNMENT.subarray(2), hex('00000001 0002 6869')]));
  t.is(assignment.version, 4);
  t.deepEqual(assignment.assignedPartitions, [{ topic: 't', partition: 1 }, { topic: 't', partition: 3 }]);
});

test('trailing bytes after a known version are ignored, as Kafka does', (t) => {
  t.deepEqual(decodeSubscription(Buffer.concat([V0_SUBSCRIPTION, hex('00')])).topics, ['a', 'bc']);
});

test('negative versions, truncations and versions out of range are refused with ERR_PROTOCOL_INVALID', (t) => {
  const refused = (fn: () => unknown): void => {
    const err = t.throws(fn);
    t.true(isEddyError(err, 'ERR_PROTOCOL_INVALID'), String(err));
  };
  refused(() => decodeSubscription(hex('ffff 00000000 ffffffff')));
  refused(() => decodeAssignment(hex('8000 00000000 ffffffff')));
  refused(() => decodeSubscription(Buffer.alloc(0)));
  refused(() => decodeSubscription(V3_SUBSCRIPTION.subarray(0, V3_SUBSCRIPTION.length - 1)));
  refused(() => decodeAssignment(hex('0000 7fffffff')));
  refused(() => encodeSubscription({ version: 4, topics: [], userData: null, ownedPartitions: [], generationId: -1, rackId: null }));
  refused(() => encodeAssignment({ version: -1, assignedPartitions: [], userData: null }));
});

test('every version of both definitions round-trips', (t) => {
  t.notThrows(() => assertRoundTrips(ConsumerProtocolSubscription));
  t.notThrows(() => assertRoundTrips(ConsumerProtocolAssignment));
});

const partitions = fc.array(fc.record({ topic: fc.constantFrom('a', 'b', 'topic-c'), partition: fc.integer({ min: 0, max: 2 ** 31 - 1 }) }), { maxLength: 6 });
const userData = fc.option(fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)), { nil: null });

test('decoded subscriptions and assignments encode back to the same bytes, in every version', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
        userData,
        partitions,
        fc.integer({ min: -1, max: 1000 }),
        fc.option(fc.string({ maxLength: 6 }), { nil: null }),
        (version, topics, data, owned, generationId, rackId) => {
          const bytes = encodeSubscription({ version, topics, userData: data, ownedPartitions: owned, generationId, rackId });
          const again = encodeSubscription(decodeSubscription(bytes));
          const assignment = encodeAssignment({ version, assignedPartitions: owned, userData: data });
          return again.equals(bytes) && encodeAssignment(decodeAssignment(assignment)).equals(assignment);
        },
      ),
      { numRuns: 300 },
    ),
  );
});

test('fuzz: random bytes decode or are refused with ERR_PROTOCOL_INVALID', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => decodesOrRefuses(() => decodeSubscription(bytes)) && decodesOrRefuses(() => decodeAssignment(bytes))),
      { numRuns: 4000 },
    ),
  );
});

test('fuzz: bit-flipped and truncated valid bytes decode or are refused with ERR_PROTOCOL_INVALID', (t) => {
  const valid = [V0_SUBSCRIPTION, V3_SUBSCRIPTION, V0_ASSIGNMENT];
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.nat(), (bytes, flips, cut) => {
        const flipped = Buffer.from(bytes);
        for (const bit of flips) flipped[(bit >> 3) % flipped.length]! ^= 1 << (bit & 7);
        const truncated = bytes.subarray(0, cut % bytes.length);
        return [flipped, truncated].every((b) => decodesOrRefuses(() => decodeSubscription(b)) && decodesOrRefuses(() => decodeAssignment(b)));
      }),
      { numRuns: 3000 },
    ),
  );
});
