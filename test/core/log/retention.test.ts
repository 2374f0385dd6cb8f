/**
 * Time and size retention on the injected clock: which segments go, when, what happens to the log
 * start offset, and that the files really leave the disk. Every batch here is large enough to fill a
 * segment on its own (segment.bytes 1000, ~700-byte batches), so batch i is segment i with base offset
 * i and the last batch's segment is the active one.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ManualClock } from '../../../core/clock.js';
import { Eddy } from '../../../core/eddy.js';
import { readOffsetCheckpoint } from '../../../core/log/offset-checkpoint.js';
import type { PartitionLog } from '../../../core/log/partition-log.js';
import { batchOf } from '../../helpers/batches.js';
import { waitFor } from '../../helpers/wait-for.js';
import { copyDataDir, tempDir, uniqueTopic } from '../../helpers/temp-dir.js';
import { readAll } from '../../helpers/read-all.js';

const NOW = 1_800_000_000_000;
const CHECK_INTERVAL = 1000;
const ONE_SEGMENT_EACH = { 'segment.bytes': 1000 };

async function open(t: ExecutionContext, dataDir = tempDir(t), clock = new ManualClock(NOW)): Promise<{ eddy: Eddy; clock: ManualClock; dataDir: string }> {
  const eddy = await Eddy.open({ dataDir, clock, config: { 'log.retention.check.interval.ms': CHECK_INTERVAL } });
  t.teardown(() => eddy.close());
  return { eddy, clock, dataDir };
}

/** Appends one single-record batch per timestamp; each becomes its own segment. */
function appendSegments(log: PartitionLog, timestamps: number[]): void {
  const start = log.logEndOffset();
  timestamps.forEach((ts, i) => log.append(batchOf(start + i, 1, ts, 600)));
}

function segmentFilesOnDisk(dataDir: string, topic: string): number[] {
  return fs
    .readdirSync(path.join(dataDir, `${topic}-0`))
    .filter((f) => /^\d{20}\.log$/.test(f))
    .map((f) => Number(f.slice(0, 20)))
    .sort((a, b) => a - b);
}

function indexFilesOnDisk(dataDir: string, topic: string): string[] {
  return fs.readdirSync(path.join(dataDir, `${topic}-0`)).filter((f) => f.endsWith('index')).sort();
}

const name = (base: number, suffix: string): string => String(base).padStart(20, '0') + suffix;

test('retention.ms deletes closed segments older than now - retention.ms when the check timer fires', async (t) => {
  const { eddy, clock, dataDir } = await open(t);
  const topic = uniqueTopic('ret-ms');
  await eddy.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH, 'retention.ms': 30_000 } });
  const log = eddy.partitionLog(topic, 0);
  // Segments 0 and 1 are past retention; 2 is young; 3 (young) and 4 (old, active) follow it.
  appendSegments(log, [NOW - 50_000, NOW - 40_000, NOW - 5_000, NOW - 1_000, NOW - 90_000]);
  t.deepEqual(log.segmentBaseOffsets(), [0, 1, 2, 3, 4]);

  clock.advance(CHECK_INTERVAL - 1);
  t.deepEqual(log.segmentBaseOffsets(), [0, 1, 2, 3, 4], 'nothing happens before the check interval');
  t.is(log.logStartOffset(), 0);

  clock.advance(1);
  t.deepEqual(log.segmentBaseOffsets(), [2, 3, 4]);
  t.is(log.logStartOffset(), 2);
  t.deepEqual(segmentFilesOnDisk(dataDir, topic), [2, 3, 4]);
  for (const gone of [0, 1]) {
    for (const suffix of ['.log', '.index', '.timeindex']) t.false(fs.existsSync(path.join(dataDir, `${topic}-0`, name(gone, suffix))), name(gone, suffix));
  }
  t.deepEqual(indexFilesOnDisk(dataDir, topic), [name(2, '.index'), name(2, '.timeindex'), name(3, '.index'), name(3, '.timeindex'), name(4, '.index'), name(4, '.timeindex')]);

  // Segment 2 (max timestamp NOW - 5000) expires once now - 5000 is more than 30 s ago.
  clock.advance(25_000 - CHECK_INTERVAL); // now = NOW + 25000: age exactly 30000, not older
  t.deepEqual(log.segmentBaseOffsets(), [2, 3, 4]);
  clock.advance(CHECK_INTERVAL);
  t.deepEqual(log.segmentBaseOffsets(), [3, 4]);
  t.is(log.logStartOffset(), 3);
  const described = await eddy.admin.describeTopic(topic);
  t.is(described.partitions[0]?.logStartOffset, 3);
  t.is(described.partitions[0]?.segments, 2);
});

test('admin.runRetention() applies retention at once and returns the number of deleted segments', async (t) => {
  const { eddy, dataDir } = await open(t);
  const topic = uniqueTopic('ret-run');
  await eddy.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH, 'retention.ms': 10_000 } });
  const log = eddy.partitionLog(topic, 0);
  appendSegments(log, [NOW - 20_000, NOW - 20_000, NOW - 20_000, NOW]);
  t.is(await eddy.admin.runRetention(), 3);
  t.deepEqual(log.segmentBaseOffsets(), [3]);
  t.deepEqual(segmentFilesOnDisk(dataDir, topic), [3]);
  t.is(await eddy.admin.runRetention(), 0, 'a second pass has nothing left to do');
});

test('the active segment is never deleted, however old', async (t) => {
  const { eddy, dataDir } = await open(t);
  const topic = uniqueTopic('ret-active');
  await eddy.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH, 'retention.ms': 1000 } });
  const log = eddy.partitionLog(topic, 0);
  appendSegments(log, [NOW - 100_000, NOW - 100_000, NOW - 100_000]);
  t.is(await eddy.admin.runRetention(), 2);
  t.deepEqual(log.segmentBaseOffsets(), [2]);
  t.is(log.logStartOffset(), 2);
  t.is(log.logEndOffset(), 3);
  t.deepEqual(readAll(log).map((r) => r.offset), [2]);
  t.is(await eddy.admin.runRetention(), 0);
  t.deepEqual(segmentFilesOnDisk(dataDir, topic), [2]);
  // Still appendable, and the offsets go on from where they were.
  t.is(log.append(batchOf(3, 1, NOW)).baseOffset, 3);
});

test('reading below the new log start offset is ERR_OFFSET_OUT_OF_RANGE; the rest reads back intact', async (t) => {
  const { eddy } = await open(t);
  const topic = uniqueTopic('ret-read');
  await eddy.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH, 'retention.ms': 10_000 } });
  const log = eddy.partitionLog(topic, 0);
  appendSegments(log, [NOW - 60_000, NOW - 60_000, NOW - 60_000, NOW, NOW]);
  await eddy.admin.runRetention();
  t.is(log.logStartOffset(), 3);
  for (const below of [0, 1, 2]) {
    const err = t.throws(() => log.read(below, 10_000), { code: 'ERR_OFFSET_OUT_OF_RANGE' } as never);
    t.is((err as unknown as { context: { logStartOffset: number } }).context.logStartOffset, 3);
  }
  const records = readAll(log);
  t.deepEqual(records.map((r) => r.offset), [3, 4]);
  t.deepEqual(records.map((r) => r.key?.toString()), ['k3', 'k4']);
  t.is(log.offsetForTimestamp(0), 3, 'a time lookup never lands below the log start offset');
});

test('retention.bytes deletes the oldest closed segments while what remains is at least the limit', async (t) => {
  const { eddy, dataDir } = await open(t);
  const topic = uniqueTopic('ret-bytes');
  await eddy.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH } });
  const log = eddy.partitionLog(topic, 0);
  appendSegments(log, [NOW, NOW, NOW, NOW, NOW]);
  const sizes = log.segmentBaseOffsets().map((b) => fs.statSync(path.join(dataDir, `${topic}-0`, name(b, '.log'))).size);
  const sum = (from: number): number => sizes.slice(from).reduce((a, b) => a + b, 0);
  t.is(sum(0), log.sizeInBytes());

  // One byte more than segments 2..4 hold: deleting 0 leaves more than the limit, deleting 1 too would leave less.
  await eddy.admin.alterTopicConfig(topic, { 'retention.bytes': sum(2) + 1 });
  t.is(await eddy.admin.runRetention(), 1);
  t.deepEqual(log.segmentBaseOffsets(), [1, 2, 3, 4]);
  t.is(log.sizeInBytes(), sum(1));

  // Exactly what segments 3..4 hold: 1 and 2 go, and the log is left at the limit.
  await eddy.admin.alterTopicConfig(topic, { 'retention.bytes': sum(3) });
  t.is(await eddy.admin.runRetention(), 2);
  t.deepEqual(log.segmentBaseOffsets(), [3, 4]);
  t.is(log.logStartOffset(), 3);
  t.deepEqual(segmentFilesOnDisk(dataDir, topic), [3, 4]);

  // A limit of 0 removes every closed segment but never the active one.
  await eddy.admin.alterTopicConfig(topic, { 'retention.bytes': 0 });
  t.is(await eddy.admin.runRetention(), 1);
  t.deepEqual(log.segmentBaseOffsets(), [4]);
  t.is(log.logEndOffset(), 5);
  const described = await eddy.admin.describeTopic(topic);
  t.is(described.partitions[0]?.bytes, sizes[4]);
  t.is(described.partitions[0]?.logStartOffset, 4);
});

test('retention.bytes is applied by the timer as well', async (t) => {
  const { eddy, clock } = await open(t);
  const topic = uniqueTopic('ret-bytes-timer');
  await eddy.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH, 'retention.bytes': 1 } });
  const log = eddy.partitionLog(topic, 0);
  appendSegments(log, [NOW, NOW, NOW]);
  t.is(log.segmentCount(), 3);
  clock.advance(CHECK_INTERVAL);
  t.deepEqual(log.segmentBaseOffsets(), [2]);
});

test('cleanup.policy=compact alone deletes nothing by time or size', async (t) => {
  const { eddy, clock, dataDir } = await open(t);
  const topic = uniqueTopic('ret-compact');
  await eddy.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH, 'cleanup.policy': 'compact', 'retention.ms': 1, 'retention.bytes': 1 } });
  const log = eddy.partitionLog(topic, 0);
  appendSegments(log, [NOW - 1_000_000, NOW - 1_000_000, NOW - 1_000_000, NOW]);
  t.is(await eddy.admin.runRetention(), 0);
  clock.advance(CHECK_INTERVAL * 5);
  t.deepEqual(log.segmentBaseOffsets(), [0, 1, 2, 3]);
  t.is(log.logStartOffset(), 0);
  t.deepEqual(segmentFilesOnDisk(dataDir, topic), [0, 1, 2, 3]);

  // compact,delete does apply retention.
  await eddy.admin.alterTopicConfig(topic, { 'cleanup.policy': 'compact,delete' });
  t.is(await eddy.admin.runRetention(), 3);
  t.deepEqual(log.segmentBaseOffsets(), [3]);
});

test('a backward clock jump deletes nothing', async (t) => {
  const { eddy, clock } = await open(t);
  const topic = uniqueTopic('ret-backward');
  await eddy.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH, 'retention.ms': 10_000 } });
  const log = eddy.partitionLog(topic, 0);
  appendSegments(log, [NOW - 20_000, NOW - 20_000, NOW]);
  // Jump back to before the records were written: they look as if from the future.
  clock.set(NOW - 3_600_000);
  t.is(await eddy.admin.runRetention(), 0);
  clock.advance(CHECK_INTERVAL * 3);
  t.deepEqual(log.segmentBaseOffsets(), [0, 1, 2]);
  t.is(log.logStartOffset(), 0);
  // Back at the real time, the expired segments go.
  clock.set(NOW);
  t.is(await eddy.admin.runRetention(), 2);
  t.deepEqual(log.segmentBaseOffsets(), [2]);
});

test('the log start offset survives a clean reopen (log-start-offset-checkpoint)', async (t) => {
  const dataDir = tempDir(t);
  const clock = new ManualClock(NOW);
  const topic = uniqueTopic('ret-reopen');
  let eddy = await Eddy.open({ dataDir, clock });
  await eddy.admin.createTopic(topic, { partitions: 2, config: { ...ONE_SEGMENT_EACH, 'retention.ms': 10_000 } });
  appendSegments(eddy.partitionLog(topic, 0), [NOW - 60_000, NOW - 60_000, NOW]);
  appendSegments(eddy.partitionLog(topic, 1), [NOW - 60_000, NOW]);
  t.is(await eddy.admin.runRetention(), 3);
  const checkpoint = readOffsetCheckpoint(path.join(dataDir, 'log-start-offset-checkpoint'));
  t.is(checkpoint?.get(`${topic} 0`), 2, 'written by the retention pass itself');
  t.is(checkpoint?.get(`${topic} 1`), 1);
  await eddy.close();

  eddy = await Eddy.open({ dataDir, clock });
  t.teardown(() => eddy.close());
  const log0 = eddy.partitionLog(topic, 0);
  t.is(log0.logStartOffset(), 2);
  t.is(log0.logEndOffset(), 3);
  t.is(eddy.partitionLog(topic, 1).logStartOffset(), 1);
  t.throws(() => log0.read(0, 10_000), { code: 'ERR_OFFSET_OUT_OF_RANGE' } as never);
  t.deepEqual(readAll(log0).map((r) => r.offset), [2]);
  t.is(log0.append(batchOf(3, 1, NOW)).baseOffset, 3);
});

test('the log start offset survives an unclean reopen after a retention pass', async (t) => {
  // The copy is taken while the owner is still running, as a crash would leave it.
  const dataDir = tempDir(t);
  const copy = tempDir(t);
  const clock = new ManualClock(NOW);
  const topic = uniqueTopic('ret-unclean');
  const eddy = await Eddy.open({ dataDir, clock });
  t.teardown(() => eddy.close());
  await eddy.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH, 'retention.ms': 10_000 } });
  appendSegments(eddy.partitionLog(topic, 0), [NOW - 60_000, NOW - 60_000, NOW, NOW]);
  t.is(await eddy.admin.runRetention(), 2);
  await eddy.partitionLog(topic, 0).flush();
  // A snapshot of the running directory is what a crash leaves: no clean-shutdown marker.
  copyDataDir(dataDir, copy);
  t.false(fs.existsSync(path.join(copy, '.kafka_cleanshutdown')));
  const crashed = await Eddy.open({ dataDir: copy, clock });
  t.teardown(() => crashed.close());
  t.false(crashed.openedClean);
  const log = crashed.partitionLog(topic, 0);
  t.is(log.logStartOffset(), 2);
  t.is(log.logEndOffset(), 4);
  t.deepEqual(readAll(log).map((r) => r.offset), [2, 3]);
});

test('altering retention.ms at runtime takes effect on the next check, and null resets it', async (t) => {
  const { eddy, clock, dataDir } = await open(t);
  const topic = uniqueTopic('ret-alter');
  await eddy.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH } });
  const log = eddy.partitionLog(topic, 0);
  // An hour old: well within the default 7 days.
  appendSegments(log, [NOW - 3_600_000, NOW - 3_600_000, NOW - 60_000, NOW]);
  clock.advance(CHECK_INTERVAL);
  t.deepEqual(log.segmentBaseOffsets(), [0, 1, 2, 3]);

  await eddy.admin.alterTopicConfig(topic, { 'retention.ms': 600_000 });
  t.is((await eddy.admin.describeTopic(topic)).config['retention.ms'], '600000');
  t.deepEqual(log.segmentBaseOffsets(), [0, 1, 2, 3], 'altering alone deletes nothing before the check');
  clock.advance(CHECK_INTERVAL);
  t.deepEqual(log.segmentBaseOffsets(), [2, 3]);
  t.deepEqual(segmentFilesOnDisk(dataDir, topic), [2, 3]);

  // Back to the default (7 days): segment 2 (a minute old) stays even an hour later.
  await eddy.admin.alterTopicConfig(topic, { 'retention.ms': null });
  t.is((await eddy.admin.describeTopic(topic)).config['retention.ms'], '604800000');
  clock.advance(3_600_000);
  t.deepEqual(log.segmentBaseOffsets(), [2, 3]);
});

test('retention.ms -1 means no time limit', async (t) => {
  const { eddy, clock } = await open(t);
  const topic = uniqueTopic('ret-unlimited');
  await eddy.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH, 'retention.ms': -1 } });
  const log = eddy.partitionLog(topic, 0);
  appendSegments(log, [1, 1, NOW - 365 * 86_400_000, NOW]);
  t.is(await eddy.admin.runRetention(), 0);
  clock.advance(CHECK_INTERVAL);
  t.deepEqual(log.segmentBaseOffsets(), [0, 1, 2, 3]);
});

test('retention applies per partition and per topic', async (t) => {
  const { eddy } = await open(t);
  const short = uniqueTopic('ret-short');
  const long = uniqueTopic('ret-long');
  await eddy.admin.createTopic(short, { partitions: 2, config: { ...ONE_SEGMENT_EACH, 'retention.ms': 10_000 } });
  await eddy.admin.createTopic(long, { config: { ...ONE_SEGMENT_EACH, 'retention.ms': 100_000 } });
  appendSegments(eddy.partitionLog(short, 0), [NOW - 50_000, NOW]);
  appendSegments(eddy.partitionLog(short, 1), [NOW - 50_000, NOW - 50_000, NOW]);
  appendSegments(eddy.partitionLog(long, 0), [NOW - 50_000, NOW]);
  t.is(await eddy.admin.runRetention(), 3);
  t.deepEqual(eddy.partitionLog(short, 0).segmentBaseOffsets(), [1]);
  t.deepEqual(eddy.partitionLog(short, 1).segmentBaseOffsets(), [2]);
  t.deepEqual(eddy.partitionLog(long, 0).segmentBaseOffsets(), [0, 1]);
});

test('segments loaded from disk keep their timestamps for retention, after clean and unclean reopens', async (t) => {
  const dataDir = tempDir(t);
  const crashCopy = tempDir(t);
  const clock = new ManualClock(NOW);
  const topic = uniqueTopic('ret-loaded');
  const first = await Eddy.open({ dataDir, clock });
  await first.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH, 'retention.ms': 100_000 } });
  // Two batches in segment 1 with the larger timestamp first: its max, not its last, decides.
  const log = first.partitionLog(topic, 0);
  log.append(batchOf(0, 1, NOW - 50_000, 600));
  log.append(batchOf(1, 1, NOW - 20_000, 300));
  log.append(batchOf(2, 1, NOW - 60_000, 300));
  log.append(batchOf(3, 1, NOW, 600));
  log.append(batchOf(4, 1, NOW, 600));
  t.deepEqual(log.segmentBaseOffsets(), [0, 1, 3, 4]);
  await log.flush();
  copyDataDir(dataDir, crashCopy);
  await first.close();

  for (const [label, dir] of [['clean', dataDir], ['unclean', crashCopy]] as const) {
    const later = new ManualClock(NOW + 60_000);
    const eddy = await Eddy.open({ dataDir: dir, clock: later });
    t.is(eddy.openedClean, label === 'clean');
    const reopened = eddy.partitionLog(topic, 0);
    // now - 100000 = NOW - 40000: segment 0 (max NOW - 50000) has expired, segment 1 (max NOW - 20000) has not.
    t.is(await eddy.admin.runRetention(), 1, label);
    t.deepEqual(reopened.segmentBaseOffsets(), [1, 3, 4], label);
    later.set(NOW + 80_001);
    t.is(await eddy.admin.runRetention(), 1, label);
    t.deepEqual(reopened.segmentBaseOffsets(), [3, 4], label);
    t.is(reopened.logStartOffset(), 3, label);
    await eddy.close();
  }
});

test('a failing checkpoint write in a background retention pass does not escape the timer', async (t) => {
  // With the system clock a throw from a timer callback is an uncaught exception that ends the
  // process; the ManualClock runs timers inside advance(), so such a throw surfaces there.
  const { eddy, clock, dataDir } = await open(t);
  const topic = uniqueTopic('ret-ckpt-fail');
  await eddy.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH, 'retention.ms': 10_000 } });
  const log = eddy.partitionLog(topic, 0);
  appendSegments(log, [NOW - 60_000, NOW - 60_000, NOW]);
  // A directory where the checkpoint's temp file goes makes the checkpoint write fail (EISDIR).
  fs.mkdirSync(path.join(dataDir, 'log-start-offset-checkpoint.tmp'));
  t.notThrows(() => clock.advance(CHECK_INTERVAL));
  t.deepEqual(log.segmentBaseOffsets(), [2], 'the segments were deleted all the same');
  fs.rmSync(path.join(dataDir, 'log-start-offset-checkpoint.tmp'), { recursive: true });
  // The timer keeps running: the next pass writes the checkpoint.
  appendSegments(log, [NOW - 60_000]);
  clock.advance(20 * CHECK_INTERVAL); // past retention.ms for the segment stamped NOW
  t.deepEqual(log.segmentBaseOffsets(), [3]);
  t.is(readOffsetCheckpoint(path.join(dataDir, 'log-start-offset-checkpoint'))?.get(`${topic} 0`), 3);
});

test('deleted segments are renamed to .deleted at once and unlinked after file.delete.delay.ms', async (t) => {
  const { eddy, clock, dataDir } = await open(t);
  const topic = uniqueTopic('ret-delay');
  await eddy.admin.createTopic(topic, { config: { ...ONE_SEGMENT_EACH, 'retention.ms': 10_000, 'file.delete.delay.ms': 5000 } });
  const log = eddy.partitionLog(topic, 0);
  appendSegments(log, [NOW - 60_000, NOW]);
  t.is(await eddy.admin.runRetention(), 1);
  const dir = path.join(dataDir, `${topic}-0`);
  const deleted = (): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.deleted')).sort();
  t.deepEqual(deleted(), ['00000000000000000000.index.deleted', '00000000000000000000.log.deleted', '00000000000000000000.timeindex.deleted']);
  clock.advance(4999);
  t.is(deleted().length, 3);
  clock.advance(1);
  await waitFor(() => deleted().length === 0, 'the delayed unlink');
  t.deepEqual(log.segmentBaseOffsets(), [1]);
});
