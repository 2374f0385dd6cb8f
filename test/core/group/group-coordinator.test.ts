/**
 * The coordinator as a state machine, driven by its requests and a ManualClock: join, sync,
 * heartbeat, leave, generations, fencing, session and rebalance timeouts, static membership,
 * committed offsets (durable, reloaded on open) and their expiry.
 */
import test, { type ExecutionContext } from 'ava';
import { ManualClock } from '../../../core/clock.js';
import { Eddy } from '../../../core/eddy.js';
import { isEddyError, type ErrorCode } from '../../../core/errors.js';
import type { JoinGroupRequest, JoinGroupResponse } from '../../../core/group/protocol.js';
import { OFFSETS_TOPIC } from '../../../core/group/offset-store.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { nextTurn } from '../../helpers/wait-for.js';

const SESSION = 10_000;
const REBALANCE = 60_000;

async function setup(t: ExecutionContext, config: Record<string, number> = {}) {
  const clock = new ManualClock();
  const dataDir = tempDir(t);
  const eddy = await Eddy.open({ dataDir, clock, config });
  t.teardown(() => eddy.close());
  await eddy.admin.createTopic('t', { partitions: 4 });
  return { clock, dataDir, eddy, coordinator: eddy.groupCoordinator };
}

function joinRequest(memberId = '', overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    memberId,
    groupInstanceId: null,
    clientId: 'c',
    sessionTimeoutMs: SESSION,
    rebalanceTimeoutMs: REBALANCE,
    protocols: [{ name: 'range', metadata: { topics: ['t'], ownedPartitions: [] } }],
    ...overrides,
  };
}

function expectCode(t: { true(v: boolean, m?: string): void }, fn: () => unknown, code: ErrorCode): void {
  try {
    fn();
    t.true(false, `expected ${code}, nothing thrown`);
  } catch (err) {
    t.true(isEddyError(err, code), `expected ${code}, got ${String(err)}`);
  }
}

async function expectRejects(t: { true(v: boolean, m?: string): void }, promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
    t.true(false, `expected ${code}, resolved`);
  } catch (err) {
    t.true(isEddyError(err, code), `expected ${code}, got ${String(err)}`);
  }
}

test('a first member joins, leads, syncs its own assignment; the group becomes Stable in generation 1', async (t) => {
  const { coordinator } = await setup(t);
  const join = await coordinator.joinGroup(joinRequest());
  t.is(join.generationId, 1);
  t.is(join.leader, join.memberId);
  t.is(join.protocolName, 'range');
  t.deepEqual(join.members.map((m) => m.memberId), [join.memberId]);
  t.is(coordinator.describeGroup('g').state, 'CompletingRebalance');
  const sync = await coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: join.memberId, assignments: [{ memberId: join.memberId, assignment: [{ topic: 't', partition: 0 }] }] });
  t.deepEqual(sync.assignment, [{ topic: 't', partition: 0 }]);
  t.is(coordinator.describeGroup('g').state, 'Stable');
  t.notThrows(() => coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: join.memberId }));
});

test('a second member starts a rebalance; the first learns it from its heartbeat, rejoins, and generation 2 completes', async (t) => {
  const { coordinator } = await setup(t);
  const a = await coordinator.joinGroup(joinRequest());
  await coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] });
  let bJoin: JoinGroupResponse | null = null;
  const bPending = coordinator.joinGroup(joinRequest()).then((r) => { bJoin = r; });
  await nextTurn();
  t.is(bJoin, null, 'the join waits for every known member');
  t.is(coordinator.describeGroup('g').state, 'PreparingRebalance');
  expectCode(t, () => coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId }), 'ERR_GROUP_REBALANCE_IN_PROGRESS');
  const a2 = await coordinator.joinGroup(joinRequest(a.memberId));
  await bPending;
  const b = bJoin as unknown as JoinGroupResponse;
  t.is(a2.generationId, 2);
  t.is(b.generationId, 2);
  t.is(a2.leader, a.memberId, 'the leader stays');
  t.is(a2.members.length, 2, 'the leader gets every subscription');
  t.is(b.members.length, 0, 'followers get none');
  const bSync = coordinator.syncGroup({ groupId: 'g', generationId: 2, memberId: b.memberId, assignments: [] });
  await coordinator.syncGroup({
    groupId: 'g', generationId: 2, memberId: a.memberId,
    assignments: [{ memberId: a.memberId, assignment: [{ topic: 't', partition: 0 }] }, { memberId: b.memberId, assignment: [{ topic: 't', partition: 1 }] }],
  });
  t.deepEqual((await bSync).assignment, [{ topic: 't', partition: 1 }]);
});

test('fencing: old generations and unknown members are refused for sync, heartbeat, commit and fetch', async (t) => {
  const { coordinator } = await setup(t);
  const a = await coordinator.joinGroup(joinRequest());
  await coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] });
  await coordinator.offsetCommit({ groupId: 'g', generationId: 1, memberId: a.memberId, offsets: [{ topic: 't', partition: 0, offset: 5 }] });
  const bPending = coordinator.joinGroup(joinRequest());
  const a2 = await coordinator.joinGroup(joinRequest(a.memberId));
  await bPending;
  t.is(a2.generationId, 2);
  expectCode(t, () => coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId }), 'ERR_GROUP_ILLEGAL_GENERATION');
  await expectRejects(t, coordinator.offsetCommit({ groupId: 'g', generationId: 1, memberId: a.memberId, offsets: [{ topic: 't', partition: 0, offset: 9 }] }), 'ERR_GROUP_ILLEGAL_GENERATION');
  expectCode(t, () => coordinator.offsetFetch({ groupId: 'g', generationId: 1, memberId: a.memberId, partitions: [{ topic: 't', partition: 0 }] }), 'ERR_GROUP_ILLEGAL_GENERATION');
  await expectRejects(t, coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] }), 'ERR_GROUP_ILLEGAL_GENERATION');
  expectCode(t, () => coordinator.heartbeat({ groupId: 'g', generationId: 2, memberId: 'nobody' }), 'ERR_GROUP_UNKNOWN_MEMBER');
  await expectRejects(t, coordinator.offsetCommit({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 9 }] }), 'ERR_GROUP_UNKNOWN_MEMBER');
  // While CompletingRebalance commits are refused (the member must sync first); the offset is unchanged.
  await expectRejects(t, coordinator.offsetCommit({ groupId: 'g', generationId: 2, memberId: a.memberId, offsets: [{ topic: 't', partition: 0, offset: 9 }] }), 'ERR_GROUP_REBALANCE_IN_PROGRESS');
  t.is(coordinator.offsetFetch({ groupId: 'g', partitions: [{ topic: 't', partition: 0 }] })[0]?.offset, 5);
});

test('commits are accepted while PreparingRebalance from the current generation (revoke listeners commit there)', async (t) => {
  const { coordinator } = await setup(t);
  const a = await coordinator.joinGroup(joinRequest());
  await coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] });
  void coordinator.joinGroup(joinRequest()).catch(() => undefined);
  t.is(coordinator.describeGroup('g').state, 'PreparingRebalance');
  await coordinator.offsetCommit({ groupId: 'g', generationId: 1, memberId: a.memberId, offsets: [{ topic: 't', partition: 2, offset: 7 }] });
  t.is(coordinator.offsetFetch({ groupId: 'g', partitions: [{ topic: 't', partition: 2 }] })[0]?.offset, 7);
});

test('a member that stops heartbeating is removed at its session timeout; the last one leaves the group Empty', async (t) => {
  const { coordinator, clock } = await setup(t);
  const a = await coordinator.joinGroup(joinRequest());
  await coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] });
  clock.advance(SESSION - 1);
  coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId });
  clock.advance(SESSION - 1);
  t.is(coordinator.describeGroup('g').members.length, 1, 'a heartbeat restarts the session');
  clock.advance(1);
  const d = coordinator.describeGroup('g');
  t.is(d.members.length, 0);
  t.is(d.state, 'Empty');
  t.is(d.generationId, 2);
  expectCode(t, () => coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId }), 'ERR_GROUP_UNKNOWN_MEMBER');
});

test('LeaveGroup rebalances the rest at once', async (t) => {
  const { coordinator } = await setup(t);
  const a = await coordinator.joinGroup(joinRequest());
  await coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] });
  const bPending = coordinator.joinGroup(joinRequest());
  await coordinator.joinGroup(joinRequest(a.memberId));
  const b = await bPending;
  await Promise.all([
    coordinator.syncGroup({ groupId: 'g', generationId: 2, memberId: a.memberId, assignments: [] }),
    coordinator.syncGroup({ groupId: 'g', generationId: 2, memberId: b.memberId, assignments: [] }),
  ]);
  coordinator.leaveGroup({ groupId: 'g', memberId: a.memberId });
  t.is(coordinator.describeGroup('g').state, 'PreparingRebalance');
  const b2 = await coordinator.joinGroup(joinRequest(b.memberId));
  t.is(b2.generationId, 3);
  t.is(b2.leader, b.memberId, 'the remaining member leads');
});

test('a member that does not rejoin within the rebalance timeout is dropped and the rebalance completes', async (t) => {
  const { coordinator, clock } = await setup(t);
  const a = await coordinator.joinGroup(joinRequest(undefined, { sessionTimeoutMs: 1_000_000, rebalanceTimeoutMs: 20_000 }));
  await coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] });
  let done: JoinGroupResponse | null = null;
  void coordinator.joinGroup(joinRequest(undefined, { sessionTimeoutMs: 1_000_000, rebalanceTimeoutMs: 20_000 })).then((r) => { done = r; });
  clock.advance(19_999);
  await nextTurn();
  t.is(done, null);
  clock.advance(1);
  await nextTurn();
  t.is((done as unknown as JoinGroupResponse).generationId, 2);
  t.is(coordinator.describeGroup('g').members.length, 1);
});

/** A join whose answer is recorded when it comes, so a test can check it has not come yet. */
function pendingJoin(coordinator: Awaited<ReturnType<typeof setup>>['coordinator'], request: JoinGroupRequest): { result: () => JoinGroupResponse | null } {
  let result: JoinGroupResponse | null = null;
  void coordinator.joinGroup(request).then((r) => {
    result = r;
  });
  return { result: () => result };
}

test('group.initial.rebalance.delay.ms holds the first rebalance, and holds it again while new members keep joining', async (t) => {
  const { coordinator, clock } = await setup(t, { 'group.initial.rebalance.delay.ms': 3_000 });
  const a = pendingJoin(coordinator, joinRequest());
  await nextTurn();
  t.is(a.result(), null, 'every member has joined, but the delay holds the rebalance');
  t.is(coordinator.describeGroup('g').state, 'PreparingRebalance');
  clock.advance(2_000);
  const b = pendingJoin(coordinator, joinRequest());
  clock.advance(1_000);
  await nextTurn();
  t.is(a.result(), null, 'a member joined during the delay: it waits once more');
  clock.advance(2_999);
  await nextTurn();
  t.is(a.result(), null);
  clock.advance(1);
  await nextTurn();
  const [ja, jb] = [a.result(), b.result()];
  t.is(ja?.generationId, 1, 'one first rebalance for both');
  t.is(jb?.generationId, 1);
  t.is(ja?.members.length, 2, 'the leader sees both members');
  await Promise.all([
    coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: ja!.memberId, assignments: [] }),
    coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: jb!.memberId, assignments: [] }),
  ]);
  // Only a group coming out of Empty waits: the next rebalance completes once every member rejoined.
  coordinator.leaveGroup({ groupId: 'g', memberId: jb!.memberId });
  const again = await coordinator.joinGroup(joinRequest(ja!.memberId));
  t.is(again.generationId, 2);
});

test('a group that emptied waits the initial delay once when it restarts, without extending it for new members', async (t) => {
  const { coordinator, clock } = await setup(t, { 'group.initial.rebalance.delay.ms': 3_000 });
  const first = pendingJoin(coordinator, joinRequest());
  clock.advance(3_000);
  await nextTurn();
  const leader = first.result()!;
  t.is(leader.generationId, 1);
  await coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: leader.memberId, assignments: [] });
  coordinator.leaveGroup({ groupId: 'g', memberId: leader.memberId });
  t.is(coordinator.describeGroup('g').state, 'Empty');
  // As Kafka's InitialDelayedJoin: the wait is extended for new members only in generation 0.
  const a = pendingJoin(coordinator, joinRequest());
  clock.advance(2_000);
  const b = pendingJoin(coordinator, joinRequest());
  clock.advance(999);
  await nextTurn();
  t.is(a.result(), null, 'the restarted group waits the delay');
  clock.advance(1);
  await nextTurn();
  t.is(a.result()?.generationId, 3, 'not extended for the member that joined during it');
  t.is(b.result()?.generationId, 3);
  t.is(a.result()?.members.length, 2);
});

test('the initial rebalance delay ends by the rebalance timeout however many members join', async (t) => {
  const { coordinator, clock } = await setup(t, { 'group.initial.rebalance.delay.ms': 3_000 });
  const request = joinRequest('', { rebalanceTimeoutMs: 5_000 });
  const a = pendingJoin(coordinator, request);
  clock.advance(1_000);
  pendingJoin(coordinator, request);
  clock.advance(3_000);
  pendingJoin(coordinator, request);
  await nextTurn();
  t.is(a.result(), null);
  // The second wait is the 2 s left of the 5 s rebalance timeout; a member joined in it, but no time is left.
  clock.advance(999);
  await nextTurn();
  t.is(a.result(), null);
  clock.advance(1);
  await nextTurn();
  t.is(a.result()?.generationId, 1);
  t.is(a.result()?.members.length, 3);
});

test('static membership: a restart within the session timeout gets the same assignment in the same generation, and fences the old id', async (t) => {
  const { coordinator, clock } = await setup(t);
  const req = joinRequest('', { groupInstanceId: 'node-1' });
  const a = await coordinator.joinGroup(req);
  const bPending = coordinator.joinGroup(joinRequest('', { groupInstanceId: 'node-2' }));
  await coordinator.joinGroup({ ...req, memberId: a.memberId });
  const b = await bPending;
  const assignments = [{ memberId: a.memberId, assignment: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] }, { memberId: b.memberId, assignment: [{ topic: 't', partition: 2 }, { topic: 't', partition: 3 }] }];
  await Promise.all([
    coordinator.syncGroup({ groupId: 'g', generationId: 2, memberId: a.memberId, assignments }),
    coordinator.syncGroup({ groupId: 'g', generationId: 2, memberId: b.memberId, assignments: [] }),
  ]);
  // node-1 "restarts": no leave, a new process joins with the same instance id before the session ends.
  clock.advance(SESSION / 2);
  coordinator.heartbeat({ groupId: 'g', generationId: 2, memberId: b.memberId });
  const again = await coordinator.joinGroup(req);
  t.is(again.generationId, 2, 'no rebalance');
  t.true(again.skipAssignment);
  t.not(again.memberId, a.memberId);
  t.is(coordinator.describeGroup('g').state, 'Stable');
  const sync = await coordinator.syncGroup({ groupId: 'g', generationId: 2, memberId: again.memberId, assignments: [] });
  t.deepEqual(sync.assignment, [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
  expectCode(t, () => coordinator.heartbeat({ groupId: 'g', generationId: 2, memberId: a.memberId }), 'ERR_GROUP_FENCED_INSTANCE_ID');
  t.notThrows(() => coordinator.heartbeat({ groupId: 'g', generationId: 2, memberId: b.memberId }), 'the other member saw nothing');
});

test('static membership: a member that does not come back within the session timeout is removed', async (t) => {
  const { coordinator, clock } = await setup(t);
  const a = await coordinator.joinGroup(joinRequest('', { groupInstanceId: 'node-1' }));
  await coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [] });
  clock.advance(SESSION);
  t.is(coordinator.describeGroup('g').members.length, 0);
  const again = await coordinator.joinGroup(joinRequest('', { groupInstanceId: 'node-1' }));
  t.is(again.generationId, 3, 'a new generation (the group emptied, then rebalanced)');
  t.false(again.skipAssignment);
});

test('a member whose assignors share none with the group is refused', async (t) => {
  const { coordinator } = await setup(t);
  await coordinator.joinGroup(joinRequest());
  await t.throwsAsync(coordinator.joinGroup(joinRequest('', { protocols: [{ name: 'roundrobin', metadata: { topics: ['t'], ownedPartitions: [] } }] })), { code: 'ERR_GROUP_INCONSISTENT_PROTOCOL' });
  await t.throwsAsync(coordinator.joinGroup(joinRequest('', { sessionTimeoutMs: 10 })), { code: 'ERR_CONFIG_INVALID' });
  await t.throwsAsync(coordinator.joinGroup(joinRequest('', { groupId: '' })), { code: 'ERR_GROUP_ID_INVALID' });
});

test('committed offsets live in __consumer_offsets in Kafka\'s schema and are loaded on open', async (t) => {
  const clock = new ManualClock();
  const dataDir = tempDir(t);
  let eddy = await Eddy.open({ dataDir, clock });
  await eddy.admin.createTopic('t', { partitions: 2 });
  await eddy.groupCoordinator.offsetCommit({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 3, metadata: 'm' }, { topic: 't', partition: 1, offset: 4 }] });
  await eddy.groupCoordinator.offsetCommit({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 8 }] });
  t.true((await eddy.admin.listTopics({ includeInternal: true })).includes(OFFSETS_TOPIC));
  t.is((await eddy.admin.describeTopic(OFFSETS_TOPIC)).config['cleanup.policy'], 'compact');
  await eddy.close();
  eddy = await Eddy.open({ dataDir, clock });
  t.teardown(() => eddy.close());
  const offsets = eddy.groupCoordinator.offsetFetch({ groupId: 'g', partitions: null });
  t.deepEqual(offsets.map((o) => [o.partition, o.offset, o.metadata]), [[0, 8, ''], [1, 4, '']]);
  t.is(offsets[0]?.commitTimestamp, clock.now());
});

test('offsets of an Empty group expire after offsets.retention.minutes, with tombstones that outlive a restart', async (t) => {
  const clock = new ManualClock();
  const dataDir = tempDir(t);
  const config = { 'offsets.retention.minutes': 60, 'offsets.retention.check.interval.ms': 60_000 };
  let eddy = await Eddy.open({ dataDir, clock, config });
  await eddy.admin.createTopic('t', { partitions: 1 });
  await eddy.groupCoordinator.offsetCommit({ groupId: 'old', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 1 }] });
  clock.advance(30 * 60_000);
  await eddy.groupCoordinator.offsetCommit({ groupId: 'young', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 2 }] });
  clock.advance(30 * 60_000);
  t.is(await eddy.groupCoordinator.expireOffsets(), 1);
  t.deepEqual((await eddy.admin.listGroups()).map((g) => g.groupId), ['young']);
  await eddy.close();
  eddy = await Eddy.open({ dataDir, clock, config });
  t.teardown(() => eddy.close());
  t.deepEqual((await eddy.admin.listGroups()).map((g) => g.groupId), ['young']);
  t.is(eddy.groupCoordinator.offsetFetch({ groupId: 'old', partitions: [{ topic: 't', partition: 0 }] })[0]?.offset, -1);
});

test('offsets of a deleted topic expire after the retention even in a group with members', async (t) => {
  const { coordinator, eddy, clock } = await setup(t, { 'offsets.retention.minutes': 1 });
  await eddy.admin.createTopic('gone', { partitions: 1 });
  await coordinator.offsetCommit({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 'gone', partition: 0, offset: 1 }, { topic: 't', partition: 0, offset: 1 }] });
  const a = await coordinator.joinGroup(joinRequest());
  await coordinator.syncGroup({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, assignments: [] });
  await eddy.admin.deleteTopic('gone');
  const liveFor = (ms: number): void => {
    for (let left = ms; left > 0; left -= 5_000) {
      clock.advance(Math.min(5_000, left));
      coordinator.heartbeat({ groupId: 'g', generationId: a.generationId, memberId: a.memberId });
    }
  };
  liveFor(59_000);
  t.is(await coordinator.expireOffsets(), 0);
  liveFor(1_000);
  t.is(await coordinator.expireOffsets(), 1);
  t.deepEqual(coordinator.offsetFetch({ groupId: 'g', partitions: null }).map((o) => o.topic), ['t'], 'the subscribed topic keeps its offset');
});

test('deleteGroup refuses a group with members and removes an empty one with its offsets', async (t) => {
  const { coordinator, eddy } = await setup(t);
  await coordinator.offsetCommit({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 1 }] });
  const a = await coordinator.joinGroup(joinRequest());
  await t.throwsAsync(eddy.admin.deleteGroup('g'), { code: 'ERR_GROUP_NOT_EMPTY' });
  coordinator.leaveGroup({ groupId: 'g', memberId: a.memberId });
  await eddy.admin.deleteGroup('g');
  await t.throwsAsync(eddy.admin.describeGroup('g'), { code: 'ERR_GROUP_NOT_FOUND' });
  await t.throwsAsync(eddy.admin.deleteGroup('g'), { code: 'ERR_GROUP_NOT_FOUND' });
});
