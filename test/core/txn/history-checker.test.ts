/**
 * The history checker (test/helpers/history-checker.ts) on hand-made histories: a clean one counts
 * nothing, and each anomaly, planted alone, is counted as that anomaly and no other, so a 0 from the
 * checker over a real workload means something.
 */
import test from 'ava';
import { checkHistory, describeCheck, type AnomalyCounts, type History, type HistoryOp, type StoredRecord } from '../../helpers/history-checker.js';

const NONE: AnomalyCounts = { lostWrites: 0, duplicates: 0, twoValuesAtOneOffset: 0, abortedReads: 0, nonMonotonicReads: 0 };

function records(...values: string[]): StoredRecord[] {
  return values.map((value, offset) => ({ offset, value }));
}

/**
 * A clean history: p0 holds a, b (plain writes) and t1's x; t2 (aborted) wrote y at p0@3, skipped by
 * read_committed readers; t3 has no known outcome (its writer died) and did commit; c1 reads in order,
 * seeks back and reads again.
 */
function cleanHistory(): { ops: HistoryOp[]; finalCommitted: Map<string, StoredRecord[]>; finalUncommitted: Map<string, StoredRecord[]> } {
  const ops: HistoryOp[] = [
    { type: 'write', partition: 'p0', offset: 0, value: 'a' },
    { type: 'write', partition: 'p0', offset: 1, value: 'b' },
    { type: 'write', partition: 'p0', offset: 2, value: 'x', txn: 't1' },
    { type: 'txn', txn: 't1', outcome: 'committed' },
    { type: 'write', partition: 'p0', offset: 3, value: 'y', txn: 't2' },
    { type: 'txn', txn: 't2', outcome: 'aborted' },
    { type: 'write', partition: 'p1', offset: 0, value: 'z', txn: 't3' },
    { type: 'write', partition: 'p1', value: 'expected-copy' },
    { type: 'read', consumer: 'c1', partition: 'p0', offset: 0, value: 'a', isolation: 'read_committed' },
    { type: 'read', consumer: 'c1', partition: 'p0', offset: 2, value: 'x', isolation: 'read_committed' },
    { type: 'seek', consumer: 'c1', partition: 'p0', offset: 0 },
    { type: 'read', consumer: 'c1', partition: 'p0', offset: 0, value: 'a', isolation: 'read_committed' },
    { type: 'read', consumer: 'c2', partition: 'p0', offset: 3, value: 'y', isolation: 'read_uncommitted' },
    { type: 'read', consumer: 'c2', partition: 'p1', offset: 0, value: 'z', isolation: 'read_uncommitted' },
  ];
  return {
    ops,
    // Offset 3 (y, aborted) and 4 (its abort marker) are not returned to read_committed readers.
    finalCommitted: new Map([
      ['p0', [...records('a', 'b', 'x')]],
      ['p1', [...records('z', 'expected-copy')]],
    ]),
    finalUncommitted: new Map([
      ['p0', [...records('a', 'b', 'x', 'y')]],
      ['p1', [...records('z', 'expected-copy')]],
    ]),
  };
}

function countsOf(history: History): AnomalyCounts {
  return checkHistory(history).counts;
}

test('a clean history has no anomalies', (t) => {
  const result = checkHistory(cleanHistory());
  t.deepEqual(result.counts, NONE, describeCheck(result));
  t.deepEqual(result.stats, { writes: 6, reads: 5, txnsCommitted: 1, txnsAborted: 1, finalRecords: 5 });
});

test('lost writes: an acknowledged write missing, at another offset, or a committed transaction missing', (t) => {
  const h = cleanHistory();
  h.ops.push({ type: 'write', partition: 'p0', offset: 5, value: 'acked-but-gone' });
  t.deepEqual(countsOf(h), { ...NONE, lostWrites: 1 });

  const moved = cleanHistory();
  // b was acknowledged at offset 1 but the final read has it at 3 (and nothing at 1).
  moved.finalCommitted.set('p0', [{ offset: 0, value: 'a' }, { offset: 2, value: 'x' }, { offset: 3, value: 'b' }]);
  moved.finalUncommitted.delete('p0');
  t.is(countsOf(moved).lostWrites, 1);

  const txn = cleanHistory();
  txn.finalCommitted.set('p0', [...records('a', 'b')]);
  txn.finalUncommitted.delete('p0');
  t.deepEqual(countsOf(txn), { ...NONE, lostWrites: 1, abortedReads: 1 }); // c1 also read x, which is now not committed

  const expected = cleanHistory();
  expected.finalCommitted.set('p1', [...records('z')]);
  expected.finalUncommitted.delete('p1');
  t.deepEqual(countsOf(expected), { ...NONE, lostWrites: 1 });
});

test('writes of transactions without an outcome, or aborted, are not required', (t) => {
  const h = cleanHistory();
  h.finalCommitted.set('p1', [{ offset: 1, value: 'expected-copy' }]); // z (t3, outcome unknown) is gone
  h.finalUncommitted.delete('p1');
  h.ops.push({ type: 'write', partition: 'p1', offset: 7, value: 'w', txn: 't2' });
  t.deepEqual(countsOf(h), NONE);
});

test('duplicates: a value stored twice, in one partition or in two', (t) => {
  const h = cleanHistory();
  h.finalCommitted.set('p1', [...records('z', 'expected-copy', 'a', 'a')]);
  h.finalUncommitted.delete('p1');
  // a is in p0 once and in p1 twice: 2 extra copies.
  t.deepEqual(countsOf(h), { ...NONE, duplicates: 2 });
});

test('two values at one offset: an acknowledgement, a read or the final reads disagree', (t) => {
  const acked = cleanHistory();
  acked.ops.push({ type: 'write', partition: 'p0', offset: 1, value: 'b2' });
  t.deepEqual(countsOf(acked), { ...NONE, twoValuesAtOneOffset: 1, lostWrites: 1 });

  const read = cleanHistory();
  read.ops.push({ type: 'read', consumer: 'c3', partition: 'p0', offset: 3, value: 'not-y', isolation: 'read_uncommitted' });
  t.deepEqual(countsOf(read), { ...NONE, twoValuesAtOneOffset: 1 });

  const finals = cleanHistory();
  finals.finalUncommitted.set('p1', [...records('z', 'other')]);
  t.deepEqual(countsOf(finals), { ...NONE, twoValuesAtOneOffset: 1 });
});

test('aborted reads: read_committed sees an aborted record, or one that never committed', (t) => {
  const aborted = cleanHistory();
  aborted.ops.push({ type: 'read', consumer: 'c3', partition: 'p0', offset: 3, value: 'y', isolation: 'read_committed' });
  t.deepEqual(countsOf(aborted), { ...NONE, abortedReads: 1 });

  // A transaction with no recorded outcome that did not commit in the end: its record was read before it ended.
  const uncommitted = cleanHistory();
  uncommitted.ops.push(
    { type: 'write', partition: 'p1', offset: 2, value: 'u', txn: 't4' },
    { type: 'read', consumer: 'c3', partition: 'p1', offset: 2, value: 'u', isolation: 'read_committed' },
  );
  uncommitted.finalUncommitted.set('p1', [...records('z', 'expected-copy', 'u')]);
  t.deepEqual(countsOf(uncommitted), { ...NONE, abortedReads: 1 });

  // The same read with read_uncommitted is allowed.
  const dirty = cleanHistory();
  dirty.ops.push({ type: 'read', consumer: 'c3', partition: 'p0', offset: 3, value: 'y', isolation: 'read_uncommitted' });
  t.deepEqual(countsOf(dirty), NONE);

  // A value written again after its transaction aborted: the committed rewrite may be read, the aborted write may not.
  const rewritten = cleanHistory();
  rewritten.ops.push(
    { type: 'write', partition: 'p0', offset: 5, value: 'y', txn: 't5' },
    { type: 'txn', txn: 't5', outcome: 'committed' },
    { type: 'read', consumer: 'c4', partition: 'p0', offset: 5, value: 'y', isolation: 'read_committed' },
  );
  rewritten.finalCommitted.set('p0', [...records('a', 'b', 'x'), { offset: 5, value: 'y' }]);
  rewritten.finalUncommitted.set('p0', [...records('a', 'b', 'x', 'y'), { offset: 5, value: 'y' }]);
  t.deepEqual(countsOf(rewritten), NONE);
  rewritten.ops.push({ type: 'read', consumer: 'c5', partition: 'p0', offset: 3, value: 'y', isolation: 'read_committed' });
  t.deepEqual(countsOf(rewritten), { ...NONE, abortedReads: 1 });

  // The final read_committed read holding an aborted write counts too.
  const final = cleanHistory();
  final.finalCommitted.set('p0', [...records('a', 'b', 'x', 'y')]);
  t.deepEqual(countsOf(final), { ...NONE, abortedReads: 1 });
});

test('non-monotonic reads: offsets going back or repeating in one session without a seek', (t) => {
  const back = cleanHistory();
  back.ops.push({ type: 'read', consumer: 'c1', partition: 'p0', offset: 0, value: 'a', isolation: 'read_committed' });
  t.deepEqual(countsOf(back), { ...NONE, nonMonotonicReads: 1 });

  // Another session, another partition, or a seek in between: all fine.
  const fine = cleanHistory();
  fine.ops.push(
    { type: 'read', consumer: 'c1-restarted', partition: 'p0', offset: 0, value: 'a', isolation: 'read_committed' },
    { type: 'read', consumer: 'c1', partition: 'p1', offset: 0, value: 'z', isolation: 'read_committed' },
    { type: 'seek', consumer: 'c2', partition: 'p0', offset: 0 },
    { type: 'read', consumer: 'c2', partition: 'p0', offset: 0, value: 'a', isolation: 'read_uncommitted' },
  );
  t.deepEqual(countsOf(fine), NONE);
});

test('examples name each anomaly found', (t) => {
  const h = cleanHistory();
  h.ops.push({ type: 'read', consumer: 'c3', partition: 'p0', offset: 3, value: 'y', isolation: 'read_committed' });
  h.ops.push({ type: 'write', partition: 'p0', offset: 9, value: 'gone' });
  const result = checkHistory(h);
  t.regex(result.examples.abortedReads[0] ?? '', /c3 .* read y at p0@3/);
  t.regex(result.examples.lostWrites[0] ?? '', /gone written to p0 at offset 9/);
  t.regex(describeCheck(result), /lostWrites: gone/);
});
