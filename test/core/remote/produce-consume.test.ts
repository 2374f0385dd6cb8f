/**
 * Producing and consuming through the shared interfaces, one body per test run against the embedded
 * log and against Eddy.connect: serdes, headers (order, repeated names, null values), timestamps,
 * null keys and values, seeks and positions, lag, the async iterator and observe(), and the coded
 * errors of bad input.
 */
import { firstValueFrom, take, toArray } from 'rxjs';
import type { ConsumerRecord } from '../../../core/client/types.js';
import { isEddyError } from '../../../core/errors.js';
import { jsonSerde, serdes } from '../../../core/serdes.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import test from 'ava';
import { bothBackends, openBackend, pollRecords } from './backends.js';

interface Order {
  id: number;
  item: string;
}

bothBackends('records round-trip with serdes, headers and timestamps', async (t, { client }) => {
  const topic = uniqueTopic('roundtrip');
  await client.admin.createTopic(topic, { partitions: 1 });
  const producer = client.producer({ keySerde: serdes.string, valueSerde: jsonSerde<Order>() });
  const metas = await producer.send({
    topic,
    messages: [
      { key: 'order-1', value: { id: 1, item: 'tea' }, timestamp: 1_700_000_000_000, headers: [{ key: 'trace', value: 'a' }, { key: 'trace', value: 'b' }, { key: 'empty', value: null }] },
      { key: null, value: null, timestamp: 1_700_000_000_001, headers: { source: Buffer.from([0, 1, 2]) } },
      { key: 'order-3', value: { id: 3, item: 'bread' }, timestamp: 1_700_000_000_002 },
    ],
  });
  t.deepEqual(metas.map((m) => [m.topic, m.partition, m.offset, m.timestamp]), [[topic, 0, 0, 1_700_000_000_000], [topic, 0, 1, 1_700_000_000_001], [topic, 0, 2, 1_700_000_000_002]]);

  const consumer = client.consumer({ keySerde: serdes.string, valueSerde: jsonSerde<Order>(), autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const records = await pollRecords(consumer, 3);
  t.deepEqual(records.map((r) => [r.offset, r.key, r.value, r.timestamp, r.timestampType]), [
    [0, 'order-1', { id: 1, item: 'tea' }, 1_700_000_000_000, 'CreateTime'],
    [1, null, null, 1_700_000_000_001, 'CreateTime'],
    [2, 'order-3', { id: 3, item: 'bread' }, 1_700_000_000_002, 'CreateTime'],
  ]);
  t.deepEqual(records[0]!.headers.map((h) => [h.key, h.value?.toString() ?? null]), [['trace', 'a'], ['trace', 'b'], ['empty', null]]);
  t.deepEqual(records[1]!.headers, [{ key: 'source', value: Buffer.from([0, 1, 2]) }]);
  t.deepEqual(records[2]!.headers, []);
  await consumer.close();
  await producer.close();
});

bothBackends('raw consumers get Buffers, and poll returns at most maxRecords in offset order', async (t, { client }) => {
  const topic = uniqueTopic('raw');
  await client.admin.createTopic(topic, { partitions: 1 });
  const producer = client.producer();
  await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) });
  const consumer = client.consumer({ autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const seen: ConsumerRecord[] = [];
  while (seen.length < 10) {
    const got = await consumer.poll({ maxRecords: 4, timeoutMs: 1000 });
    t.true(got.length <= 4);
    seen.push(...got);
  }
  t.deepEqual(seen.map((r) => r.offset), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.true(Buffer.isBuffer(seen[0]!.value));
  t.is(seen[9]!.value?.toString(), 'v9');
  t.deepEqual(await consumer.poll({ timeoutMs: 0 }), [], 'nothing more');
  await consumer.close();
  await producer.close();
});

bothBackends('seek, seekToBeginning, seekToEnd, seekToTimestamp, position and currentLag', async (t, { client }) => {
  const topic = uniqueTopic('seek');
  await client.admin.createTopic(topic, { partitions: 1 });
  const producer = client.producer();
  await producer.send({ topic, messages: Array.from({ length: 6 }, (_, i) => ({ value: `v${i}`, timestamp: 1_000 + i * 10 })) });
  const tp = { topic, partition: 0 };
  const consumer = client.consumer({ autoOffsetReset: 'latest' });
  consumer.assign([tp]);
  t.is(await consumer.position(tp), 6, 'latest');
  t.is(await consumer.currentLag(tp), 0);
  consumer.seekToBeginning();
  t.is(await consumer.position(tp), 0);
  t.is(await consumer.currentLag(tp), 6);
  consumer.seek({ ...tp, offset: 4 });
  t.deepEqual((await pollRecords(consumer, 2)).map((r) => r.offset), [4, 5]);
  consumer.seekToTimestamp(1_025);
  t.is(await consumer.position(tp), 3, 'first record at or after the timestamp');
  consumer.seekToTimestamp(9_999);
  t.is(await consumer.position(tp), 6, 'after every record: the end');
  consumer.seekToBeginning([tp]);
  consumer.seekToEnd([tp]);
  t.is(await consumer.position(tp), 6);
  await t.throwsAsync(async () => consumer.position({ topic, partition: 7 }), { instanceOf: Error, message: /not assigned/ });
  await consumer.close();
  await producer.close();
});

bothBackends('a poll waiting for data returns records appended meanwhile', async (t, { client }) => {
  const topic = uniqueTopic('wait');
  await client.admin.createTopic(topic, { partitions: 2 });
  const consumer = client.consumer({ autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
  t.deepEqual(await consumer.poll({ timeoutMs: 0 }), []);
  const polled = consumer.poll({ timeoutMs: 30_000 });
  const producer = client.producer();
  await producer.send({ topic, messages: [{ value: 'late', partition: 1 }] });
  const records = await polled;
  t.deepEqual(records.map((r) => [r.partition, r.value?.toString()]), [[1, 'late']]);
  await consumer.close();
  await producer.close();
});

bothBackends('close() ends a waiting poll with [] and later calls fail with ERR_CONSUMER_CLOSED', async (t, { client }) => {
  const topic = uniqueTopic('close');
  await client.admin.createTopic(topic, { partitions: 1 });
  const consumer = client.consumer({ autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const waiting = consumer.poll({ timeoutMs: 60_000 });
  await consumer.close();
  t.deepEqual(await waiting, []);
  const error = await t.throwsAsync(consumer.poll());
  t.true(isEddyError(error, 'ERR_CONSUMER_CLOSED'));
});

bothBackends('the async iterator and observe() deliver in order and lose nothing when left early', async (t, { client }) => {
  const topic = uniqueTopic('iterate');
  await client.admin.createTopic(topic, { partitions: 1 });
  const producer = client.producer({ valueSerde: serdes.string });
  await producer.send({ topic, messages: Array.from({ length: 8 }, (_, i) => ({ value: `m${i}` })) });
  const consumer = client.consumer({ valueSerde: serdes.string, autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const firstThree: string[] = [];
  for await (const record of consumer) {
    firstThree.push(record.value!);
    if (firstThree.length === 3) break;
  }
  t.deepEqual(firstThree, ['m0', 'm1', 'm2']);
  t.is(await consumer.position({ topic, partition: 0 }), 3, 'records fetched but not yielded are put back');
  const next = await firstValueFrom(consumer.observe().pipe(take(5), toArray()));
  t.deepEqual(next.map((r) => r.value), ['m3', 'm4', 'm5', 'm6', 'm7']);
  await consumer.close();
  await producer.close();
});

bothBackends('bad input is refused with the same codes', async (t, { client }) => {
  const topic = uniqueTopic('bad');
  await client.admin.createTopic(topic, { partitions: 2 });
  const producer = client.producer({ valueSerde: jsonSerde() });
  const codeOf = async (call: Promise<unknown>): Promise<string> => {
    const error = await t.throwsAsync(call);
    return isEddyError(error) ? error.code : `not an EddyError: ${String(error)}`;
  };
  t.is(await codeOf(producer.send({ topic, messages: [{ value: 1, partition: 5 }] })), 'ERR_PARTITION_NOT_FOUND');
  t.is(await codeOf(producer.send({ topic, messages: [{ value: 1, timestamp: -5 }] })), 'ERR_TIMESTAMP_INVALID');
  t.is(await codeOf(producer.send({ topic, messages: [{ value: 1n }] })), 'ERR_SERDE_FAILED');
  t.is(await codeOf(producer.send({ topic, messages: [{ value: 1 }], acks: 1 })), 'ERR_CONFIG_INVALID');
  t.throws(() => client.producer({ lingerMs: -1 }), { code: 'ERR_CONFIG_INVALID' } as never);
  t.throws(() => client.consumer({ noSuchOption: 1 } as never), { code: 'ERR_CONFIG_UNKNOWN' } as never);
  await producer.close();
  t.is(await codeOf(producer.send({ topic, messages: [{ value: 1 }] })), 'ERR_PRODUCER_CLOSED');

  const consumer = client.consumer({ valueSerde: jsonSerde(), autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const raw = client.producer();
  await raw.send({ topic, messages: [{ value: '{"ok":1}', partition: 0 }, { value: 'not json', partition: 0 }] });
  const first = await pollRecords(consumer, 1);
  t.deepEqual(first.map((r) => r.value), [{ ok: 1 }]);
  t.is(await codeOf(consumer.poll({ timeoutMs: 0 })), 'ERR_SERDE_FAILED');
  t.is(await codeOf(consumer.poll({ timeoutMs: 0 })), 'ERR_SERDE_FAILED', 'until the caller seeks past it');
  consumer.seek({ topic, partition: 0, offset: 2 });
  t.deepEqual(await consumer.poll({ timeoutMs: 0 }), []);
  await raw.close();
  await consumer.close();
});

bothBackends('a send to a missing topic creates it when the broker auto-creates topics', async (t, { client }) => {
  const topic = uniqueTopic('auto');
  const [meta] = await client.producer().send({ topic, messages: [{ value: 'x' }] });
  t.is(meta?.offset, 0);
  t.true((await client.admin.listTopics()).includes(topic));
});

bothBackends('a send to a missing topic fails with ERR_TOPIC_NOT_FOUND when topics are not auto-created', async (t, { client }) => {
  const error = await t.throwsAsync(client.producer().send({ topic: uniqueTopic('absent'), messages: [{ value: 'x' }] }));
  t.true(isEddyError(error, 'ERR_TOPIC_NOT_FOUND'), String(error));
}, { config: { 'auto.create.topics.enable': false } });

bothBackends('producers without idempotence send with acks 0 and 1', async (t, { client }) => {
  const topic = uniqueTopic('acks');
  await client.admin.createTopic(topic, { partitions: 1 });
  const producer = client.producer({ acks: 1, valueSerde: serdes.string });
  const [one] = await producer.send({ topic, messages: [{ value: 'leader' }] });
  t.is(one?.offset, 0);
  const [zero] = await producer.send({ topic, messages: [{ value: 'fire-and-forget' }], acks: 0 });
  t.is(zero?.offset, -1);
  t.is(zero?.partition, 0);
  await producer.flush();
  t.is(producer.producerIdAndEpoch.producerId, -1, 'no producer id without idempotence');
  const consumer = client.consumer({ valueSerde: serdes.string, autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  t.deepEqual((await pollRecords(consumer, 2)).map((r) => r.value), ['leader', 'fire-and-forget']);
  t.is(producer.metrics().acks0Errors, 0);
  await consumer.close();
  await producer.close();
});

bothBackends('sends made in one turn of the event loop share a batch; flush() waits for them', async (t, { client }) => {
  const topic = uniqueTopic('batch');
  await client.admin.createTopic(topic, { partitions: 1 });
  const producer = client.producer({ valueSerde: serdes.string });
  await producer.send({ topic, messages: [{ value: 'warm-up' }] });
  const before = producer.metrics();
  const sends = Array.from({ length: 10 }, (_, i) => producer.send({ topic, messages: [{ value: `s${i}` }] }));
  await producer.flush();
  const metas = await Promise.all(sends);
  t.deepEqual(metas.map(([m]) => m?.offset), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const after = producer.metrics();
  t.is(after.batchesAppended - before.batchesAppended, 1);
  t.is(after.recordsAppended - before.recordsAppended, 10);
  await producer.close();
});

bothBackends('lingerMs holds a batch open; batchSize seals it early', async (t, { client }) => {
  const topic = uniqueTopic('linger');
  await client.admin.createTopic(topic, { partitions: 1 });
  const producer = client.producer({ valueSerde: serdes.string, lingerMs: 60_000, batchSize: 200 });
  const small = producer.send({ topic, messages: [{ value: 'x' }] });
  const big = producer.send({ topic, messages: [{ value: 'y'.repeat(300) }] });
  // The second send does not fit next to the first: the first batch is sealed and sent, the second (already full) too.
  const [[a], [b]] = await Promise.all([small, big]);
  t.deepEqual([a?.offset, b?.offset], [0, 1]);
  const pending = producer.send({ topic, messages: [{ value: 'z' }] });
  await producer.flush(); // seals the lingering batch
  t.is((await pending)[0]?.offset, 2);
  await producer.close();
});

bothBackends('compressed batches round-trip (gzip, snappy, lz4, zstd)', async (t, { client }) => {
  for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const topic = uniqueTopic(compression);
    await client.admin.createTopic(topic, { partitions: 1 });
    const producer = client.producer({ compression, valueSerde: serdes.string });
    const values = Array.from({ length: 20 }, (_, i) => `${compression}-${i}-${'x'.repeat(i * 10)}`);
    await producer.send({ topic, messages: values.map((value) => ({ value })) });
    const consumer = client.consumer({ valueSerde: serdes.string, autoOffsetReset: 'earliest' });
    consumer.assign([{ topic, partition: 0 }]);
    t.deepEqual((await pollRecords(consumer, 20)).map((r) => r.value), values, compression);
    await consumer.close();
    await producer.close();
  }
});

bothBackends('a LogAppendTime topic stamps records with the broker time', async (t, { client }) => {
  const topic = uniqueTopic('append-time');
  await client.admin.createTopic(topic, { partitions: 1, config: { 'message.timestamp.type': 'LogAppendTime' } });
  const producer = client.producer({ valueSerde: serdes.string });
  const before = Date.now();
  await producer.send({ topic, messages: [{ value: 'v', timestamp: 1_000 }] });
  const consumer = client.consumer({ valueSerde: serdes.string, autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const [record] = await pollRecords(consumer, 1);
  t.is(record?.timestampType, 'LogAppendTime');
  t.true(record!.timestamp >= before, 'the append time, not the 1000 the producer gave');
  await consumer.close();
  await producer.close();
});

test('batches compressed by one backend are read by the other (xerial snappy, zstd on any Node)', async (t) => {
  const backend = await openBackend(t, 'remote');
  for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const topic = uniqueTopic(`cross-${compression}`);
    await backend.eddy.admin.createTopic(topic, { partitions: 1 });
    const embeddedProducer = backend.eddy.producer({ compression, valueSerde: serdes.string });
    const remoteProducer = backend.client.producer({ compression, valueSerde: serdes.string });
    await embeddedProducer.send({ topic, messages: [{ value: `embedded-${'e'.repeat(100)}` }, { value: 'embedded-2' }] });
    await remoteProducer.send({ topic, messages: [{ value: `remote-${'r'.repeat(100)}` }, { value: 'remote-2' }] });
    for (const client of [backend.eddy, backend.client]) {
      const consumer = client.consumer({ valueSerde: serdes.string, autoOffsetReset: 'earliest' });
      consumer.assign([{ topic, partition: 0 }]);
      const got = await pollRecords(consumer, 4);
      t.deepEqual(got.map((r) => r.value), [`embedded-${'e'.repeat(100)}`, 'embedded-2', `remote-${'r'.repeat(100)}`, 'remote-2'], `${compression} read ${client === backend.eddy ? 'embedded' : 'remote'}`);
      await consumer.close();
    }
    await embeddedProducer.close();
    await remoteProducer.close();
  }
});
