/**
 * Consumer groups through the shared interfaces, one body run against the embedded log and against
 * Eddy.connect: two members split a topic's partitions and commit, rebalance listeners run inside
 * poll with commits still accepted, committed() reads back, and the group admin (list, describe,
 * reset offsets, delete) reports the same. Waits are conditions driven by polling.
 */
import type { EddyConsumer } from '../../../core/client/interfaces.js';
import type { ConsumerRecord, TopicPartition } from '../../../core/client/types.js';
import { isEddyError } from '../../../core/errors.js';
import { serdes } from '../../../core/serdes.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import test from 'ava';
import { bothBackends, openBackend, type OpenBackend } from './backends.js';

const GROUP_TIMING = { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 100 } as const;

async function setup(backend: OpenBackend, partitions: number, records: number): Promise<{ topic: string; groupId: string }> {
  const topic = uniqueTopic('group');
  await backend.client.admin.createTopic(topic, { partitions });
  const producer = backend.client.producer({ valueSerde: serdes.string });
  await producer.send({ topic, messages: Array.from({ length: records }, (_, i) => ({ value: `v${i}`, partition: i % partitions })) });
  await producer.close();
  return { topic, groupId: `${topic}-group` };
}

/** Polls every consumer until `condition` holds; gives up after `rounds` rounds. */
async function drive<V>(consumers: Array<EddyConsumer<Buffer | null, V>>, condition: () => boolean, what: string, onRecords: (c: number, records: Array<ConsumerRecord<Buffer | null, V>>) => Promise<void> = async () => undefined, rounds = 300): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (condition()) return;
    await Promise.all(consumers.map(async (c, index) => onRecords(index, await c.poll({ timeoutMs: 100 }))));
  }
  if (!condition()) throw new Error(`gave up waiting for ${what}`);
}

const sorted = (tps: TopicPartition[]): string[] => tps.map((tp) => `${tp.topic}-${tp.partition}`).sort();

bothBackends('two members split the partitions, consume everything once with commits, and the group reports it', async (t, backend) => {
  const { topic, groupId } = await setup(backend, 4, 40);
  const other = await backend.another();
  const options = { groupId, autoOffsetReset: 'earliest' as const, autoCommit: false, valueSerde: serdes.string, ...GROUP_TIMING };
  const c1 = backend.client.consumer(options);
  const c2 = other.consumer(options);
  const seen = new Map<string, number>();
  const consumers = [c1, c2];
  for (const c of consumers) {
    // Eager rebalancing: what was consumed is committed before the partitions are given up.
    c.subscribe({ topics: [topic], listener: { onPartitionsRevoked: () => c.commit() } });
  }
  const onRecords = async (index: number, records: Array<ConsumerRecord<Buffer | null, string | null>>): Promise<void> => {
    for (const r of records) seen.set(`${r.partition}@${r.offset}`, (seen.get(`${r.partition}@${r.offset}`) ?? 0) + 1);
    if (records.length > 0) await consumers[index]!.commit();
  };
  await drive(consumers, () => c1.assignment().length === 2 && c2.assignment().length === 2 && seen.size === 40, 'a 2/2 split and every record', onRecords);
  t.deepEqual([...sorted(c1.assignment()), ...sorted(c2.assignment())].sort(), [0, 1, 2, 3].map((p) => `${topic}-${p}`));
  t.is(seen.size, 40);
  t.true([...seen.values()].every((n) => n === 1), 'commits in onPartitionsRevoked: nothing is read twice');
  t.not(c1.groupMembership(), null);
  t.is(c1.groupMembership()?.generationId, c2.groupMembership()?.generationId);

  const committed = await c1.committed();
  t.deepEqual(committed.map((c) => c.offset), [10, 10]);

  const described = await backend.client.admin.describeGroup(groupId);
  t.is(described.state, 'Stable');
  t.is(described.members.length, 2);
  t.deepEqual(described.members.flatMap((m) => sorted(m.assignment)).sort(), [0, 1, 2, 3].map((p) => `${topic}-${p}`));
  t.deepEqual(described.partitions.map((p) => [p.partition, p.committedOffset, p.logEndOffset, p.lag]), [[0, 10, 10, 0], [1, 10, 10, 0], [2, 10, 10, 0], [3, 10, 10, 0]]);
  const listed = await backend.client.admin.listGroups();
  t.deepEqual(listed.filter((g) => g.groupId === groupId), [{ groupId, state: 'Stable', members: 2 }]);

  await c1.close();
  await c2.close();
  const after = await backend.client.admin.describeGroup(groupId);
  t.is(after.state, 'Empty');
  t.is(after.members.length, 0);
});

bothBackends('a member leaving hands its partitions to the other, which starts at the committed offsets', async (t, backend) => {
  const { topic, groupId } = await setup(backend, 2, 20);
  const other = await backend.another();
  const options = { groupId, autoOffsetReset: 'earliest' as const, autoCommit: false, ...GROUP_TIMING };
  const c1 = backend.client.consumer(options);
  const c2 = other.consumer(options);
  const assigned: TopicPartition[][] = [];
  c1.subscribe({ topics: [topic] });
  c2.subscribe({ topics: [topic], listener: { onPartitionsAssigned: (tps) => { assigned.push(tps); } } });
  await drive([c1, c2], () => c1.assignment().length === 1 && c2.assignment().length === 1, 'a 1/1 split');
  const mine = c1.assignment()[0]!;
  await c1.commit([{ ...mine, offset: 7, metadata: 'seven' }]);
  t.deepEqual(await c1.committed(), [{ ...mine, offset: 7, metadata: 'seven' }]);
  await c1.close();
  const fromMine: number[] = [];
  await drive([c2], () => fromMine.length > 0, 'c2 reading the partition c1 had', async (_, records) => {
    for (const r of records) if (r.partition === mine.partition) fromMine.push(r.offset);
  });
  t.is(c2.assignment().length, 2);
  t.is(fromMine[0], 7, 'starts at the committed offset');
  t.true(sorted(assigned.at(-1)!).includes(`${mine.topic}-${mine.partition}`), 'onPartitionsAssigned names the new partition');
  await c2.close();
});

bothBackends('resetOffsets and deleteGroup on a group without members', async (t, backend) => {
  const { topic, groupId } = await setup(backend, 2, 10);
  const consumer = backend.client.consumer({ groupId, autoOffsetReset: 'earliest', ...GROUP_TIMING });
  consumer.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
  await consumer.commit([{ topic, partition: 0, offset: 3 }, { topic, partition: 1, offset: 4 }]);
  await consumer.close();

  const dry = await backend.client.admin.resetOffsets({ groupId, topics: [{ topic }], spec: { type: 'shift', shift: -2 } });
  t.deepEqual(dry, { groupId, executed: false, partitions: [{ topic, partition: 0, oldOffset: 3, newOffset: 1 }, { topic, partition: 1, oldOffset: 4, newOffset: 2 }] });
  t.deepEqual((await backend.client.admin.describeGroup(groupId)).partitions.map((p) => p.committedOffset), [3, 4], 'a dry run changes nothing');
  const done = await backend.client.admin.resetOffsets({ groupId, topics: [{ topic, partitions: [1] }], spec: { type: 'latest' }, execute: true });
  t.deepEqual(done.partitions, [{ topic, partition: 1, oldOffset: 4, newOffset: 5 }]);
  t.deepEqual((await backend.client.admin.describeGroup(groupId)).partitions.map((p) => p.committedOffset), [3, 5]);

  await backend.client.admin.deleteGroup(groupId);
  const error = await t.throwsAsync(backend.client.admin.describeGroup(groupId));
  t.true(isEddyError(error, 'ERR_GROUP_NOT_FOUND'), String(error));
});

bothBackends('group admin refuses what the embedded admin refuses', async (t, backend) => {
  const { topic, groupId } = await setup(backend, 1, 1);
  const consumer = backend.client.consumer({ groupId, autoOffsetReset: 'earliest', ...GROUP_TIMING });
  consumer.subscribe({ topics: [topic] });
  await drive([consumer], () => consumer.assignment().length === 1, 'the assignment');
  const codeOf = async (call: Promise<unknown>): Promise<string> => {
    const error = await t.throwsAsync(call);
    return isEddyError(error) ? error.code : `not an EddyError: ${String(error)}`;
  };
  t.is(await codeOf(backend.client.admin.deleteGroup(groupId)), 'ERR_GROUP_NOT_EMPTY');
  t.is(await codeOf(backend.client.admin.resetOffsets({ groupId, topics: [{ topic }], spec: { type: 'earliest' }, execute: true })), 'ERR_GROUP_NOT_EMPTY');
  t.is(await codeOf(backend.client.admin.describeGroup(`${groupId}-none`)), 'ERR_GROUP_NOT_FOUND');
  t.is(await codeOf(backend.client.admin.describeGroup('')), 'ERR_GROUP_ID_INVALID');
  await consumer.close();
  const lone = backend.client.consumer({ autoOffsetReset: 'earliest' });
  t.is(await codeOf(lone.commit([{ topic, partition: 0, offset: 1 }])), 'ERR_CONSUMER_NO_GROUP');
  await lone.close();
});

bothBackends('at-most-once autoCommit commits before the records are handed out', async (t, backend) => {
  const { topic, groupId } = await setup(backend, 1, 5);
  const consumer = backend.client.consumer({ groupId, autoOffsetReset: 'earliest', autoCommitMode: 'at-most-once', ...GROUP_TIMING });
  consumer.subscribe({ topics: [topic] });
  let records: ConsumerRecord[] = [];
  await drive([consumer], () => records.length > 0, 'records', async (_, got) => { records = got; });
  const committed = await consumer.committed();
  t.deepEqual(committed.map((c) => c.offset), [records.at(-1)!.offset + 1]);
  await consumer.close();
});

bothBackends('a pattern subscription picks up a matching topic created later', async (t, backend) => {
  const prefix = uniqueTopic('pattern');
  const first = `${prefix}-a`;
  const later = `${prefix}-b`;
  await backend.client.admin.createTopic(first, { partitions: 1 });
  const consumer = backend.client.consumer({ groupId: `${prefix}-group`, autoOffsetReset: 'earliest', ...GROUP_TIMING });
  consumer.subscribe({ topics: new RegExp(`${prefix}-.*`) });
  await drive([consumer], () => consumer.assignment().length === 1, 'the first topic');
  await backend.client.admin.createTopic(later, { partitions: 2 });
  await drive([consumer], () => consumer.assignment().length === 3, 'the later topic too');
  t.deepEqual(sorted(consumer.assignment()), [`${first}-0`, `${later}-0`, `${later}-1`]);
  await consumer.close();
});

bothBackends('partitions added to a subscribed topic are assigned after a rebalance', async (t, backend) => {
  const { topic, groupId } = await setup(backend, 1, 1);
  const consumer = backend.client.consumer({ groupId, autoOffsetReset: 'earliest', ...GROUP_TIMING });
  consumer.subscribe({ topics: [topic] });
  await drive([consumer], () => consumer.assignment().length === 1, 'one partition');
  await backend.client.admin.addPartitions(topic, 3);
  await drive([consumer], () => consumer.assignment().length === 3, 'three partitions');
  t.deepEqual(sorted(consumer.assignment()), [0, 1, 2].map((p) => `${topic}-${p}`));
  await consumer.close();
});

test('an embedded member and a remote member share one group', async (t) => {
  const backend = await openBackend(t, 'remote');
  const { topic, groupId } = await setup(backend, 4, 8);
  const options = { groupId, autoOffsetReset: 'earliest' as const, autoCommit: false, ...GROUP_TIMING };
  const embedded = backend.eddy.consumer(options);
  const remote = backend.client.consumer(options);
  embedded.subscribe({ topics: [topic] });
  remote.subscribe({ topics: [topic] });
  await drive([embedded, remote], () => embedded.assignment().length === 2 && remote.assignment().length === 2, 'a 2/2 split');
  t.deepEqual([...sorted(embedded.assignment()), ...sorted(remote.assignment())].sort(), [0, 1, 2, 3].map((p) => `${topic}-${p}`));
  t.is(embedded.groupMembership()?.generationId, remote.groupMembership()?.generationId);
  await remote.close();
  await drive([embedded], () => embedded.assignment().length === 4, 'the embedded member taking over');
  await embedded.close();
});
