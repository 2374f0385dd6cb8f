/**
 * Recovery when a data directory is opened after a crash (a copy of the files of a directory still
 * open): a prepared transaction is completed; an ongoing one stays open for its producer (as Kafka's
 * coordinator keeps it across a broker restart) until the producer ends it, the id is initialised
 * again, or it times out; a transaction open in a partition log that the coordinator never recorded
 * gets an abort marker, so no last stable offset stays stuck. All of it is durable before Eddy.open
 * resolves.
 */
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ManualClock } from '../../../core/clock.js';
import { Eddy } from '../../../core/eddy.js';
import { offsetsPartitionFor } from '../../../core/group/offset-commit-record.js';
import { OFFSETS_TOPIC } from '../../../core/group/offset-store.js';
import { PRODUCER_ID_BLOCK_FILE } from '../../../core/txn/producer-id-manager.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { appendTxn, crashCopy, markers, openEddy, rejects } from './txn-fixture.js';

const TID = 'app';
const GROUP = 'g';

async function setup(t: ExecutionContext) {
  const clock = new ManualClock();
  const dataDir = tempDir(t);
  const eddy = await openEddy(t, dataDir, { clock });
  await eddy.admin.createTopic('a', { partitions: 2 });
  return { clock, dataDir, eddy, txn: eddy.logAccess.transactions };
}

function stable(eddy: Eddy, topic: string, partition: number): boolean {
  const log = eddy.partitionLog(topic, partition);
  return log.lastStableOffset() === log.logEndOffset();
}

function committed(eddy: Eddy, partition: number): number {
  return eddy.groupCoordinator.offsetFetch({ groupId: GROUP, partitions: [{ topic: 'a', partition }] })[0]?.offset ?? -2;
}

test('PrepareCommit at the crash: reopening writes the commit markers everywhere (offsets included) and completes it', async (t) => {
  const { eddy, dataDir, txn, clock } = await setup(t);
  const ids = await txn.initProducerId(TID, 60_000);
  const me = { transactionalId: TID, ...ids };
  await txn.addPartitionsToTxn(me, [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }]);
  await txn.addOffsetsToTxn(me, GROUP);
  appendTxn(eddy, 'a', 0, ids.producerId, ids.producerEpoch, 0);
  appendTxn(eddy, 'a', 1, ids.producerId, ids.producerEpoch, 0);
  await txn.txnOffsetCommit(me, GROUP, [{ topic: 'a', partition: 0, offset: 1 }, { topic: 'a', partition: 1, offset: 1 }]);
  // The process "dies" while writing markers: the first partition's marker fails, nothing after it is written.
  const log = eddy.partitionLog('a', 0);
  log.appendControl = () => {
    throw new Error('killed');
  };
  await t.throwsAsync(txn.endTxn(me, true), { message: 'killed' });
  t.is(eddy.transactionCoordinator.describeTransaction(TID)?.state, 'PrepareCommit');
  const copy = crashCopy(t, dataDir);

  const reopened = await openEddy(t, copy, { clock });
  t.like(reopened.transactionCoordinator.recovery, { completed: 1, aborted: 0, resumed: 0, hangingAborted: 0 });
  t.like(reopened.transactionCoordinator.describeTransaction(TID), { state: 'CompleteCommit', producerEpoch: ids.producerEpoch + 1 });
  const marker = `commit:${ids.producerId}:${ids.producerEpoch + 1}`;
  t.deepEqual(markers(reopened, 'a', 0), [marker]);
  t.deepEqual(markers(reopened, 'a', 1), [marker]);
  t.deepEqual(markers(reopened, OFFSETS_TOPIC, offsetsPartitionFor(GROUP, 10)), [marker]);
  t.true(stable(reopened, 'a', 0) && stable(reopened, 'a', 1) && stable(reopened, OFFSETS_TOPIC, offsetsPartitionFor(GROUP, 10)));
  t.deepEqual([committed(reopened, 0), committed(reopened, 1)], [1, 1]);
  // The outcome is durable: a crash right after open finds nothing left to do.
  const again = await openEddy(t, crashCopy(t, copy), { clock });
  t.like(again.transactionCoordinator.recovery, { completed: 0, aborted: 0, resumed: 0, hangingAborted: 0 });
  t.deepEqual([committed(again, 0), committed(again, 1)], [1, 1]);
});

/** An ongoing transaction holding a record of a-1 and the group's offset for it. */
async function openWithOffsets(eddy: Eddy, txn: Eddy['logAccess']['transactions']) {
  const ids = await txn.initProducerId(TID, 60_000);
  const me = { transactionalId: TID, ...ids };
  await txn.addPartitionsToTxn(me, [{ topic: 'a', partition: 1 }]);
  await txn.addOffsetsToTxn(me, GROUP);
  appendTxn(eddy, 'a', 1, ids.producerId, ids.producerEpoch, 0);
  await txn.txnOffsetCommit(me, GROUP, [{ topic: 'a', partition: 1, offset: 1 }]);
  return { ids, me };
}

test('Ongoing at the crash: it stays open and its producer goes on and commits it (a restarted broker keeps transactions)', async (t) => {
  const { eddy, dataDir, txn, clock } = await setup(t);
  const { ids, me } = await openWithOffsets(eddy, txn);
  t.false(stable(eddy, 'a', 1));

  const reopened = await openEddy(t, crashCopy(t, dataDir), { clock });
  t.like(reopened.transactionCoordinator.recovery, { completed: 0, aborted: 0, resumed: 1, hangingAborted: 0 });
  t.like(reopened.transactionCoordinator.describeTransaction(TID), { state: 'Ongoing', producerEpoch: ids.producerEpoch });
  t.false(stable(reopened, 'a', 1));
  // The producer carries on where it was: one more partition, one more record (its sequence follows), then commit.
  const again = reopened.logAccess.transactions;
  await again.addPartitionsToTxn(me, [{ topic: 'a', partition: 0 }]);
  appendTxn(reopened, 'a', 0, ids.producerId, ids.producerEpoch, 0);
  appendTxn(reopened, 'a', 1, ids.producerId, ids.producerEpoch, 1);
  t.deepEqual(await again.endTxn(me, true), { producerId: ids.producerId, producerEpoch: ids.producerEpoch + 1 });
  const marker = `commit:${ids.producerId}:${ids.producerEpoch + 1}`;
  t.deepEqual(markers(reopened, 'a', 0), [marker]);
  t.deepEqual(markers(reopened, 'a', 1), [marker]);
  t.true(stable(reopened, 'a', 0) && stable(reopened, 'a', 1));
  t.is(committed(reopened, 1), 1);
});

test('Ongoing at the crash and abandoned: the timeout timer aborts it with a bumped epoch and fences the old producer', async (t) => {
  const { eddy, dataDir, txn, clock } = await setup(t);
  const { ids, me } = await openWithOffsets(eddy, txn);

  const reopened = await openEddy(t, crashCopy(t, dataDir), { clock, config: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 1_000 } });
  t.is(reopened.transactionCoordinator.recovery.resumed, 1);
  clock.advance(59_000);
  t.like(reopened.transactionCoordinator.describeTransaction(TID), { state: 'Ongoing' });
  clock.advance(2_000);
  await t.notThrowsAsync(async () => {
    while (reopened.transactionCoordinator.describeTransaction(TID)?.state !== 'CompleteAbort') await new Promise((resolve) => setImmediate(resolve));
  });
  t.like(reopened.transactionCoordinator.describeTransaction(TID), { producerEpoch: ids.producerEpoch + 1 });
  t.deepEqual(markers(reopened, 'a', 1), [`abort:${ids.producerId}:${ids.producerEpoch + 1}`]);
  t.true(stable(reopened, 'a', 1));
  t.is(committed(reopened, 1), -1);
  await rejects(t, reopened.logAccess.transactions.endTxn(me, true), 'ERR_PRODUCER_FENCED');
  const fresh = await reopened.logAccess.transactions.initProducerId(TID, 60_000);
  t.deepEqual(fresh, { producerId: ids.producerId, producerEpoch: ids.producerEpoch + 2 });
});

test('Ongoing at the crash and already past its timeout at open: aborted by the open itself', async (t) => {
  const { eddy, dataDir, txn, clock } = await setup(t);
  const ids = await txn.initProducerId(TID, 1_000);
  await txn.addPartitionsToTxn({ transactionalId: TID, ...ids }, [{ topic: 'a', partition: 0 }]);
  appendTxn(eddy, 'a', 0, ids.producerId, ids.producerEpoch, 0);
  const copy = crashCopy(t, dataDir);
  clock.advance(1_001);
  const reopened = await openEddy(t, copy, { clock });
  t.like(reopened.transactionCoordinator.recovery, { aborted: 1, resumed: 0 });
  t.deepEqual(markers(reopened, 'a', 0), [`abort:${ids.producerId}:${ids.producerEpoch + 1}`]);
  t.true(stable(reopened, 'a', 0));
});

test('after a clean close too, an open transaction stays open; the application initialising its id again aborts it at once', async (t) => {
  const { eddy, dataDir, txn, clock } = await setup(t);
  const ids = await txn.initProducerId(TID, 60_000);
  await txn.addPartitionsToTxn({ transactionalId: TID, ...ids }, [{ topic: 'a', partition: 0 }]);
  appendTxn(eddy, 'a', 0, ids.producerId, ids.producerEpoch, 0);
  await eddy.close();
  const reopened = await openEddy(t, dataDir, { clock });
  t.is(reopened.transactionCoordinator.recovery.resumed, 1);
  t.false(stable(reopened, 'a', 0));
  const next = await reopened.logAccess.transactions.initProducerId(TID, 60_000);
  t.is(next.producerEpoch, ids.producerEpoch + 2);
  t.deepEqual(markers(reopened, 'a', 0), [`abort:${ids.producerId}:${ids.producerEpoch + 1}`]);
  t.true(stable(reopened, 'a', 0));
});

test('a hanging transaction the coordinator never recorded (data and offsets) gets an abort marker at open', async (t) => {
  const { eddy, dataDir, txn, clock } = await setup(t);
  // A producer id known to nobody writes transactional data without AddPartitionsToTxn...
  const rogue = await txn.initProducerId(null, 60_000);
  appendTxn(eddy, 'a', 0, rogue.producerId, 3, 0);
  // ...and transactional offsets straight through the group coordinator.
  await eddy.groupCoordinator.txnOffsetCommit(GROUP, rogue.producerId, 3, [{ topic: 'a', partition: 0, offset: 1 }]);
  // A legitimate transaction elsewhere is recorded: it is left open for its producer.
  const ids = await txn.initProducerId(TID, 60_000);
  await txn.addPartitionsToTxn({ transactionalId: TID, ...ids }, [{ topic: 'a', partition: 1 }]);
  appendTxn(eddy, 'a', 1, ids.producerId, ids.producerEpoch, 0);
  t.false(stable(eddy, 'a', 0));

  const reopened = await openEddy(t, crashCopy(t, dataDir), { clock });
  t.like(reopened.transactionCoordinator.recovery, { completed: 0, aborted: 0, resumed: 1, hangingAborted: 2 });
  t.deepEqual(markers(reopened, 'a', 0), [`abort:${rogue.producerId}:3`]);
  t.deepEqual(markers(reopened, OFFSETS_TOPIC, offsetsPartitionFor(GROUP, 10)), [`abort:${rogue.producerId}:3`]);
  t.deepEqual(markers(reopened, 'a', 1), []);
  for (const [topic, p] of [['a', 0], [OFFSETS_TOPIC, offsetsPartitionFor(GROUP, 10)]] as const) t.true(stable(reopened, topic, p), `${topic}-${p}`);
  t.false(stable(reopened, 'a', 1));
  t.is(committed(reopened, 0), -1);
  t.deepEqual(reopened.groupCoordinator.pendingTransactions(), []);
});

test('a damaged producer-id block file fails open with ERR_DATA_DIR_INVALID; the directory opens again once it is restored', async (t) => {
  const dataDir = tempDir(t);
  const first = await Eddy.open({ dataDir, onError: () => undefined });
  await first.logAccess.transactions.initProducerId(null, 60_000);
  await first.close();
  const file = path.join(dataDir, PRODUCER_ID_BLOCK_FILE);
  const saved = fs.readFileSync(file);
  fs.writeFileSync(file, 'garbage');
  await rejects(t, Eddy.open({ dataDir }), 'ERR_DATA_DIR_INVALID');
  fs.writeFileSync(file, saved);
  const second = await openEddy(t, dataDir);
  t.true((await second.logAccess.transactions.initProducerId(null, 60_000)).producerId >= 1);
});
