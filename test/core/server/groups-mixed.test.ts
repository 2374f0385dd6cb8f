/**
 * Mixed groups: an in-process Eddy consumer and a wire client (raw protocol requests) in one group.
 * Whichever leads, each member gets what it understands — the wire member bytes (its own and the
 * leader's userData intact), the in-process consumer decoded subscriptions and partitions — and the
 * two split the partitions between them. Time is a ManualClock; waits are on conditions.
 */
import test, { type ExecutionContext } from 'ava';
import type { TopicPartition } from '../../../core/client/types.js';
import { ManualClock } from '../../../core/clock.js';
import { API_KEYS } from '../../../core/protocol/api-keys.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../../core/protocol/consumer-protocol.js';
import type { StructValue } from '../../../core/protocol/schema.js';
import { KAFKA_ERRORS } from '../../../core/server/kafka-errors.js';
import { connectWire, servedEddy, type WireClient } from '../../helpers/kafka-wire.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import { nextTurn, waitFor } from '../../helpers/wait-for.js';

const GROUP = 'mixed';
/** Long enough that the ManualClock steps below never expire the wire member. */
const WIRE_SESSION = 600_000;

async function setup(t: ExecutionContext) {
  const clock = new ManualClock();
  const { eddy, port } = await servedEddy(t, { eddy: { clock } });
  const topic = uniqueTopic('mixed');
  await eddy.admin.createTopic(topic, { partitions: 4 });
  const wire = await connectWire({ port });
  t.teardown(() => wire.close());
  const consumer = eddy.consumer({ groupId: GROUP, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, autoOffsetReset: 'earliest' });
  t.teardown(() => consumer.close());
  /** Polls the in-process consumer until `condition` holds (no time passes). */
  const drive = async (condition: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 20_000; i++) {
      if (condition()) return;
      await consumer.poll({ timeoutMs: 0 });
      await nextTurn();
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  return { clock, eddy, topic, wire, consumer, drive };
}

function join(wire: WireClient, metadata: Buffer, memberId = ''): Promise<StructValue> {
  return wire.request(API_KEYS.JoinGroup, 9, {
    groupId: GROUP,
    sessionTimeoutMs: WIRE_SESSION,
    rebalanceTimeoutMs: 60_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata }],
    reason: null,
  });
}

function sync(wire: WireClient, joined: StructValue, assignments: Array<{ memberId: string; assignment: Buffer }> = []): Promise<StructValue> {
  return wire.request(API_KEYS.SyncGroup, 5, {
    groupId: GROUP,
    generationId: joined.generationId as number,
    memberId: joined.memberId as string,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments,
  });
}

/** Tracks a promise's outcome so a polling loop can wait for it. */
function track<T>(promise: Promise<T>): { done: () => boolean; value: () => T } {
  let settled = false;
  let result: T;
  promise.then(
    (v) => {
      result = v;
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  return { done: () => settled, value: () => result };
}

const sorted = (tps: readonly TopicPartition[]): number[] => tps.map((tp) => tp.partition).sort();

test('in-process leader, wire follower: the wire subscription is decoded for the assignor and the assignment encoded for the wire', async (t) => {
  const { clock, eddy, topic, wire, consumer, drive } = await setup(t);
  consumer.subscribe({ topics: [topic] });
  await drive(() => consumer.assignment().length === 4, 'the consumer to own every partition');

  const metadata = encodeSubscription({ version: 3, topics: [topic], userData: Buffer.from('wire-user-data'), ownedPartitions: [], generationId: -1, rackId: 'r1' });
  const handshake = await join(wire, metadata);
  t.is(handshake.errorCode, KAFKA_ERRORS.MEMBER_ID_REQUIRED);
  const joining = track(join(wire, metadata, handshake.memberId as string));
  await waitFor(() => eddy.groupCoordinator.describeGroup(GROUP).state === 'PreparingRebalance', 'the rebalance to start');
  // The consumer hears of the rebalance on its next heartbeat.
  clock.advance(1_000);
  await drive(joining.done, 'the wire member’s join');
  const joined = joining.value();
  t.is(joined.errorCode, 0);
  t.not(joined.leader, joined.memberId, 'the in-process consumer stays the leader');
  t.deepEqual(joined.members, []);

  const syncing = track(sync(wire, joined));
  await drive(() => syncing.done() && consumer.assignment().length === 2, 'the rebalance to complete');
  const synced = syncing.value();
  t.is(synced.errorCode, 0);
  const decoded = decodeAssignment(synced.assignment as Buffer);
  t.deepEqual(decoded.userData, Buffer.alloc(0), 'an in-process leader gives no userData');
  const wireParts = sorted(decoded.assignedPartitions);
  const mine = sorted(consumer.assignment());
  t.is(wireParts.length, 2);
  t.deepEqual([...wireParts, ...mine].sort(), [0, 1, 2, 3], 'the partitions are split between the two');
  t.true(decoded.assignedPartitions.every((tp) => tp.topic === topic));

  const described = await wire.request(API_KEYS.DescribeGroups, 5, { groups: [GROUP], includeAuthorizedOperations: false });
  const members = (described.groups as StructValue[])[0]!.members as StructValue[];
  const wireMember = members.find((m) => m.memberId === joined.memberId)!;
  t.deepEqual(wireMember.memberMetadata, metadata, 'the wire member’s bytes are kept as sent');
  const inProcess = members.find((m) => m.memberId !== joined.memberId)!;
  t.deepEqual(decodeSubscription(inProcess.memberMetadata as Buffer).topics, [topic]);
  t.deepEqual(sorted(decodeAssignment(inProcess.memberAssignment as Buffer).assignedPartitions), mine);
});

test('wire leader, in-process follower: the leader gets the consumer’s subscription as bytes; the consumer gets its partitions decoded', async (t) => {
  const { eddy, topic, wire, consumer, drive } = await setup(t);
  const metadata = encodeSubscription({ version: 1, topics: [topic], userData: Buffer.from('L'), ownedPartitions: [], generationId: -1, rackId: null });
  const handshake = await join(wire, metadata);
  const first = await join(wire, metadata, handshake.memberId as string);
  t.is(first.leader, first.memberId);
  const all = [0, 1, 2, 3].map((partition) => ({ topic, partition }));
  t.is((await sync(wire, first, [{ memberId: first.memberId as string, assignment: encodeAssignment({ version: 0, assignedPartitions: all, userData: null }) }])).errorCode, 0);

  consumer.subscribe({ topics: [topic] });
  await drive(() => eddy.groupCoordinator.describeGroup(GROUP).state === 'PreparingRebalance', 'the consumer’s join');
  const heartbeat = await wire.request(API_KEYS.Heartbeat, 4, { groupId: GROUP, generationId: first.generationId as number, memberId: first.memberId as string, groupInstanceId: null });
  t.is(heartbeat.errorCode, KAFKA_ERRORS.REBALANCE_IN_PROGRESS);
  const rejoined = await join(wire, metadata, first.memberId as string);
  t.is(rejoined.leader, first.memberId);
  const members = rejoined.members as StructValue[];
  t.is(members.length, 2);
  t.deepEqual(members.find((m) => m.memberId === first.memberId)!.metadata, metadata);
  const other = members.find((m) => m.memberId !== first.memberId)!;
  const subscription = decodeSubscription(other.metadata as Buffer);
  t.deepEqual(subscription.topics, [topic], 'the in-process subscription arrives as ConsumerProtocolSubscription bytes');

  const forConsumer = encodeAssignment({ version: 3, assignedPartitions: [{ topic, partition: 2 }, { topic, partition: 3 }], userData: Buffer.from('ignored in-process') });
  const forLeader = encodeAssignment({ version: 3, assignedPartitions: [{ topic, partition: 0 }, { topic, partition: 1 }], userData: Buffer.from('leader') });
  const synced = await sync(wire, rejoined, [
    { memberId: first.memberId as string, assignment: forLeader },
    { memberId: other.memberId as string, assignment: forConsumer },
  ]);
  t.deepEqual(synced.assignment, forLeader);
  await drive(() => consumer.assignment().length === 2, 'the consumer’s assignment');
  t.deepEqual(sorted(consumer.assignment()), [2, 3]);
  const description = await eddy.admin.describeGroup(GROUP);
  t.deepEqual(description.members.map((m) => sorted(m.assignment)).sort(), [[0, 1], [2, 3]], 'admin sees the wire member’s partitions decoded');
});
