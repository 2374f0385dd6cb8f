/**
 * Isolation levels on the real embedded log (a temp data directory): transactional batches and
 * commit/abort markers written straight to a partition log, read back by consumers at both levels,
 * across segment rolls, small fetches and a reopen (the aborted-transaction index is on disk, and a
 * transaction the last owner left open is aborted when Eddy opens).
 */
import test from 'ava';
import type { IsolationLevel } from '../../../core/client/log-access.js';
import { Eddy } from '../../../core/eddy.js';
import type { PartitionLog } from '../../../core/log/partition-log.js';
import { encodeRecordBatch } from '../../../core/record/record-batch.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';
import { nextTurn } from '../../helpers/wait-for.js';

/** Per producer id: the next sequence number. */
type Sequences = Map<number, number>;

async function appendValues(log: PartitionLog, values: string[], producerId?: number, sequences?: Sequences): Promise<void> {
  const records = values.map((v) => ({ key: Buffer.from(`k-${v}`), value: Buffer.from(v), timestamp: Date.now() }));
  if (producerId === undefined) {
    await log.append(encodeRecordBatch({ records }));
    return;
  }
  const baseSequence = sequences?.get(producerId) ?? 0;
  sequences?.set(producerId, baseSequence + values.length);
  await log.append(encodeRecordBatch({ records, producerId, producerEpoch: 0, baseSequence, isTransactional: true }));
}

async function readAllValues(eddy: Eddy, topic: string, isolationLevel: IsolationLevel, maxBytes?: number): Promise<{ values: string[]; position: number }> {
  const consumer = eddy.consumer({ autoOffsetReset: 'earliest', isolationLevel, ...(maxBytes === undefined ? {} : { maxBytes }) });
  const tp = { topic, partition: 0 };
  consumer.assign([tp]);
  const values: string[] = [];
  // A read_committed pass may stop early on a long run of aborted batches; keep polling until the end.
  const end = isolationLevel === 'read_committed' ? eddy.partitionLog(topic, 0).lastStableOffset() : eddy.partitionLog(topic, 0).logEndOffset();
  while (consumer.position(tp) < end) {
    for (const r of await consumer.poll({ timeoutMs: 0 })) values.push(r.value?.toString() ?? 'null');
  }
  const position = consumer.position(tp);
  await consumer.close();
  return { values, position };
}

test('read_committed skips aborted transactions and stops at the LSO; read_uncommitted reads all; the LSO moves on commit', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  t.teardown(() => eddy.close());
  const topic = uniqueTopic('txn');
  await eddy.admin.createTopic(topic, { partitions: 1 });
  const log = eddy.partitionLog(topic, 0);
  const seq: Sequences = new Map();
  await appendValues(log, ['a1', 'a2'], 100, seq); // 0-1
  await appendValues(log, ['x']); // 2
  await appendValues(log, ['b1'], 200, seq); // 3
  await appendValues(log, ['a3'], 100, seq); // 4
  log.appendControl('abort', 100, 0, 0); // 5
  await appendValues(log, ['b2'], 200, seq); // 6
  t.is(log.lastStableOffset(), 3);
  t.deepEqual(log.abortedTransactions(0, 7), [{ producerId: 100, firstOffset: 0, lastOffset: 5 }]);
  const described = await eddy.admin.describeTopic(topic);
  t.is(described.partitions[0]?.lastStableOffset, 3);
  t.is(described.partitions[0]?.logEndOffset, 7);

  t.deepEqual(await readAllValues(eddy, topic, 'read_uncommitted'), { values: ['a1', 'a2', 'x', 'b1', 'a3', 'b2'], position: 7 });

  const consumer = eddy.consumer({ autoOffsetReset: 'earliest' }); // read_committed by default
  const tp = { topic, partition: 0 };
  consumer.assign([tp]);
  t.deepEqual((await consumer.poll({ timeoutMs: 0 })).map((r) => r.value?.toString()), ['x']);
  t.is(consumer.position(tp), 3);
  t.is(consumer.currentLag(tp), 0);

  let woken: string[] | null = null;
  const pending = consumer.poll({ timeoutMs: Infinity }).then((records) => {
    woken = records.map((r) => r.value?.toString() ?? 'null');
  });
  await appendValues(log, ['y']); // 7: behind the open transaction, not readable yet
  for (let i = 0; i < 5; i++) await nextTurn();
  t.is(woken, null);
  log.appendControl('commit', 200, 0, 0); // 8
  await pending;
  t.deepEqual(woken, ['b1', 'b2', 'y']);
  t.is(consumer.position(tp), 9);
  t.is((await eddy.admin.describeTopic(topic)).partitions[0]?.lastStableOffset, 9);
  await consumer.close();
});

test('an aborted transaction across segments and small fetches stays skipped, also after a reopen that aborts one left open', async (t) => {
  const dataDir = tempDir(t);
  const topic = uniqueTopic('txn-roll');
  let eddy = await Eddy.open({ dataDir });
  await eddy.admin.createTopic(topic, { partitions: 1, config: { 'segment.bytes': 300 } });
  let log = eddy.partitionLog(topic, 0);
  const seq: Sequences = new Map();
  const committed: string[] = [];
  for (let i = 0; i < 30; i++) {
    await appendValues(log, [`aborted-${i}`], 7, seq);
    if (i % 6 === 5) {
      await appendValues(log, [`plain-${i}`]);
      committed.push(`plain-${i}`);
    }
  }
  log.appendControl('abort', 7, 0, 0);
  await appendValues(log, ['open-0'], 8, seq); // left open by this owner
  t.true((await eddy.admin.describeTopic(topic)).partitions[0]!.segments > 3, 'the transaction spans segments');
  const lso = log.lastStableOffset();
  t.is(lso, log.logEndOffset() - 1);

  for (const maxBytes of [undefined, 1]) {
    t.deepEqual((await readAllValues(eddy, topic, 'read_committed', maxBytes)).values, committed, `maxBytes ${maxBytes}`);
  }
  t.is((await readAllValues(eddy, topic, 'read_uncommitted', 1)).values.length, 30 + committed.length + 1);
  await eddy.close();

  eddy = await Eddy.open({ dataDir });
  t.teardown(() => eddy.close());
  log = eddy.partitionLog(topic, 0);
  const reopened = (await eddy.admin.describeTopic(topic)).partitions[0]!;
  t.is(reopened.logEndOffset, lso + 2, 'an abort marker ended the transaction left open');
  t.is(reopened.lastStableOffset, reopened.logEndOffset);
  t.deepEqual(log.abortedTransactions(lso, reopened.logEndOffset), [{ producerId: 8, firstOffset: lso, lastOffset: lso + 1 }]);
  for (const maxBytes of [undefined, 1]) {
    t.deepEqual((await readAllValues(eddy, topic, 'read_committed', maxBytes)).values, committed, `after reopen, maxBytes ${maxBytes}`);
  }
  t.deepEqual((await readAllValues(eddy, topic, 'read_uncommitted')).values.slice(-2), ['plain-29', 'open-0']);
});
