/**
 * The consumer-group APIs over the wire, as raw protocol requests (connectWire): FindCoordinator,
 * JoinGroup (with the MEMBER_ID_REQUIRED handshake), SyncGroup, Heartbeat, LeaveGroup,
 * OffsetCommit, OffsetFetch, DescribeGroups, ListGroups and DeleteGroups — the happy path and the
 * error codes, each in an old and a flexible version. Waits are on responses, never on time.
 */
import test, { type ExecutionContext } from 'ava';
import { ManualClock } from '../../../core/clock.js';
import { API_KEYS } from '../../../core/protocol/api-keys.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../../core/protocol/consumer-protocol.js';
import type { StructValue, Value } from '../../../core/protocol/schema.js';
import { KAFKA_ERRORS } from '../../../core/server/kafka-errors.js';
import { connectWire, servedEddy, type WireClient } from '../../helpers/kafka-wire.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

const SESSION = 30_000;

/** Not the default node id, so the answers show they come from the broker's own. */
const NODE_ID = 7;

async function setup(t: ExecutionContext, partitions = 4) {
  const served = await servedEddy(t, { server: { nodeId: NODE_ID } });
  const topic = uniqueTopic('wg');
  await served.eddy.admin.createTopic(topic, { partitions });
  const clients: WireClient[] = [];
  t.teardown(() => {
    for (const c of clients) c.close();
  });
  const connect = async (): Promise<WireClient> => {
    const c = await connectWire({ port: served.port });
    clients.push(c);
    return c;
  };
  return { ...served, topic, connect, client: await connect() };
}

function subscription(topics: string[], userData: Buffer | null = null): Buffer {
  return encodeSubscription({ version: 3, topics, userData, ownedPartitions: [], generationId: -1, rackId: null });
}

function assignment(partitions: Array<{ topic: string; partition: number }>, userData: Buffer | null = null): Buffer {
  return encodeAssignment({ version: 3, assignedPartitions: partitions, userData });
}

interface JoinOptions {
  memberId?: string;
  groupInstanceId?: string | null;
  protocolType?: string;
  protocols?: Array<{ name: string; metadata: Buffer }>;
  sessionTimeoutMs?: number;
}

function joinV9(c: WireClient, groupId: string, metadata: Buffer, o: JoinOptions = {}): Promise<StructValue> {
  return c.request(API_KEYS.JoinGroup, 9, {
    groupId,
    sessionTimeoutMs: o.sessionTimeoutMs ?? SESSION,
    rebalanceTimeoutMs: SESSION,
    memberId: o.memberId ?? '',
    groupInstanceId: o.groupInstanceId ?? null,
    protocolType: o.protocolType ?? 'consumer',
    protocols: o.protocols ?? [{ name: 'range', metadata }],
    reason: null,
  });
}

/** JoinGroup v9 through the MEMBER_ID_REQUIRED handshake (dynamic members) to the join response. */
async function joinMember(c: WireClient, groupId: string, metadata: Buffer, o: JoinOptions = {}): Promise<StructValue> {
  const first = await joinV9(c, groupId, metadata, o);
  if (first.errorCode !== KAFKA_ERRORS.MEMBER_ID_REQUIRED) return first;
  return joinV9(c, groupId, metadata, { ...o, memberId: first.memberId as string });
}

function syncV5(c: WireClient, groupId: string, join: StructValue, assignments: Array<{ memberId: string; assignment: Buffer }> = []): Promise<StructValue> {
  return c.request(API_KEYS.SyncGroup, 5, {
    groupId,
    generationId: join.generationId as Value,
    memberId: join.memberId as Value,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: join.protocolName as Value,
    assignments,
  });
}

function heartbeat(c: WireClient, version: number, groupId: string, generationId: number, memberId: string): Promise<StructValue> {
  return c.request(API_KEYS.Heartbeat, version, { groupId, generationId, memberId, groupInstanceId: null });
}

const code = (r: StructValue): number => r.errorCode as number;

// ── FindCoordinator ─────────────────────────────────────────────────────────────────────────────

test('FindCoordinator v0 answers this broker for a group', async (t) => {
  const { client, server } = await setup(t);
  const r = await client.request(API_KEYS.FindCoordinator, 0, { key: 'g' });
  t.is(r.errorCode, 0);
  t.is(r.nodeId, NODE_ID);
  t.is(r.host, '127.0.0.1');
  t.is(r.port, server.addresses.tcp!.port);
  const empty = await client.request(API_KEYS.FindCoordinator, 1, { key: '', keyType: 0 });
  t.is(empty.errorCode, KAFKA_ERRORS.INVALID_REQUEST);
});

test('FindCoordinator v4 answers a batch of group and transaction keys; an unknown key type is INVALID_REQUEST', async (t) => {
  const { client, port } = await setup(t);
  const groups = await client.request(API_KEYS.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] });
  t.deepEqual(groups.coordinators, [
    { key: 'a', nodeId: NODE_ID, host: '127.0.0.1', port, errorCode: 0, errorMessage: null },
    { key: 'b', nodeId: NODE_ID, host: '127.0.0.1', port, errorCode: 0, errorMessage: null },
  ]);
  const txn = await client.request(API_KEYS.FindCoordinator, 5, { keyType: 1, coordinatorKeys: ['tx'] });
  t.like((txn.coordinators as StructValue[])[0], { key: 'tx', nodeId: NODE_ID, port, errorCode: 0 });
  const bad = await client.request(API_KEYS.FindCoordinator, 4, { keyType: 7, coordinatorKeys: ['x'] });
  t.like((bad.coordinators as StructValue[])[0], { key: 'x', nodeId: -1, errorCode: KAFKA_ERRORS.INVALID_REQUEST });
});

// ── JoinGroup, SyncGroup, Heartbeat, LeaveGroup ─────────────────────────────────────────────────

test('v9 member: MEMBER_ID_REQUIRED, join as leader, sync its assignment bytes, heartbeat, describe, leave', async (t) => {
  const { client, topic } = await setup(t);
  const meta = subscription([topic], Buffer.from('ud'));
  const first = await joinV9(client, 'g1', meta);
  t.is(first.errorCode, KAFKA_ERRORS.MEMBER_ID_REQUIRED);
  t.not(first.memberId, '');
  t.is(first.protocolName, null, 'v7+ errors carry a null protocol name');
  const join = await joinV9(client, 'g1', meta, { memberId: first.memberId as string });
  t.like(join, { errorCode: 0, generationId: 1, protocolType: 'consumer', protocolName: 'range', leader: first.memberId, memberId: first.memberId, skipAssignment: false });
  t.deepEqual(join.members, [{ memberId: first.memberId, groupInstanceId: null, metadata: meta }]);

  const mine = assignment([{ topic, partition: 0 }, { topic, partition: 1 }], Buffer.from('leader-data'));
  const sync = await syncV5(client, 'g1', join, [{ memberId: join.memberId as string, assignment: mine }]);
  t.like(sync, { errorCode: 0, protocolType: 'consumer', protocolName: 'range' });
  t.deepEqual(sync.assignment, mine, 'the leader’s bytes come back unchanged');
  t.is(code(await heartbeat(client, 4, 'g1', 1, join.memberId as string)), 0);

  const described = await client.request(API_KEYS.DescribeGroups, 5, { groups: ['g1'], includeAuthorizedOperations: false });
  const group = (described.groups as StructValue[])[0]!;
  t.like(group, { errorCode: 0, groupId: 'g1', groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
  const member = (group.members as StructValue[])[0]!;
  t.like(member, { memberId: join.memberId, clientId: 'eddy-wire', clientHost: '/127.0.0.1' });
  t.deepEqual(member.memberMetadata, meta);
  t.deepEqual(member.memberAssignment, mine);

  const left = await client.request(API_KEYS.LeaveGroup, 5, { groupId: 'g1', members: [{ memberId: join.memberId as Value, groupInstanceId: null, reason: 'done' }] });
  t.deepEqual(left, { throttleTimeMs: 0, errorCode: 0, members: [{ memberId: join.memberId, groupInstanceId: null, errorCode: 0 }] });
  const after = await client.request(API_KEYS.DescribeGroups, 0, { groups: ['g1'] });
  t.like((after.groups as StructValue[])[0], { groupState: 'Empty', members: [] });
});

test('v0 member: joins without the handshake, syncs, heartbeats and leaves in the oldest layouts', async (t) => {
  const { client, topic } = await setup(t);
  const meta = encodeSubscription({ version: 0, topics: [topic], userData: null, ownedPartitions: [], generationId: -1, rackId: null });
  const join = await client.request(API_KEYS.JoinGroup, 0, { groupId: 'g0', sessionTimeoutMs: SESSION, memberId: '', protocolType: 'consumer', protocols: [{ name: 'roundrobin', metadata: meta }] });
  t.like(join, { errorCode: 0, generationId: 1, protocolName: 'roundrobin' });
  t.is(join.leader, join.memberId);
  const mine = encodeAssignment({ version: 0, assignedPartitions: [{ topic, partition: 3 }], userData: null });
  const sync = await client.request(API_KEYS.SyncGroup, 0, { groupId: 'g0', generationId: 1, memberId: join.memberId as Value, assignments: [{ memberId: join.memberId as Value, assignment: mine }] });
  t.is(sync.errorCode, 0);
  t.deepEqual(sync.assignment, mine);
  t.is(code(await heartbeat(client, 0, 'g0', 1, join.memberId as string)), 0);
  t.is(code(await client.request(API_KEYS.LeaveGroup, 0, { groupId: 'g0', memberId: join.memberId as Value })), 0);
  t.is(code(await client.request(API_KEYS.LeaveGroup, 0, { groupId: 'g0', memberId: join.memberId as Value })), KAFKA_ERRORS.UNKNOWN_MEMBER_ID);
});

test('two wire members: the join waits for the rebalance; the leader gets every subscription, the follower its bytes with userData intact', async (t) => {
  const { connect, topic } = await setup(t);
  const a = await connect();
  const b = await connect();
  const metaA = subscription([topic], Buffer.from('A'));
  const metaB = subscription([topic], Buffer.from('B'));
  const joinA1 = await joinMember(a, 'g2', metaA);
  t.is(code(await syncV5(a, 'g2', joinA1, [{ memberId: joinA1.memberId as string, assignment: assignment([{ topic, partition: 0 }]) }])), 0);

  const joiningB = joinMember(b, 'g2', metaB);
  // A learns of the rebalance from its heartbeat and joins again; only then do both joins answer.
  const heartbeats = async (): Promise<number> => code(await heartbeat(a, 4, 'g2', 1, joinA1.memberId as string));
  let hb = await heartbeats();
  while (hb === 0) hb = await heartbeats();
  t.is(hb, KAFKA_ERRORS.REBALANCE_IN_PROGRESS);
  const [joinA2, joinB] = await Promise.all([joinV9(a, 'g2', metaA, { memberId: joinA1.memberId as string }), joiningB]);
  t.is(joinA2.generationId, 2);
  t.is(joinB.generationId, 2);
  t.is(joinA2.leader, joinA1.memberId, 'the leader stays the leader');
  t.deepEqual(joinB.members, [], 'followers get no member list');
  const members = joinA2.members as StructValue[];
  t.deepEqual(new Map(members.map((m) => [m.memberId, m.metadata])), new Map([[joinA1.memberId, metaA], [joinB.memberId, metaB]]));
  t.deepEqual(decodeSubscription(members.find((m) => m.memberId === joinB.memberId)!.metadata as Buffer).userData, Buffer.from('B'));

  const forB = assignment([{ topic, partition: 2 }, { topic, partition: 3 }], Buffer.from('for-B'));
  const syncingB = syncV5(b, 'g2', joinB);
  const syncA = await syncV5(a, 'g2', joinA2, [
    { memberId: joinA2.memberId as string, assignment: assignment([{ topic, partition: 0 }, { topic, partition: 1 }]) },
    { memberId: joinB.memberId as string, assignment: forB },
  ]);
  const syncB = await syncingB;
  t.is(code(syncA), 0);
  t.is(code(syncB), 0);
  t.deepEqual(syncB.assignment, forB);
  t.deepEqual(decodeAssignment(syncB.assignment as Buffer).userData, Buffer.from('for-B'));
});

test('members started together share one rebalance: the join waits for member ids handed out by MEMBER_ID_REQUIRED', async (t) => {
  const { connect, topic, eddy } = await setup(t);
  const [a, b, c] = [await connect(), await connect(), await connect()];
  const meta = subscription([topic]);
  const group = (): ReturnType<typeof eddy.groupCoordinator.describeGroup> => eddy.groupCoordinator.describeGroup('g-together');
  const pending = await Promise.all([a, b, c].map((client) => joinV9(client, 'g-together', meta)));
  t.deepEqual(pending.map(code), [KAFKA_ERRORS.MEMBER_ID_REQUIRED, KAFKA_ERRORS.MEMBER_ID_REQUIRED, KAFKA_ERRORS.MEMBER_ID_REQUIRED]);
  const joinA = joinV9(a, 'g-together', meta, { memberId: pending[0]!.memberId as string });
  await waitFor(() => group().members.length === 1, 'a to join');
  t.is(group().state, 'PreparingRebalance', 'the join waits for the two pending members');
  // c leaves before joining: the rebalance stops waiting for it.
  const left = await c.request(API_KEYS.LeaveGroup, 4, { groupId: 'g-together', members: [{ memberId: pending[2]!.memberId as Value, groupInstanceId: null }] });
  t.deepEqual((left.members as StructValue[]).map((m) => m.errorCode), [0]);
  t.is(group().state, 'PreparingRebalance', 'b is still pending');
  const joinB = await joinV9(b, 'g-together', meta, { memberId: pending[1]!.memberId as string });
  const first = await joinA;
  t.is(code(first), 0);
  t.is(code(joinB), 0);
  t.is(first.generationId, 1, 'one rebalance for both');
  t.is(joinB.generationId, 1);
  const leader = [first, joinB].find((j) => j.leader === j.memberId)!;
  t.deepEqual((leader.members as StructValue[]).map((m) => m.memberId).sort(), [first.memberId, joinB.memberId].sort());
});

test('a pending member id that never joins holds a rebalance only until it expires (its session timeout)', async (t) => {
  const clock = new ManualClock(1_700_000_000_000);
  const served = await servedEddy(t, { eddy: { clock } });
  const topic = uniqueTopic('wg');
  await served.eddy.admin.createTopic(topic, { partitions: 1 });
  const [a, b] = [await connectWire({ port: served.port }), await connectWire({ port: served.port })];
  t.teardown(() => {
    a.close();
    b.close();
  });
  const meta = subscription([topic]);
  t.is(code(await joinV9(b, 'g-expire', meta, { sessionTimeoutMs: 6_000 })), KAFKA_ERRORS.MEMBER_ID_REQUIRED);
  let joined: StructValue | null = null;
  const joining = joinMember(a, 'g-expire', meta).then((r) => (joined = r));
  const group = (): ReturnType<typeof served.eddy.groupCoordinator.describeGroup> => served.eddy.groupCoordinator.describeGroup('g-expire');
  await waitFor(() => group().members.length === 1, 'a to join');
  clock.advance(5_999);
  t.is(group().state, 'PreparingRebalance', 'still waiting for the pending id');
  t.is(joined, null);
  clock.advance(1);
  await joining;
  t.is(code(joined!), 0);
  t.is(joined!.generationId, 1);
});

test('JoinGroup errors: invalid group id, session timeout out of bounds, unknown member, other protocol type, no common protocol', async (t) => {
  const { client, connect, topic } = await setup(t);
  const meta = subscription([topic]);
  t.is(code(await joinV9(client, '', meta)), KAFKA_ERRORS.INVALID_GROUP_ID);
  t.is(code(await joinV9(client, 'g3', meta, { sessionTimeoutMs: 1 })), KAFKA_ERRORS.INVALID_SESSION_TIMEOUT);
  const unknown = await joinV9(client, 'g3', meta, { memberId: 'nobody' });
  t.like(unknown, { errorCode: KAFKA_ERRORS.UNKNOWN_MEMBER_ID, memberId: 'nobody', generationId: -1 });
  t.is(code(await joinV9(client, 'g3', meta, { protocolType: '' })), KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL);
  const v5 = await client.request(API_KEYS.JoinGroup, 5, { groupId: 'g3', sessionTimeoutMs: 1, rebalanceTimeoutMs: SESSION, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: meta }] });
  t.is(v5.errorCode, KAFKA_ERRORS.INVALID_SESSION_TIMEOUT);
  t.is(v5.protocolName, '', 'before v7 an error carries an empty protocol name');

  const join = await joinMember(client, 'g3', meta);
  t.is(code(await syncV5(client, 'g3', join, [])), 0);
  const other = await connect();
  t.is(code(await joinMember(other, 'g3', meta, { protocolType: 'connect' })), KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL);
  t.is(code(await joinMember(other, 'g3', meta, { protocols: [{ name: 'sticky-only', metadata: meta }] })), KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL);
});

test('the coordinator chooses a protocol every member supports', async (t) => {
  const { client, topic } = await setup(t);
  const meta = subscription([topic]);
  const join = await joinMember(client, 'g4', meta, { protocols: [{ name: 'cooperative-sticky', metadata: meta }, { name: 'range', metadata: meta }] });
  t.is(join.protocolName, 'cooperative-sticky');
});

test('SyncGroup, Heartbeat errors: unknown member, wrong generation, invalid group id, v5 without protocol names', async (t) => {
  const { client, topic } = await setup(t);
  const join = await joinMember(client, 'g5', subscription([topic]));
  const memberId = join.memberId as string;
  t.is(code(await syncV5(client, 'g5', { ...join, generationId: 7 })), KAFKA_ERRORS.ILLEGAL_GENERATION);
  t.is(code(await syncV5(client, 'g5', { ...join, memberId: 'ghost' })), KAFKA_ERRORS.UNKNOWN_MEMBER_ID);
  t.is(code(await syncV5(client, 'g5', { ...join, protocolName: 'roundrobin' })), KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL);
  const noNames = await client.request(API_KEYS.SyncGroup, 5, { groupId: 'g5', generationId: 1, memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
  t.is(code(noNames), KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL);
  t.is(code(await client.request(API_KEYS.SyncGroup, 0, { groupId: '', generationId: 1, memberId, assignments: [] })), KAFKA_ERRORS.INVALID_GROUP_ID);
  t.is(code(await syncV5(client, 'g5', join)), 0);
  t.is(code(await heartbeat(client, 0, 'g5', 2, memberId)), KAFKA_ERRORS.ILLEGAL_GENERATION);
  t.is(code(await heartbeat(client, 4, 'g5', 1, 'ghost')), KAFKA_ERRORS.UNKNOWN_MEMBER_ID);
  t.is(code(await heartbeat(client, 4, 'no-such-group', 1, memberId)), KAFKA_ERRORS.UNKNOWN_MEMBER_ID);
  t.is(code(await heartbeat(client, 4, '', 1, memberId)), KAFKA_ERRORS.INVALID_GROUP_ID);
  t.is(code(await heartbeat(client, 4, 'g5', 1, memberId)), 0, 'the connection stayed open through every error');
});

test('static members: a restart fences the old member id; LeaveGroup v3 by instance id', async (t) => {
  const { client, topic } = await setup(t);
  const meta = subscription([topic]);
  const first = await joinV9(client, 'g6', meta, { groupInstanceId: 'i-1' });
  t.is(code(first), 0, 'static members skip the MEMBER_ID_REQUIRED handshake');
  t.is(code(await syncV5(client, 'g6', first, [{ memberId: first.memberId as string, assignment: assignment([{ topic, partition: 0 }]) }])), 0);
  const again = await joinV9(client, 'g6', meta, { groupInstanceId: 'i-1' });
  t.is(code(again), 0);
  t.not(again.memberId, first.memberId);
  t.is(again.skipAssignment, true, 'same subscription in a stable group: no rebalance');
  t.is(code(await heartbeat(client, 4, 'g6', 1, first.memberId as string)), KAFKA_ERRORS.FENCED_INSTANCE_ID);
  const sync = await syncV5(client, 'g6', again);
  t.deepEqual(decodeAssignment(sync.assignment as Buffer).assignedPartitions, [{ topic, partition: 0 }], 'the static member keeps its assignment');

  const left = await client.request(API_KEYS.LeaveGroup, 3, {
    groupId: 'g6',
    members: [
      { memberId: first.memberId as Value, groupInstanceId: 'i-1' },
      { memberId: '', groupInstanceId: 'i-1' },
      { memberId: '', groupInstanceId: 'i-2' },
      { memberId: 'ghost', groupInstanceId: null },
    ],
  });
  t.is(left.errorCode, 0);
  t.deepEqual((left.members as StructValue[]).map((m) => m.errorCode), [
    KAFKA_ERRORS.FENCED_INSTANCE_ID,
    0,
    KAFKA_ERRORS.UNKNOWN_MEMBER_ID,
    KAFKA_ERRORS.UNKNOWN_MEMBER_ID,
  ]);
});

test('LeaveGroup v4 with an invalid group id; a pending member id from MEMBER_ID_REQUIRED may leave', async (t) => {
  const { client, topic } = await setup(t);
  const bad = await client.request(API_KEYS.LeaveGroup, 4, { groupId: '', members: [{ memberId: 'm', groupInstanceId: null }] });
  t.is(bad.errorCode, KAFKA_ERRORS.INVALID_GROUP_ID);
  const pending = await joinV9(client, 'g7', subscription([topic]));
  t.is(code(pending), KAFKA_ERRORS.MEMBER_ID_REQUIRED);
  const left = await client.request(API_KEYS.LeaveGroup, 4, { groupId: 'g7', members: [{ memberId: pending.memberId as Value, groupInstanceId: null }] });
  t.deepEqual((left.members as StructValue[]).map((m) => m.errorCode), [0]);
  const late = await joinV9(client, 'g7', subscription([topic]), { memberId: pending.memberId as string });
  t.is(code(late), KAFKA_ERRORS.UNKNOWN_MEMBER_ID, 'a pending id that left cannot join');
});

// ── OffsetCommit, OffsetFetch ───────────────────────────────────────────────────────────────────

function commitBody(groupId: string, topic: string, offsets: Array<[number, number, string | null]>, generationId = -1, memberId = ''): StructValue {
  return {
    groupId,
    generationIdOrMemberEpoch: generationId,
    memberId,
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [{ name: topic, partitions: offsets.map(([partitionIndex, committedOffset, committedMetadata]) => ({ partitionIndex, committedOffset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata })) }],
  };
}

const partitionCodes = (r: StructValue): number[] => (r.topics as StructValue[]).flatMap((tp) => (tp.partitions as StructValue[]).map((p) => p.errorCode as number));

test('OffsetCommit v2 from outside the group and OffsetFetch v1 read it back; v0 commits too', async (t) => {
  const { client, topic } = await setup(t);
  const r = await client.request(API_KEYS.OffsetCommit, 2, commitBody('o1', topic, [[0, 5, 'meta'], [1, 7, null]]));
  t.deepEqual(partitionCodes(r), [0, 0]);
  const v0 = await client.request(API_KEYS.OffsetCommit, 0, commitBody('o1', topic, [[2, 9, '']]));
  t.deepEqual(partitionCodes(v0), [0]);
  const fetched = await client.request(API_KEYS.OffsetFetch, 1, { groupId: 'o1', topics: [{ name: topic, partitionIndexes: [0, 1, 2, 3] }] });
  t.deepEqual(fetched.topics, [
    {
      name: topic,
      partitions: [
        { partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, metadata: 'meta', errorCode: 0 },
        { partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
        { partitionIndex: 2, committedOffset: 9, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
        { partitionIndex: 3, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
      ],
    },
  ]);
});

test('OffsetCommit v8 by a member of the group; errors per partition and per member', async (t) => {
  const { client, topic } = await setup(t);
  const join = await joinMember(client, 'o2', subscription([topic]));
  await syncV5(client, 'o2', join, []);
  const memberId = join.memberId as string;
  t.deepEqual(partitionCodes(await client.request(API_KEYS.OffsetCommit, 8, commitBody('o2', topic, [[0, 3, null]], 1, memberId))), [0]);
  t.deepEqual(partitionCodes(await client.request(API_KEYS.OffsetCommit, 8, commitBody('o2', topic, [[0, 4, null]], 2, memberId))), [KAFKA_ERRORS.ILLEGAL_GENERATION]);
  t.deepEqual(partitionCodes(await client.request(API_KEYS.OffsetCommit, 8, commitBody('o2', topic, [[0, 4, null]], 1, 'ghost'))), [KAFKA_ERRORS.UNKNOWN_MEMBER_ID]);
  t.deepEqual(partitionCodes(await client.request(API_KEYS.OffsetCommit, 8, commitBody('o2', topic, [[0, 4, null]]))), [KAFKA_ERRORS.UNKNOWN_MEMBER_ID], 'a group with members refuses commits from outside');
  const mixed = await client.request(API_KEYS.OffsetCommit, 9, {
    ...commitBody('o2', topic, [[1, 6, null], [99, 1, null], [2, 6, 'x'.repeat(5000)]], 1, memberId),
    topics: [...(commitBody('o2', topic, [[1, 6, null], [99, 1, null], [2, 6, 'x'.repeat(5000)]]).topics as StructValue[]), { name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  t.deepEqual(partitionCodes(mixed), [0, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION, KAFKA_ERRORS.OFFSET_METADATA_TOO_LARGE, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION]);
  t.deepEqual(partitionCodes(await client.request(API_KEYS.OffsetCommit, 3, commitBody('', topic, [[0, 1, null]]))), [KAFKA_ERRORS.INVALID_GROUP_ID]);

  const fetched = await client.request(API_KEYS.OffsetFetch, 6, { groupId: 'o2', topics: null, requireStable: false });
  t.is(fetched.errorCode, 0);
  t.deepEqual(fetched.topics, [{ name: topic, partitions: [
    { partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
    { partitionIndex: 1, committedOffset: 6, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
  ] }]);
});

test('OffsetFetch v8 asks for several groups; an invalid id fails only its group', async (t) => {
  const { client, topic } = await setup(t);
  await client.request(API_KEYS.OffsetCommit, 8, commitBody('f1', topic, [[0, 11, null]]));
  await client.request(API_KEYS.OffsetCommit, 8, commitBody('f2', topic, [[1, 22, null]]));
  const r = await client.request(API_KEYS.OffsetFetch, 8, {
    groups: [
      { groupId: 'f1', topics: null },
      { groupId: 'f2', topics: [{ name: topic, partitionIndexes: [1] }] },
      { groupId: 'never', topics: null },
      { groupId: '', topics: null },
    ],
    requireStable: true,
  });
  const groups = r.groups as StructValue[];
  t.deepEqual(groups.map((g) => g.errorCode), [0, 0, 0, KAFKA_ERRORS.INVALID_GROUP_ID]);
  t.deepEqual(groups[0]!.topics, [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 11, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] }]);
  t.deepEqual(groups[1]!.topics, [{ name: topic, partitions: [{ partitionIndex: 1, committedOffset: 22, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] }]);
  t.deepEqual(groups[2]!.topics, []);
});

test('OffsetFetch v7 with requireStable answers UNSTABLE_OFFSET_COMMIT where a transaction holds a pending offset', async (t) => {
  const { client, topic, eddy } = await setup(t);
  await client.request(API_KEYS.OffsetCommit, 7, commitBody('tx-group', topic, [[0, 1, null], [1, 1, null]]));
  await eddy.groupCoordinator.txnOffsetCommit('tx-group', 4242, 0, [{ topic, partition: 0, offset: 50 }]);
  const ask = { groupId: 'tx-group', topics: [{ name: topic, partitionIndexes: [0, 1] }] };
  const stable = await client.request(API_KEYS.OffsetFetch, 7, { ...ask, requireStable: true });
  t.deepEqual((stable.topics as StructValue[])[0]!.partitions, [
    { partitionIndex: 0, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: KAFKA_ERRORS.UNSTABLE_OFFSET_COMMIT },
    { partitionIndex: 1, committedOffset: 1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
  ]);
  const plain = await client.request(API_KEYS.OffsetFetch, 7, { ...ask, requireStable: false });
  t.deepEqual(((plain.topics as StructValue[])[0]!.partitions as StructValue[]).map((p) => p.committedOffset), [1, 1], 'without requireStable the committed offset is answered');
});

// ── DescribeGroups, ListGroups, DeleteGroups ────────────────────────────────────────────────────

test('DescribeGroups: an unknown group is Dead, an invalid id INVALID_GROUP_ID; members show no bytes while rebalancing', async (t) => {
  const { client, topic, connect } = await setup(t);
  const r = await client.request(API_KEYS.DescribeGroups, 0, { groups: ['ghost-group', ''] });
  t.deepEqual(r.groups, [
    { errorCode: 0, groupId: 'ghost-group', groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: -2147483648 },
    { errorCode: KAFKA_ERRORS.INVALID_GROUP_ID, groupId: '', groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: -2147483648 },
  ]);
  const join = await joinMember(client, 'd1', subscription([topic]));
  const other = await connect();
  const joining = joinMember(other, 'd1', subscription([topic]));
  let described = await client.request(API_KEYS.DescribeGroups, 4, { groups: ['d1'], includeAuthorizedOperations: false });
  while ((described.groups as StructValue[])[0]!.groupState !== 'PreparingRebalance') {
    described = await client.request(API_KEYS.DescribeGroups, 4, { groups: ['d1'], includeAuthorizedOperations: false });
  }
  const group = (described.groups as StructValue[])[0]!;
  t.is(group.protocolData, '');
  t.deepEqual((group.members as StructValue[]).map((m) => [m.memberMetadata, m.memberAssignment]), [[Buffer.alloc(0), Buffer.alloc(0)], [Buffer.alloc(0), Buffer.alloc(0)]]);
  // Let the rebalance finish so no join is left waiting.
  await joinV9(client, 'd1', subscription([topic]), { memberId: join.memberId as string });
  await joining;
});

test('ListGroups v0 lists every group; v4 filters by state, v5 by type', async (t) => {
  const { client, topic } = await setup(t);
  await client.request(API_KEYS.OffsetCommit, 2, commitBody('l-empty', topic, [[0, 1, null]]));
  const join = await joinMember(client, 'l-stable', subscription([topic]));
  await syncV5(client, 'l-stable', join, []);
  const all = await client.request(API_KEYS.ListGroups, 0, {});
  t.is(all.errorCode, 0);
  t.deepEqual((all.groups as StructValue[]).map((g) => [g.groupId, g.protocolType]), [['l-empty', 'consumer'], ['l-stable', 'consumer']]);
  const stable = await client.request(API_KEYS.ListGroups, 4, { statesFilter: ['stable'] });
  t.deepEqual((stable.groups as StructValue[]).map((g) => [g.groupId, g.groupState]), [['l-stable', 'Stable']]);
  const classic = await client.request(API_KEYS.ListGroups, 5, { statesFilter: [], typesFilter: ['classic'] });
  t.deepEqual((classic.groups as StructValue[]).map((g) => [g.groupId, g.groupType]), [['l-empty', 'classic'], ['l-stable', 'classic']]);
  const consumerType = await client.request(API_KEYS.ListGroups, 5, { statesFilter: [], typesFilter: ['consumer'] });
  t.deepEqual(consumerType.groups, [], 'no KIP-848 consumer groups here');
});

test('DeleteGroups: an empty group with offsets is deleted; a group with members is NON_EMPTY_GROUP; unknown GROUP_ID_NOT_FOUND', async (t) => {
  const { client, topic } = await setup(t);
  await client.request(API_KEYS.OffsetCommit, 2, commitBody('del-me', topic, [[0, 1, null]]));
  await joinMember(client, 'busy', subscription([topic]));
  const r = await client.request(API_KEYS.DeleteGroups, 2, { groupsNames: ['del-me', 'busy', 'nope', ''] });
  t.deepEqual(r.results, [
    { groupId: 'del-me', errorCode: 0 },
    { groupId: 'busy', errorCode: KAFKA_ERRORS.NON_EMPTY_GROUP },
    { groupId: 'nope', errorCode: KAFKA_ERRORS.GROUP_ID_NOT_FOUND },
    { groupId: '', errorCode: KAFKA_ERRORS.INVALID_GROUP_ID },
  ]);
  const again = await client.request(API_KEYS.DeleteGroups, 0, { groupsNames: ['del-me'] });
  t.deepEqual(again.results, [{ groupId: 'del-me', errorCode: KAFKA_ERRORS.GROUP_ID_NOT_FOUND }]);
  const fetched = await client.request(API_KEYS.OffsetFetch, 1, { groupId: 'del-me', topics: [{ name: topic, partitionIndexes: [0] }] });
  t.is(((fetched.topics as StructValue[])[0]!.partitions as StructValue[])[0]!.committedOffset, -1);
});

test('a protocol type other than "consumer" passes its bytes through opaquely', async (t) => {
  const { connect } = await setup(t);
  const a = await connect();
  const b = await connect();
  const opaque = { protocolType: 'connect', protocols: [{ name: 'sessioned', metadata: Buffer.from('not a consumer subscription') }] };
  const joinA = await joinMember(a, 'c1', Buffer.alloc(0), opaque);
  t.like(joinA, { errorCode: 0, protocolType: 'connect', protocolName: 'sessioned' });
  await syncV5(a, 'c1', joinA, []).then((r) => t.is(code(r), KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL, 'SyncGroup v5 must name the group’s protocol type'));
  const syncA = await a.request(API_KEYS.SyncGroup, 5, {
    groupId: 'c1', generationId: 1, memberId: joinA.memberId as Value, groupInstanceId: null, protocolType: 'connect', protocolName: 'sessioned',
    assignments: [{ memberId: joinA.memberId as Value, assignment: Buffer.from('opaque-assignment') }],
  });
  t.like(syncA, { errorCode: 0, protocolType: 'connect' });
  t.deepEqual(syncA.assignment, Buffer.from('opaque-assignment'));
  t.is(code(await joinMember(b, 'c1', Buffer.from('x'))), KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL, 'a consumer cannot join a connect group');
  const listed = await a.request(API_KEYS.ListGroups, 3, {});
  t.deepEqual((listed.groups as StructValue[]).map((g) => [g.groupId, g.protocolType]), [['c1', 'connect']]);
});
