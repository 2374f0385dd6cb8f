/**
 * The consumer's isolation levels over the memory log: read_committed stops at the last stable
 * offset and skips aborted transactions; read_uncommitted returns every data record; neither ever
 * returns a control batch.
 */
import test from 'ava';
import { firstValueFrom, take, toArray } from 'rxjs';
import { Consumer, resolveConsumerOptions } from '../../../core/client/consumer.js';
import type { AbortedTransaction, IsolationLevel } from '../../../core/client/log-access.js';
import { decodeFetched } from '../../../core/client/partition-state.js';
import type { ConsumerRecord } from '../../../core/client/types.js';
import { ManualClock } from '../../../core/clock.js';
import { type EddyError, isEddyError } from '../../../core/errors.js';
import { encodeControlRecord, type ControlRecordType } from '../../../core/record/control-record.js';
import { encodeRecordBatch } from '../../../core/record/record-batch.js';
import { MemoryLog, type MemoryPartitionLog } from '../../helpers/memory-log.js';
import { nextTurn } from '../../helpers/wait-for.js';

const T0 = 1_700_000_000_000;

function setup(): { log: MemoryLog; plog: MemoryPartitionLog; topic: string; tp: { topic: string; partition: number } } {
  const topic = `topic-${Math.random().toString(36).slice(2)}`;
  const log = new MemoryLog({ clock: new ManualClock(T0) }).createTopic(topic, 1);
  return { log, plog: log.partitionLog(topic, 0), topic, tp: { topic, partition: 0 } };
}

/** One batch of string values; transactional for `producerId` when given. */
function batch(values: string[], producerId?: number, timestamp = T0): Buffer {
  return encodeRecordBatch({
    records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp })),
    ...(producerId === undefined ? {} : { producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true }),
  });
}

function marker(type: ControlRecordType, producerId: number): Buffer {
  return encodeRecordBatch({
    records: [{ ...encodeControlRecord(type, 0), timestamp: T0 }],
    isControl: true,
    isTransactional: true,
    producerId,
    producerEpoch: 0,
  });
}

function consumerOf(log: MemoryLog, isolationLevel: IsolationLevel, maxBytes?: number): Consumer {
  const consumer = new Consumer(log, { autoOffsetReset: 'earliest', isolationLevel, ...(maxBytes === undefined ? {} : { maxBytes }) });
  return consumer;
}

const vals = (records: ReadonlyArray<ConsumerRecord<unknown, Buffer | null>>): string[] => records.map((r) => r.value?.toString() ?? 'null');

/** Polls (without waiting) until a poll returns nothing; everything returned, in order. */
async function drain(consumer: Consumer): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const records = await consumer.poll({ timeoutMs: 0 });
    if (records.length === 0) return out;
    out.push(...vals(records));
  }
}

test('options: isolationLevel defaults to read_committed; anything else is ERR_CONFIG_INVALID naming it', (t) => {
  t.is(resolveConsumerOptions({}).isolationLevel, 'read_committed');
  t.is(resolveConsumerOptions({ isolationLevel: 'read_uncommitted' }).isolationLevel, 'read_uncommitted');
  for (const bad of ['READ_COMMITTED', 'read-committed', '', 1]) {
    const err = t.throws(() => resolveConsumerOptions({ isolationLevel: bad as never }));
    t.true(isEddyError(err, 'ERR_CONFIG_INVALID'), String(bad));
    t.is((err as EddyError).context.config, 'isolationLevel');
  }
});

test('records of an aborted transaction are skipped with read_committed and returned with read_uncommitted', async (t) => {
  const { log, plog, tp } = setup();
  plog.append(batch(['before']));
  plog.append(batch(['a1', 'a2'], 7));
  plog.append(batch(['a3'], 7));
  plog.appendRaw(marker('abort', 7));
  plog.append(batch(['after']));
  t.deepEqual(plog.abortedTransactions(0, plog.logEndOffset()), [{ producerId: 7, firstOffset: 1, lastOffset: 4 }]);

  const committed = consumerOf(log, 'read_committed');
  committed.assign([tp]);
  t.deepEqual(await drain(committed), ['before', 'after']);
  t.is(committed.position(tp), 6);

  const uncommitted = consumerOf(log, 'read_uncommitted');
  uncommitted.assign([tp]);
  t.deepEqual(await drain(uncommitted), ['before', 'a1', 'a2', 'a3', 'after']);
  t.is(uncommitted.position(tp), 6);
});

test('control batches are never returned at either level; positions move past them', async (t) => {
  for (const level of ['read_committed', 'read_uncommitted'] as const) {
    const { log, plog, tp } = setup();
    plog.append(batch(['c1'], 3));
    plog.appendRaw(marker('commit', 3));
    plog.append(batch(['x1'], 4));
    plog.appendRaw(marker('abort', 4));
    const consumer = consumerOf(log, level);
    consumer.assign([tp]);
    const records = await consumer.poll({ timeoutMs: 0 });
    t.deepEqual(vals(records), level === 'read_committed' ? ['c1'] : ['c1', 'x1'], level);
    t.deepEqual(records.map((r) => r.offset), level === 'read_committed' ? [0] : [0, 2], level);
    t.is(consumer.position(tp), 4, `${level}: past the last marker`);
    t.deepEqual(await consumer.poll({ timeoutMs: 0 }), [], level);
  }
});

test('read_committed stops at the last stable offset; a waiting poll wakes when the LSO moves, not on other appends', async (t) => {
  const { log, plog, tp } = setup();
  plog.append(batch(['plain-0']));
  plog.append(batch(['t1', 't2'], 9));
  plog.append(batch(['plain-3']));
  t.is(plog.lastStableOffset(), 1);

  const consumer = consumerOf(log, 'read_committed');
  consumer.assign([tp]);
  t.deepEqual(vals(await consumer.poll({ timeoutMs: 0 })), ['plain-0']);
  t.is(consumer.position(tp), 1, 'the position stops at the LSO');
  t.deepEqual(await consumer.poll({ timeoutMs: 0 }), []);
  t.is(consumer.position(tp), 1);

  let result: string[] | null = null;
  const pending = consumer.poll({ timeoutMs: Infinity }).then((records) => {
    result = vals(records);
  });
  plog.append(batch(['plain-4']));
  for (let i = 0; i < 5; i++) await nextTurn();
  t.is(result, null, 'an append behind an open transaction does not make data readable');

  plog.appendRaw(marker('commit', 9));
  await pending;
  t.deepEqual(result, ['t1', 't2', 'plain-3', 'plain-4']);
  t.is(consumer.position(tp), 6);
  t.is(plog.pendingWaiters(), 0);
  await consumer.close();
});

test('read_committed: iteration waits for the commit; seekToEnd and latest go to the LSO, seekToTimestamp not past it', async (t) => {
  const { log, plog, tp } = setup();
  plog.append(batch(['early'], undefined, T0));
  plog.append(batch(['open'], 5, T0 + 100));
  const latest = new Consumer(log, { autoOffsetReset: 'latest' });
  latest.assign([tp]);
  t.is(latest.position(tp), 1, "'latest' starts at the LSO, not the log end");
  latest.seek({ ...tp, offset: 0 });
  latest.seekToEnd();
  t.is(latest.position(tp), 1);
  latest.seekToTimestamp(T0 + 50);
  t.is(latest.position(tp), 1, 'a record at or past the LSO does not count');
  latest.seekToTimestamp(T0);
  t.is(latest.position(tp), 0);

  const uncommitted = new Consumer(log, { autoOffsetReset: 'latest', isolationLevel: 'read_uncommitted' });
  uncommitted.assign([tp]);
  t.is(uncommitted.position(tp), 2);
  uncommitted.seekToTimestamp(T0 + 50);
  t.is(uncommitted.position(tp), 1);

  latest.seek({ ...tp, offset: 1 });
  const tail = firstValueFrom(latest.observe().pipe(take(2), toArray()));
  await nextTurn();
  plog.appendRaw(marker('commit', 5));
  plog.append(batch(['later']));
  t.deepEqual(vals(await tail), ['open', 'later']);
  await latest.close();
  await uncommitted.close();
});

test('interleaved producers in one partition: aborted, committed and non-transactional', async (t) => {
  const { log, plog, tp } = setup();
  const A = 1; // aborts, then commits a second transaction
  const B = 2; // commits
  plog.append(batch(['A1'], A)); // 0
  plog.append(batch(['B1'], B)); // 1
  plog.append(batch(['x'])); // 2
  plog.append(batch(['A2'], A)); // 3
  plog.append(batch(['B2'], B)); // 4
  plog.appendRaw(marker('abort', A)); // 5
  plog.append(batch(['y'])); // 6
  plog.append(batch(['B3'], B)); // 7
  t.is(plog.lastStableOffset(), 1, 'B is still open');

  const committed = consumerOf(log, 'read_committed');
  committed.assign([tp]);
  t.deepEqual(await drain(committed), [], 'A1 is aborted, B1 is at the LSO');
  t.is(committed.position(tp), 1);

  plog.appendRaw(marker('commit', B)); // 8
  plog.append(batch(['z'])); // 9
  plog.append(batch(['A3'], A)); // 10
  plog.appendRaw(marker('commit', A)); // 11
  t.deepEqual(await drain(committed), ['B1', 'x', 'B2', 'y', 'B3', 'z', 'A3']);
  t.is(committed.position(tp), 12);

  const uncommitted = consumerOf(log, 'read_uncommitted');
  uncommitted.assign([tp]);
  const records = await uncommitted.poll({ timeoutMs: 0 });
  t.deepEqual(vals(records), ['A1', 'B1', 'x', 'A2', 'B2', 'y', 'B3', 'z', 'A3']);
  t.deepEqual(records.map((r) => r.offset), [0, 1, 2, 3, 4, 6, 7, 9, 10]);
});

test('an aborted transaction spanning many fetches (maxBytes 1: one batch per read) is skipped throughout', async (t) => {
  const { log, plog, tp } = setup();
  const expected: string[] = [];
  for (let i = 0; i < 40; i++) {
    plog.append(batch([`aborted-${i}`], 11));
    if (i % 10 === 9) {
      plog.append(batch([`plain-${i}`]));
      expected.push(`plain-${i}`);
    }
  }
  plog.appendRaw(marker('abort', 11));
  plog.append(batch(['tail']));
  expected.push('tail');

  const committed = consumerOf(log, 'read_committed', 1);
  committed.assign([tp]);
  const got: string[] = [];
  // More than 16 aborted batches in a row may take more than one pass; a waiting poll carries on at once.
  while (got.length < expected.length) got.push(...vals(await committed.poll({ timeoutMs: Infinity })));
  t.deepEqual(got, expected);
  t.is(committed.position(tp), plog.logEndOffset());

  const uncommitted = consumerOf(log, 'read_uncommitted', 1);
  uncommitted.assign([tp]);
  t.is((await drain(uncommitted)).length, 40 + expected.length);
  await committed.close();
});

test('currentLag: against the LSO with read_committed, against the log end with read_uncommitted', async (t) => {
  const { log, plog, tp } = setup();
  for (let i = 0; i < 4; i++) plog.append(batch([`p${i}`]));
  plog.append(batch(['t0', 't1'], 21)); // 4..5
  for (let i = 6; i < 10; i++) plog.append(batch([`p${i}`]));
  t.is(plog.lastStableOffset(), 4);
  t.is(plog.logEndOffset(), 10);

  const committed = consumerOf(log, 'read_committed');
  const uncommitted = consumerOf(log, 'read_uncommitted');
  committed.assign([tp]);
  uncommitted.assign([tp]);
  t.is(committed.currentLag(tp), 4);
  t.is(uncommitted.currentLag(tp), 10);

  await drain(committed);
  t.is(committed.position(tp), 4);
  t.is(committed.currentLag(tp), 0, 'caught up with everything decided');
  plog.appendRaw(marker('commit', 21)); // 10
  t.is(committed.currentLag(tp), 7);
  t.is(uncommitted.currentLag(tp), 11);
  await drain(committed);
  t.is(committed.currentLag(tp), 0);
  committed.seek({ ...tp, offset: 11 });
  t.is(committed.currentLag(tp), 0);
});

test('decodeFetched asks for aborted transactions only when a transactional batch is fetched', (t) => {
  const plain = Buffer.concat([encodeRecordBatch({ records: [{ key: null, value: Buffer.from('a'), timestamp: T0 }], baseOffset: 0 }),
    encodeRecordBatch({ records: [{ key: null, value: Buffer.from('b'), timestamp: T0 }], baseOffset: 1 })]);
  let calls = 0;
  const none = (): AbortedTransaction[] => {
    calls++;
    return [];
  };
  t.deepEqual(decodeFetched(plain, 0, 't', 0, none).records.map((r) => r.value?.toString()), ['a', 'b']);
  t.is(calls, 0);

  const txn = (value: string, baseOffset: number, producerId: number): Buffer => encodeRecordBatch({
    records: [{ key: null, value: Buffer.from(value), timestamp: T0 }],
    baseOffset,
    producerId,
    producerEpoch: 0,
    baseSequence: 0,
    isTransactional: true,
  });
  const mixed = Buffer.concat([txn('p1-a', 0, 1), txn('p2', 1, 2), txn('p1-b', 2, 1), txn('p1-c', 4, 1)]);
  const aborted = (): AbortedTransaction[] => {
    calls++;
    return [{ producerId: 1, firstOffset: 0, lastOffset: 3 }];
  };
  t.deepEqual(decodeFetched(mixed, 0, 't', 0, aborted).records.map((r) => r.value?.toString()), ['p2', 'p1-c']);
  t.is(calls, 1);
  t.deepEqual(decodeFetched(mixed, 0, 't', 0, null).records.map((r) => r.value?.toString()), ['p1-a', 'p2', 'p1-b', 'p1-c']);
});
