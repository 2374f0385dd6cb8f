/**
 * Compaction of logs holding transactions, with Kafka's rules: nothing at or past the last stable
 * offset is cleaned; batches of aborted transactions go and never count as a key's latest value;
 * a marker stays while data of its transaction is left, then gets a delete horizon and goes on the
 * first pass after it; a cleaned segment's aborted-transaction index keeps only the entries whose
 * transactions still have data, and a crash at any step of the swap leaves a consistent index.
 *
 * Two views of a log are compared throughout: read_committed (Kafka's reader rule over the log's
 * aborted-transaction index: skip the transactional batches of P with firstOffset <= baseOffset <
 * lastOffset) and read_uncommitted (every data record). Cleaning must keep the first's key → value
 * table (and, where no committed key is overwritten, its exact records), and may take from the second
 * only aborted and superseded records and markers.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Cleaner, type CleanResult } from '../../../core/log/cleaner/cleaner.js';
import { CleanerManager } from '../../../core/log/cleaner/cleaner-manager.js';
import type { PartitionLog } from '../../../core/log/partition-log.js';
import { OFFSETS_TOPIC, OffsetStore, type OffsetsTopicAccess } from '../../../core/group/offset-store.js';
import { decodeControlRecord } from '../../../core/record/control-record.js';
import { ATTR_DELETE_HORIZON, batchesIn, batchIsControl, batchIsTransactional, decodeRecords, encodeRecordBatch, verifyBatch } from '../../../core/record/record-batch.js';
import type { BatchHeader, LogRecord } from '../../../core/record/record.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { BACKOFF, copyDataDir, describe, type Entry, NOW, openManager, type Opened, partitionFiles, put, tableOf } from './cleaner-fixture.js';

const RETENTION = 60_000;
const COMPACT = { 'cleanup.policy': 'compact', 'segment.bytes': 1_000_000, 'delete.retention.ms': RETENTION, 'min.cleanable.dirty.ratio': 0.01 };

/** A transactional producer writing straight to one partition, ending its transactions as the coordinator does (bumped epoch). */
class TxnProducer {
  private epoch = 0;
  private sequence = 0;

  constructor(private readonly log: PartitionLog, readonly producerId: number) {}

  send(entries: Entry[], ts = NOW): number {
    const records = entries.map(([key, value]) => ({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp: ts }));
    const batch = encodeRecordBatch({ records, producerId: this.producerId, producerEpoch: this.epoch, baseSequence: this.sequence, isTransactional: true, now: ts });
    this.sequence += entries.length;
    return this.log.append(batch).baseOffset;
  }

  end(type: 'commit' | 'abort'): number {
    this.epoch++;
    this.sequence = 0;
    return this.log.appendControl(type, this.producerId, this.epoch, 0).baseOffset;
  }
}

interface Batch {
  header: BatchHeader;
  records: LogRecord[];
}

/** Every stored batch from the log start, verified and decoded. */
function batchesOf(log: PartitionLog): Batch[] {
  const out: Batch[] = [];
  let offset = log.logStartOffset();
  while (offset < log.logEndOffset()) {
    const { bytes, nextOffset } = log.read(offset, 1 << 20);
    if (bytes.length === 0) break;
    for (const { position, size } of batchesIn(bytes, 0)) {
      const header = verifyBatch(bytes, position, size);
      out.push({ header, records: decodeRecords(bytes.subarray(position, position + size), header) });
    }
    offset = nextOffset;
  }
  return out;
}

/** What a read_committed reader delivers, by Kafka's rule over the aborted-transaction index. */
function committedRecords(log: PartitionLog): LogRecord[] {
  const aborted = log.abortedTransactions(log.logStartOffset(), log.logEndOffset());
  const skipped = ({ header }: Batch): boolean =>
    batchIsTransactional(header.attributes) && aborted.some((a) => a.producerId === header.producerId && a.firstOffset <= header.baseOffset && header.baseOffset < a.lastOffset);
  return batchesOf(log)
    .filter((b) => !batchIsControl(b.header.attributes) && !skipped(b))
    .flatMap((b) => b.records);
}

/** What a read_uncommitted reader delivers: every data record. */
function uncommittedRecords(log: PartitionLog): LogRecord[] {
  return batchesOf(log)
    .filter((b) => !batchIsControl(b.header.attributes))
    .flatMap((b) => b.records);
}

/** The markers left, as `offset:type`, with `@+<ms after NOW>` once stamped with a delete horizon. */
function markers(log: PartitionLog): string[] {
  return batchesOf(log)
    .filter((b) => batchIsControl(b.header.attributes) && b.records.length > 0)
    .map(({ header, records }) => {
      const type = decodeControlRecord(records[0] as LogRecord).type;
      const horizon = (header.attributes & ATTR_DELETE_HORIZON) !== 0 ? `@+${header.baseTimestamp - NOW}` : '';
      return `${header.baseOffset}:${type}${horizon}`;
    });
}

async function compactedLog(t: ExecutionContext, name: string, config: Record<string, string | number> = {}): Promise<{ opened: Opened; topic: string; log: PartitionLog }> {
  const opened = await openManager(t, { config: { 'log.cleaner.enable': false } });
  const topic = uniqueTopic(name);
  opened.manager.createTopic(topic, { config: { ...COMPACT, ...config } });
  return { opened, topic, log: opened.manager.log(topic, 0) };
}

test('aborted transactional records go and committed ones stay; the read_committed view keeps its records, read_uncommitted loses only aborted data', async (t) => {
  const { opened, topic, log } = await compactedLog(t, 'cl-txn-abort');
  const p1 = new TxnProducer(log, 1);
  const p2 = new TxnProducer(log, 2);
  p1.send([['a', 'a1'], ['b', 'b1']]); // 0-1
  p2.send([['a', 'A-aborted'], ['c', 'C-aborted']]); // 2-3: a later value of `a`, but aborted
  put(log, [['d', 'd1']], NOW); // 4
  p1.send([['e', 'e1']]); // 5
  p1.end('commit'); // 6
  p2.send([['f', 'F-aborted']]); // 7
  p2.end('abort'); // 8
  log.rollNow();
  p1.send([['g', 'g1']]); // 9, in the active segment
  p1.end('commit'); // 10
  const committed = describe(committedRecords(log));
  const uncommitted = describe(uncommittedRecords(log));
  t.deepEqual(committed, ['0:a=a1', '1:b=b1', '4:d=d1', '5:e=e1', '9:g=g1']);
  t.deepEqual(log.abortedTransactions(0, 11), [{ producerId: 2, firstOffset: 2, lastOffset: 8 }]);

  const [summary] = await opened.manager.compactTopic(topic);
  t.deepEqual(describe(committedRecords(log)), committed, 'read_committed: the same records');
  t.deepEqual(describe(uncommittedRecords(log)), uncommitted.filter((r) => !/aborted/.test(r)), 'read_uncommitted: only the aborted records are gone');
  t.is(summary?.recordsRemoved, 3);
  // The abort marker's transaction has no data left: stamped now, removed after delete.retention.ms.
  // The commit marker's transaction keeps data, so it stays as it is; the active segment is untouched.
  t.deepEqual(markers(log), ['6:commit', `8:abort@+${RETENTION}`, '10:commit']);
  t.deepEqual(log.abortedTransactions(0, 11), [], 'no index entry for a transaction without data');
  t.false(partitionFiles(opened.dataDir, topic).some((f) => f.endsWith('.txnindex')), 'the cleaned segment has no aborted-transaction index');
  t.is(log.lastStableOffset(), log.logEndOffset());
});

test('the latest committed value of a key wins over later aborted ones, across passes; an aborted tombstone deletes nothing', async (t) => {
  const { opened, topic, log } = await compactedLog(t, 'cl-txn-latest');
  const p1 = new TxnProducer(log, 1);
  const p2 = new TxnProducer(log, 2);
  const p3 = new TxnProducer(log, 3);
  put(log, [['k3', 'x1']], NOW); // 0
  p1.send([['k', 'v1']]); // 1
  p1.end('commit'); // 2
  put(log, [['j', 'w1']], NOW); // 3
  p2.send([['k', 'v2']]); // 4
  p2.end('commit'); // 5
  p3.send([['k', 'v3'], ['j', 'w2'], ['k3', null]]); // 6-8
  p3.end('abort'); // 9
  log.rollNow();
  const table = tableOf(committedRecords(log));
  t.deepEqual(Object.fromEntries(table), { j: 'w1', k: 'v2', k3: 'x1' });

  await opened.manager.compactTopic(topic);
  t.deepEqual(tableOf(committedRecords(log)), table);
  t.deepEqual(describe(uncommittedRecords(log)), ['0:k3=x1', '3:j=w1', '4:k=v2'], 'one record per key, none aborted');
  // p1's only record was superseded by v2: its marker goes the way of the abort marker.
  t.deepEqual(markers(log), [`2:commit@+${RETENTION}`, '5:commit', `9:abort@+${RETENTION}`]);

  // A second pass: the clean section's v2 against a dirty section holding only an aborted value.
  p3.send([['k', 'v4']]); // 10
  p3.end('abort'); // 11
  log.rollNow();
  await opened.manager.compactTopic(topic);
  t.deepEqual(describe(uncommittedRecords(log)), ['0:k3=x1', '3:j=w1', '4:k=v2']);
  // And a committed value after it does win.
  p1.send([['k', 'v5']]); // 12
  p1.end('commit'); // 13
  log.rollNow();
  await opened.manager.compactTopic(topic);
  t.deepEqual(describe(uncommittedRecords(log)), ['0:k3=x1', '3:j=w1', '12:k=v5']);
  t.deepEqual(Object.fromEntries(tableOf(committedRecords(log))), { j: 'w1', k: 'v5', k3: 'x1' });
  t.deepEqual(markers(log), [`2:commit@+${RETENTION}`, `5:commit@+${RETENTION}`, `9:abort@+${RETENTION}`, `11:abort@+${RETENTION}`, '13:commit']);
  t.deepEqual(log.abortedTransactions(0, log.logEndOffset()), []);
});

test('nothing at or past the last stable offset is cleaned while a transaction is open; all of it once it ends', async (t) => {
  const { opened, topic, log } = await compactedLog(t, 'cl-txn-lso');
  const open = new TxnProducer(log, 1);
  const aborted = new TxnProducer(log, 2);
  put(log, [['k', 's0a']], NOW); // 0
  put(log, [['k', 's0b']], NOW); // 1
  log.rollNow();
  put(log, [['k', 's1a']], NOW); // 2
  const lso = open.send([['m', 'open']]); // 3: the LSO from here on
  put(log, [['k', 's1b']], NOW); // 4
  log.rollNow();
  aborted.send([['z', 'Z-aborted']]); // 5: ended, but past the LSO
  aborted.end('abort'); // 6
  put(log, [['k', 's2']], NOW); // 7
  log.rollNow();
  put(log, [['k', 'active']], NOW); // 8
  t.is(log.lastStableOffset(), lso);
  const segmentOfLso = 2;
  const pastLso = (): string[] => describe(uncommittedRecords(log).filter((r) => r.offset >= segmentOfLso));
  const before = pastLso();

  const range = new CleanerManager(opened.dataDir, NOW).logToClean(log, NOW);
  t.like(range, { firstDirtyOffset: 0, firstUncleanableOffset: segmentOfLso }, 'cleaning stops at the start of the segment holding the LSO');
  await opened.manager.compactTopic(topic);
  t.deepEqual(describe(uncommittedRecords(log).filter((r) => r.offset < segmentOfLso)), ['1:k=s0b'], 'before the LSO: cleaned');
  t.deepEqual(pastLso(), before, 'from the segment holding the LSO on: untouched, the aborted record included');
  t.deepEqual(markers(log), ['6:abort']);
  t.is(opened.manager.describeTopic(topic).partitions[0]?.dirtyRatio, 0, 'nothing cleanable is left while the transaction is open');

  open.end('commit'); // 9
  t.is(log.lastStableOffset(), log.logEndOffset());
  await opened.manager.compactTopic(topic);
  t.deepEqual(describe(uncommittedRecords(log)), ['3:m=open', '7:k=s2', '8:k=active']);
  t.deepEqual(markers(log), [`6:abort@+${RETENTION}`, '9:commit']);
});

test('the background cleaner does not keep cleaning a log whose dirty part lies past an open transaction', async (t) => {
  const { manager, clock } = await openManager(t);
  const topic = uniqueTopic('cl-txn-bg');
  manager.createTopic(topic, { config: COMPACT });
  const log = manager.log(topic, 0);
  put(log, [['k', 'a']], NOW);
  log.rollNow();
  new TxnProducer(log, 1).send([['m', 'open']]);
  for (let i = 0; i < 5; i++) put(log, [['k', `v${i}`]], NOW);
  log.rollNow();
  put(log, [['k', 'active']], NOW);
  clock.advance(BACKOFF);
  await waitFor(() => manager.cleanerStats().passesCompleted === 1 && !manager.cleanerStats().running && manager.cleanerStats().nextCheckAt !== null, 'the first pass');
  for (let i = 0; i < 3; i++) {
    clock.advance(BACKOFF);
    await waitFor(() => manager.cleanerStats().checks === i + 2 && !manager.cleanerStats().running && manager.cleanerStats().nextCheckAt !== null, `check ${i + 2}`);
  }
  t.is(manager.cleanerStats().passesCompleted, 1, 'the segments past the LSO do not qualify the log again');
  t.is(describe(uncommittedRecords(log)).length, 8, 'and nothing past the LSO was cleaned');
});

test('markers are stamped with a delete horizon once their transaction has no data, and removed on a pass after it', async (t) => {
  const { opened, topic, log } = await compactedLog(t, 'cl-txn-markers');
  const { clock, manager } = opened;
  const p1 = new TxnProducer(log, 1);
  const p2 = new TxnProducer(log, 2);
  const p3 = new TxnProducer(log, 3);
  p1.send([['k', 'a1']]); // 0
  p1.end('commit'); // 1: its data is superseded below
  p2.send([['k', 'b1']]); // 2
  p2.end('abort'); // 3
  p3.send([['j', 'c1']]); // 4
  p3.end('commit'); // 5: its data stays
  put(log, [['k', 'a2']], NOW); // 6
  log.rollNow();

  await manager.compactTopic(topic);
  t.deepEqual(markers(log), [`1:commit@+${RETENTION}`, `3:abort@+${RETENTION}`, '5:commit']);
  clock.advance(RETENTION - 1);
  await manager.compactTopic(topic);
  t.deepEqual(markers(log), [`1:commit@+${RETENTION}`, `3:abort@+${RETENTION}`, '5:commit'], 'kept until the horizon');
  clock.advance(1);
  await manager.compactTopic(topic);
  t.deepEqual(markers(log), ['5:commit'], 'gone once the horizon has passed');
  t.deepEqual(describe(uncommittedRecords(log)), ['4:j=c1', '6:k=a2']);

  // Once p3's record is superseded, its marker follows the same path.
  put(log, [['j', 'c2']], clock.now()); // 7
  log.rollNow();
  await manager.compactTopic(topic);
  t.deepEqual(markers(log), [`5:commit@+${2 * RETENTION}`]);
  clock.advance(RETENTION);
  await manager.compactTopic(topic);
  t.deepEqual(markers(log), []);
  t.deepEqual(describe(uncommittedRecords(log)), ['6:k=a2', '7:j=c2']);
  t.deepEqual(describe(committedRecords(log)), describe(uncommittedRecords(log)));

  // Replayed from the log start (no producer snapshot), the cleaned log holds no open transaction:
  // the empty batches kept at group ends are not transactional, and no marker went before its data.
  await manager.close();
  const dir = path.join(opened.dataDir, `${topic}-0`);
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.snapshot'))) fs.rmSync(path.join(dir, file));
  const reopened = await openManager(t, { dataDir: opened.dataDir, clock, config: { 'log.cleaner.enable': false } });
  const again = reopened.manager.log(topic, 0);
  t.deepEqual(again.ongoingTransactions(), []);
  t.is(again.lastStableOffset(), again.logEndOffset());
  t.deepEqual(describe(uncommittedRecords(again)), ['6:k=a2', '7:j=c2']);
});

test('the empty batch that keeps a group\'s offset span is not transactional: replayed without snapshots, the log has no open transaction', async (t) => {
  // Small segments, so that the transaction's only batch ends a group of its own.
  const { opened, topic, log } = await compactedLog(t, 'cl-txn-filler', { 'segment.bytes': 200 });
  const { clock, manager } = opened;
  const p = new TxnProducer(log, 1);
  p.send([['k', 'a1']]); // 0
  log.rollNow();
  p.end('commit'); // 1
  put(log, [['k', 'a2']], NOW); // 2
  log.rollNow();
  await manager.compactTopic(topic);
  const batches = batchesOf(log);
  t.like(batches[0]?.header, { baseOffset: 0, recordCount: 0, producerId: 1 }, 'an empty batch keeps offset 0');
  t.false(batchIsTransactional(batches[0]?.header.attributes ?? 0xff));
  clock.advance(RETENTION);
  await manager.compactTopic(topic);
  t.deepEqual(markers(log), []);

  await manager.close();
  const dir = path.join(opened.dataDir, `${topic}-0`);
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.snapshot'))) fs.rmSync(path.join(dir, file));
  const reopened = await openManager(t, { dataDir: opened.dataDir, clock, config: { 'log.cleaner.enable': false } });
  const again = reopened.manager.log(topic, 0);
  t.deepEqual(again.ongoingTransactions(), []);
  t.is(again.lastStableOffset(), again.logEndOffset());
});

test('the background cleaner removes markers when their delete horizon passes, with nothing dirty', async (t) => {
  const { manager, clock } = await openManager(t);
  const topic = uniqueTopic('cl-txn-due');
  manager.createTopic(topic, { config: COMPACT });
  const log = manager.log(topic, 0);
  const p = new TxnProducer(log, 1);
  p.send([['k', 'gone']]);
  p.end('abort');
  put(log, [['j', 'kept']], NOW);
  log.rollNow();
  clock.advance(BACKOFF);
  await waitFor(() => manager.cleanerStats().passesCompleted === 1 && markers(log).length === 1 && manager.cleanerStats().nextCheckAt !== null, 'the first pass');
  t.deepEqual(markers(log), [`1:abort@+${BACKOFF + RETENTION}`]);
  clock.advance(RETENTION);
  await waitFor(() => manager.cleanerStats().passesCompleted === 2 && !manager.cleanerStats().running, 'a pass at the horizon');
  t.deepEqual(markers(log), []);
  t.deepEqual(describe(uncommittedRecords(log)), ['2:j=kept']);
});

test('__consumer_offsets with transactional offset commits: the offsets loaded are the same before and after cleaning', async (t) => {
  const { manager, clock } = await openManager(t, { config: { 'log.cleaner.enable': false } });
  manager.createTopic(OFFSETS_TOPIC, { partitions: 1, config: COMPACT, internal: true });
  const log = manager.log(OFFSETS_TOPIC, 0);
  const access: OffsetsTopicAccess = { clock, offsetsPartitionCount: () => 1, createOffsetsTopic: () => undefined, partitionLog: (topic, partition) => manager.log(topic, partition) };
  const store = new OffsetStore(access, 1);
  const offset = (value: number) => ({ offset: value, metadata: '', commitTimestamp: NOW });
  await store.write('g', [{ topic: 'in', partition: 0, value: offset(5) }]);
  await store.writeTransactional('g', 10, 0, [{ topic: 'in', partition: 0, value: offset(7) }, { topic: 'in', partition: 1, value: offset(3) }]);
  log.appendControl('commit', 10, 1, 0);
  await store.writeTransactional('g', 11, 0, [{ topic: 'in', partition: 0, value: offset(99) }, { topic: 'in', partition: 2, value: offset(42) }]);
  log.appendControl('abort', 11, 1, 0);
  await store.writeTransactional('g', 10, 1, [{ topic: 'in', partition: 1, value: offset(4) }]);
  log.appendControl('commit', 10, 2, 0);
  log.rollNow();
  await store.writeTransactional('g', 12, 0, [{ topic: 'in', partition: 2, value: offset(100) }]); // still open
  await store.write('g', [{ topic: 'other', partition: 0, value: offset(1) }]);
  log.rollNow();
  const summarize = () => {
    const { committed, pending } = store.load();
    return {
      committed: [...(committed.get('g') ?? new Map()).values()].map((e) => `${e.topic}-${e.partition}=${e.value.offset}`).sort(),
      pending: pending.map((p) => `${p.producerId}:${[...(p.groups.get('g') ?? new Map()).values()].map((e) => `${e.topic}-${e.partition}=${e.value?.offset}`).join(',')}`),
    };
  };
  const before = summarize();
  t.deepEqual(before, { committed: ['in-0=7', 'in-1=4', 'other-0=1'], pending: ['12:in-2=100'] });

  await manager.compactTopic(OFFSETS_TOPIC);
  t.deepEqual(summarize(), before);
  t.deepEqual(uncommittedRecords(log).length, 4, 'the aborted and superseded offsets went; the open transaction\'s segment is untouched');
  manager.log(OFFSETS_TOPIC, 0).appendControl('commit', 12, 1, 0);
  log.rollNow();
  clock.advance(RETENTION);
  await manager.compactTopic(OFFSETS_TOPIC);
  clock.advance(RETENTION);
  await manager.compactTopic(OFFSETS_TOPIC);
  t.deepEqual(summarize(), { committed: ['in-0=7', 'in-1=4', 'in-2=100', 'other-0=1'], pending: [] });
  t.is(markers(log).filter((m) => m.includes('abort')).length, 0, 'the abort marker is gone');
});

// ---- crash safety of a swap with an aborted-transaction index ---------------------------------

const CRASH_TOPIC = 'crash-txn';

interface CrashScenario {
  name: string;
  /** Offset map budget: small enough to stop the map before the second transaction, or not. */
  dedupeBufferBytes: number;
  /** Aborted-transaction entries the cleaned segment keeps (as producer ids). */
  keptEntries: number[];
}

const CRASH_SCENARIOS: CrashScenario[] = [
  { name: 'the cleaned segment keeps an entry', dedupeBufferBytes: 300, keptEntries: [3] },
  { name: 'the cleaned segment has none left', dedupeBufferBytes: 1 << 20, keptEntries: [] },
];

/**
 * Two closed segments, each with an aborted transaction (so each has a `.txnindex`), cleaned as one
 * group. With the small map, the pass stops before the second transaction: its batches and marker
 * are copied, so the cleaned segment's index must keep its entry.
 */
async function buildCrashLog(t: ExecutionContext, dataDir = tempDir(t, 'eddy-crash-txn-')): Promise<Opened> {
  const opened = await openManager(t, { dataDir, config: { 'log.cleaner.enable': false } });
  opened.manager.createTopic(CRASH_TOPIC, { config: COMPACT });
  const log = opened.manager.log(CRASH_TOPIC, 0);
  const p1 = new TxnProducer(log, 1);
  const p2 = new TxnProducer(log, 2);
  const p3 = new TxnProducer(log, 3);
  p1.send([['a', 'A1-aborted'], ['b', 'B1-aborted']]); // 0-1
  put(log, [['a', 'a2']], NOW); // 2
  p1.end('abort'); // 3
  p2.send([['c', 'c1']]); // 4
  p2.end('commit'); // 5
  put(log, [['a', 'a3']], NOW); // 6
  put(log, [['b', 'b2']], NOW); // 7
  log.rollNow();
  put(log, [['a', 'a5']], NOW); // 8: a key the map holds already
  put(log, [['y0', 'y'], ['y1', 'y'], ['y2', 'y'], ['y3', 'y']], NOW); // 9-12: the small map stops here
  p3.send([['z', 'Z-aborted']]); // 13
  put(log, [['a', 'a4']], NOW); // 14
  p3.end('abort'); // 15
  log.rollNow();
  put(log, [['q', 'q']], NOW); // 16
  return opened;
}

async function crashPass(opened: Opened, scenario: CrashScenario, crashAt?: (step: string) => void): Promise<CleanResult> {
  const log = opened.manager.log(CRASH_TOPIC, 0);
  const range = new CleanerManager(opened.dataDir, NOW).logToClean(log, NOW);
  return new Cleaner({ dedupeBufferBytes: scenario.dedupeBufferBytes, crashAt }).clean(log, range, NOW);
}

/** What must agree with one state or the other: records, markers and index entries. */
function stateOf(log: PartitionLog): { records: string[]; markers: string[]; aborted: string } {
  return { records: describe(uncommittedRecords(log)), markers: markers(log), aborted: JSON.stringify(log.abortedTransactions(0, log.logEndOffset())) };
}

class SimulatedCrash extends Error {}

for (const scenario of CRASH_SCENARIOS) {
  test(`a crash at any step of a swap keeps the aborted-transaction index consistent with the segment (${scenario.name})`, async (t) => {
    const reference = await buildCrashLog(t);
    const refLog = reference.manager.log(CRASH_TOPIC, 0);
    const committedTable = tableOf(committedRecords(refLog));
    const oldState = stateOf(refLog);
    t.true(partitionFiles(reference.dataDir, CRASH_TOPIC).includes(`${'0'.padStart(20, '0')}.txnindex`));
    const steps: string[] = [];
    const result = await crashPass(reference, scenario, (step) => steps.push(step));
    t.false(result.aborted);
    t.is(result.groups.length, 1);
    const newState = stateOf(refLog);
    t.deepEqual(tableOf(committedRecords(refLog)), committedTable);
    t.deepEqual(refLog.abortedTransactions(0, refLog.logEndOffset()).map((a) => a.producerId), scenario.keptEntries);
    t.is(partitionFiles(reference.dataDir, CRASH_TOPIC).includes(`${'0'.padStart(20, '0')}.txnindex`), scenario.keptEntries.length > 0, 'an empty index leaves no file');
    t.true(steps.includes('swap:txnindex-renamed'));
    await reference.manager.compactTopic(CRASH_TOPIC);
    const fullyCleaned = stateOf(refLog);

    // Besides every hook: a crash inside the first old segment's renames to `*.deleted`, after its
    // `.log` and before its `.txnindex` (which would then sit beside the new `.log`).
    const partial = 'swap:committed+first-old-log-deleted';
    for (const step of [...steps, partial]) {
      const live = await buildCrashLog(t);
      const crashDir = tempDir(t, 'eddy-crashed-txn-');
      const err = await t.throwsAsync(
        crashPass(live, scenario, (s) => {
          if (s === step || (step === partial && s === 'swap:committed')) {
            copyDataDir(live.dataDir, crashDir);
            if (step === partial) {
              const first = path.join(crashDir, `${CRASH_TOPIC}-0`, `${'0'.padStart(20, '0')}.log`);
              fs.renameSync(first, `${first}.deleted`);
            }
            throw new SimulatedCrash(step);
          }
        }),
        undefined,
        step,
      );
      t.true(err instanceof SimulatedCrash || (err as Error).cause instanceof SimulatedCrash, `${step}: ${String(err)}`);
      await live.manager.close();

      const reopened = await openManager(t, { dataDir: crashDir, config: { 'log.cleaner.enable': false } });
      const log = reopened.manager.log(CRASH_TOPIC, 0);
      t.deepEqual(partitionFiles(crashDir, CRASH_TOPIC).filter((f) => /\.(cleaned|swap|deleted|tmp)$/.test(f)), [], `${step}: leftover files`);
      const state = stateOf(log);
      t.true(JSON.stringify(state) === JSON.stringify(oldState) || JSON.stringify(state) === JSON.stringify(newState), `${step}: neither old nor new: ${JSON.stringify(state)}`);
      t.deepEqual(tableOf(committedRecords(log)), committedTable, `${step}: read_committed table`);
      await reopened.manager.compactTopic(CRASH_TOPIC);
      t.deepEqual(stateOf(log), fullyCleaned, `${step}: cleaning again gives the uncrashed result`);
      await reopened.manager.close();
    }
    t.log(`${steps.length} crash points: ${steps.join(', ')}`);
  });
}
