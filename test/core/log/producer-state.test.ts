import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { ManualClock } from '../../../core/clock.js';
import { isEddyError } from '../../../core/errors.js';
import { effectiveTopicConfig, parseLogConfig } from '../../../core/log/log-config.js';
import { PartitionLog } from '../../../core/log/partition-log.js';
import { batchIsControl, batchesIn, encodeRecordBatch } from '../../../core/record/record-batch.js';
import type { RecordInput } from '../../../core/record/record.js';
import { tempDir } from '../../helpers/temp-dir.js';

function open(dir: string, options: { clean?: boolean; recoveryPoint?: number; config?: Record<string, string> } = {}): PartitionLog {
  return PartitionLog.open({
    dir,
    topic: 't',
    partition: 0,
    config: parseLogConfig(effectiveTopicConfig(options.config ?? {})),
    clock: new ManualClock(1_700_000_000_000),
    recoveryPoint: options.recoveryPoint ?? 0,
    logStartOffset: 0,
    cleanShutdown: options.clean ?? false,
  });
}

function records(count: number, tag = 'v'): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`${tag}${i}`), timestamp: 1_700_000_000_000 }));
}

function idempotent(producerId: number, producerEpoch: number, baseSequence: number, count: number, isTransactional = false): Buffer {
  return encodeRecordBatch({ records: records(count), producerId, producerEpoch, baseSequence, isTransactional });
}

/** Offsets of data records a read from `from` returns, below `maxOffset`. */
function offsetsRead(log: PartitionLog, from: number, maxOffset?: number): number[] {
  const out: number[] = [];
  const { bytes } = log.read(from, 1 << 20, maxOffset);
  for (const { header } of batchesIn(bytes, 0)) {
    if (batchIsControl(header.attributes)) continue;
    for (let o = header.baseOffset; o <= header.baseOffset + header.lastOffsetDelta; o++) if (o >= from) out.push(o);
  }
  return out;
}

test('a retried batch is answered with its original offsets and appended once', (t) => {
  const log = open(path.join(tempDir(t), 't-0'));
  const first = log.append(idempotent(7, 0, 0, 3));
  const second = log.append(idempotent(7, 0, 3, 2));
  t.like(first, { baseOffset: 0, lastOffset: 2 });
  const retry = log.append(idempotent(7, 0, 0, 3));
  t.like(retry, { baseOffset: 0, lastOffset: 2, duplicate: true });
  t.like(log.append(idempotent(7, 0, 3, 2)), { baseOffset: second.baseOffset, duplicate: true });
  t.is(log.logEndOffset(), 5);
  log.close();
});

test('only the last five batches of a producer are remembered', (t) => {
  const log = open(path.join(tempDir(t), 't-0'));
  for (let i = 0; i < 6; i++) log.append(idempotent(1, 0, i, 1));
  t.like(log.append(idempotent(1, 0, 1, 1)), { duplicate: true, baseOffset: 1 });
  // The first batch fell out of the window: it is neither a duplicate nor in sequence.
  t.true(isEddyError(t.throws(() => log.append(idempotent(1, 0, 0, 1))), 'ERR_OUT_OF_ORDER_SEQUENCE'));
  log.close();
});

test('sequence gaps, stale epochs and client control batches are refused with coded errors', (t) => {
  const log = open(path.join(tempDir(t), 't-0'));
  log.append(idempotent(3, 1, 0, 2));
  const gap = t.throws(() => log.append(idempotent(3, 1, 5, 1)));
  t.true(isEddyError(gap, 'ERR_OUT_OF_ORDER_SEQUENCE'));
  t.like((gap as unknown as { context: object }).context, { producerId: 3, sequence: 5, expectedSequence: 2 });
  t.true(isEddyError(t.throws(() => log.append(idempotent(3, 0, 2, 1))), 'ERR_PRODUCER_EPOCH_INVALID'));
  t.true(isEddyError(t.throws(() => log.append(idempotent(3, 0, 2, 1, true))), 'ERR_PRODUCER_FENCED'));
  // A new epoch starts at sequence 0.
  t.true(isEddyError(t.throws(() => log.append(idempotent(3, 2, 4, 1))), 'ERR_OUT_OF_ORDER_SEQUENCE'));
  t.like(log.append(idempotent(3, 2, 0, 1)), { baseOffset: 2 });
  const marker = encodeRecordBatch({ records: [{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]), timestamp: 1 }], isControl: true, isTransactional: true, producerId: 3, producerEpoch: 2 });
  t.true(isEddyError(t.throws(() => log.append(marker)), 'ERR_BATCH_INVALID'));
  t.true(isEddyError(t.throws(() => log.append(encodeRecordBatch({ records: records(1), isTransactional: true }))), 'ERR_BATCH_INVALID'));
  t.is(log.logEndOffset(), 3);
  log.close();
});

test('an unknown producer may start at any sequence (its earlier batches may be gone)', (t) => {
  const log = open(path.join(tempDir(t), 't-0'));
  t.like(log.append(idempotent(9, 4, 1234, 2)), { baseOffset: 0 });
  t.like(log.append(idempotent(9, 4, 1236, 1)), { baseOffset: 2 });
  log.close();
});

test('duplicates are detected after a crash (replay) and after a clean close (snapshot)', (t) => {
  const dir = path.join(tempDir(t), 't-0');
  let log = open(dir);
  for (let i = 0; i < 4; i++) log.append(idempotent(5, 0, i * 2, 2));
  log.close(); // no flushAll: like a crash, there is no snapshot at the end
  log = open(dir, { clean: false });
  t.like(log.append(idempotent(5, 0, 6, 2)), { baseOffset: 6, duplicate: true });
  t.like(log.append(idempotent(5, 0, 8, 1)), { baseOffset: 8 });
  t.is(log.logEndOffset(), 9);
  return log.flushAll().then(() => {
    log.close();
    t.true(fs.readdirSync(dir).some((f) => f.endsWith('.snapshot')));
    const reopened = open(dir, { clean: true, recoveryPoint: 9 });
    t.like(reopened.append(idempotent(5, 0, 8, 1)), { baseOffset: 8, duplicate: true });
    reopened.close();
  });
});

test('a damaged or too new snapshot is ignored and the log replayed instead', async (t) => {
  const dir = path.join(tempDir(t), 't-0');
  const log = open(dir, { config: { 'segment.bytes': '200' } });
  for (let i = 0; i < 6; i++) log.append(idempotent(2, 0, i, 1));
  await log.flushAll();
  log.close();
  const snapshots = fs.readdirSync(dir).filter((f) => f.endsWith('.snapshot')).sort();
  t.true(snapshots.length >= 2);
  fs.writeFileSync(path.join(dir, snapshots[snapshots.length - 1] as string), 'garbage');
  fs.writeFileSync(path.join(dir, `${'9'.padStart(20, '0')}9.snapshot`.slice(1)), 'x');
  const reopened = open(dir, { clean: false, recoveryPoint: 0, config: { 'segment.bytes': '200' } });
  t.like(reopened.append(idempotent(2, 0, 5, 1)), { baseOffset: 5, duplicate: true });
  t.like(reopened.append(idempotent(2, 0, 6, 1)), { baseOffset: 6 });
  reopened.close();
});

test('transactions: the LSO stops at an open transaction; aborts are indexed and survive a crash', async (t) => {
  const dir = path.join(tempDir(t), 't-0');
  const log = open(dir);
  log.append(idempotent(1, 0, 0, 2)); // 0-1, not transactional
  log.append(idempotent(2, 0, 0, 2, true)); // 2-3, txn of producer 2
  log.append(idempotent(3, 0, 0, 1, true)); // 4, txn of producer 3
  t.is(log.lastStableOffset(), 2);
  t.deepEqual(log.ongoingTransactions(), [
    { producerId: 2, producerEpoch: 0, firstOffset: 2 },
    { producerId: 3, producerEpoch: 0, firstOffset: 4 },
  ]);
  t.deepEqual(offsetsRead(log, 0, log.lastStableOffset()), [0, 1]);
  t.deepEqual(offsetsRead(log, 2, log.lastStableOffset()), []);

  let woke = false;
  const waiting = log.waitForData(2, undefined, 'read_committed').then(() => (woke = true));
  await Promise.resolve();
  t.false(woke);
  const abort = log.appendControl('abort', 2, 1, 0); // bumped epoch, as the coordinator writes it
  t.is(abort.baseOffset, 5);
  await waiting;
  t.true(woke);
  t.is(log.lastStableOffset(), 4);
  t.deepEqual(log.abortedTransactions(0, 10), [{ producerId: 2, firstOffset: 2, lastOffset: 5 }]);
  t.deepEqual(log.abortedTransactions(6, 10), []);
  // The old epoch is fenced now, for data and markers.
  t.true(isEddyError(t.throws(() => log.append(idempotent(2, 0, 2, 1, true))), 'ERR_PRODUCER_FENCED'));
  t.true(isEddyError(t.throws(() => log.appendControl('commit', 2, 0, 0)), 'ERR_PRODUCER_FENCED'));
  log.appendControl('commit', 3, 1, 0);
  t.is(log.lastStableOffset(), log.logEndOffset());
  t.deepEqual(log.ongoingTransactions(), []);
  log.append(idempotent(3, 1, 0, 1, true)); // 7: a new transaction under the new epoch
  t.is(log.lastStableOffset(), 7);
  log.close(); // crash: no snapshot at the end

  const reopened = open(dir, { clean: false });
  t.is(reopened.lastStableOffset(), 7);
  t.deepEqual(reopened.ongoingTransactions(), [{ producerId: 3, producerEpoch: 1, firstOffset: 7 }]);
  t.deepEqual(reopened.abortedTransactions(0, 10), [{ producerId: 2, firstOffset: 2, lastOffset: 5 }]);
  t.true(fs.existsSync(path.join(dir, `${'0'.padStart(20, '0')}.txnindex`)));
  reopened.close();
});

test('a crash that cuts an abort marker also drops its index entry', (t) => {
  const dir = path.join(tempDir(t), 't-0');
  const log = open(dir);
  log.append(idempotent(2, 0, 0, 2, true));
  log.appendControl('abort', 2, 1, 0);
  log.close();
  // Tear the marker batch: recovery cuts it, and with it the transaction's end.
  const file = path.join(dir, `${'0'.padStart(20, '0')}.log`);
  fs.truncateSync(file, fs.statSync(file).size - 3);
  const reopened = open(dir, { clean: false });
  t.is(reopened.logEndOffset(), 2);
  t.deepEqual(reopened.abortedTransactions(0, 10), []);
  t.deepEqual(reopened.ongoingTransactions(), [{ producerId: 2, producerEpoch: 0, firstOffset: 0 }]);
  t.is(reopened.lastStableOffset(), 0);
  reopened.close();
});

test('producers idle for a day are forgotten at the next retention pass; open transactions are kept', (t) => {
  const log = open(path.join(tempDir(t), 't-0'));
  log.append(idempotent(1, 0, 0, 1));
  log.append(idempotent(2, 0, 0, 1, true));
  log.applyRetention(1_700_000_000_000 + 86_400_001);
  t.is(log.producerEpoch(1), null);
  t.is(log.producerEpoch(2), 0);
  t.deepEqual(log.ongoingTransactions().map((o) => o.producerId), [2]);
  log.close();
});
