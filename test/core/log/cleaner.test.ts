/**
 * The log cleaner's rules, one per test, on the injected clock: latest value per key in closed
 * segments only, keyless records refused, min/max compaction lag, the dirty-ratio threshold and the
 * backoff schedule, merging of small segments, tombstone timing, compact,delete, multi-pass cleaning
 * with a small offset map, reads and appends during cleaning, and the cleaner-offset-checkpoint.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { isEddyError } from '../../../core/errors.js';
import { readOffsetCheckpoint } from '../../../core/log/offset-checkpoint.js';
import type { LogManager } from '../../../core/log/log-manager.js';
import type { PartitionLog } from '../../../core/log/partition-log.js';
import { encodeRecordBatch } from '../../../core/record/record-batch.js';
import { nextTurn, waitFor } from '../../helpers/wait-for.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import { BACKOFF, describe, type Entry, NOW, openManager, partitionFiles, put, readAllRecords, tableOf } from './cleaner-fixture.js';

const COMPACT = { 'cleanup.policy': 'compact', 'segment.bytes': 400, 'min.cleanable.dirty.ratio': 0.01 };

/** Waits until no pass runs and the next backoff check is armed, so advancing the clock fires it. */
async function settle(manager: LogManager): Promise<void> {
  await waitFor(() => !manager.cleanerStats().running && manager.cleanerStats().nextCheckAt !== null, 'the cleaner to settle');
}

/** Appends `rounds` single-record batches cycling over `keys` keys: value `v<i>`. */
function fill(log: PartitionLog, keys: number, rounds: number, ts = NOW): void {
  for (let i = 0; i < rounds; i++) put(log, [[`k${i % keys}`, `v${i}`]], ts);
}

test('compaction keeps the latest record per key of the closed segments, at its own offset; the active segment is untouched', async (t) => {
  const { manager } = await openManager(t, { config: { 'log.cleaner.enable': false } });
  const topic = uniqueTopic('cl-basic');
  manager.createTopic(topic, { config: COMPACT });
  const log = manager.log(topic, 0);
  fill(log, 5, 60);
  const before = readAllRecords(log);
  const activeBase = log.segmentBaseOffsets().at(-1) as number;
  t.true(log.segmentCount() > 3);

  const [summary] = await manager.compactTopic(topic);
  const after = readAllRecords(log);
  t.deepEqual(tableOf(after), tableOf(before));
  // Below the active segment only each key's latest record of that part survives (as in Kafka, the
  // active segment is not read into the offset map).
  const lastOffsetPerKey = new Map(before.filter((r) => r.offset < activeBase).map((r) => [r.key?.toString(), r.offset]));
  const expected = before.filter((r) => r.offset >= activeBase || lastOffsetPerKey.get(r.key?.toString()) === r.offset);
  t.deepEqual(describe(after), describe(expected));
  t.is(summary?.passes, 1);
  t.true((summary?.bytesAfter ?? Infinity) < (summary?.bytesBefore ?? 0));
  t.is(summary?.dirtyRatio, 0);
  t.is(log.logEndOffset(), 60, 'offsets never change');
  t.is(log.logStartOffset(), 0);
  t.deepEqual(describe(readAllRecords(log, 1)), describe(expected.filter((r) => r.offset >= 1)), 'reading from a removed offset starts at the next surviving one');
});

test('a compacted topic refuses a record without a key (ERR_RECORD_INVALID), compressed or not; a delete topic takes it', async (t) => {
  const { manager } = await openManager(t);
  const topic = uniqueTopic('cl-keyless');
  manager.createTopic(topic, { config: { 'cleanup.policy': 'compact,delete' } });
  const log = manager.log(topic, 0);
  for (const compression of ['none', 'gzip'] as const) {
    const batch = encodeRecordBatch({ records: [{ key: Buffer.from('a'), value: Buffer.from('1') }, { key: null, value: Buffer.from('2') }], compression });
    const err = t.throws(() => log.append(batch));
    t.true(isEddyError(err, 'ERR_RECORD_INVALID'), String(err));
    t.regex(String(err?.message), /Record 1 .*no key.*compact/);
  }
  t.is(log.logEndOffset(), 0, 'nothing of the refused batches was written');
  const plain = uniqueTopic('cl-keyless-delete');
  manager.createTopic(plain);
  t.is(manager.log(plain, 0).append(encodeRecordBatch({ records: [{ key: null, value: Buffer.from('x') }] })).baseOffset, 0);
});

test('min.compaction.lag.ms: segments holding records younger than the lag stay as they are until they age', async (t) => {
  const { manager, clock } = await openManager(t, { config: { 'log.cleaner.enable': false } });
  const topic = uniqueTopic('cl-minlag');
  manager.createTopic(topic, { config: { ...COMPACT, 'min.compaction.lag.ms': 60_000 } });
  const log = manager.log(topic, 0);
  fill(log, 3, 30, NOW - 120_000);
  log.rollNow();
  const oldEnd = log.logEndOffset();
  fill(log, 3, 30, NOW - 1_000);
  log.rollNow();
  const young = readAllRecords(log).filter((r) => r.offset >= oldEnd);

  await manager.compactTopic(topic);
  let after = readAllRecords(log);
  t.deepEqual(describe(after.filter((r) => r.offset >= oldEnd)), describe(young), 'young records untouched');
  t.is(after.filter((r) => r.offset < oldEnd).length, 3, 'the old part was cleaned to one record per key');

  clock.advance(60_000);
  await manager.compactTopic(topic);
  after = readAllRecords(log);
  t.deepEqual(describe(after), describe(young.slice(-3)), 'once old enough, everything is cleaned');
});

test('the background cleaner checks every log.cleaner.backoff.ms and cleans only logs above min.cleanable.dirty.ratio', async (t) => {
  const { manager, clock } = await openManager(t);
  const topic = uniqueTopic('cl-ratio');
  manager.createTopic(topic, { config: COMPACT });
  const log = manager.log(topic, 0);
  fill(log, 40, 40);
  log.rollNow();
  t.is(manager.describeTopic(topic).partitions[0]?.dirtyRatio, 1, 'never cleaned: everything closed is dirty');

  clock.advance(BACKOFF - 1);
  t.is(manager.cleanerStats().checks, 0);
  clock.advance(1);
  t.is(manager.cleanerStats().checks, 1);
  await waitFor(() => manager.cleanerStats().passesCompleted === 1, 'first pass');
  await settle(manager);
  t.is(manager.describeTopic(topic).partitions[0]?.dirtyRatio, 0);

  // Overwrite a quarter of the keys: dirty ratio well below 0.5.
  manager.alterTopicConfig(topic, { 'min.cleanable.dirty.ratio': 0.5 });
  for (let i = 0; i < 10; i++) put(log, [[`k${i}`, `new${i}`]], NOW);
  log.rollNow();
  const ratio = manager.describeTopic(topic).partitions[0]?.dirtyRatio ?? -1;
  t.true(ratio > 0.05 && ratio < 0.5, `ratio ${ratio}`);
  const before = describe(readAllRecords(log));
  clock.advance(BACKOFF);
  await waitFor(() => manager.cleanerStats().checks === 2, 'second check');
  await settle(manager);
  t.is(manager.cleanerStats().passesCompleted, 1, 'below the ratio: not cleaned');
  t.deepEqual(describe(readAllRecords(log)), before);

  manager.alterTopicConfig(topic, { 'min.cleanable.dirty.ratio': 0.05 });
  clock.advance(BACKOFF);
  await waitFor(() => manager.cleanerStats().passesCompleted === 2, 'pass above the ratio');
  await settle(manager);
  const table = tableOf(readAllRecords(log));
  t.is(table.size, 40);
  t.is(table.get('k3'), 'new3');
  t.is(readAllRecords(log).length, 40);
});

test('max.compaction.lag.ms: a log below its dirty ratio is cleaned once its oldest dirty record is older than the lag', async (t) => {
  const { manager, clock } = await openManager(t);
  const topic = uniqueTopic('cl-maxlag');
  manager.createTopic(topic, { config: { ...COMPACT, 'min.cleanable.dirty.ratio': 0.99, 'max.compaction.lag.ms': 10_000 } });
  const log = manager.log(topic, 0);
  fill(log, 40, 40, NOW);
  log.rollNow();
  // Never cleaned, ratio 1 > 0.99: the first pass happens anyway; then make it cleaned and dirty below the ratio.
  clock.advance(BACKOFF);
  await waitFor(() => manager.cleanerStats().passesCompleted === 1, 'first pass');
  await settle(manager);
  for (let i = 0; i < 10; i++) put(log, [[`k${i}`, `new${i}`]], clock.now());
  log.rollNow();
  clock.advance(BACKOFF);
  await waitFor(() => manager.cleanerStats().checks === 2, 'second check');
  await settle(manager);
  t.is(manager.cleanerStats().passesCompleted, 1, 'dirty records younger than max.compaction.lag.ms wait for the ratio');

  clock.advance(10_000 - BACKOFF);
  await settle(manager);
  t.is(manager.cleanerStats().passesCompleted, 1, 'not yet older than the lag');
  clock.advance(BACKOFF); // now the oldest dirty record is older than max.compaction.lag.ms
  await waitFor(() => manager.cleanerStats().passesCompleted === 2, 'pass forced by the lag');
  await settle(manager);
  t.is(readAllRecords(log).length, 40);
  t.is(tableOf(readAllRecords(log)).get('k9'), 'new9');
});

test('a compacted log rolls its active segment at max.compaction.lag.ms, so the cleaner can reach its records', async (t) => {
  const { manager, clock } = await openManager(t, { config: { 'log.cleaner.enable': false } });
  const topic = uniqueTopic('cl-maxlag-roll');
  manager.createTopic(topic, { config: { 'cleanup.policy': 'compact', 'max.compaction.lag.ms': 5_000 } });
  const log = manager.log(topic, 0);
  put(log, [['a', '1']], clock.now());
  clock.advance(5_001);
  put(log, [['a', '2']], clock.now());
  t.is(log.segmentCount(), 2);
});

test('small cleaned segments are merged into groups of up to segment.bytes', async (t) => {
  const { manager } = await openManager(t, { config: { 'log.cleaner.enable': false } });
  const topic = uniqueTopic('cl-merge');
  manager.createTopic(topic, { config: { ...COMPACT, 'segment.bytes': 1000 } });
  const log = manager.log(topic, 0);
  fill(log, 4, 200);
  log.rollNow();
  const segmentsBefore = log.segmentCount();
  t.true(segmentsBefore > 10);
  // Groups are sized by their input, as in Kafka: the first pass shrinks each segment (each keeps its
  // last batch, empty if need be, to keep its offset span); later passes merge the small ones.
  await manager.compactTopic(topic);
  t.is(log.segmentCount(), segmentsBefore);
  await manager.compactTopic(topic);
  t.true(log.segmentCount() < segmentsBefore / 4, `segments ${log.segmentBaseOffsets().join(',')}`);
  await manager.compactTopic(topic);
  t.is(log.segmentCount(), 2, `segments ${log.segmentBaseOffsets().join(',')}`);
  t.deepEqual(log.segmentBaseOffsets()[0], 0);
  t.deepEqual(describe(readAllRecords(log)), ['196:k0=v196', '197:k1=v197', '198:k2=v198', '199:k3=v199']);
  const files = partitionFiles(manager.options.dataDir, topic).filter((f) => f.endsWith('.log'));
  t.deepEqual(files, log.segmentBaseOffsets().map((b) => `${String(b).padStart(20, '0')}.log`));

  // Groups never exceed segment.bytes: with many distinct keys the cleaned log needs several segments.
  const wide = uniqueTopic('cl-merge-wide');
  manager.createTopic(wide, { config: { ...COMPACT, 'segment.bytes': 1000 } });
  const wideLog = manager.log(wide, 0);
  fill(wideLog, 100, 300);
  wideLog.rollNow();
  await manager.compactTopic(wide);
  await manager.compactTopic(wide);
  for (const segment of wideLog.segmentsView().slice(0, -1)) t.true(segment.size <= 1000, `segment ${segment.baseOffset} has ${segment.size} bytes`);
  t.is(tableOf(readAllRecords(wideLog)).size, 100);
});

test('tombstones stay delete.retention.ms after the pass that first cleaned them, then the background cleaner removes them', async (t) => {
  const { manager, clock } = await openManager(t);
  const topic = uniqueTopic('cl-tomb');
  manager.createTopic(topic, { config: { ...COMPACT, 'delete.retention.ms': 30_000, 'min.cleanable.dirty.ratio': 0.99 } });
  const log = manager.log(topic, 0);
  put(log, [['a', '1'], ['b', '1'], ['c', '1']], NOW);
  put(log, [['a', null], ['b', '2']], NOW);
  log.rollNow();
  await manager.compactTopic(topic);
  t.deepEqual(describe(readAllRecords(log)), ['2:c=1', '3:a=null', '4:b=2'], 'the tombstone shadows a, and stays');
  const passes = manager.cleanerStats().passesCompleted;

  for (let i = 0; i < 30_000 / BACKOFF - 1; i++) {
    await settle(manager);
    clock.advance(BACKOFF); // horizon not reached: nothing to do at each check
  }
  await settle(manager);
  t.is(manager.cleanerStats().passesCompleted, passes, 'no pass before the horizon (nothing dirty)');
  t.deepEqual(describe(readAllRecords(log)), ['2:c=1', '3:a=null', '4:b=2']);

  clock.advance(BACKOFF); // horizon reached at this check
  await waitFor(() => manager.cleanerStats().passesCompleted === passes + 1, 'tombstone pass');
  await settle(manager);
  t.deepEqual(describe(readAllRecords(log)), ['2:c=1', '4:b=2']);
});

test('compact,delete: retention deletes old segments and the cleaner compacts the rest', async (t) => {
  const { manager, clock } = await openManager(t, { config: { 'log.cleaner.enable': false, 'log.retention.check.interval.ms': 1000 } });
  const topic = uniqueTopic('cl-both');
  manager.createTopic(topic, { config: { ...COMPACT, 'cleanup.policy': 'compact,delete', 'retention.ms': 50_000 } });
  const log = manager.log(topic, 0);
  fill(log, 3, 20, NOW - 100_000); // past retention
  log.rollNow();
  const recentStart = log.logEndOffset();
  fill(log, 3, 20, NOW);
  log.rollNow();
  clock.advance(1000); // retention check
  t.true(log.logStartOffset() >= recentStart - 10 && log.logStartOffset() > 0, `log start ${log.logStartOffset()}`);
  await manager.compactTopic(topic);
  const after = readAllRecords(log);
  t.deepEqual(describe(after), [`${recentStart + 17}:k2=v17`, `${recentStart + 18}:k0=v18`, `${recentStart + 19}:k1=v19`]);
});

test('an offset map too small for all keys cleans in several passes, to the same result', async (t) => {
  const { manager } = await openManager(t, { config: { 'log.cleaner.enable': false, 'log.cleaner.dedupe.buffer.size': 2000 } });
  const topic = uniqueTopic('cl-passes');
  manager.createTopic(topic, { config: COMPACT });
  const log = manager.log(topic, 0);
  fill(log, 100, 300);
  log.rollNow();
  const before = readAllRecords(log);
  const [summary] = await manager.compactTopic(topic);
  t.true((summary?.passes ?? 0) > 3, `passes ${summary?.passes}`);
  const after = readAllRecords(log);
  t.deepEqual(tableOf(after), tableOf(before));
  t.is(after.length, 100, 'one record per key');
  t.is(summary?.dirtyRatio, 0);
});

test('reads and appends go on during cleaning: every turn a reader sees the same table, and appended records stay', async (t) => {
  const { manager } = await openManager(t, { config: { 'log.cleaner.enable': false } });
  const topic = uniqueTopic('cl-concurrent');
  manager.createTopic(topic, { config: { ...COMPACT, 'segment.bytes': 4000 } });
  const log = manager.log(topic, 0);
  for (let i = 0; i < 3000; i++) put(log, [[`k${i % 50}`, `v${i}`.padEnd(40, '.')]], NOW);
  log.rollNow();
  const model = tableOf(readAllRecords(log));
  const compaction = manager.compactTopic(topic);
  let done = false;
  void compaction.then(() => { done = true; });
  let turns = 0;
  let appended = 0;
  while (!done) {
    // A reader from the start always sees exactly the model's table, in offset order.
    const records = readAllRecords(log);
    t.true(records.every((r, i) => i === 0 || r.offset > (records[i - 1]?.offset ?? -1)));
    const table = tableOf(records);
    if (JSON.stringify([...table].sort()) !== JSON.stringify([...model].sort())) t.fail(`table differs at turn ${turns}`);
    const key = `new${appended}`;
    put(log, [[key, 'x']], NOW);
    model.set(key, 'x');
    appended++;
    turns++;
    await nextTurn();
  }
  await compaction;
  t.true(turns > 2, `cleaning took ${turns} turns`);
  t.deepEqual([...tableOf(readAllRecords(log))], [...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
});

test('a reader positioned at an offset the cleaner removed gets the next surviving record', async (t) => {
  const { manager } = await openManager(t, { config: { 'log.cleaner.enable': false } });
  const topic = uniqueTopic('cl-position');
  manager.createTopic(topic, { config: COMPACT });
  const log = manager.log(topic, 0);
  const entries: Entry[] = [];
  for (let i = 0; i < 40; i++) entries.push([i % 10 === 7 ? 'keep' + i : 'k', `v${i}`]);
  for (const entry of entries) put(log, [entry], NOW);
  log.rollNow();
  const position = 8; // 'k' at 8 will be removed
  const first = log.read(position, 100);
  t.true(first.bytes.length > 0);
  await manager.compactTopic(topic);
  const result = log.read(position, 1 << 16);
  const offsets = readAllRecords(log, position).map((r) => r.offset);
  t.deepEqual(offsets, [17, 27, 37, 39]);
  t.true(result.nextOffset > position);
});

test('the first dirty offset survives a restart in cleaner-offset-checkpoint; deleting the topic drops it', async (t) => {
  const first = await openManager(t, { config: { 'log.cleaner.enable': false } });
  const topic = uniqueTopic('cl-ckpt');
  first.manager.createTopic(topic, { config: COMPACT });
  fill(first.manager.log(topic, 0), 5, 40);
  first.manager.log(topic, 0).rollNow();
  await first.manager.compactTopic(topic);
  const end = first.manager.log(topic, 0).logEndOffset();
  await first.manager.close();
  const file = path.join(first.dataDir, 'cleaner-offset-checkpoint');
  t.is(readOffsetCheckpoint(file)?.get(`${topic} 0`), end);

  const second = await openManager(t, { dataDir: first.dataDir, clock: first.clock, config: { 'log.cleaner.enable': false } });
  t.is(second.manager.describeTopic(topic).partitions[0]?.dirtyRatio, 0, 'still clean after reopening');
  second.manager.deleteTopic(topic);
  t.is(readOffsetCheckpoint(file)?.has(`${topic} 0`), false);
  t.true(fs.existsSync(file));
});

test('describeTopic has dirtyRatio for compacted topics only', async (t) => {
  const { manager } = await openManager(t, { config: { 'log.cleaner.enable': false } });
  const plain = uniqueTopic('cl-plain');
  manager.createTopic(plain, { config: { 'segment.bytes': 400 } });
  fill(manager.log(plain, 0), 5, 20);
  t.false('dirtyRatio' in (manager.describeTopic(plain).partitions[0] ?? {}));
  const err = await t.throwsAsync(manager.compactTopic(plain));
  t.true(isEddyError(err, 'ERR_CONFIG_INVALID'));
  const compacted = uniqueTopic('cl-compacted');
  manager.createTopic(compacted, { config: COMPACT, partitions: 2 });
  t.deepEqual(manager.describeTopic(compacted).partitions.map((p) => p.dirtyRatio), [undefined, undefined], 'no closed segment: no ratio yet');
  fill(manager.log(compacted, 1), 5, 20);
  t.deepEqual(manager.describeTopic(compacted).partitions.map((p) => p.dirtyRatio), [undefined, 1]);
  await manager.compactTopic(compacted);
  t.deepEqual(manager.describeTopic(compacted).partitions.map((p) => p.dirtyRatio), [undefined, 0]);
});
