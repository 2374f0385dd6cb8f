/**
 * Offsets committed in a transaction (AddOffsetsToTxn + TxnOffsetCommit): written to the group's
 * __consumer_offsets partition as a transactional batch, invisible to fetches, consumers and group
 * descriptions until the commit marker, dropped at an abort marker, and loaded back the same way
 * after a clean restart and after a crash.
 */
import test, { type ExecutionContext } from 'ava';
import { ManualClock } from '../../../core/clock.js';
import type { Eddy } from '../../../core/eddy.js';
import { offsetsPartitionFor } from '../../../core/group/offset-commit-record.js';
import { OFFSETS_TOPIC } from '../../../core/group/offset-store.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { crashCopy, markers, openEddy, rejects, storedBatches } from './txn-fixture.js';

const TID = 'eos-app';
const GROUP = 'billing';

async function setup(t: ExecutionContext) {
  const clock = new ManualClock();
  const dataDir = tempDir(t);
  const eddy = await openEddy(t, dataDir, { clock });
  await eddy.admin.createTopic('in', { partitions: 2 });
  return { clock, dataDir, eddy };
}

function committed(eddy: Eddy, partition: number): number {
  return eddy.groupCoordinator.offsetFetch({ groupId: GROUP, partitions: [{ topic: 'in', partition }] })[0]?.offset ?? -2;
}

async function committedViaConsumer(eddy: Eddy): Promise<Array<number | null>> {
  const consumer = eddy.consumer({ groupId: GROUP });
  try {
    return (await consumer.committed([0, 1].map((partition) => ({ topic: 'in', partition })))).map((c) => c.offset);
  } finally {
    await consumer.close();
  }
}

/** Opens a transaction holding the group's offsets and commits `offsets` in it. */
async function txnOffsets(eddy: Eddy, offsets: number[]) {
  const txn = eddy.logAccess.transactions;
  const ids = await txn.initProducerId(TID, 60_000);
  const me = { transactionalId: TID, ...ids };
  await txn.addOffsetsToTxn(me, GROUP);
  await txn.txnOffsetCommit(me, GROUP, offsets.map((offset, partition) => ({ topic: 'in', partition, offset, metadata: 'txn' })));
  return me;
}

test('pending until the commit marker: invisible to fetches, consumers and descriptions; then committed, also after restarts', async (t) => {
  const { eddy, dataDir, clock } = await setup(t);
  await eddy.groupCoordinator.offsetCommit({ groupId: GROUP, generationId: -1, memberId: '', offsets: [{ topic: 'in', partition: 0, offset: 3 }] });
  const me = await txnOffsets(eddy, [10, 20]);
  t.is(committed(eddy, 0), 3);
  t.is(committed(eddy, 1), -1);
  t.deepEqual(await committedViaConsumer(eddy), [3, null]);
  t.deepEqual((await eddy.admin.describeGroup(GROUP)).partitions.map((p) => p.committedOffset), [3]);
  t.deepEqual(eddy.groupCoordinator.offsetFetch({ groupId: GROUP, partitions: null }).map((o) => o.offset), [3]);
  // The offsets partition holds a transactional batch of the producer; its LSO is held back.
  const p = offsetsPartitionFor(GROUP, 10);
  const batch = storedBatches(eddy, OFFSETS_TOPIC, p).at(-1);
  t.like(batch, { producerId: me.producerId, producerEpoch: me.producerEpoch, transactional: true, marker: null, records: 2 });
  t.true(eddy.partitionLog(OFFSETS_TOPIC, p).lastStableOffset() < eddy.partitionLog(OFFSETS_TOPIC, p).logEndOffset());

  const crashedBefore = crashCopy(t, dataDir);
  await eddy.logAccess.transactions.endTxn(me, true);
  t.deepEqual(markers(eddy, OFFSETS_TOPIC, p), [`commit:${me.producerId}:${me.producerEpoch + 1}`]);
  t.is(committed(eddy, 0), 10);
  t.is(committed(eddy, 1), 20);
  t.deepEqual(await committedViaConsumer(eddy), [10, 20]);
  const crashedAfter = crashCopy(t, dataDir);
  await eddy.close();

  const reopened = await openEddy(t, dataDir, { clock });
  t.deepEqual([committed(reopened, 0), committed(reopened, 1)], [10, 20]);
  t.is(reopened.groupCoordinator.offsetFetch({ groupId: GROUP, partitions: [{ topic: 'in', partition: 0 }] })[0]?.metadata, 'txn');
  const afterCrash = await openEddy(t, crashedAfter, { clock });
  t.deepEqual([committed(afterCrash, 0), committed(afterCrash, 1)], [10, 20]);
  // Crashed while the transaction was open: it stays open, its offsets pending, until its producer ends it.
  const beforeCrash = await openEddy(t, crashedBefore, { clock });
  t.like(beforeCrash.transactionCoordinator.recovery, { aborted: 0, resumed: 1 });
  t.deepEqual([committed(beforeCrash, 0), committed(beforeCrash, 1)], [3, -1]);
  t.deepEqual(markers(beforeCrash, OFFSETS_TOPIC, p), []);
  await beforeCrash.logAccess.transactions.endTxn(me, true);
  t.deepEqual([committed(beforeCrash, 0), committed(beforeCrash, 1)], [10, 20]);
});

test('a transaction open at a crash and never ended by its producer is aborted by the timeout timer; its offsets never count', async (t) => {
  const { eddy, dataDir, clock } = await setup(t);
  await eddy.groupCoordinator.offsetCommit({ groupId: GROUP, generationId: -1, memberId: '', offsets: [{ topic: 'in', partition: 0, offset: 3 }] });
  const me = await txnOffsets(eddy, [10, 20]);
  const reopened = await openEddy(t, crashCopy(t, dataDir), { clock });
  t.is(reopened.transactionCoordinator.recovery.resumed, 1);
  clock.advance(60_001);
  t.is(await reopened.transactionCoordinator.abortTimedOutTransactions(), 1);
  t.deepEqual(markers(reopened, OFFSETS_TOPIC, offsetsPartitionFor(GROUP, 10)), [`abort:${me.producerId}:${me.producerEpoch + 1}`]);
  t.deepEqual([committed(reopened, 0), committed(reopened, 1)], [3, -1]);
  await rejects(t, reopened.logAccess.transactions.endTxn(me, true), 'ERR_PRODUCER_FENCED');
});

test('an abort marker drops the pending offsets; the earlier commit stays, also after restarts', async (t) => {
  const { eddy, dataDir, clock } = await setup(t);
  await eddy.groupCoordinator.offsetCommit({ groupId: GROUP, generationId: -1, memberId: '', offsets: [{ topic: 'in', partition: 0, offset: 3 }] });
  const me = await txnOffsets(eddy, [10, 20]);
  await eddy.logAccess.transactions.endTxn(me, false);
  t.deepEqual([committed(eddy, 0), committed(eddy, 1)], [3, -1]);
  const crashed = crashCopy(t, dataDir);
  await eddy.close();
  for (const dir of [dataDir, crashed]) {
    const reopened = await openEddy(t, dir, { clock });
    t.deepEqual([committed(reopened, 0), committed(reopened, 1)], [3, -1]);
  }
});

test('a plain commit recorded after the transactional one wins when the transaction commits later (Kafka\'s log order), before and after a restart', async (t) => {
  const { eddy, dataDir, clock } = await setup(t);
  const me = await txnOffsets(eddy, [10, 20]);
  await eddy.groupCoordinator.offsetCommit({ groupId: GROUP, generationId: -1, memberId: '', offsets: [{ topic: 'in', partition: 0, offset: 15 }] });
  await eddy.logAccess.transactions.endTxn(me, true);
  t.deepEqual([committed(eddy, 0), committed(eddy, 1)], [15, 20]);
  await eddy.close();
  const reopened = await openEddy(t, dataDir, { clock });
  t.deepEqual([committed(reopened, 0), committed(reopened, 1)], [15, 20]);
});

test('TxnOffsetCommit needs the group in the transaction, and a current producer', async (t) => {
  const { eddy } = await setup(t);
  const txn = eddy.logAccess.transactions;
  const ids = await txn.initProducerId(TID, 60_000);
  const me = { transactionalId: TID, ...ids };
  await txn.addPartitionsToTxn(me, [{ topic: 'in', partition: 0 }]);
  await rejects(t, txn.txnOffsetCommit(me, GROUP, [{ topic: 'in', partition: 0, offset: 1 }]), 'ERR_TRANSACTION_STATE_INVALID');
  await txn.addOffsetsToTxn(me, GROUP);
  await rejects(t, txn.txnOffsetCommit(me, GROUP, [{ topic: 'in', partition: 0, offset: -5 }]), 'ERR_OFFSET_OUT_OF_RANGE');
  await txn.initProducerId(TID, 60_000);
  await rejects(t, txn.txnOffsetCommit(me, GROUP, [{ topic: 'in', partition: 0, offset: 1 }]), 'ERR_PRODUCER_FENCED');
  t.is(committed(eddy, 0), -1);
});
