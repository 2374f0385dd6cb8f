/**
 * The producer and consumer on the real embedded log (a temp data directory), not the test double:
 * keyed routing, acks 'all' group commit, a consumer woken by an append, LogAppendTime topics,
 * many batches read back in order, and reading after a reopen.
 */
import test from 'ava';
import { partitionForKey } from '../../../core/client/partitioner.js';
import { Eddy } from '../../../core/eddy.js';
import { batchesIn } from '../../../core/record/record-batch.js';
import { serdes } from '../../../core/serdes.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

test('keyed records land on murmur2 partitions and read back in order with serdes', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  t.teardown(() => eddy.close());
  const topic = uniqueTopic('orders');
  await eddy.admin.createTopic(topic, { partitions: 3 });
  const producer = eddy.producer({ keySerde: serdes.string, valueSerde: serdes.json });
  const keys = ['order-1', 'order-2', 'user-42', 'foo'];
  const sends = keys.flatMap((key) => [1, 2, 3].map((n) => producer.send({ topic, messages: [{ key, value: { key, n } }] })));
  const metadata = (await Promise.all(sends)).flat();
  for (const m of metadata) t.true(m.offset >= 0);
  t.deepEqual([...new Set(metadata.map((m) => m.partition))].sort(), [0, 1, 2]);

  const consumer = eddy.consumer({ autoOffsetReset: 'earliest', keySerde: serdes.string, valueSerde: serdes.json });
  consumer.assign([0, 1, 2].map((partition) => ({ topic, partition })));
  const records = await consumer.poll({ timeoutMs: 0 });
  t.is(records.length, 12);
  for (const r of records) t.is(r.partition, partitionForKey(Buffer.from(r.key!), 3));
  for (const key of keys) {
    t.deepEqual(records.filter((r) => r.key === key).map((r) => (r.value as { n: number }).n), [1, 2, 3]);
  }
});

test("acks 'all' sends share fsyncs and the data survives a reopen", async (t) => {
  const dataDir = tempDir(t);
  const topic = uniqueTopic('durable');
  const eddy = await Eddy.open({ dataDir });
  const producer = eddy.producer({ acks: 'all' });
  const metadata = await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic, messages: [{ value: `v${i}` }] })));
  t.deepEqual(metadata.map((m) => m[0]!.offset), Array.from({ length: 20 }, (_, i) => i));
  t.true(eddy.partitionLog(topic, 0).fsyncRounds <= 2);
  await eddy.close();

  const again = await Eddy.open({ dataDir });
  t.teardown(() => again.close());
  const consumer = again.consumer({ autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const records = await consumer.poll({ timeoutMs: 0 });
  t.deepEqual(records.map((r) => r.value!.toString()), Array.from({ length: 20 }, (_, i) => `v${i}`));
});

test('a pending poll is woken by an append to the real log', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  t.teardown(() => eddy.close());
  const topic = uniqueTopic('tail');
  await eddy.admin.createTopic(topic);
  const consumer = eddy.consumer({ autoOffsetReset: 'latest' });
  consumer.assign([{ topic, partition: 0 }]);
  let settled = false;
  const pending = consumer.poll({ timeoutMs: Number.POSITIVE_INFINITY }).finally(() => {
    settled = true;
  });
  await new Promise<void>((resolve) => setImmediate(resolve));
  t.false(settled);
  await eddy.producer({ acks: 1 }).send({ topic, messages: [{ key: 'k', value: 'hello', headers: { h: 'x' } }] });
  const [record] = await pending;
  t.is(record!.value!.toString(), 'hello');
  t.deepEqual(record!.headers, [{ key: 'h', value: Buffer.from('x') }]);
});

test('batchSize splits a large send into several batches that read back whole', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  t.teardown(() => eddy.close());
  const topic = uniqueTopic('big');
  const producer = eddy.producer({ acks: 1, batchSize: 4096, compression: 'lz4' });
  const messages = Array.from({ length: 500 }, (_, i) => ({ value: `value-${i}-${'x'.repeat(50)}` }));
  await producer.send({ topic, messages });
  const consumer = eddy.consumer({ autoOffsetReset: 'earliest', maxBytes: 8192 });
  consumer.assign([{ topic, partition: 0 }]);
  const seen: string[] = [];
  for await (const record of consumer) {
    seen.push(record.value!.toString());
    if (seen.length === 500) break;
  }
  t.deepEqual(seen, messages.map((m) => m.value));
  const log = eddy.partitionLog(topic, 0);
  t.is(log.logEndOffset(), 500);
  const batches = [...batchesIn(log.read(0, 1 << 30).bytes, 0)];
  t.true(batches.length > 1);
  for (const b of batches) t.is(b.header.attributes & 0x07, 3); // lz4
});

test('LogAppendTime topics report the append time to producer and consumer', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  t.teardown(() => eddy.close());
  const topic = uniqueTopic('lat');
  await eddy.admin.createTopic(topic, { config: { 'message.timestamp.type': 'LogAppendTime' } });
  const [meta] = await eddy.producer({ acks: 1 }).send({ topic, messages: [{ value: 'v', timestamp: 5 }] });
  t.true(meta!.timestamp > 5);
  const consumer = eddy.consumer({ autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const received: number[] = [];
  const sub = consumer.observe().subscribe((r) => {
    t.is(r.timestampType, 'LogAppendTime');
    received.push(r.timestamp);
  });
  await waitFor(() => received.length === 1, 'the record');
  sub.unsubscribe();
  t.deepEqual(received, [meta!.timestamp]);
});

test('closing a consumer removes its waiters from an idle log', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  t.teardown(() => eddy.close());
  await eddy.admin.createTopic('idle-topic');
  const log = eddy.partitionLog('idle-topic', 0);
  for (let i = 0; i < 5; i++) {
    const consumer = eddy.consumer({ autoOffsetReset: 'earliest' });
    consumer.assign([{ topic: 'idle-topic', partition: 0 }]);
    const polling = consumer.poll({ timeoutMs: Infinity });
    await waitFor(() => log.pendingWaiters() === 1, 'the poll to wait on the log');
    await consumer.close();
    t.deepEqual(await polling, []);
    t.is(log.pendingWaiters(), 0);
  }
});
