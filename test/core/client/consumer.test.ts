import test from 'ava';
import { firstValueFrom, take, toArray } from 'rxjs';
import { Consumer, DEFAULT_CONSUMER_OPTIONS, resolveConsumerOptions } from '../../../core/client/consumer.js';
import { Producer } from '../../../core/client/producer.js';
import type { ConsumerRecord } from '../../../core/client/types.js';
import { ManualClock } from '../../../core/clock.js';
import { EddyError, isEddyError } from '../../../core/errors.js';
import { encodeControlRecord } from '../../../core/record/control-record.js';
import { encodeRecordBatch } from '../../../core/record/record-batch.js';
import { serdes } from '../../../core/serdes.js';
import { MemoryLog } from '../../helpers/memory-log.js';
import { nextTurn, waitFor } from '../../helpers/wait-for.js';

const T0 = 1_700_000_000_000;

function setup(partitions = 1): { log: MemoryLog; clock: ManualClock; topic: string } {
  const clock = new ManualClock(T0);
  const topic = `topic-${Math.random().toString(36).slice(2)}`;
  return { log: new MemoryLog({ clock }).createTopic(topic, partitions), clock, topic };
}

/** Appends one batch of string values; timestamps T0 + i unless given. */
function appendBatch(log: MemoryLog, topic: string, partition: number, values: string[], timestamps?: number[]): void {
  log.partitionLog(topic, partition).append(encodeRecordBatch({
    records: values.map((v, i) => ({ key: Buffer.from(`k-${v}`), value: Buffer.from(v), timestamp: timestamps?.[i] ?? T0 + i })),
  }));
}

function appendControl(log: MemoryLog, topic: string, partition: number): void {
  log.partitionLog(topic, partition).appendRaw(encodeRecordBatch({
    records: [{ ...encodeControlRecord('commit', 0), timestamp: T0 }],
    isControl: true,
    isTransactional: true,
    producerId: 1,
    producerEpoch: 0,
  }));
}

const vals = (records: ReadonlyArray<ConsumerRecord<unknown, Buffer | null>>): string[] => records.map((r) => r.value?.toString() ?? 'null');
const offs = (records: ReadonlyArray<{ offset: number }>): number[] => records.map((r) => r.offset);

test('poll returns records with their metadata, from the beginning with earliest', async (t) => {
  const { log, topic } = setup();
  appendBatch(log, topic, 0, ['a', 'b']);
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const records = await consumer.poll({ timeoutMs: 0 });
  t.deepEqual(records[1], {
    topic,
    partition: 0,
    offset: 1,
    timestamp: T0 + 1,
    timestampType: 'CreateTime',
    key: Buffer.from('k-b'),
    value: Buffer.from('b'),
    headers: [],
  });
  t.is(consumer.position({ topic, partition: 0 }), 2);
  t.deepEqual(await consumer.poll({ timeoutMs: 0 }), []);
});

test('seek, seekToBeginning, seekToEnd and seekToTimestamp', async (t) => {
  const { log, topic } = setup();
  appendBatch(log, topic, 0, ['a', 'b', 'c'], [T0, T0 + 10, T0 + 20]);
  appendBatch(log, topic, 0, ['d', 'e'], [T0 + 30, T0 + 40]);
  const tp = { topic, partition: 0 };
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([tp]);

  consumer.seek({ ...tp, offset: 1 }); // inside the first batch: records below 1 are skipped
  t.deepEqual(vals(await consumer.poll({ timeoutMs: 0 })), ['b', 'c', 'd', 'e']);
  consumer.seekToBeginning();
  t.is(consumer.position(tp), 0);
  t.deepEqual(vals(await consumer.poll({ timeoutMs: 0, maxRecords: 1 })), ['a']);
  consumer.seekToEnd([tp]);
  t.is(consumer.position(tp), 5);
  t.deepEqual(await consumer.poll({ timeoutMs: 0 }), []);
  consumer.seekToTimestamp(T0 + 15);
  t.is(consumer.position(tp), 2);
  t.deepEqual(vals(await consumer.poll({ timeoutMs: 0 })), ['c', 'd', 'e']);
  consumer.seekToTimestamp(T0 + 40, [tp]);
  t.is(consumer.position(tp), 4);
  consumer.seekToTimestamp(T0 + 41); // no record that late: the end
  t.is(consumer.position(tp), 5);
  t.true(isEddyError(t.throws(() => consumer.seek({ ...tp, offset: -1 })), 'ERR_OFFSET_OUT_OF_RANGE'));
  t.true(isEddyError(t.throws(() => consumer.seek({ topic, partition: 9, offset: 0 })), 'ERR_CONSUMER_NOT_ASSIGNED'));
  t.true(isEddyError(t.throws(() => consumer.position({ topic: 'nope', partition: 0 })), 'ERR_CONSUMER_NOT_ASSIGNED'));
});

test("autoOffsetReset 'latest' (the default) starts at the log end", async (t) => {
  const { log, topic } = setup();
  appendBatch(log, topic, 0, ['old']);
  const consumer = new Consumer(log);
  t.is(consumer.options.autoOffsetReset, 'latest');
  consumer.assign([{ topic, partition: 0 }]);
  t.deepEqual(await consumer.poll({ timeoutMs: 0 }), []);
  appendBatch(log, topic, 0, ['new']);
  t.deepEqual(vals(await consumer.poll({ timeoutMs: 0 })), ['new']);
});

test("autoOffsetReset 'none' fails a partition without a position", async (t) => {
  const { log, topic } = setup();
  appendBatch(log, topic, 0, ['a']);
  const consumer = new Consumer(log, { autoOffsetReset: 'none' });
  consumer.assign([{ topic, partition: 0 }]);
  const err = await t.throwsAsync(consumer.poll({ timeoutMs: 0 }));
  t.true(isEddyError(err, 'ERR_OFFSET_OUT_OF_RANGE'));
  t.true(isEddyError(t.throws(() => consumer.position({ topic, partition: 0 })), 'ERR_OFFSET_OUT_OF_RANGE'));
  consumer.seek({ topic, partition: 0, offset: 0 });
  t.deepEqual(vals(await consumer.poll({ timeoutMs: 0 })), ['a']);
});

test('an out-of-range position is reset per autoOffsetReset', async (t) => {
  const { log, topic } = setup();
  appendBatch(log, topic, 0, ['a', 'b']);
  appendBatch(log, topic, 0, ['c', 'd']);
  log.partitionLog(topic, 0).deleteRecordsBefore(2); // logStartOffset 2, as after retention
  const tp = { topic, partition: 0 };

  const earliest = new Consumer(log, { autoOffsetReset: 'earliest' });
  earliest.assign([tp]);
  earliest.seek({ ...tp, offset: 0 }); // below logStartOffset
  t.deepEqual(vals(await earliest.poll({ timeoutMs: 0 })), ['c', 'd']);
  earliest.seek({ ...tp, offset: 99 }); // above logEndOffset
  t.deepEqual(vals(await earliest.poll({ timeoutMs: 0 })), ['c', 'd']);

  const latest = new Consumer(log, { autoOffsetReset: 'latest' });
  latest.assign([tp]);
  latest.seek({ ...tp, offset: 0 });
  t.deepEqual(await latest.poll({ timeoutMs: 0 }), []);
  t.is(latest.position(tp), 4);

  const none = new Consumer(log, { autoOffsetReset: 'none' });
  none.assign([tp]);
  none.seek({ ...tp, offset: 1 });
  const err = await t.throwsAsync(none.poll({ timeoutMs: 0 }));
  t.true(isEddyError(err, 'ERR_OFFSET_OUT_OF_RANGE'));
  t.is((err as EddyError).context.offset, 1);
  t.is(none.position(tp), 1); // unchanged: the caller decides
});

test('poll waits for an append instead of polling, and returns as soon as data arrives', async (t) => {
  const { log, topic } = setup();
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  let settled = false;
  const pending = consumer.poll({ timeoutMs: 60_000 }).finally(() => {
    settled = true;
  });
  await waitFor(() => log.partitionLog(topic, 0).pendingWaiters() === 1, 'the consumer to wait on the log');
  await nextTurn();
  t.false(settled);
  const producer = new Producer(log, { acks: 1 });
  await producer.send({ topic, messages: [{ value: 'late' }] });
  t.deepEqual(vals(await pending), ['late']);
  t.is(log.partitionLog(topic, 0).pendingWaiters(), 0);
});

test('poll times out on the log clock with []; repeated timeouts keep one waiter', async (t) => {
  const { log, clock, topic } = setup();
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  for (let i = 0; i < 5; i++) {
    let settled = false;
    const pending = consumer.poll({ timeoutMs: 100 }).finally(() => {
      settled = true;
    });
    await waitFor(() => log.partitionLog(topic, 0).pendingWaiters() === 1, 'the waiter');
    clock.advance(99);
    await nextTurn();
    t.false(settled);
    clock.advance(1);
    t.deepEqual(await pending, []);
  }
  t.is(log.partitionLog(topic, 0).pendingWaiters(), 1);
});

test('assigning a partition or seeking wakes a pending poll', async (t) => {
  const { log, topic } = setup(2);
  appendBatch(log, topic, 1, ['p1']);
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const pending = consumer.poll({ timeoutMs: Number.POSITIVE_INFINITY });
  await nextTurn();
  consumer.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
  t.deepEqual(vals(await pending), ['p1']);

  const again = consumer.poll({ timeoutMs: Number.POSITIVE_INFINITY });
  await nextTurn();
  consumer.seek({ topic, partition: 1, offset: 0 });
  t.deepEqual(vals(await again), ['p1']);
});

test('maxRecords is honoured and partitions are served round-robin', async (t) => {
  const { log, topic } = setup(3);
  for (let p = 0; p < 3; p++) appendBatch(log, topic, p, Array.from({ length: 4 }, (_, i) => `p${p}-${i}`));
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([0, 1, 2].map((partition) => ({ topic, partition })));
  const polls: string[][] = [];
  for (let i = 0; i < 6; i++) polls.push(vals(await consumer.poll({ maxRecords: 3, timeoutMs: 0 })));
  t.deepEqual(polls[0], ['p0-0', 'p0-1', 'p0-2']);
  t.deepEqual(polls[1], ['p1-0', 'p1-1', 'p1-2']);
  t.deepEqual(polls[2], ['p2-0', 'p2-1', 'p2-2']);
  t.deepEqual(polls[3], ['p0-3', 'p1-3', 'p2-3']);
  t.deepEqual(polls.slice(4), [[], []]);
});

test('control batches are skipped and positions move past them', async (t) => {
  const { log, topic } = setup();
  appendBatch(log, topic, 0, ['a']);
  appendControl(log, topic, 0);
  appendBatch(log, topic, 0, ['b']);
  appendControl(log, topic, 0);
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const records = await consumer.poll({ timeoutMs: 0 });
  t.deepEqual(vals(records), ['a', 'b']);
  t.deepEqual(offs(records), [0, 2]);
  t.is(consumer.position({ topic, partition: 0 }), 4);
});

test('a corrupt batch is an error, never data; records before it come first', async (t) => {
  const { log, topic } = setup();
  appendBatch(log, topic, 0, ['a', 'b']);
  appendBatch(log, topic, 0, ['c']);
  appendBatch(log, topic, 0, ['d']);
  const stored = log.partitionLog(topic, 0).batches[1]!.bytes;
  stored[stored.length - 1]! ^= 0xff; // flip a byte of the value: the CRC no longer matches
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  t.deepEqual(vals(await consumer.poll({ timeoutMs: 0 })), ['a', 'b']);
  for (let i = 0; i < 2; i++) {
    const err = await t.throwsAsync(consumer.poll({ timeoutMs: 0 }));
    t.true(isEddyError(err, 'ERR_BATCH_CRC'), String(err));
    t.like((err as EddyError).context, { topic, partition: 0, offset: 2 });
  }
  consumer.seek({ topic, partition: 0, offset: 3 });
  t.deepEqual(vals(await consumer.poll({ timeoutMs: 0 })), ['d']);
});

test('bytes that hold no whole batch are ERR_LOG_CORRUPT; a log error from read() surfaces as is', async (t) => {
  const { log, topic } = setup();
  appendBatch(log, topic, 0, ['a']);
  const partition = log.partitionLog(topic, 0);
  const whole = partition.batches[0]!.bytes;
  // The first 30 bytes of a real batch: a batch that never ends.
  partition.read = (offset) => ({ bytes: whole.subarray(0, 30), nextOffset: offset + 1, logStartOffset: 0, logEndOffset: 1 });
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const err = await t.throwsAsync(consumer.poll({ timeoutMs: 0 }));
  t.true(isEddyError(err, 'ERR_LOG_CORRUPT'), String(err));
  t.is(consumer.position({ topic, partition: 0 }), 0);

  const corrupt = new EddyError('ERR_LOG_CORRUPT', 'segment truncated', { topic, partition: 0 });
  partition.read = () => {
    throw corrupt;
  };
  t.is(await t.throwsAsync(consumer.poll({ timeoutMs: 0 })), corrupt);
});

test('a corrupt partition does not starve the others', async (t) => {
  const { log, topic } = setup(2);
  appendBatch(log, topic, 0, ['bad']);
  const stored = log.partitionLog(topic, 0).batches[0]!.bytes;
  stored[stored.length - 1]! ^= 0xff;
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
  const seen: string[] = [];
  let errors = 0;
  for (let i = 0; i < 6; i++) {
    appendBatch(log, topic, 1, [`ok${i}`]);
    try {
      seen.push(...vals(await consumer.poll({ timeoutMs: 0 })));
    } catch (err) {
      t.true(isEddyError(err, 'ERR_BATCH_CRC'));
      errors++;
    }
  }
  t.true(errors >= 2);
  t.true(seen.length >= 3);
  t.false(seen.includes('bad'));
});

test('consumer serdes; a deserialization failure names the record and loses nothing before it', async (t) => {
  const { log, topic } = setup();
  appendBatch(log, topic, 0, ['{"n":1}', 'not json', '{"n":3}']);
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest', keySerde: serdes.string, valueSerde: serdes.json });
  consumer.assign([{ topic, partition: 0 }]);
  const first = await consumer.poll({ timeoutMs: 0 });
  t.deepEqual(first.map((r) => [r.key, r.value]), [['k-{"n":1}', { n: 1 }]]);
  const err = await t.throwsAsync(consumer.poll({ timeoutMs: 0 }));
  t.true(isEddyError(err, 'ERR_SERDE_FAILED'));
  t.like((err as EddyError).context, { topic, partition: 0, offset: 1, what: 'value' });
  t.is(consumer.position({ topic, partition: 0 }), 1);
  consumer.seek({ topic, partition: 0, offset: 2 });
  t.deepEqual((await consumer.poll({ timeoutMs: 0 })).map((r) => r.value), [{ n: 3 }]);
});

test('records of a LogAppendTime topic carry the append time', async (t) => {
  const clock = new ManualClock(T0);
  const log = new MemoryLog({ clock }).createTopic('lat', 1, { timestampType: 'LogAppendTime' });
  clock.advance(500);
  appendBatch(log, 'lat', 0, ['a'], [5]);
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic: 'lat', partition: 0 }]);
  const [record] = await consumer.poll({ timeoutMs: 0 });
  t.is(record!.timestamp, T0 + 500);
  t.is(record!.timestampType, 'LogAppendTime');
});

test('headers written by the producer come back', async (t) => {
  const { log, topic } = setup();
  await new Producer(log, { acks: 1 }).send({ topic, messages: [{ value: 'v', headers: { a: '1', b: null } }] });
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const [record] = await consumer.poll({ timeoutMs: 0 });
  t.deepEqual(record!.headers, [{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: null }]);
});

test('close resolves a pending poll with []; later calls fail with ERR_CONSUMER_CLOSED', async (t) => {
  const { log, topic } = setup();
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const pending = consumer.poll({ timeoutMs: Number.POSITIVE_INFINITY });
  await nextTurn();
  await consumer.close();
  t.deepEqual(await pending, []);
  t.true(isEddyError(await t.throwsAsync(consumer.poll()), 'ERR_CONSUMER_CLOSED'));
  t.true(isEddyError(t.throws(() => consumer.assign([])), 'ERR_CONSUMER_CLOSED'));
  await consumer.close();
});

test('the async iterator yields across appends; breaking out loses nothing; close ends it', async (t) => {
  const { log, topic } = setup();
  appendBatch(log, topic, 0, ['a', 'b', 'c', 'd']);
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const seen: string[] = [];
  for await (const record of consumer) {
    seen.push(record.value!.toString());
    if (seen.length === 2) break;
  }
  t.deepEqual(seen, ['a', 'b']);
  t.is(consumer.position({ topic, partition: 0 }), 2);

  const rest: string[] = [];
  const done = (async () => {
    for await (const record of consumer) {
      rest.push(record.value!.toString());
      if (rest.length === 3) void consumer.close();
    }
  })();
  await waitFor(() => rest.length === 2, 'the buffered records');
  appendBatch(log, topic, 0, ['e', 'f']);
  await done; // ends because close() was called
  t.deepEqual(rest, ['c', 'd', 'e']);
});

test('observe() emits values, stops on unsubscribe without skipping, completes on close', async (t) => {
  const { log, topic } = setup();
  appendBatch(log, topic, 0, ['a', 'b', 'c', 'd', 'e']);
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const firstTwo = await firstValueFrom(consumer.observe().pipe(take(2), toArray()));
  t.deepEqual(vals(firstTwo), ['a', 'b']);
  t.is(consumer.position({ topic, partition: 0 }), 2);

  const received: string[] = [];
  let completed = false;
  const sub = consumer.observe().subscribe({
    next: (r) => received.push(r.value!.toString()),
    complete: () => {
      completed = true;
    },
  });
  await waitFor(() => received.length === 3, 'c, d, e');
  appendBatch(log, topic, 0, ['f']);
  await waitFor(() => received.length === 4, 'f, appended while tailing');
  t.deepEqual(received, ['c', 'd', 'e', 'f']);
  await consumer.close();
  await waitFor(() => completed, 'completion on close');
  sub.unsubscribe();
});

test('observe(): unsubscribing while waiting stops reading; the next reader gets the records', async (t) => {
  const { log, topic } = setup();
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const received: string[] = [];
  const sub = consumer.observe().subscribe((r) => received.push(r.value!.toString()));
  await waitFor(() => log.partitionLog(topic, 0).pendingWaiters() === 1, 'the tail to wait');
  sub.unsubscribe();
  appendBatch(log, topic, 0, ['x', 'y']);
  await nextTurn();
  await nextTurn();
  t.deepEqual(received, []);
  t.deepEqual(vals(await consumer.poll({ timeoutMs: 0 })), ['x', 'y']);
});

test('observe() errors on a corrupt batch', async (t) => {
  const { log, topic } = setup();
  appendBatch(log, topic, 0, ['a']);
  const stored = log.partitionLog(topic, 0).batches[0]!.bytes;
  stored[stored.length - 1]! ^= 0xff;
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const err = await t.throwsAsync(firstValueFrom(consumer.observe()));
  t.true(isEddyError(err, 'ERR_BATCH_CRC'));
});

test('assign keeps positions of partitions kept and validates partitions', async (t) => {
  const { log, topic } = setup(2);
  appendBatch(log, topic, 0, ['a', 'b']);
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }, { topic, partition: 0 }]);
  t.deepEqual(consumer.assignment(), [{ topic, partition: 0 }]);
  await consumer.poll({ timeoutMs: 0, maxRecords: 1 });
  consumer.assign([{ topic, partition: 1 }, { topic, partition: 0 }]);
  t.is(consumer.position({ topic, partition: 0 }), 1);
  t.true(isEddyError(t.throws(() => consumer.assign([{ topic, partition: 7 }])), 'ERR_PARTITION_NOT_FOUND'));
  t.true(isEddyError(t.throws(() => consumer.assign([{ topic: 'missing', partition: 0 }])), 'ERR_TOPIC_NOT_FOUND'));
  t.is(consumer.assignment().length, 2);
});

test('options: defaults and coded errors', async (t) => {
  t.deepEqual(resolveConsumerOptions({}), { ...DEFAULT_CONSUMER_OPTIONS });
  for (const options of [{ autoOffsetReset: 'smallest' }, { maxBytes: 0 }, { maxBytes: 1.5 }, { valueSerde: {} }]) {
    const err = t.throws(() => resolveConsumerOptions(options as never));
    t.true(isEddyError(err, 'ERR_CONFIG_INVALID'), JSON.stringify(options));
  }
  t.true(isEddyError(t.throws(() => resolveConsumerOptions({ groupID: 'g' } as never)), 'ERR_CONFIG_UNKNOWN'));
  const { log, topic } = setup();
  const consumer = new Consumer(log);
  consumer.assign([{ topic, partition: 0 }]);
  t.true(isEddyError(await t.throwsAsync(consumer.poll({ maxRecords: 0 })), 'ERR_CONFIG_INVALID'));
  t.true(isEddyError(await t.throwsAsync(consumer.poll({ timeoutMs: -1 })), 'ERR_CONFIG_INVALID'));
});

test('a small maxBytes still makes progress one whole batch at a time', async (t) => {
  const { log, topic } = setup();
  for (let i = 0; i < 3; i++) appendBatch(log, topic, 0, [`b${i}-0`, `b${i}-1`]);
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest', maxBytes: 1 });
  consumer.assign([{ topic, partition: 0 }]);
  const polls: string[][] = [];
  for (let i = 0; i < 3; i++) polls.push(vals(await consumer.poll({ timeoutMs: 0 })));
  t.deepEqual(polls, [['b0-0', 'b0-1'], ['b1-0', 'b1-1'], ['b2-0', 'b2-1']]);
});
