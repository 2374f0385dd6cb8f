import test from 'ava';
import { DefaultPartitioner, partitionForKey } from '../../../core/client/partitioner.js';
import type { ProducerLogAccess } from '../../../core/client/log-access.js';
import { DEFAULT_PRODUCER_OPTIONS, Producer, resolveProducerOptions } from '../../../core/client/producer.js';
import { ManualClock } from '../../../core/clock.js';
import { EddyError, isEddyError } from '../../../core/errors.js';
import { serdes } from '../../../core/serdes.js';
import { MemoryLog } from '../../helpers/memory-log.js';
import { nextTurn, waitFor } from '../../helpers/wait-for.js';

function setup(partitions = 1, clock = new ManualClock()): { log: MemoryLog; clock: ManualClock; topic: string } {
  const topic = `topic-${Math.random().toString(36).slice(2)}`;
  const log = new MemoryLog({ clock }).createTopic(topic, partitions);
  return { log, clock, topic };
}

const values = (log: MemoryLog, topic: string, partition = 0): string[] =>
  log.partitionLog(topic, partition).records().map((r) => r.value?.toString() ?? 'null');

test('sends made in the same tick share one batch (lingerMs 0)', async (t) => {
  const { log, topic } = setup();
  const producer = new Producer(log, { acks: 1 });
  const results = await Promise.all(['a', 'b', 'c'].map((value) => producer.send({ topic, messages: [{ value }] })));
  t.is(log.appendCount(topic), 1);
  t.deepEqual(results.map((r) => r[0]!.offset), [0, 1, 2]);
  t.deepEqual(values(log, topic), ['a', 'b', 'c']);
});

test('sequential awaited sends each get their own batch', async (t) => {
  const { log, topic } = setup();
  const producer = new Producer(log, { acks: 1 });
  for (const value of ['a', 'b', 'c']) await producer.send({ topic, messages: [{ value }] });
  t.is(log.appendCount(topic), 3);
  t.deepEqual(values(log, topic), ['a', 'b', 'c']);
});

test('lingerMs holds a batch open on the log clock', async (t) => {
  const { log, clock, topic } = setup();
  const producer = new Producer(log, { acks: 1, lingerMs: 50 });
  let resolved = false;
  const first = producer.send({ topic, messages: [{ value: 'a' }] }).then((r) => {
    resolved = true;
    return r;
  });
  await nextTurn();
  clock.advance(30);
  const second = producer.send({ topic, messages: [{ value: 'b' }] });
  await nextTurn();
  t.is(log.appendCount(topic), 0);
  t.false(resolved);
  clock.advance(19);
  t.is(log.appendCount(topic), 0);
  clock.advance(1);
  t.is(log.appendCount(topic), 1);
  const [[a], [b]] = await Promise.all([first, second]);
  t.deepEqual([a!.offset, b!.offset], [0, 1]);
});

test('batchSize seals a batch when the next record would not fit', async (t) => {
  const { log, topic } = setup();
  const batchSize = 400;
  const producer = new Producer(log, { acks: 1, lingerMs: 60_000, batchSize });
  const value = Buffer.alloc(100, 1);
  const pending = producer.send({ topic, messages: Array.from({ length: 6 }, () => ({ value })) });
  // Estimated 61 + 2 x 136 bytes fit in 400; a third record does not.
  t.is(log.appendCount(topic), 2);
  await producer.flush();
  t.is(log.appendCount(topic), 3);
  const metadata = await pending;
  t.deepEqual(metadata.map((m) => m.offset), [0, 1, 2, 3, 4, 5]);
  for (const batch of log.partitionLog(topic, 0).batches) t.true(batch.bytes.length <= batchSize);
  t.deepEqual(log.partitionLog(topic, 0).batches.map((b) => b.lastOffset - b.baseOffset + 1), [2, 2, 2]);
});

test('a record larger than batchSize gets a batch of its own', async (t) => {
  const { log, topic } = setup();
  const producer = new Producer(log, { acks: 1, batchSize: 100 });
  await Promise.all([
    producer.send({ topic, messages: [{ value: 'small' }] }),
    producer.send({ topic, messages: [{ value: Buffer.alloc(500) }] }),
    producer.send({ topic, messages: [{ value: 'small again' }] }),
  ]);
  t.is(log.appendCount(topic), 3);
  t.is(log.partitionLog(topic, 0).records()[1]!.value!.length, 500);
});

test('offsets follow send order within a partition across many sends', async (t) => {
  const { log, topic } = setup();
  const producer = new Producer(log, { acks: 1, batchSize: 300 });
  const sends = Array.from({ length: 50 }, (_, i) => producer.send({ topic, messages: [{ value: `v${i}` }, { value: `w${i}` }] }));
  const results = await Promise.all(sends);
  const offsets = results.flatMap((r) => r.map((m) => m.offset));
  t.deepEqual(offsets, Array.from({ length: 100 }, (_, i) => i));
  t.deepEqual(values(log, topic), Array.from({ length: 50 }, (_, i) => [`v${i}`, `w${i}`]).flat());
  t.true(log.appendCount(topic) > 1);
});

test("acks 'all' waits for the log flush; acks 1 does not flush", async (t) => {
  const { log, topic } = setup();
  const partition = log.partitionLog(topic, 0);
  await new Producer(log, { acks: 1 }).send({ topic, messages: [{ value: 'one' }] });
  t.is(partition.flushCount, 0);
  const [meta] = await new Producer(log).send({ topic, messages: [{ value: 'all' }] });
  t.is(partition.flushCount, 1);
  t.is(meta!.offset, 1);
  await new Producer(log, { acks: 1 }).send({ topic, messages: [{ value: 'x' }], acks: -1 });
  t.is(partition.flushCount, 2);
});

test("a failed fsync rejects acks 'all' sends but not acks 1 sends of the same batch", async (t) => {
  const { log, topic } = setup();
  const failure = new EddyError('ERR_STORAGE_IO', 'fdatasync failed');
  log.partitionLog(topic, 0).failNextFlush(failure);
  const producer = new Producer(log, { idempotent: false });
  const all = producer.send({ topic, messages: [{ value: 'a' }] });
  const one = producer.send({ topic, messages: [{ value: 'b' }], acks: 1 });
  t.is(await t.throwsAsync(all), failure);
  t.is((await one)[0]!.offset, 1);
});

test('acks 0 resolves at once with offset -1, still appends, and swallows append errors', async (t) => {
  const { log, clock, topic } = setup();
  const producer = new Producer(log, { acks: 0 });
  const meta = await producer.send({ topic, messages: [{ value: 'a' }] });
  t.deepEqual(meta, [{ topic, partition: 0, offset: -1, timestamp: clock.now() }]);
  await waitFor(() => log.appendCount(topic) === 1, 'the acks-0 append');
  t.deepEqual(values(log, topic), ['a']);

  log.partitionLog(topic, 0).failNextAppend(new EddyError('ERR_RECORD_TOO_LARGE'));
  const failed = await producer.send({ topic, messages: [{ value: 'b' }] });
  t.is(failed[0]!.offset, -1);
  await producer.flush();
  t.is(producer.metrics().acks0Errors, 1);
  t.deepEqual(values(log, topic), ['a']);
});

test('an append error rejects exactly the sends with records in that batch', async (t) => {
  const { log, topic } = setup(2);
  const failure = new EddyError('ERR_RECORD_TOO_LARGE');
  log.partitionLog(topic, 0).failNextAppend(failure);
  const producer = new Producer(log, { acks: 1 });
  const onP0 = producer.send({ topic, messages: [{ value: 'a', partition: 0 }] });
  const onP1 = producer.send({ topic, messages: [{ value: 'b', partition: 1 }] });
  const onBoth = producer.send({ topic, messages: [{ value: 'c', partition: 1 }, { value: 'd', partition: 0 }] });
  t.is(await t.throwsAsync(onP0), failure);
  t.is(await t.throwsAsync(onBoth), failure);
  t.deepEqual((await onP1).map((m) => [m.partition, m.offset]), [[1, 0]]);
  t.deepEqual(values(log, topic, 1), ['b', 'c']);
  t.deepEqual(values(log, topic, 0), []);
  // The partition works again afterwards.
  t.is((await producer.send({ topic, messages: [{ value: 'e', partition: 0 }] }))[0]!.offset, 0);
});

test('keys and values: Buffer, string (UTF-8) and null without serdes', async (t) => {
  const { log, topic } = setup();
  const producer = new Producer(log, { acks: 1 });
  await producer.send({
    topic,
    messages: [
      { key: Buffer.from([1, 2]), value: 'héllo' },
      { key: 'k', value: null },
      { value: new Uint8Array([9]) as Buffer },
    ],
  });
  const records = log.partitionLog(topic, 0).records();
  t.deepEqual(records.map((r) => r.key), [Buffer.from([1, 2]), Buffer.from('k'), null]);
  t.deepEqual(records.map((r) => r.value), [Buffer.from('héllo', 'utf8'), null, Buffer.from([9])]);
});

test('configured serdes are applied to keys and values', async (t) => {
  const { log, topic } = setup();
  const producer = new Producer(log, { acks: 1, keySerde: serdes.string, valueSerde: serdes.json });
  await producer.send({ topic, messages: [{ key: 'k1', value: { n: 1 } }, { key: null, value: null }] });
  const records = log.partitionLog(topic, 0).records();
  t.deepEqual(records[0]!.key, Buffer.from('k1'));
  t.is(records[0]!.value!.toString(), '{"n":1}');
  t.is(records[1]!.key, null);
  t.is(records[1]!.value, null);
  const msgpack = new Producer(log, { acks: 1, valueSerde: serdes.msgpack });
  await msgpack.send({ topic, messages: [{ value: { a: 1 } }] });
  t.deepEqual(serdes.msgpack.deserialize(log.partitionLog(topic, 0).records()[2]!.value), { a: 1 });
});

test('a serde failure or a bad key rejects the whole send and queues nothing', async (t) => {
  const { log, topic } = setup();
  const producer = new Producer(log, { acks: 1, valueSerde: serdes.json });
  const err = await t.throwsAsync(producer.send({ topic, messages: [{ value: { ok: true } }, { value: 10n }] }));
  t.true(isEddyError(err, 'ERR_SERDE_FAILED'));
  const raw = new Producer(log, { acks: 1 });
  const bad = await t.throwsAsync(raw.send({ topic, messages: [{ key: 42 as unknown as string, value: 'v' }] }));
  t.true(isEddyError(bad, 'ERR_RECORD_INVALID'));
  const badTs = await t.throwsAsync(raw.send({ topic, messages: [{ value: 'v', timestamp: -5 }] }));
  t.true(isEddyError(badTs, 'ERR_TIMESTAMP_INVALID'));
  await producer.flush();
  await raw.flush();
  t.is(log.appendCount(topic), 0);
});

test('headers in object and array form become RecordHeaders', async (t) => {
  const { log, topic } = setup();
  const producer = new Producer(log, { acks: 1 });
  await producer.send({
    topic,
    messages: [
      { value: 'a', headers: { trace: 'abc', bin: Buffer.from([0xff]), empty: null } },
      { value: 'b', headers: [{ key: 'x', value: '1' }, { key: 'x', value: '2' }] },
      { value: 'c' },
    ],
  });
  const records = log.partitionLog(topic, 0).records();
  t.deepEqual(records[0]!.headers, [
    { key: 'trace', value: Buffer.from('abc') },
    { key: 'bin', value: Buffer.from([0xff]) },
    { key: 'empty', value: null },
  ]);
  t.deepEqual(records[1]!.headers, [{ key: 'x', value: Buffer.from('1') }, { key: 'x', value: Buffer.from('2') }]);
  t.deepEqual(records[2]!.headers, []);
  const err = await t.throwsAsync(producer.send({ topic, messages: [{ value: 'd', headers: { n: 5 as unknown as string } }] }));
  t.true(isEddyError(err, 'ERR_RECORD_INVALID'));
});

test('an explicit partition is used, and an unknown one rejects the send before anything is queued', async (t) => {
  const { log, topic } = setup(3);
  const producer = new Producer(log, { acks: 1 });
  const [meta] = await producer.send({ topic, messages: [{ key: 'order-1', value: 'v', partition: 2 }] });
  t.is(meta!.partition, 2);
  t.deepEqual(values(log, topic, 2), ['v']);
  for (const partition of [3, -1, 1.5]) {
    const err = await t.throwsAsync(producer.send({ topic, messages: [{ value: 'ok', partition: 0 }, { value: 'x', partition }] }));
    t.true(isEddyError(err, 'ERR_PARTITION_NOT_FOUND'), String(err));
    t.is((err as EddyError).context.topic, topic);
  }
  await producer.flush();
  t.deepEqual(values(log, topic, 0), []);
});

test('keyed records follow the default partitioner', async (t) => {
  const { log, topic } = setup(3);
  const producer = new Producer(log, { acks: 1 });
  const keys = ['order-1', 'order-2', 'user-42', 'foo'];
  const meta = await producer.send({ topic, messages: keys.map((key) => ({ key, value: key })) });
  t.deepEqual(meta.map((m) => m.partition), [1, 0, 1, 2]);
  for (const key of keys) t.true(values(log, topic, partitionForKey(Buffer.from(key), 3)).includes(key));
  // With a key serde the serialized bytes are hashed.
  const json = new Producer(log, { acks: 1, keySerde: serdes.json });
  const [m] = await json.send({ topic, messages: [{ key: 'foo', value: 'j' }] });
  t.is(m!.partition, partitionForKey(Buffer.from('"foo"'), 3));
});

test('null-keyed records stick to one partition per batch and move on after it is sealed', async (t) => {
  const { log, topic } = setup(4);
  let seed = 3;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const producer = new Producer(log, { acks: 1 }, new DefaultPartitioner(random));
  const sameTick = await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic, messages: [{ value: `a${i}` }] })));
  const first = new Set(sameTick.map((r) => r[0]!.partition));
  t.is(first.size, 1);
  t.is(log.appendCount(topic), 1);
  const [[next]] = await Promise.all([producer.send({ topic, messages: [{ value: 'b' }] })]);
  t.not(next!.partition, [...first][0]);

  // Filling batches moves the sticky partition within one send, never to the same partition twice in a row.
  const small = new Producer(log, { acks: 1, batchSize: 200 }, new DefaultPartitioner(random));
  const meta = await small.send({ topic, messages: Array.from({ length: 12 }, () => ({ value: Buffer.alloc(60) })) });
  const runs: number[] = [];
  for (const m of meta) if (runs.at(-1) !== m.partition) runs.push(m.partition);
  t.true(runs.length > 1);
  for (let i = 1; i < runs.length; i++) t.not(runs[i], runs[i - 1]);
});

test('a missing topic is auto-created by the log', async (t) => {
  const log = new MemoryLog({ defaultPartitions: 2 });
  const producer = new Producer(log, { acks: 1 });
  const [meta] = await producer.send({ topic: 'fresh', messages: [{ key: 'foo', value: 'v' }] });
  t.true(log.hasTopic('fresh'));
  t.is(meta!.partition, partitionForKey(Buffer.from('foo'), 2));
});

test('timestamps: CreateTime from the message or the clock; LogAppendTime when the log reports one', async (t) => {
  const clock = new ManualClock(1_000_000);
  const log = new MemoryLog({ clock }).createTopic('create', 1).createTopic('append', 1, { timestampType: 'LogAppendTime' });
  const producer = new Producer(log, { acks: 1 });
  const meta = await producer.send({ topic: 'create', messages: [{ value: 'a', timestamp: 5 }, { value: 'b' }] });
  t.deepEqual(meta.map((m) => m.timestamp), [5, 1_000_000]);
  t.deepEqual(log.partitionLog('create', 0).records().map((r) => r.timestamp), [5, 1_000_000]);
  clock.advance(10);
  const lat = await producer.send({ topic: 'append', messages: [{ value: 'a', timestamp: 5 }] });
  t.is(lat[0]!.timestamp, 1_000_010);
});

test('flush() appends lingering batches; close() flushes and rejects later sends', async (t) => {
  const { log, topic } = setup();
  const producer = new Producer(log, { acks: 1, lingerMs: 60_000 });
  const pending = producer.send({ topic, messages: [{ value: 'a' }] });
  await producer.flush();
  t.is(log.appendCount(topic), 1);
  t.is((await pending)[0]!.offset, 0);

  const last = producer.send({ topic, messages: [{ value: 'b' }] });
  await producer.close();
  t.is((await last)[0]!.offset, 1);
  const err = await t.throwsAsync(producer.send({ topic, messages: [{ value: 'c' }] }));
  t.true(isEddyError(err, 'ERR_PRODUCER_CLOSED'));
  await producer.close();
  t.is(log.appendCount(topic), 2);
});

test('an empty send resolves with no metadata and appends nothing', async (t) => {
  const { log, topic } = setup();
  const producer = new Producer(log);
  t.deepEqual(await producer.send({ topic, messages: [] }), []);
  await producer.flush();
  t.is(log.appendCount(topic), 0);
});

test('options: defaults, coded errors for bad values and unknown names', (t) => {
  const resolved = resolveProducerOptions({});
  t.is(resolved.acks, DEFAULT_PRODUCER_OPTIONS.acks);
  t.is(resolved.lingerMs, 0);
  t.is(resolved.batchSize, 16384);
  t.is(resolved.compression, 'none');
  const bad: Array<Record<string, unknown>> = [
    { acks: 2 },
    { acks: 'none' },
    { lingerMs: -1 },
    { lingerMs: Number.POSITIVE_INFINITY },
    { batchSize: 1.5 },
    { batchSize: -1 },
    { compression: 'brotli' },
    { valueSerde: { serialize: () => null } },
  ];
  for (const options of bad) {
    const err = t.throws(() => resolveProducerOptions(options));
    t.true(isEddyError(err, 'ERR_CONFIG_INVALID'), JSON.stringify(options));
    t.is((err as EddyError).context.config, Object.keys(options)[0]);
  }
  t.true(isEddyError(t.throws(() => resolveProducerOptions({ linger: 5 } as never)), 'ERR_CONFIG_UNKNOWN'));
  t.true(isEddyError(t.throws(() => new Producer(new MemoryLog(), { batchSize: -3 })), 'ERR_CONFIG_INVALID'));
});

test('an idempotent producer refuses a send with acks 0 or 1', async (t) => {
  const { log, topic } = setup();
  const producer = new Producer(log);
  for (const acks of [0, 1] as const) {
    t.true(isEddyError(await t.throwsAsync(producer.send({ topic, messages: [{ value: 'x' }], acks })), 'ERR_CONFIG_INVALID'));
  }
  t.is(log.appendCount(topic), 0);
});

test('a bad acks on one send is a coded error', async (t) => {
  const { log, topic } = setup();
  const err = await t.throwsAsync(new Producer(log).send({ topic, messages: [{ value: 'a' }], acks: 2 as never }));
  t.true(isEddyError(err, 'ERR_CONFIG_INVALID'));
  t.true(isEddyError(await t.throwsAsync(new Producer(log).send(null as never)), 'ERR_RECORD_INVALID'));
});

/** The log behind a backend that answers partition counts from (possibly stale) metadata, as one over the wire does. */
function withMetadata(log: MemoryLog, staleCount: number): { access: ProducerLogAccess; lookups: boolean[] } {
  const lookups: boolean[] = [];
  const access: ProducerLogAccess = {
    clock: log.clock,
    transactions: log.transactions,
    partitionLog: (topic, partition) => log.partitionLog(topic, partition),
    partitionCount: (topic, autoCreate, fresh = false) => {
      lookups.push(fresh);
      return Promise.resolve(fresh ? log.partitionCount(topic, autoCreate) : staleCount);
    },
  };
  return { access, lookups };
}

test('partition counts that come as promises: sends keep their order and share batches; a missing partition is looked up afresh', async (t) => {
  const { log, topic } = setup(2);
  const { access, lookups } = withMetadata(log, 1);
  const producer = new Producer(access, { acks: 1 });
  const results = await Promise.all(['a', 'b', 'c'].map((value) => producer.send({ topic, messages: [{ value, partition: 0 }] })));
  t.deepEqual(results.map((r) => r[0]!.offset), [0, 1, 2]);
  t.is(log.appendCount(topic), 1, 'routed in the same turn, so one batch');
  t.deepEqual(lookups, [false, false, false]);

  const [onSecond] = await producer.send({ topic, messages: [{ value: 'd', partition: 1 }] });
  t.is(onSecond!.partition, 1, 'the stale count (1) was checked again');
  t.deepEqual(lookups.slice(3), [false, true]);
  const missing = await t.throwsAsync(producer.send({ topic, messages: [{ value: 'e', partition: 2 }] }));
  t.true(isEddyError(missing, 'ERR_PARTITION_NOT_FOUND'), String(missing));

  const acks0 = new Producer(access, { acks: 0 });
  const [zero] = await acks0.send({ topic, messages: [{ value: 'f', partition: 0 }] });
  t.is(zero!.offset, -1, 'acks 0 resolves once routed');
  await acks0.flush();
  t.deepEqual(values(log, topic), ['a', 'b', 'c', 'f']);
});
