/**
 * The consumer in a group: subscribe by names or pattern, autoCommit's at-least-once meaning, the
 * at-most-once mode, commit()/committed(), rebalance listeners, static membership, the
 * max.poll.interval rule, and rebalances on new partitions and new matching topics. Time is a
 * ManualClock; waits are conditions.
 */
import test, { type ExecutionContext } from 'ava';
import type { Consumer } from '../../../core/client/consumer.js';
import type { ConsumerOptions, TopicPartition } from '../../../core/client/types.js';
import { ManualClock } from '../../../core/clock.js';
import { Eddy } from '../../../core/eddy.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';
import { nextTurn } from '../../helpers/wait-for.js';

async function setup(t: ExecutionContext, partitions = 2, records = 20) {
  const clock = new ManualClock();
  const eddy = await Eddy.open({ dataDir: tempDir(t), clock });
  t.teardown(() => eddy.close());
  const topic = uniqueTopic('cg');
  await eddy.admin.createTopic(topic, { partitions });
  const producer = eddy.producer({ acks: 1 });
  for (let i = 0; i < records; i++) await producer.send({ topic, messages: [{ value: `v${i}`, partition: i % partitions }] });
  const consumer = (options: ConsumerOptions<Buffer | null, Buffer | null> = {}): Consumer => eddy.consumer({ groupId: 'g', autoOffsetReset: 'earliest', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, ...options });
  /** Polls every consumer (timeout 0) and advances the clock until the condition holds. */
  const drive = async (consumers: Consumer[], condition: () => boolean, what: string, stepMs = 500): Promise<void> => {
    for (let i = 0; i < 400; i++) {
      if (condition()) return;
      await Promise.all(consumers.map((c) => c.poll({ timeoutMs: 0 })));
      clock.advance(stepMs);
      await nextTurn();
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  return { clock, eddy, topic, producer, consumer, drive };
}

const parts = (tps: TopicPartition[]): number[] => tps.map((tp) => tp.partition).sort();

test('autoCommit (at-least-once) commits only records handed out before the latest poll', async (t) => {
  const { topic, consumer, clock, eddy } = await setup(t, 1, 20);
  const c = consumer({ autoCommitIntervalMs: 1_000 });
  c.subscribe({ topics: [topic] });
  let first: Awaited<ReturnType<Consumer['poll']>> = [];
  while (first.length === 0) {
    first = await c.poll({ maxRecords: 5, timeoutMs: 0 });
    await nextTurn();
  }
  t.is(first.length, 5);
  clock.advance(1_000);
  // This poll marks the first five processed, commits them in the background, and hands out five more.
  const second = await c.poll({ maxRecords: 5, timeoutMs: 0 });
  t.is(second[0]?.offset, 5);
  const committed = async (): Promise<number | null> => (await eddy.admin.describeGroup('g')).partitions[0]?.committedOffset ?? null;
  // The commit waits for an fdatasync, which can outlast many turns on a loaded machine: turns and 15 s, as waitFor does.
  const deadline = Date.now() + 15_000;
  for (let i = 0; (i < 1000 || Date.now() < deadline) && (await committed()) !== 5; i++) await nextTurn();
  t.is(await committed(), 5, 'the second batch is not committed before it is processed');
  await c.close();
  t.is(await committed(), 5, 'close commits only processed records: the last batch was never followed by another poll');
});

test('commit() from an iterator commits up to the last yielded record', async (t) => {
  const { topic, consumer } = await setup(t, 1, 10);
  const c = consumer({ autoCommit: false });
  c.subscribe({ topics: [topic] });
  let n = 0;
  for await (const record of c) {
    if (++n === 3) {
      t.is(record.offset, 2);
      await c.commit();
      break;
    }
  }
  t.deepEqual((await c.committed([{ topic, partition: 0 }])).map((o) => o.offset), [3]);
  await c.close();
});

test('at-most-once commits the offsets after a batch before the batch is returned', async (t) => {
  const { topic, consumer } = await setup(t, 1, 10);
  const c = consumer({ autoCommitMode: 'at-most-once' });
  c.subscribe({ topics: [topic] });
  let records: Awaited<ReturnType<Consumer['poll']>> = [];
  while (records.length === 0) {
    records = await c.poll({ maxRecords: 4, timeoutMs: 0 });
    await nextTurn();
  }
  t.deepEqual((await c.committed()).map((o) => o.offset), [4]);
  await c.close();
});

test('a revoke listener runs while the member still owns the partitions and can commit; the next owner starts there', async (t) => {
  const { topic, consumer, drive, producer } = await setup(t, 2, 0);
  const a = consumer({ autoCommit: false });
  const revoked: number[][] = [];
  a.subscribe({
    topics: [topic],
    listener: {
      onPartitionsRevoked: async (tps) => {
        revoked.push(parts(tps));
        await a.commit();
      },
    },
  });
  await drive([a], () => a.assignment().length === 2, 'a owns both');
  for (let i = 0; i < 20; i++) await producer.send({ topic, messages: [{ value: `v${i}`, partition: i % 2 }] });
  const got = await a.poll({ maxRecords: 3, timeoutMs: 0 });
  t.is(got.length, 3);
  const b = consumer({ autoCommit: false });
  b.subscribe({ topics: [topic] });
  await drive([a, b], () => a.assignment().length === 1 && b.assignment().length === 1, 'one partition each');
  t.deepEqual(revoked, [[0, 1]], 'eager: a gave up everything before rejoining');
  const committed = await b.committed([{ topic, partition: 0 }, { topic, partition: 1 }]);
  t.true(committed.some((o) => o.offset !== null && o.offset > 0), 'the listener committed');
  const bPart = b.assignment()[0]!;
  t.is(b.position(bPart), committed.find((o) => o.partition === bPart.partition)?.offset ?? 0);
});

test('static membership: a member restarting within the session timeout gets its partitions back without a rebalance', async (t) => {
  const { topic, consumer, drive, eddy } = await setup(t, 4, 8);
  const a = consumer({ groupInstanceId: 'a' });
  const b = consumer({ groupInstanceId: 'b' });
  const bEvents: string[] = [];
  b.subscribe({ topics: [topic], listener: { onPartitionsRevoked: () => void bEvents.push('revoked'), onPartitionsAssigned: () => void bEvents.push('assigned') } });
  a.subscribe({ topics: [topic] });
  await drive([a, b], () => a.assignment().length === 2 && b.assignment().length === 2, 'two each');
  const aParts = parts(a.assignment());
  const generation = (await eddy.admin.describeGroup('g')).generationId;
  bEvents.length = 0;
  await a.close();
  t.is((await eddy.admin.describeGroup('g')).members.length, 2, 'a static member does not leave on close');
  const a2 = consumer({ groupInstanceId: 'a' });
  a2.subscribe({ topics: [topic] });
  await drive([a2, b], () => a2.assignment().length === 2, 'the restarted member has partitions', 200);
  t.deepEqual(parts(a2.assignment()), aParts);
  t.is((await eddy.admin.describeGroup('g')).generationId, generation, 'no new generation');
  t.deepEqual(bEvents, [], 'the other member saw no rebalance');
});

test('a member that stops polling for maxPollIntervalMs leaves; its partitions go to the others and it finds them lost', async (t) => {
  const { topic, consumer, drive, clock } = await setup(t, 2, 4);
  const a = consumer({ maxPollIntervalMs: 20_000 });
  const lost: number[][] = [];
  a.subscribe({ topics: [topic], listener: { onPartitionsLost: (tps) => void lost.push(parts(tps)) } });
  const b = consumer({ maxPollIntervalMs: 20_000 });
  b.subscribe({ topics: [topic] });
  await drive([a, b], () => a.assignment().length === 1 && b.assignment().length === 1, 'one each');
  // Only b polls now; a keeps heartbeating (timers) but its application is stuck.
  await drive([b], () => b.assignment().length === 2, 'b owns both after a left');
  t.true(clock.now() > 0);
  await drive([a, b], () => a.assignment().length === 1 && b.assignment().length === 1, 'a is back');
  t.is(lost.length, 1, 'lost once');
  t.is(lost[0]?.length, 1, 'the partition it had');
});

test('a subscribed topic that gains partitions, and a new topic matching a pattern, cause a rebalance', async (t) => {
  const { topic, consumer, drive, eddy } = await setup(t, 1, 2);
  const a = consumer();
  a.subscribe({ topics: [topic] });
  await drive([a], () => a.assignment().length === 1, 'one partition');
  await eddy.admin.addPartitions(topic, 3);
  await drive([a], () => a.assignment().length === 3, 'three partitions after add-partitions');

  const base = uniqueTopic('pat');
  await eddy.admin.createTopic(`${base}-1`, { partitions: 1 });
  const p = eddy.consumer({ groupId: 'pattern', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 });
  p.subscribe({ topics: new RegExp(`${base}-\\d+`) });
  await drive([p], () => p.assignment().length === 1, 'the matching topic');
  await eddy.admin.createTopic(`${base}-2`, { partitions: 2 });
  await eddy.admin.createTopic(`x${base}-3`, { partitions: 1 });
  await drive([p], () => p.assignment().length === 3, 'the new matching topic');
  t.deepEqual([...new Set(p.assignment().map((tp) => tp.topic))].sort(), [`${base}-1`, `${base}-2`], 'the pattern matches whole names only');
});

test('mode and group errors are coded', async (t) => {
  const { topic, eddy, consumer } = await setup(t, 1, 0);
  const plain = eddy.consumer();
  t.throws(() => plain.subscribe({ topics: [topic] }), { code: 'ERR_CONSUMER_NO_GROUP' });
  await t.throwsAsync(plain.commit(), { code: 'ERR_CONSUMER_NO_GROUP' });
  const c = consumer();
  c.subscribe({ topics: [topic] });
  t.throws(() => c.assign([{ topic, partition: 0 }]), { code: 'ERR_CONSUMER_MODE' });
  t.throws(() => c.subscribe({ topics: [] }), { code: 'ERR_CONFIG_INVALID' });
  t.throws(() => eddy.consumer({ groupId: 'g', partitionAssignors: ['sticky-nope'] }), { code: 'ERR_CONFIG_INVALID' });
  t.throws(() => eddy.consumer({ groupId: 'g', heartbeatIntervalMs: 50_000 }), { code: 'ERR_CONFIG_INVALID' });
  const manual = consumer();
  manual.assign([{ topic, partition: 0 }]);
  await manual.commit([{ topic, partition: 0, offset: 0 }]);
  await t.throwsAsync(eddy.consumer({ groupId: 'g' }).commit([{ topic, partition: 0, offset: 0 }]).then(async () => {
    // c is in the group now (after its first poll joins): a commit from outside is refused.
    for (let i = 0; i < 20 && c.groupMembership() === null; i++) {
      await c.poll({ timeoutMs: 0 });
      await new Promise((r) => setImmediate(r));
    }
    await manual.commit([{ topic, partition: 0, offset: 0 }]);
  }), { code: 'ERR_GROUP_UNKNOWN_MEMBER' });
});

test('deleting a subscribed topic never surfaces as a poll error: the members drop it and rebalance', async (t) => {
  const { topic, consumer, drive, eddy, producer } = await setup(t, 2, 10);
  const other = uniqueTopic('cg-other');
  await eddy.admin.createTopic(other, { partitions: 2 });
  await producer.send({ topic: other, messages: [{ value: 'x', partition: 0 }] });
  const a = consumer();
  const b = consumer();
  const pattern = new RegExp(`^(${topic}|${other})$`);
  a.subscribe({ topics: pattern });
  b.subscribe({ topics: pattern });
  const owned = (): number => a.assignment().length + b.assignment().length;
  await drive([a, b], () => owned() === 4, 'four partitions owned');
  await eddy.admin.deleteTopic(other);
  // Polls go on without an error while the group settles on the remaining topic.
  await drive([a, b], () => owned() === 2 && [...a.assignment(), ...b.assignment()].every((tp) => tp.topic === topic), 'the deleted topic dropped');
  t.is(owned(), 2);
  await a.close();
  await b.close();
});
