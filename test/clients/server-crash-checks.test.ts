/**
 * The checks of the broker crash test (test/helpers/wire-history.ts) on made-up histories: each one
 * must flag the anomaly it exists for, so a clean crash run means something. Together with the
 * history checker: a retry stored twice is a duplicate and a sequence repeat, an acknowledgement at
 * the wrong offset is a lost write, a partly visible transaction is caught even when its writer
 * never learnt the outcome.
 */
import test from 'ava';
import { checkHistory } from '../helpers/history-checker.js';
import type { StoredBatch } from '../helpers/kafka-clients.js';
import {
  idempotentRetryReport,
  idempotentSequenceReport,
  idempotentWriterOps,
  parseIdempotentWriter,
  parseKcatReads,
  parseTxnWriter,
  transactionAtomicityViolations,
  writerOrderViolations,
} from '../helpers/wire-history.js';

/** Two sends of two values each to partitions 0 and 1; the second one retried after a kill. */
const WRITER_LINES = ['ready', 'S 0 w1-0 2', 'W 0 0 0 w1-0', 'W 0 1 0 w1-1', 'S 1 w1-2 2', 'R 1 2', 'W 1 0 1 w1-2', 'W 1 1 1 w1-3', 'stopped'];

function batch(baseOffset: number, baseSequence: number, recordCount: number, producerId = 7): StoredBatch {
  return {
    header: { baseOffset, batchLength: 0, partitionLeaderEpoch: 0, magic: 2, crc: 0, attributes: 0, lastOffsetDelta: recordCount - 1, baseTimestamp: 0, maxTimestamp: 0, producerId, producerEpoch: 0, baseSequence, recordCount },
    compression: 'none',
    records: [],
  };
}

test('the idempotent writer lines become acknowledged writes, with the retried send known', (t) => {
  const sends = parseIdempotentWriter(WRITER_LINES, 2);
  t.deepEqual(
    [...sends.values()].map((s) => [s.send, s.values.map((v) => `${v.value}:${v.partition}`), s.retried]),
    [
      [0, ['w1-0:0', 'w1-1:1'], false],
      [1, ['w1-2:0', 'w1-3:1'], true],
    ],
  );
  t.deepEqual(idempotentWriterOps(sends).map((op) => (op.type === 'write' ? `${op.partition}@${op.offset}=${op.value}` : '')), ['p0@0=w1-0', 'p1@0=w1-1', 'p0@1=w1-2', 'p1@1=w1-3']);
});

test('a retry the broker stored twice is a duplicate for the checker and a sequence repeat', (t) => {
  const sends = parseIdempotentWriter(WRITER_LINES, 2);
  const finalCommitted = new Map([
    ['p0', [{ offset: 0, value: 'w1-0' }, { offset: 1, value: 'w1-2' }, { offset: 2, value: 'w1-2' }]],
    ['p1', [{ offset: 0, value: 'w1-1' }, { offset: 1, value: 'w1-3' }]],
  ]);
  t.is(checkHistory({ ops: idempotentWriterOps(sends), finalCommitted }).counts.duplicates, 1);
  const report = idempotentSequenceReport(new Map([['p0', [batch(0, 0, 1), batch(1, 1, 1), batch(2, 1, 1)]]]));
  t.deepEqual(report.producers, ['7/0']);
  t.deepEqual(report.violations, ['p0@2: base sequence 1, expected 2']);
  t.deepEqual(idempotentSequenceReport(new Map([['p0', [batch(0, 0, 1), batch(1, 1, 1, 8)]]])).producers, ['7/0', '8/0'], 'a producer that took a new id shows');
});

test('a retry answered at a new offset while the log held it at the old one is flagged, and counted as a stored retry', (t) => {
  // The broker died holding send 1 at p0@1 / p1@1; the retry was acknowledged at p0@2 / p1@2.
  const lines = WRITER_LINES.map((l) => l.replace(/^W 1 (\d) 1 /, 'W 1 $1 2 '));
  const sends = parseIdempotentWriter(lines, 2);
  const storedAtKill = new Map([
    ['w1-2', 'p0@1'],
    ['w1-3', 'p1@1'],
  ]);
  const peeks = [{ lineIndex: 5, values: new Set(['w1-2', 'w1-3']) }];
  const report = idempotentRetryReport(lines, sends, peeks, storedAtKill);
  t.is(report.retried, 1);
  t.is(report.retriedAlreadyStored, 1);
  t.deepEqual(report.wrongOffsets, ['w1-2: stored at p0@1 when a broker died, acknowledged at p0@2', 'w1-3: stored at p1@1 when a broker died, acknowledged at p1@2']);
  t.deepEqual(idempotentRetryReport(WRITER_LINES, parseIdempotentWriter(WRITER_LINES, 2), peeks, storedAtKill).wrongOffsets, []);
  t.deepEqual(idempotentRetryReport(WRITER_LINES.slice(0, -2), parseIdempotentWriter(WRITER_LINES.slice(0, -2), 2), [], new Map()).incomplete, ['send 1: 1 of 2 values acknowledged']);
});

test('values out of their writer order are flagged', (t) => {
  const orderOf = (value: string) => ({ writer: value.split('-')[0]!, position: Number(value.split('-')[1]) });
  const final = new Map([['p0', [{ offset: 0, value: 'w1-0' }, { offset: 1, value: 'w2-5' }, { offset: 2, value: 'w1-6' }, { offset: 3, value: 'w1-3' }, { offset: 4, value: 'w2-1' }]]]);
  t.deepEqual(writerOrderViolations(final, orderOf), ['p0@3 holds w1-3 after w1-6 at p0@2', 'p0@4 holds w2-1 after w2-5 at p0@1']);
});

test('transactions: aborted values read, committed values missing and partly visible ones of unknown outcome are flagged', (t) => {
  const lines = [
    'ready',
    ...['B t0 2', 'W t0 0 0 t0-0', 'W t0 1 0 t0-1', 'C t0'],
    ...['B t1 2', 'W t1 0 2 t1-0', 'W t1 1 2 t1-1', 'A t1'],
    ...['B t2 2', 'W t2 0 4 t2-0', 'W t2 1 4 t2-1', 'E t2 KafkaJSConnectionClosedError: Closed connection', 'U t2'],
    // Aborted before its second send was acknowledged: that value is known by name only.
    ...['B t3 2', 'W t3 0 6 t3-0', 'E t3 KafkaJSProtocolError: fenced', 'A t3'],
  ];
  const history = parseTxnWriter(lines);
  t.deepEqual([...history.transactions].map(([txn, x]) => `${txn}:${x.outcome}:${x.acknowledged.length}/${x.values.length}`), ['t0:committed:2/2', 't1:aborted:2/2', 't2:unknown:2/2', 't3:aborted:1/2']);
  const clean = new Map([
    ['p0', [{ offset: 0, value: 't0-0' }, { offset: 4, value: 't2-0' }]],
    ['p1', [{ offset: 0, value: 't0-1' }, { offset: 4, value: 't2-1' }]],
  ]);
  t.deepEqual(transactionAtomicityViolations(history.transactions, clean), []);
  t.is(checkHistory({ ops: history.ops, finalCommitted: clean }).counts.lostWrites, 0);
  const broken = new Map([
    ['p0', [{ offset: 0, value: 't0-0' }, { offset: 2, value: 't1-0' }, { offset: 4, value: 't2-0' }]],
    ['p1', [{ offset: 7, value: 't3-1' }]],
  ]);
  t.deepEqual(transactionAtomicityViolations(history.transactions, broken), [
    't0 committed, but 1 of its 2 values are not visible',
    't1 aborted, but t1-0 visible',
    't2 (unknown) is partly visible: 1 of 2 values',
    't3 aborted, but t3-1 visible',
  ]);
  const counts = checkHistory({ ops: history.ops, finalCommitted: broken }).counts;
  t.is(counts.lostWrites, 1);
  t.is(counts.abortedReads, 1);
});

test('kcat lines become read_committed reads of one consumer session', (t) => {
  const reads = parseKcatReads(['R 0 0 w1-0', '% Reached end of topic', 'R 1 3 t0-1'], 'kcat', 'read_committed');
  t.deepEqual(reads.map((r) => `${r.consumer} ${r.partition}@${r.offset}=${r.value} ${r.isolation}`), ['kcat p0@0=w1-0 read_committed', 'kcat p1@3=t0-1 read_committed']);
});
