/**
 * The transaction coordinator as a state machine over a real data directory: InitProducerId and
 * fencing, AddPartitions / EndTxn transitions and their errors, markers with the bumped epoch in
 * every partition of a transaction, retries of EndTxn, timeouts on a ManualClock, expiry of ids,
 * configs. Transactional data is appended straight to the partition logs, as a producer would.
 */
import test, { type ExecutionContext } from 'ava';
import { ManualClock } from '../../../core/clock.js';
import { Eddy } from '../../../core/eddy.js';
import { isEddyError } from '../../../core/errors.js';
import { encodeRecordBatch } from '../../../core/record/record-batch.js';
import { TRANSACTION_STATE_TOPIC } from '../../../core/txn/transaction-state-store.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { appendTxn, markers, openEddy, rejects } from './txn-fixture.js';

const TID = 'app-1';

async function setup(t: ExecutionContext, config: Record<string, number> = {}) {
  const clock = new ManualClock();
  const dataDir = tempDir(t);
  const eddy = await openEddy(t, dataDir, { clock, config });
  await eddy.admin.createTopic('a', { partitions: 2 });
  await eddy.admin.createTopic('b', { partitions: 1 });
  return { clock, dataDir, eddy, txn: eddy.transactionCoordinator, coordinator: eddy.transactionCoordinator };
}

test('initProducerId without a transactionalId: a fresh producer id at epoch 0 every time', async (t) => {
  const { eddy, txn } = await setup(t);
  t.is(eddy.logAccess.transactions, txn);
  const a = await txn.initProducerId(null, 60_000);
  const b = await txn.initProducerId(null, 60_000);
  t.is(a.producerEpoch, 0);
  t.is(b.producerEpoch, 0);
  t.not(a.producerId, b.producerId);
});

test('initProducerId with a transactionalId: same producer id, epoch bumped, state Empty, durable in __transaction_state', async (t) => {
  const { eddy, txn, coordinator } = await setup(t);
  const first = await txn.initProducerId(TID, 60_000);
  t.is(first.producerEpoch, 0);
  const second = await txn.initProducerId(TID, 30_000);
  t.deepEqual(second, { producerId: first.producerId, producerEpoch: 1 });
  t.like(coordinator.describeTransaction(TID), { state: 'Empty', producerId: first.producerId, producerEpoch: 1, transactionTimeoutMs: 30_000, topicPartitions: [] });
  t.deepEqual(coordinator.listTransactions(), [{ transactionalId: TID, producerId: first.producerId, state: 'Empty' }]);
  t.is((await eddy.admin.describeTopic(TRANSACTION_STATE_TOPIC)).partitions.length, 10);
});

test('an older instance is fenced: every call with its epoch is ERR_PRODUCER_FENCED', async (t) => {
  const { txn } = await setup(t);
  const old = await txn.initProducerId(TID, 60_000);
  const current = await txn.initProducerId(TID, 60_000);
  const stale = { transactionalId: TID, ...old };
  await rejects(t, txn.addPartitionsToTxn(stale, [{ topic: 'a', partition: 0 }]), 'ERR_PRODUCER_FENCED');
  await rejects(t, txn.addOffsetsToTxn(stale, 'g'), 'ERR_PRODUCER_FENCED');
  await rejects(t, txn.endTxn(stale, true), 'ERR_PRODUCER_FENCED');
  await rejects(t, txn.addPartitionsToTxn({ transactionalId: TID, producerId: current.producerId + 1, producerEpoch: current.producerEpoch }, [{ topic: 'a', partition: 0 }]), 'ERR_PRODUCER_FENCED');
  await t.notThrowsAsync(txn.addPartitionsToTxn({ transactionalId: TID, ...current }, [{ topic: 'a', partition: 0 }]));
});

test('bad input: transactionalId, timeout, unknown id, missing partitions', async (t) => {
  const { txn } = await setup(t, { 'transaction.max.timeout.ms': 100_000 });
  await rejects(t, txn.initProducerId('', 60_000), 'ERR_TRANSACTIONAL_ID_INVALID');
  await rejects(t, txn.initProducerId(42 as unknown as string, 60_000), 'ERR_TRANSACTIONAL_ID_INVALID');
  await rejects(t, txn.initProducerId(TID, 100_001), 'ERR_CONFIG_INVALID');
  await rejects(t, txn.initProducerId(TID, 0), 'ERR_CONFIG_INVALID');
  await rejects(t, txn.addPartitionsToTxn({ transactionalId: 'nobody', producerId: 0, producerEpoch: 0 }, [{ topic: 'a', partition: 0 }]), 'ERR_TRANSACTION_STATE_INVALID');
  await rejects(t, txn.endTxn({ transactionalId: 'nobody', producerId: 0, producerEpoch: 0 }, true), 'ERR_TRANSACTION_STATE_INVALID');
  const ids = await txn.initProducerId(TID, 100_000);
  await rejects(t, txn.addPartitionsToTxn({ transactionalId: TID, ...ids }, [{ topic: 'missing', partition: 0 }]), 'ERR_TOPIC_NOT_FOUND');
  await rejects(t, txn.addPartitionsToTxn({ transactionalId: TID, ...ids }, [{ topic: 'a', partition: 9 }]), 'ERR_PARTITION_NOT_FOUND');
  await rejects(t, txn.txnOffsetCommit({ transactionalId: TID, ...ids }, 'g', [{ topic: 'a', partition: 0, offset: 1 }]), 'ERR_TRANSACTION_STATE_INVALID');
  await rejects(t, txn.addOffsetsToTxn({ transactionalId: TID, ...ids }, ''), 'ERR_GROUP_ID_INVALID');
});

test('commit: Ongoing → CompleteCommit; markers with the bumped epoch in every partition; the LSO moves to the end', async (t) => {
  const { eddy, txn, coordinator } = await setup(t);
  const ids = await txn.initProducerId(TID, 60_000);
  const me = { transactionalId: TID, ...ids };
  await txn.addPartitionsToTxn(me, [{ topic: 'a', partition: 0 }, { topic: 'b', partition: 0 }]);
  await txn.addPartitionsToTxn(me, [{ topic: 'a', partition: 1 }, { topic: 'a', partition: 0 }]);
  t.like(coordinator.describeTransaction(TID), { state: 'Ongoing', topicPartitions: [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }, { topic: 'b', partition: 0 }] });
  t.is(coordinator.describeTransaction(TID)?.transactionStartTimeMs, eddy.clock.now());
  appendTxn(eddy, 'a', 0, ids.producerId, ids.producerEpoch, 0);
  appendTxn(eddy, 'b', 0, ids.producerId, ids.producerEpoch, 0);
  t.is(eddy.partitionLog('a', 0).lastStableOffset(), 0);
  const next = await txn.endTxn(me, true);
  t.deepEqual(next, { producerId: ids.producerId, producerEpoch: ids.producerEpoch + 1 });
  const marker = `commit:${ids.producerId}:${ids.producerEpoch + 1}`;
  t.deepEqual(markers(eddy, 'a', 0), [marker]);
  t.deepEqual(markers(eddy, 'a', 1), [marker]);
  t.deepEqual(markers(eddy, 'b', 0), [marker]);
  for (const [topic, p] of [['a', 0], ['a', 1], ['b', 0]] as const) t.is(eddy.partitionLog(topic, p).lastStableOffset(), eddy.partitionLog(topic, p).logEndOffset());
  t.like(coordinator.describeTransaction(TID), { state: 'CompleteCommit', producerEpoch: ids.producerEpoch + 1, topicPartitions: [], transactionStartTimeMs: -1 });
  // KIP-890: a delayed write of the finished transaction (old epoch) is refused by the log.
  t.true(isEddyError(t.throws(() => appendTxn(eddy, 'a', 0, ids.producerId, ids.producerEpoch, 1)), 'ERR_PRODUCER_FENCED'));
});

test('abort writes abort markers; the next transaction runs on the bumped epoch', async (t) => {
  const { eddy, txn, coordinator } = await setup(t);
  const ids = await txn.initProducerId(TID, 60_000);
  await txn.addPartitionsToTxn({ transactionalId: TID, ...ids }, [{ topic: 'a', partition: 0 }]);
  appendTxn(eddy, 'a', 0, ids.producerId, ids.producerEpoch, 0);
  const next = await txn.endTxn({ transactionalId: TID, ...ids }, false);
  t.deepEqual(markers(eddy, 'a', 0), [`abort:${ids.producerId}:${ids.producerEpoch + 1}`]);
  t.deepEqual(eddy.partitionLog('a', 0).abortedTransactions(0, 10).map((a) => a.producerId), [ids.producerId]);
  t.is(coordinator.describeTransaction(TID)?.state, 'CompleteAbort');
  await txn.addPartitionsToTxn({ transactionalId: TID, ...next }, [{ topic: 'a', partition: 0 }]);
  appendTxn(eddy, 'a', 0, next.producerId, next.producerEpoch, 0);
  await txn.endTxn({ transactionalId: TID, ...next }, true);
  t.deepEqual(markers(eddy, 'a', 0), [`abort:${ids.producerId}:${ids.producerEpoch + 1}`, `commit:${ids.producerId}:${ids.producerEpoch + 2}`]);
});

test('EndTxn retries: same direction answers the same epoch, the other direction is ERR_TRANSACTION_STATE_INVALID; concurrent duplicates agree', async (t) => {
  const { eddy, txn } = await setup(t);
  const ids = await txn.initProducerId(TID, 60_000);
  const me = { transactionalId: TID, ...ids };
  await txn.addPartitionsToTxn(me, [{ topic: 'a', partition: 0 }]);
  const [one, two] = await Promise.all([txn.endTxn(me, true), txn.endTxn(me, true)]);
  t.deepEqual(one, two);
  t.is(markers(eddy, 'a', 0).length, 1);
  await rejects(t, txn.endTxn(me, false), 'ERR_TRANSACTION_STATE_INVALID');
  // Once the producer moved on to a new transaction, its old epoch is simply stale.
  const next = { transactionalId: TID, ...one };
  await txn.addPartitionsToTxn(next, [{ topic: 'a', partition: 1 }]);
  await rejects(t, txn.endTxn(me, true), 'ERR_PRODUCER_FENCED');
});

test('ending a transaction without partitions (Empty, Complete*) is accepted and writes nothing', async (t) => {
  const { eddy, txn, coordinator } = await setup(t);
  const ids = await txn.initProducerId(TID, 60_000);
  const stateLogEnd = (): number => Array.from({ length: 10 }, (_, p) => eddy.partitionLog(TRANSACTION_STATE_TOPIC, p).logEndOffset()).reduce((a, b) => a + b);
  const before = stateLogEnd();
  t.deepEqual(await txn.endTxn({ transactionalId: TID, ...ids }, false), ids);
  t.deepEqual(await txn.endTxn({ transactionalId: TID, ...ids }, true), ids);
  t.is(stateLogEnd(), before);
  t.is(coordinator.describeTransaction(TID)?.state, 'Empty');
});

test('initProducerId while a transaction is open aborts it first (markers), then fences the old instance', async (t) => {
  const { eddy, txn, coordinator } = await setup(t);
  const old = await txn.initProducerId(TID, 60_000);
  await txn.addPartitionsToTxn({ transactionalId: TID, ...old }, [{ topic: 'a', partition: 0 }]);
  appendTxn(eddy, 'a', 0, old.producerId, old.producerEpoch, 0);
  const fresh = await txn.initProducerId(TID, 60_000);
  t.deepEqual(fresh, { producerId: old.producerId, producerEpoch: old.producerEpoch + 2 });
  t.deepEqual(markers(eddy, 'a', 0), [`abort:${old.producerId}:${old.producerEpoch + 1}`]);
  t.is(eddy.partitionLog('a', 0).lastStableOffset(), eddy.partitionLog('a', 0).logEndOffset());
  t.is(coordinator.describeTransaction(TID)?.state, 'Empty');
  // The zombie's commit and its late writes are both refused.
  await rejects(t, txn.endTxn({ transactionalId: TID, ...old }, true), 'ERR_PRODUCER_FENCED');
  t.true(isEddyError(t.throws(() => appendTxn(eddy, 'a', 0, old.producerId, old.producerEpoch, 1)), 'ERR_PRODUCER_FENCED'));
});

test('a failed marker write leaves the transaction prepared: ERR_CONCURRENT_TRANSACTIONS until a retried EndTxn completes it', async (t) => {
  const { eddy, txn, coordinator } = await setup(t);
  const ids = await txn.initProducerId(TID, 60_000);
  const me = { transactionalId: TID, ...ids };
  await txn.addPartitionsToTxn(me, [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }]);
  const log = eddy.partitionLog('a', 1);
  const appendControl = log.appendControl.bind(log);
  log.appendControl = () => {
    throw new Error('disk on fire');
  };
  await t.throwsAsync(txn.endTxn(me, true), { message: 'disk on fire' });
  t.is(coordinator.describeTransaction(TID)?.state, 'PrepareCommit');
  await rejects(t, txn.addPartitionsToTxn(me, [{ topic: 'b', partition: 0 }]), 'ERR_CONCURRENT_TRANSACTIONS');
  log.appendControl = appendControl;
  t.deepEqual(await txn.endTxn(me, true), { producerId: ids.producerId, producerEpoch: ids.producerEpoch + 1 });
  t.is(coordinator.describeTransaction(TID)?.state, 'CompleteCommit');
  t.deepEqual(markers(eddy, 'a', 1), [`commit:${ids.producerId}:${ids.producerEpoch + 1}`]);
});

test('transaction.timeout: the timer aborts a transaction open past its timeout and fences its producer', async (t) => {
  const { eddy, txn, coordinator, clock } = await setup(t);
  const ids = await txn.initProducerId(TID, 5_000);
  const me = { transactionalId: TID, ...ids };
  await txn.addPartitionsToTxn(me, [{ topic: 'a', partition: 0 }]);
  appendTxn(eddy, 'a', 0, ids.producerId, ids.producerEpoch, 0);
  clock.advance(4_000);
  t.is(await coordinator.abortTimedOutTransactions(), 0);
  // The cleanup interval (10 s) passes with the transaction 11 s old.
  clock.advance(7_000);
  await waitFor(() => coordinator.describeTransaction(TID)?.state === 'CompleteAbort', 'the timed-out transaction to be aborted');
  t.deepEqual(markers(eddy, 'a', 0), [`abort:${ids.producerId}:${ids.producerEpoch + 1}`]);
  t.is(eddy.partitionLog('a', 0).lastStableOffset(), eddy.partitionLog('a', 0).logEndOffset());
  await rejects(t, txn.endTxn(me, true), 'ERR_PRODUCER_FENCED');
  await rejects(t, txn.endTxn(me, false), 'ERR_PRODUCER_FENCED');
  await rejects(t, txn.addPartitionsToTxn(me, [{ topic: 'a', partition: 0 }]), 'ERR_PRODUCER_FENCED');
  // A new instance carries on.
  t.is((await txn.initProducerId(TID, 5_000)).producerEpoch, ids.producerEpoch + 2);
});

test('transactional.id.expiration.ms: an idle id is tombstoned (by the timer too) and stays forgotten after a restart', async (t) => {
  const config = { 'transactional.id.expiration.ms': 60_000, 'transaction.remove.expired.transaction.cleanup.interval.ms': 100_000 };
  const { dataDir, txn, coordinator, clock, eddy } = await setup(t, config);
  const ids = await txn.initProducerId(TID, 10_000);
  // Open at t=0, aborted by the timeout timer at t=20 s: idle since then.
  const busy = await txn.initProducerId('busy', 10_000);
  await txn.addPartitionsToTxn({ transactionalId: 'busy', ...busy }, [{ topic: 'b', partition: 0 }]);
  clock.advance(20_000);
  await waitFor(() => coordinator.describeTransaction('busy')?.state === 'CompleteAbort', 'the timeout abort');
  clock.advance(39_000);
  t.is(await coordinator.removeExpiredTransactionalIds(), 0);
  clock.advance(1_000);
  t.is(await coordinator.removeExpiredTransactionalIds(), 1);
  t.is(coordinator.describeTransaction(TID), null);
  t.truthy(coordinator.describeTransaction('busy'));
  // The timer at t=100 s removes 'busy' (idle since t=20 s).
  clock.advance(40_000);
  await waitFor(() => coordinator.describeTransaction('busy') === null, 'the expiry timer');
  await eddy.close();
  const reopened = await openEddy(t, dataDir, { clock, config });
  t.deepEqual(reopened.transactionCoordinator.listTransactions(), []);
  const again = await reopened.logAccess.transactions.initProducerId(TID, 10_000);
  t.not(again.producerId, ids.producerId);
});

test('configs: transaction.* names are accepted and validated; unknown names still fail', async (t) => {
  await rejects(t, Eddy.open({ dataDir: tempDir(t), config: { 'transaction.max.timeout.ms': 0 } }), 'ERR_CONFIG_INVALID');
  await rejects(t, Eddy.open({ dataDir: tempDir(t), config: { 'transaction.state.log.num.partitions': 'x' } }), 'ERR_CONFIG_INVALID');
  await rejects(t, Eddy.open({ dataDir: tempDir(t), config: { 'transaction.bogus.ms': 1 } }), 'ERR_CONFIG_UNKNOWN');
  const eddy = await openEddy(t, tempDir(t), { config: { 'transaction.state.log.num.partitions': 3 } });
  await eddy.logAccess.transactions.initProducerId(TID, 60_000);
  const topic = await eddy.admin.describeTopic(TRANSACTION_STATE_TOPIC);
  t.is(topic.partitions.length, 3);
  t.is(topic.config['cleanup.policy'], 'compact');
});

test('an exhausted epoch: EndTxn moves the producer to a new producer id at epoch 0', async (t) => {
  const { eddy, txn, coordinator } = await setup(t);
  await txn.initProducerId(TID, 60_000);
  // Fast-forward the epoch the way a long-lived producer would get there, one init at a time, but
  // without 32 000 calls: rewrite the stored state, then reopen so the coordinator reads it back.
  const meta = coordinator.describeTransaction(TID);
  t.truthy(meta);
  const { encodeTransactionLogKey, encodeTransactionLogValue } = await import('../../../core/txn/transaction-log.js');
  const { offsetsPartitionFor } = await import('../../../core/group/offset-commit-record.js');
  const log = eddy.partitionLog(TRANSACTION_STATE_TOPIC, offsetsPartitionFor(TID, 10));
  log.append(encodeRecordBatch({
    records: [{ key: encodeTransactionLogKey(TID), value: encodeTransactionLogValue({ producerId: meta!.producerId, producerEpoch: 32_765, transactionTimeoutMs: 60_000, state: 'Empty', partitions: [], lastUpdateTimestampMs: eddy.clock.now(), startTimestampMs: -1 }) }],
    now: eddy.clock.now(),
  }));
  await log.flush();
  const dataDir = eddy.dataDir;
  await eddy.close();
  const reopened = await openEddy(t, dataDir);
  const txn2 = reopened.transactionCoordinator;
  const ids = await txn2.initProducerId(TID, 60_000);
  t.deepEqual(ids, { producerId: meta!.producerId, producerEpoch: 32_766 });
  await txn2.addPartitionsToTxn({ transactionalId: TID, ...ids }, [{ topic: 'a', partition: 0 }]);
  const next = await txn2.endTxn({ transactionalId: TID, ...ids }, true);
  t.deepEqual(markers(reopened, 'a', 0), [`commit:${ids.producerId}:32767`]);
  t.is(next.producerEpoch, 0);
  t.not(next.producerId, ids.producerId);
  // A retry of that EndTxn still gets the new identity.
  t.deepEqual(await txn2.endTxn({ transactionalId: TID, ...ids }, true), next);
  // And the next initProducerId on an exhausted epoch also rotates.
  t.is(reopened.transactionCoordinator.describeTransaction(TID)?.producerId, next.producerId);
});
