/**
 * Exactly-once, end to end (Kafka's transactional copy test, checked as Jepsen would):
 *
 * 1. Transactional copy: 100k records on 2 input partitions are copied by a consume-transform-produce
 *    process (test/fixtures/txn-copier.ts: transactions of ~750 records with their input offsets sent
 *    in the transaction) to 3 output partitions. The copier owns the log and is killed with SIGKILL
 *    each time its progress passes another 20% — twice with a transaction held open, once as it
 *    sends its offsets, once as it commits — and restarted. Afterwards the committed output must equal the input exactly
 *    (no record missing, none twice, nothing else), keep each input partition's order within every
 *    output partition, and the read_committed consumer that ran beside the copier must never have
 *    seen a record of an aborted or unfinished transaction. The history checker counts all of it.
 * 2. A plain workload: an acks-'all' producer and a consumer group of two members reading
 *    concurrently in one process; the history checker finds no anomaly.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { IsolationLevel } from '../../../core/client/log-access.js';
import { Eddy } from '../../../core/eddy.js';
import { spawnFixture } from '../../helpers/child-process.js';
import { checkHistory, describeCheck, type HistoryOp, type StoredRecord } from '../../helpers/history-checker.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';

const RECORDS = 100_000;
const INPUT_PARTITIONS = 2;
const OUTPUT_PARTITIONS = 3;
const KEYS = 997;
/** Where in the transaction that passes each 20% the copier is killed (see txn-copier.ts). */
const KILLS: ReadonlyArray<{ progress: number; point: 'open' | 'offsets' | 'commit' }> = [
  { progress: 0.2, point: 'open' },
  { progress: 0.4, point: 'offsets' },
  { progress: 0.6, point: 'open' },
  { progress: 0.8, point: 'commit' },
];

/** Every record of a partition a consumer at `isolationLevel` reads from the start to the end. */
async function readPartition(eddy: Eddy, topic: string, partition: number, isolationLevel: IsolationLevel): Promise<StoredRecord[]> {
  const consumer = eddy.consumer({ autoOffsetReset: 'earliest', isolationLevel });
  const tp = { topic, partition };
  consumer.assign([tp]);
  const log = eddy.partitionLog(topic, partition);
  const end = isolationLevel === 'read_committed' ? log.lastStableOffset() : log.logEndOffset();
  const out: StoredRecord[] = [];
  // A poll may return nothing yet move past aborted batches and markers: poll until the position is at the end.
  while (consumer.position(tp) < end) {
    for (const r of await consumer.poll({ maxRecords: 10_000, timeoutMs: 0 })) out.push({ offset: r.offset, value: r.value?.toString() ?? 'null' });
  }
  await consumer.close();
  return out;
}

function parseHistoryFile(file: string): HistoryOp[] {
  const ops: HistoryOp[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const f = line.split(' ');
    switch (f[0]) {
      case 'W':
        ops.push({ type: 'write', txn: f[1]!, partition: `out-${f[2]}`, offset: Number(f[3]), value: f[4]! });
        break;
      case 'C':
      case 'A':
        ops.push({ type: 'txn', txn: f[1]!, outcome: f[0] === 'C' ? 'committed' : 'aborted' });
        break;
      case 'R':
        ops.push({ type: 'read', consumer: f[1]!, partition: `out-${f[2]}`, offset: Number(f[3]), value: f[4]!, isolation: 'read_committed' });
        break;
      default:
        throw new Error(`unexpected history line ${JSON.stringify(line)}`);
    }
  }
  return ops;
}

test('transactional copy with kill -9 at every 20%: output = input exactly, in order, and nothing uncommitted is ever read', async (t) => {
  t.timeout(90_000);
  const dataDir = tempDir(t, 'eddy-eos-');
  const historyFile = path.join(tempDir(t, 'eddy-eos-history-'), 'history.log');
  const inTopic = uniqueTopic('eos-in');
  const outTopic = uniqueTopic('eos-out');
  const ops: HistoryOp[] = [];
  /** Output partition → the copies expected there, in input order per input partition. */
  const expected: Array<Set<string>> = Array.from({ length: OUTPUT_PARTITIONS }, () => new Set());

  // The input, produced before the copier starts; its acknowledgements are part of the history.
  {
    const eddy = await Eddy.open({ dataDir });
    await eddy.admin.createTopic(inTopic, { partitions: INPUT_PARTITIONS });
    await eddy.admin.createTopic(outTopic, { partitions: OUTPUT_PARTITIONS });
    const producer = eddy.producer<string, string>({ acks: 'all', batchSize: 64 * 1024 });
    const pending: Array<Promise<void>> = [];
    for (let n = 0; n < RECORDS; n += 2000) {
      const messages = Array.from({ length: 2000 }, (_, i) => {
        const partition = (n + i) % INPUT_PARTITIONS;
        const key = `k${(n + i) % KEYS}`;
        return { key, value: `in:${partition}:${Math.floor((n + i) / INPUT_PARTITIONS)}`, partition };
      });
      pending.push(producer.send({ topic: inTopic, messages }).then((acks) => {
        acks.forEach((meta, i) => {
          const m = messages[i]!;
          ops.push({ type: 'write', partition: `in-${meta.partition}`, offset: meta.offset, value: m.value });
          // The copier must produce exactly this, once: an expected write known by value only.
          const out = Number(m.key.slice(1)) % OUTPUT_PARTITIONS;
          const copy = `copy:${meta.partition}:${meta.offset}`;
          ops.push({ type: 'write', partition: `out-${out}`, value: copy });
          expected[out]!.add(copy);
        });
      }));
    }
    await Promise.all(pending);
    await producer.close();
    await eddy.close();
  }

  // The copier: killed at every 20% of progress, then run to the end.
  const runs: string[] = [];
  for (let run = 0; run <= KILLS.length; run++) {
    const kill = KILLS[run];
    const killAt = kill === undefined ? -1 : Math.floor(kill.progress * RECORDS);
    const child = spawnFixture('txn-copier.ts', [dataDir, inTopic, outTopic, historyFile, `run${run}`, String(killAt), kill?.point ?? 'open']);
    if (kill !== undefined) {
      await child.waitForLines((lines) => lines.some((l) => l.startsWith('kill-me')), `run ${run}: progress ${killAt}`);
      child.process.kill('SIGKILL');
      const { signal } = await child.exited;
      t.is(signal, 'SIGKILL', `run ${run}: ${child.stderr()}`);
    } else {
      const { code } = await child.exited;
      t.is(code, 0, `the last run ends by itself: ${child.stderr()}`);
      t.true(child.lines.includes(`done ${RECORDS}`), child.lines.slice(-3).join(' | '));
    }
    const progress = child.lines.filter((l) => l.startsWith('progress')).map((l) => Number(l.split(' ')[1]));
    runs.push(`run ${run}: ${progress[0] ?? '-'}…${progress[progress.length - 1] ?? '-'}${kill === undefined ? '' : `, killed (${kill.point}) at ${killAt}`}`);
  }

  // The final reads, at both isolation levels, and the group's committed offsets.
  const eddy = await Eddy.open({ dataDir });
  const finalCommitted = new Map<string, StoredRecord[]>();
  const finalUncommitted = new Map<string, StoredRecord[]>();
  try {
    for (let p = 0; p < INPUT_PARTITIONS; p++) finalCommitted.set(`in-${p}`, await readPartition(eddy, inTopic, p, 'read_committed'));
    for (let p = 0; p < OUTPUT_PARTITIONS; p++) {
      finalCommitted.set(`out-${p}`, await readPartition(eddy, outTopic, p, 'read_committed'));
      finalUncommitted.set(`out-${p}`, await readPartition(eddy, outTopic, p, 'read_uncommitted'));
    }
    const group = eddy.consumer({ groupId: 'copier', autoCommit: false });
    const committed = await group.committed(Array.from({ length: INPUT_PARTITIONS }, (_, partition) => ({ topic: inTopic, partition })));
    t.deepEqual(committed.map((c) => c.offset), Array.from({ length: INPUT_PARTITIONS }, (_, p) => eddy.partitionLog(inTopic, p).logEndOffset()), 'the group committed the whole input');
    await group.close();
  } finally {
    await eddy.close();
  }

  for (const op of parseHistoryFile(historyFile)) ops.push(op);
  const result = checkHistory({ ops, finalCommitted, finalUncommitted });
  t.deepEqual(result.counts, { lostWrites: 0, duplicates: 0, twoValuesAtOneOffset: 0, abortedReads: 0, nonMonotonicReads: 0 }, describeCheck(result));

  // Output = input exactly: each expected copy once (the checker's lost writes and duplicates), and nothing else.
  for (let p = 0; p < OUTPUT_PARTITIONS; p++) {
    const values = finalCommitted.get(`out-${p}`)!.map((r) => r.value);
    t.is(values.length, expected[p]!.size, `output partition ${p} holds as many records as were copied to it`);
    t.is(values.filter((v) => !expected[p]!.has(v)).length, 0, `output partition ${p} holds nothing but copies of input records`);
    // Within an output partition, each input partition's records are in input order.
    const last = new Array<number>(INPUT_PARTITIONS).fill(-1);
    let outOfOrder = 0;
    for (const v of values) {
      const [, ip, io] = v.split(':').map(Number) as [number, number, number];
      if (io <= last[ip]!) outOfOrder++;
      last[ip] = io;
    }
    t.is(outOfOrder, 0, `output partition ${p} keeps the input order`);
  }

  // The restarts really aborted something: records of transactions the killed copiers never
  // finished are in the log (read_uncommitted) but not committed. Plus the copier's own aborts.
  const committedAt = new Set([...finalCommitted].flatMap(([p, records]) => records.map((r) => `${p}@${r.offset}`)));
  const outcomes = new Set(ops.flatMap((op) => (op.type === 'txn' ? [op.txn] : [])));
  const abortedByRestart = ops.filter((op) => op.type === 'write' && op.txn !== undefined && !outcomes.has(op.txn) && !committedAt.has(`${op.partition}@${op.offset}`)).length;
  const abortedRecords = new Set([...finalUncommitted].flatMap(([p, records]) => records.filter((r) => !committedAt.has(`${p}@${r.offset}`)).map((r) => `${p}@${r.offset}`)));
  const uncommittedOnly = abortedRecords.size;
  t.true(abortedByRestart > 0, 'the kills left open transactions whose records were aborted');
  // The checker compared every beside-read with the final committed view; and directly: none is an aborted record.
  t.is(ops.filter((op) => op.type === 'read' && abortedRecords.has(`${op.partition}@${op.offset}`)).length, 0, 'the beside-reader never read an aborted record');
  t.true(result.stats.txnsAborted > 0);
  t.true(uncommittedOnly >= abortedByRestart);
  // The beside-reader of the last run read the whole committed output.
  const lastSession = `beside-run${KILLS.length}`;
  const lastSessionReads = ops.filter((op) => op.type === 'read' && op.consumer === lastSession).length;
  t.is(lastSessionReads, RECORDS, 'the last beside-reader read every committed output record');
  // Where the kills landed: the fate of each transaction a killed copier left without an outcome line.
  const unfinished = new Map<string, boolean>();
  for (const op of ops) {
    if (op.type === 'write' && op.txn !== undefined && !outcomes.has(op.txn)) unfinished.set(op.txn, committedAt.has(`${op.partition}@${op.offset}`));
  }
  t.log(runs.join('; '));
  t.log(`transactions cut by a kill: ${[...unfinished].map(([txn, committed]) => `${txn} ${committed ? 'committed' : 'aborted'}`).join(', ')}`);
  t.log(`checked ${JSON.stringify(result.stats)}; ${abortedByRestart} records aborted by restarts, ${uncommittedOnly} aborted in all`);
});

test('plain produce/consume with a consumer group: the history checker finds nothing', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t, 'eddy-plain-history-') });
  t.teardown(() => eddy.close());
  const topic = uniqueTopic('plain-history');
  const PARTITIONS = 4;
  const TOTAL = 20_000;
  await eddy.admin.createTopic(topic, { partitions: PARTITIONS });
  const ops: HistoryOp[] = [];

  const producer = eddy.producer<string, string>({ acks: 'all' });
  const assigned = new Set<string>();
  const producing = (async () => {
    for (let n = 0; n < TOTAL; n += 100) {
      // Halfway, wait until the second member has joined: the rest is read by a rebalanced group.
      if (n === TOTAL / 2) while (!assigned.has('member-b')) await new Promise<void>((resolve) => setImmediate(resolve));
      const sends: Array<Promise<void>> = [];
      // Several sends in flight, of 10 records each, spread over the partitions by key.
      for (let s = n; s < n + 100; s += 10) {
        const messages = Array.from({ length: 10 }, (_, i) => ({ key: `key-${(s + i) % 101}`, value: `v${s + i}` }));
        sends.push(producer.send({ topic, messages }).then((acks) => {
          acks.forEach((meta, i) => ops.push({ type: 'write', partition: `p${meta.partition}`, offset: meta.offset, value: messages[i]!.value }));
        }));
      }
      await Promise.all(sends);
    }
  })();

  const seen = new Set<string>();
  const members = ['member-a', 'member-b'].map((name) => {
    // Frequent heartbeats, so the first member hears of the second one's join soon.
    const consumer = eddy.consumer({ groupId: 'plain-history', autoOffsetReset: 'earliest', autoCommit: false, clientId: name, heartbeatIntervalMs: 20 });
    consumer.subscribe({
      topics: [topic],
      listener: {
        // A new assignment positions the partition at the committed offset: a seek in the history.
        onPartitionsAssigned: (tps) => {
          if (tps.length > 0) assigned.add(name);
          for (const tp of tps) ops.push({ type: 'seek', consumer: name, partition: `p${tp.partition}`, offset: consumer.position(tp) });
        },
        // Also runs inside close(), where commit() still works (as in Kafka).
        onPartitionsRevoked: () => consumer.commit(),
      },
    });
    return { name, consumer };
  });
  const consuming = members.map(async ({ name, consumer }, index) => {
    // The second member joins once the first has read something, so the group rebalances mid-stream.
    if (index === 1) while (seen.size === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    while (seen.size < TOTAL) {
      const records = await consumer.poll({ maxRecords: 300, timeoutMs: 50 });
      for (const r of records) {
        const value = r.value?.toString() ?? 'null';
        ops.push({ type: 'read', consumer: name, partition: `p${r.partition}`, offset: r.offset, value, isolation: 'read_committed' });
        seen.add(value);
      }
      if (records.length > 0) await consumer.commit();
    }
  });
  await producing;
  await Promise.all(consuming);
  for (const { consumer } of members) await consumer.close();
  await producer.close();

  const finalCommitted = new Map<string, StoredRecord[]>();
  for (let p = 0; p < PARTITIONS; p++) finalCommitted.set(`p${p}`, await readPartition(eddy, topic, p, 'read_committed'));
  const result = checkHistory({ ops, finalCommitted });
  t.deepEqual(result.counts, { lostWrites: 0, duplicates: 0, twoValuesAtOneOffset: 0, abortedReads: 0, nonMonotonicReads: 0 }, describeCheck(result));
  t.is(result.stats.writes, TOTAL);
  t.true(result.stats.reads >= TOTAL);
  t.true(ops.some((op) => op.type === 'read' && op.consumer === 'member-b'), 'both members read');
  t.log(`checked ${JSON.stringify(result.stats)}`);
});
