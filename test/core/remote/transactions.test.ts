/**
 * Transactions through the shared interfaces, one body run against the embedded log and against
 * Eddy.connect: commits and aborts seen at both isolation levels, the last stable offset holding
 * read_committed readers back while a transaction is open, offsets committed with sendOffsets() only
 * when the transaction commits, fencing by a newer producer with the same transactionalId, and
 * commit() moving past the markers and aborted batches a consumer read (lag 0, as with Kafka's
 * consumer, which commits its position).
 */
import type { EddyClient } from '../../../core/client/interfaces.js';
import { isEddyError } from '../../../core/errors.js';
import { serdes } from '../../../core/serdes.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import { bothBackends, pollRecords } from './backends.js';

async function readAll(client: EddyClient, topic: string, isolationLevel: 'read_committed' | 'read_uncommitted', expected: number): Promise<string[]> {
  const consumer = client.consumer({ valueSerde: serdes.string, autoOffsetReset: 'earliest', isolationLevel });
  consumer.assign([{ topic, partition: 0 }]);
  const records = await pollRecords(consumer, expected, 5);
  await consumer.close();
  return records.map((r) => r.value!);
}

bothBackends('committed and aborted transactions at both isolation levels, over consecutive transactions', async (t, { client }) => {
  const topic = uniqueTopic('txn');
  await client.admin.createTopic(topic, { partitions: 1 });
  const producer = client.producer({ transactionalId: `${topic}-tx`, valueSerde: serdes.string });
  await producer.initTransactions();
  t.true(producer.producerIdAndEpoch.producerId >= 0);
  producer.beginTransaction();
  await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
  await producer.commitTransaction();
  producer.beginTransaction();
  await producer.send({ topic, messages: [{ value: 'c' }, { value: 'd' }] });
  await producer.abortTransaction();
  producer.beginTransaction();
  await producer.send({ topic, messages: [{ value: 'e' }] });
  await producer.commitTransaction();
  producer.beginTransaction();
  await producer.commitTransaction(); // an empty transaction commits too
  await producer.close();

  t.deepEqual(await readAll(client, topic, 'read_committed', 3), ['a', 'b', 'e']);
  t.deepEqual(await readAll(client, topic, 'read_uncommitted', 5), ['a', 'b', 'c', 'd', 'e']);
  const [partition] = (await client.admin.describeTopic(topic)).partitions;
  t.is(partition?.lastStableOffset, partition?.logEndOffset, 'no transaction open');
});

bothBackends('an open transaction holds read_committed readers at the last stable offset', async (t, { client }) => {
  const topic = uniqueTopic('open');
  await client.admin.createTopic(topic, { partitions: 1 });
  const plain = client.producer({ valueSerde: serdes.string });
  await plain.send({ topic, messages: [{ value: 'before' }] });
  const producer = client.producer({ transactionalId: `${topic}-tx`, valueSerde: serdes.string });
  await producer.initTransactions();
  producer.beginTransaction();
  await producer.send({ topic, messages: [{ value: 'pending' }] });
  await producer.flush();

  const committed = client.consumer({ valueSerde: serdes.string, autoOffsetReset: 'earliest', isolationLevel: 'read_committed' });
  committed.assign([{ topic, partition: 0 }]);
  t.deepEqual((await pollRecords(committed, 1)).map((r) => r.value), ['before']);
  t.deepEqual(await committed.poll({ timeoutMs: 0 }), [], 'stops at the LSO');
  t.is(await committed.currentLag({ topic, partition: 0 }), 0, 'lag against the LSO');
  t.deepEqual(await readAll(client, topic, 'read_uncommitted', 2), ['before', 'pending']);
  const [open] = (await client.admin.describeTopic(topic)).partitions;
  t.is(open?.lastStableOffset, 1);
  t.is(open?.logEndOffset, 2);

  await producer.commitTransaction();
  t.deepEqual((await pollRecords(committed, 1)).map((r) => r.value), ['pending']);
  await committed.close();
  await producer.close();
  await plain.close();
});

bothBackends('sendOffsets commits a group offset with the transaction, and not when it aborts', async (t, { client }) => {
  const input = uniqueTopic('in');
  const output = uniqueTopic('out');
  const groupId = `${input}-copier`;
  await client.admin.createTopic(input, { partitions: 1 });
  await client.admin.createTopic(output, { partitions: 1 });
  const plain = client.producer({ valueSerde: serdes.string });
  await plain.send({ topic: input, messages: ['o1', 'o2', 'o3', 'o4'].map((value) => ({ value })) });
  const producer = client.producer({ transactionalId: `${groupId}-tx`, valueSerde: serdes.string });
  await producer.initTransactions();

  const consumer = client.consumer({ groupId, valueSerde: serdes.string, autoOffsetReset: 'earliest', autoCommit: false });
  consumer.assign([{ topic: input, partition: 0 }]);
  const records = await pollRecords(consumer, 4);
  producer.beginTransaction();
  await producer.send({ topic: output, messages: records.slice(0, 2).map((r) => ({ value: `copy-${r.value}` })) });
  await producer.sendOffsets({ groupId, offsets: [{ topic: input, partition: 0, offset: 2 }] });
  await producer.commitTransaction();
  t.deepEqual((await consumer.committed()).map((c) => c.offset), [2]);

  producer.beginTransaction();
  await producer.send({ topic: output, messages: records.slice(2).map((r) => ({ value: `copy-${r.value}` })) });
  await producer.sendOffsets({ groupId, offsets: [{ topic: input, partition: 0, offset: 4, metadata: 'aborted' }] });
  await producer.abortTransaction();
  t.deepEqual((await consumer.committed()).map((c) => [c.offset, c.metadata]), [[2, '']], 'the aborted transaction moved nothing');
  t.deepEqual((await client.admin.describeGroup(groupId)).partitions.map((p) => [p.committedOffset, p.lag]), [[2, 2]]);
  t.deepEqual(await readAll(client, output, 'read_committed', 2), ['copy-o1', 'copy-o2']);
  await consumer.close();
  await producer.close();
  await plain.close();
});

bothBackends('a newer producer with the same transactionalId fences the older one', async (t, backend) => {
  const topic = uniqueTopic('fence');
  await backend.client.admin.createTopic(topic, { partitions: 1 });
  const transactionalId = `${topic}-tx`;
  const older = backend.client.producer({ transactionalId, valueSerde: serdes.string });
  await older.initTransactions();
  older.beginTransaction();
  await older.send({ topic, messages: [{ value: 'old' }] });
  const newer = (await backend.another()).producer({ transactionalId, valueSerde: serdes.string });
  await newer.initTransactions(); // aborts what the older one left open
  t.true(newer.producerIdAndEpoch.producerEpoch > older.producerIdAndEpoch.producerEpoch || newer.producerIdAndEpoch.producerId !== older.producerIdAndEpoch.producerId);
  const fenced = await t.throwsAsync(older.commitTransaction());
  t.true(isEddyError(fenced, 'ERR_PRODUCER_FENCED') || isEddyError(fenced, 'ERR_PRODUCER_EPOCH_INVALID'), String(fenced));
  t.throws(() => older.beginTransaction(), { instanceOf: Error });
  newer.beginTransaction();
  await newer.send({ topic, messages: [{ value: 'new' }] });
  await newer.commitTransaction();
  t.deepEqual(await readAll(backend.client, topic, 'read_committed', 1), ['new']);
  await older.close();
  await newer.close();
});

bothBackends('transaction calls out of order fail with ERR_TRANSACTION_STATE_INVALID', async (t, { client }) => {
  const topic = uniqueTopic('state');
  await client.admin.createTopic(topic, { partitions: 1 });
  const producer = client.producer({ transactionalId: `${topic}-tx` });
  const codeOf = async (call: () => unknown): Promise<string> => {
    const error = await t.throwsAsync(async () => call());
    return isEddyError(error) ? error.code : `not an EddyError: ${String(error)}`;
  };
  t.is(await codeOf(() => producer.beginTransaction()), 'ERR_TRANSACTION_STATE_INVALID');
  t.is(await codeOf(() => producer.send({ topic, messages: [{ value: 'x' }] })), 'ERR_TRANSACTION_STATE_INVALID');
  await producer.initTransactions();
  t.is(await codeOf(() => producer.commitTransaction()), 'ERR_TRANSACTION_STATE_INVALID');
  t.is(await codeOf(() => producer.initTransactions()), 'ERR_TRANSACTION_STATE_INVALID');
  const plain = client.producer();
  t.is(await codeOf(() => plain.initTransactions()), 'ERR_TRANSACTION_STATE_INVALID');
  await producer.close();
  await plain.close();
});

/** Writes a committed ['a', 'b'], an aborted ['c'] and a committed ['d']: offsets 0, 1, (2), (3), (4), 5, (6); end 7. */
async function committedAbortedCommitted(client: EddyClient, topic: string): Promise<void> {
  const producer = client.producer({ transactionalId: `${topic}-tx`, valueSerde: serdes.string });
  await producer.initTransactions();
  for (const [values, commit] of [[['a', 'b'], true], [['c'], false], [['d'], true]] as const) {
    producer.beginTransaction();
    await producer.send({ topic, messages: values.map((value) => ({ value })) });
    if (commit) await producer.commitTransaction();
    else await producer.abortTransaction();
  }
  await producer.close();
}

bothBackends('commit() after reading a transactional topic commits past its markers: the group shows lag 0', async (t, { client }) => {
  const topic = uniqueTopic('marks');
  await client.admin.createTopic(topic, { partitions: 1 });
  await committedAbortedCommitted(client, topic);
  const groupId = `${topic}-g`;
  const consumer = client.consumer({ groupId, valueSerde: serdes.string, autoOffsetReset: 'earliest', autoCommit: false, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 100 });
  consumer.subscribe({ topics: [topic] });
  const records = await pollRecords(consumer, 3);
  t.deepEqual(records.map((r) => [r.offset, r.value]), [[0, 'a'], [1, 'b'], [5, 'd']]);
  await consumer.commit();
  t.deepEqual((await consumer.committed()).map((c) => c.offset), [7], 'past the commit marker after d');
  const [partition] = (await client.admin.describeGroup(groupId)).partitions;
  t.like(partition, { committedOffset: 7, logEndOffset: 7, lag: 0 });
  // Explicit offsets are committed as given.
  await consumer.commit([{ topic, partition: 0, offset: 5 }]);
  t.deepEqual((await consumer.committed()).map((c) => c.offset), [5]);
  await consumer.close();
});

bothBackends('records yielded one at a time commit where they are; the last one commits past the markers after it', async (t, { client }) => {
  const topic = uniqueTopic('marks-iter');
  await client.admin.createTopic(topic, { partitions: 1 });
  await committedAbortedCommitted(client, topic);
  const consumer = client.consumer({ groupId: `${topic}-g`, valueSerde: serdes.string, autoOffsetReset: 'earliest', autoCommit: false, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 100 });
  consumer.subscribe({ topics: [topic] });
  const committedAfter: number[] = [];
  for await (const record of consumer) {
    await consumer.commit();
    committedAfter.push((await consumer.committed())[0]!.offset!);
    if (record.value === 'd') break;
  }
  // After b: the marker at 2 is not skipped past, as d, a record not yet handed out, lies beyond the aborted batch.
  t.deepEqual(committedAfter, [1, 2, 7]);
  await consumer.close();
});

bothBackends('a commit marker read after its records moves the committed offset past it (read_uncommitted)', async (t, { client }) => {
  const topic = uniqueTopic('marks-late');
  await client.admin.createTopic(topic, { partitions: 1 });
  const producer = client.producer({ transactionalId: `${topic}-tx`, valueSerde: serdes.string });
  await producer.initTransactions();
  producer.beginTransaction();
  await producer.send({ topic, messages: [{ value: 'x' }] });
  await producer.flush();
  const tp = { topic, partition: 0 };
  const consumer = client.consumer({ groupId: `${topic}-g`, valueSerde: serdes.string, autoOffsetReset: 'earliest', autoCommit: false, isolationLevel: 'read_uncommitted', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 100 });
  consumer.subscribe({ topics: [topic] });
  t.deepEqual((await pollRecords(consumer, 1)).map((r) => r.value), ['x']);
  await consumer.commit();
  t.deepEqual((await consumer.committed()).map((c) => c.offset), [1]);
  await producer.commitTransaction();
  // The marker alone: nothing to hand out, but the position moves past it.
  for (let i = 0; i < 50 && (await consumer.position(tp)) < 2; i++) t.deepEqual(await consumer.poll({ timeoutMs: 100 }), []);
  t.is(await consumer.position(tp), 2);
  await consumer.commit();
  t.deepEqual((await consumer.committed()).map((c) => c.offset), [2]);
  await consumer.close();
  await producer.close();
});
