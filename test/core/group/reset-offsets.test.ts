/**
 * admin.resetOffsets: every mode, a dry run changes nothing, and it is refused while the group has
 * active members.
 */
import test, { type ExecutionContext } from 'ava';
import { ManualClock } from '../../../core/clock.js';
import { Eddy } from '../../../core/eddy.js';
import type { ResetOffsetsSpec } from '../../../core/group/group-admin.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';

const T0 = 1_700_000_000_000;

async function setup(t: ExecutionContext) {
  const clock = new ManualClock(T0 + 100_000);
  const eddy = await Eddy.open({ dataDir: tempDir(t), clock });
  t.teardown(() => eddy.close());
  const topic = uniqueTopic('reset');
  await eddy.admin.createTopic(topic, { partitions: 2 });
  const producer = eddy.producer({ acks: 1 });
  // Partition 0: offsets 0..9 at T0 + offset*1000; partition 1: 0..4.
  for (let i = 0; i < 10; i++) await producer.send({ topic, messages: [{ value: `a${i}`, partition: 0, timestamp: T0 + i * 1000 }] });
  for (let i = 0; i < 5; i++) await producer.send({ topic, messages: [{ value: `b${i}`, partition: 1, timestamp: T0 + i * 1000 }] });
  await eddy.groupCoordinator.offsetCommit({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic, partition: 0, offset: 6 }, { topic, partition: 1, offset: 2 }] });
  const committed = (): number[] => eddy.groupCoordinator.offsetFetch({ groupId: 'g', partitions: [{ topic, partition: 0 }, { topic, partition: 1 }] }).map((o) => o.offset);
  return { clock, eddy, topic, committed };
}

const cases: Array<[string, ResetOffsetsSpec, [number, number]]> = [
  ['to-earliest', { type: 'earliest' }, [0, 0]],
  ['to-latest', { type: 'latest' }, [10, 5]],
  ['to-offset (clamped to the log end)', { type: 'offset', offset: 7 }, [7, 5]],
  ['to-datetime', { type: 'datetime', timestamp: T0 + 3_500 }, [4, 4]],
  ['by-duration', { type: 'duration', durationMs: 100_000 - 8_000 }, [8, 5]],
  ['shift-by forward (clamped)', { type: 'shift', shift: 3 }, [9, 5]],
  ['shift-by back (clamped)', { type: 'shift', shift: -4 }, [2, 0]],
];

for (const [name, spec, expected] of cases) {
  test(`${name}: the dry run shows old → new and changes nothing; execute commits it`, async (t) => {
    const { eddy, topic, committed } = await setup(t);
    const dry = await eddy.admin.resetOffsets({ groupId: 'g', topics: [{ topic }], spec });
    t.false(dry.executed);
    t.deepEqual(dry.partitions.map((p) => [p.partition, p.oldOffset, p.newOffset]), [[0, 6, expected[0]], [1, 2, expected[1]]]);
    t.deepEqual(committed(), [6, 2], 'the dry run changed nothing');
    const done = await eddy.admin.resetOffsets({ groupId: 'g', topics: [{ topic }], spec, execute: true });
    t.true(done.executed);
    t.deepEqual(committed(), expected);
  });
}

test('only the listed partitions are reset; unknown topics and partitions are refused', async (t) => {
  const { eddy, topic, committed } = await setup(t);
  await eddy.admin.resetOffsets({ groupId: 'g', topics: [{ topic, partitions: [1] }], spec: { type: 'earliest' }, execute: true });
  t.deepEqual(committed(), [6, 0]);
  await t.throwsAsync(eddy.admin.resetOffsets({ groupId: 'g', topics: [{ topic, partitions: [2] }], spec: { type: 'earliest' } }), { code: 'ERR_PARTITION_NOT_FOUND' });
  await t.throwsAsync(eddy.admin.resetOffsets({ groupId: 'g', topics: [{ topic: 'nope' }], spec: { type: 'earliest' } }), { code: 'ERR_TOPIC_NOT_FOUND' });
  await t.throwsAsync(eddy.admin.resetOffsets({ groupId: 'new', topics: [{ topic }], spec: { type: 'shift', shift: 1 } }), { code: 'ERR_OFFSET_OUT_OF_RANGE' });
});

test('refused while the group has active members, dry run included; allowed again once they are gone', async (t) => {
  const { eddy, topic, committed, clock } = await setup(t);
  const member = eddy.consumer({ groupId: 'g', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 });
  member.subscribe({ topics: [topic] });
  for (let i = 0; i < 100 && member.groupMembership() === null; i++) {
    await member.poll({ timeoutMs: 0 });
    await new Promise((r) => setImmediate(r));
  }
  t.not(member.groupMembership(), null);
  for (const execute of [false, true]) {
    await t.throwsAsync(eddy.admin.resetOffsets({ groupId: 'g', topics: [{ topic }], spec: { type: 'earliest' }, execute }), { code: 'ERR_GROUP_NOT_EMPTY', message: /active member/ });
  }
  t.deepEqual(committed(), [6, 2]);
  member.simulateCrash();
  clock.advance(10_000);
  await eddy.admin.resetOffsets({ groupId: 'g', topics: [{ topic }], spec: { type: 'earliest' }, execute: true });
  t.deepEqual(committed(), [0, 0]);
});
