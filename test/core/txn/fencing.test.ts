/**
 * Fencing (Kafka's zombie fencing): two producers with one transactionalId. The old one is paused
 * mid-transaction; the new one initialises, which aborts the old one's open transaction and bumps
 * the epoch; the old one resumes. It is fenced — its sends and its commit fail with
 * ERR_PRODUCER_FENCED — and none of its records, before or after the pause, becomes visible to a
 * read_committed consumer, while the new producer's transaction commits normally.
 */
import test from 'ava';
import type { IsolationLevel } from '../../../core/client/log-access.js';
import { Eddy } from '../../../core/eddy.js';
import { isEddyError } from '../../../core/errors.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';

const PARTITIONS = 2;

async function readValues(eddy: Eddy, topic: string, isolationLevel: IsolationLevel): Promise<string[]> {
  const consumer = eddy.consumer({ autoOffsetReset: 'earliest', isolationLevel });
  const tps = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }));
  consumer.assign(tps);
  const values: string[] = [];
  const end = (p: number): number => {
    const log = eddy.partitionLog(topic, p);
    return isolationLevel === 'read_committed' ? log.lastStableOffset() : log.logEndOffset();
  };
  while (tps.some((tp) => consumer.position(tp) < end(tp.partition))) {
    for (const r of await consumer.poll({ timeoutMs: 0 })) values.push(r.value?.toString() ?? 'null');
  }
  await consumer.close();
  return values.sort();
}

test('the old producer of a transactionalId is fenced by the new one and none of its records is ever committed', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t, 'eddy-fencing-') });
  t.teardown(() => eddy.close());
  const topic = uniqueTopic('fencing');
  await eddy.admin.createTopic(topic, { partitions: PARTITIONS });
  const transactionalId = uniqueTopic('fencing-txn');

  const old = eddy.producer<string, string>({ transactionalId });
  await old.initTransactions();
  old.beginTransaction();
  await old.send({ topic, messages: [{ value: 'old-1', partition: 0 }, { value: 'old-2', partition: 1 }] });
  const oldIds = old.producerIdAndEpoch;

  // The old producer is paused here (a GC pause, a network partition); a new instance takes over.
  const fresh = eddy.producer<string, string>({ transactionalId });
  await fresh.initTransactions();
  t.is(fresh.producerIdAndEpoch.producerId, oldIds.producerId, 'the same transactionalId keeps its producer id');
  t.true(fresh.producerIdAndEpoch.producerEpoch > oldIds.producerEpoch, 'with a bumped epoch');
  // initTransactions aborted the old producer's open transaction: nothing is open any more.
  for (let p = 0; p < PARTITIONS; p++) {
    const log = eddy.partitionLog(topic, p);
    t.is(log.lastStableOffset(), log.logEndOffset(), `partition ${p}: the old transaction is no longer open`);
  }

  // The old producer resumes: a send to a partition already in its transaction (the log fences the
  // epoch), a send to a new partition (the coordinator does), then the commit.
  const sendError = await t.throwsAsync(old.send({ topic, messages: [{ value: 'old-3', partition: 0 }] }));
  t.true(isEddyError(sendError, 'ERR_PRODUCER_FENCED'), `a send of the fenced producer fails with ERR_PRODUCER_FENCED: ${String(sendError)}`);
  const commitError = await t.throwsAsync(old.commitTransaction());
  t.true(isEddyError(commitError, 'ERR_PRODUCER_FENCED'), `the commit fails with ERR_PRODUCER_FENCED: ${String(commitError)}`);
  // Fencing is final: the old producer cannot start over.
  t.true(isEddyError(t.throws(() => old.beginTransaction()), 'ERR_PRODUCER_FENCED'));
  t.true(isEddyError(await t.throwsAsync(old.send({ topic, messages: [{ value: 'old-4', partition: 1 }] })), 'ERR_PRODUCER_FENCED'));

  fresh.beginTransaction();
  await fresh.send({ topic, messages: [{ value: 'new-1', partition: 0 }, { value: 'new-2', partition: 1 }] });
  await fresh.commitTransaction();

  t.deepEqual(await readValues(eddy, topic, 'read_committed'), ['new-1', 'new-2']);
  const uncommitted = await readValues(eddy, topic, 'read_uncommitted');
  t.true(uncommitted.includes('old-1') && uncommitted.includes('old-2'), `the old records are in the log, aborted: ${uncommitted.join(', ')}`);
  t.false(uncommitted.includes('old-3') || uncommitted.includes('old-4'), 'nothing the fenced producer sent after the pause was appended');
  t.true(eddy.partitionLog(topic, 0).abortedTransactions(0, eddy.partitionLog(topic, 0).logEndOffset()).some((a) => a.producerId === oldIds.producerId));
});

test('a fenced producer that resumes with a send to a partition outside its transaction is fenced by the coordinator', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t, 'eddy-fencing-') });
  t.teardown(() => eddy.close());
  const topic = uniqueTopic('fencing');
  await eddy.admin.createTopic(topic, { partitions: PARTITIONS });
  const transactionalId = uniqueTopic('fencing-txn');

  const old = eddy.producer<string, string>({ transactionalId });
  await old.initTransactions();
  old.beginTransaction();
  await old.send({ topic, messages: [{ value: 'old-1', partition: 0 }] });
  const fresh = eddy.producer<string, string>({ transactionalId });
  await fresh.initTransactions();

  const err = await t.throwsAsync(old.send({ topic, messages: [{ value: 'old-2', partition: 1 }] }));
  t.true(isEddyError(err, 'ERR_PRODUCER_FENCED'), String(err));
  t.true(isEddyError(await t.throwsAsync(old.commitTransaction()), 'ERR_PRODUCER_FENCED'));
  // The old producer's offsets do not count either.
  t.true(isEddyError(await t.throwsAsync(old.sendOffsets({ groupId: 'g', offsets: [{ topic, partition: 0, offset: 1 }] })), 'ERR_PRODUCER_FENCED'));

  fresh.beginTransaction();
  await fresh.send({ topic, messages: [{ value: 'new-1', partition: 1 }] });
  await fresh.commitTransaction();
  t.deepEqual(await readValues(eddy, topic, 'read_committed'), ['new-1']);
  t.deepEqual(await readValues(eddy, topic, 'read_uncommitted'), ['new-1', 'old-1']);
});
