import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { Eddy } from '../../../core/eddy.js';
import { ManualClock } from '../../../core/clock.js';
import { readBatchHeader } from '../../../core/record/record-batch.js';
import { batchOf } from '../../helpers/batches.js';
import { readAll } from '../../helpers/read-all.js';
import { waitFor } from '../../helpers/wait-for.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';

test('append assigns contiguous offsets and reads return them in order', async (t) => {
  const dataDir = tempDir(t);
  const eddy = await Eddy.open({ dataDir });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { partitions: 1 });
  const log = eddy.partitionLog(topic, 0);
  t.deepEqual(log.append(batchOf(0, 3)).baseOffset, 0);
  const second = log.append(batchOf(3, 2));
  t.is(second.baseOffset, 3);
  t.is(second.lastOffset, 4);
  t.is(log.logEndOffset(), 5);
  const records = readAll(log);
  t.deepEqual(records.map((r) => r.offset), [0, 1, 2, 3, 4]);
  t.deepEqual(records.map((r) => r.value?.toString()), ['v0', 'v1', 'v2', 'v3', 'v4']);
  // Reading from the middle of a batch returns the whole batch; the reader skips what it did not ask for.
  t.deepEqual(readAll(log, 1).map((r) => r.offset), [1, 2, 3, 4]);
  t.is(log.read(5, 1000).bytes.length, 0);
  t.throws(() => log.read(6, 1000), { code: 'ERR_OFFSET_OUT_OF_RANGE' } as never);
  t.throws(() => log.read(-1, 1000), { code: 'ERR_OFFSET_OUT_OF_RANGE' } as never);
  await eddy.close();
});

test('segments roll by segment.bytes and are named by base offset, with indexes', async (t) => {
  const dataDir = tempDir(t);
  const eddy = await Eddy.open({ dataDir });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { config: { 'segment.bytes': 2000, 'index.interval.bytes': 100 } });
  const log = eddy.partitionLog(topic, 0);
  for (let i = 0; i < 50; i++) log.append(batchOf(i * 2, 2, 1_700_000_000_000, 100));
  t.true(log.segmentCount() > 3);
  const files = fs.readdirSync(path.join(dataDir, `${topic}-0`)).sort();
  t.true(files.includes('00000000000000000000.log'));
  t.true(files.includes('00000000000000000000.index'));
  t.true(files.includes('00000000000000000000.timeindex'));
  for (const base of log.segmentBaseOffsets()) t.true(files.includes(`${String(base).padStart(20, '0')}.log`));
  t.true(fs.statSync(path.join(dataDir, `${topic}-0`, '00000000000000000000.index')).size > 0);
  for (let i = 0; i < 100; i += 7) t.is(readAll(log, i)[0]?.offset, i);
  t.is(readAll(log).length, 100);
  await eddy.close();
});

test('segments roll by segment.ms on the injected clock', async (t) => {
  const clock = new ManualClock();
  const eddy = await Eddy.open({ dataDir: tempDir(t), clock });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { config: { 'segment.ms': 1000 } });
  const log = eddy.partitionLog(topic, 0);
  log.append(batchOf(0, 1, clock.now()));
  clock.advance(500);
  log.append(batchOf(1, 1, clock.now()));
  t.is(log.segmentCount(), 1);
  clock.advance(600);
  log.append(batchOf(2, 1, clock.now()));
  t.is(log.segmentCount(), 2);
  t.deepEqual(log.segmentBaseOffsets(), [0, 2]);
  await eddy.close();
});

test('max.message.bytes rejects a batch and writes nothing', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { config: { 'max.message.bytes': 500 } });
  const log = eddy.partitionLog(topic, 0);
  t.throws(() => log.append(batchOf(0, 1, 1, 1000)), { code: 'ERR_RECORD_TOO_LARGE' } as never);
  t.is(log.logEndOffset(), 0);
  t.is(log.sizeInBytes(), 0);
  await eddy.close();
});

test('a malformed batch is rejected before anything is written', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic);
  const log = eddy.partitionLog(topic, 0);
  const batch = batchOf(0, 2);
  batch.writeUInt8((batch.at(-1) ?? 0) ^ 0xff, batch.length - 1);
  t.throws(() => log.append(batch), { code: 'ERR_BATCH_CRC' } as never);
  t.throws(() => log.append(Buffer.from('not a batch at all')), { instanceOf: Error });
  t.is(log.sizeInBytes(), 0);
  log.append(batchOf(0, 1));
  t.is(log.logEndOffset(), 1);
  await eddy.close();
});

test('LogAppendTime stamps batches with the log clock', async (t) => {
  const clock = new ManualClock(1_800_000_000_000);
  const eddy = await Eddy.open({ dataDir: tempDir(t), clock });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { config: { 'message.timestamp.type': 'LogAppendTime' } });
  const log = eddy.partitionLog(topic, 0);
  const result = log.append(batchOf(0, 2, 5));
  t.is(result.logAppendTime, 1_800_000_000_000);
  t.is(result.timestampType, 'LogAppendTime');
  t.deepEqual(readAll(log).map((r) => r.timestamp), [1_800_000_000_000, 1_800_000_000_000]);
  await eddy.close();
});

test('offsetForTimestamp finds the first offset at or after a timestamp', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { config: { 'segment.bytes': 1500, 'index.interval.bytes': 64 } });
  const log = eddy.partitionLog(topic, 0);
  for (let i = 0; i < 40; i++) log.append(batchOf(i, 1, 1000 + i * 10, 50));
  t.is(log.offsetForTimestamp(0), 0);
  t.is(log.offsetForTimestamp(1000), 0);
  t.is(log.offsetForTimestamp(1001), 1);
  t.is(log.offsetForTimestamp(1250), 25);
  t.is(log.offsetForTimestamp(1390), 39);
  t.is(log.offsetForTimestamp(1391), null);
  t.true(log.segmentCount() > 2);
  await eddy.close();
});

test('waitForData resolves on append without polling', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic);
  const log = eddy.partitionLog(topic, 0);
  let woke = false;
  const waiting = log.waitForData(0).then(() => { woke = true; });
  await new Promise((r) => setImmediate(r));
  t.false(woke);
  log.append(batchOf(0, 1));
  await waiting;
  t.true(woke);
  await eddy.close();
});

test('flush is a group commit: concurrent flushes share fdatasync rounds', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic);
  const log = eddy.partitionLog(topic, 0);
  const flushes: Array<Promise<void>> = [];
  for (let i = 0; i < 200; i++) {
    log.append(batchOf(i, 1));
    flushes.push(log.flush());
  }
  await Promise.all(flushes);
  t.is(log.recoveryPoint(), 200);
  t.true(log.fsyncRounds <= 2, `fsync rounds ${log.fsyncRounds}`);
  await log.flush();
  t.true(log.fsyncRounds <= 2, 'a flush with nothing new does not fsync');
  await eddy.close();
});

test('flush.messages triggers background fsync', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { config: { 'flush.messages': 10 } });
  const log = eddy.partitionLog(topic, 0);
  for (let i = 0; i < 9; i++) log.append(batchOf(i, 1));
  t.is(log.fsyncRounds, 0);
  log.append(batchOf(9, 1));
  await waitFor(() => log.fsyncRounds === 1, 'the background fsync');
  await log.flush();
  t.is(log.recoveryPoint(), 10);
  await eddy.close();
});

test('flush.ms fsyncs after the interval on the injected clock', async (t) => {
  const clock = new ManualClock();
  const eddy = await Eddy.open({ dataDir: tempDir(t), clock });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { config: { 'flush.ms': 1000 } });
  const log = eddy.partitionLog(topic, 0);
  log.append(batchOf(0, 3));
  clock.advance(999);
  t.is(log.fsyncRounds, 0);
  clock.advance(1);
  await waitFor(() => log.fsyncRounds === 1, 'the background fsync');
  await log.flush();
  t.is(log.recoveryPoint(), 3);
  await eddy.close();
});

test('clean close lets the next open skip recovery and keeps every record', async (t) => {
  const dataDir = tempDir(t);
  const topic = uniqueTopic();
  let eddy = await Eddy.open({ dataDir });
  await eddy.admin.createTopic(topic, { partitions: 2, config: { 'segment.bytes': 1000 } });
  for (let i = 0; i < 30; i++) eddy.partitionLog(topic, i % 2).append(batchOf(i, 1, 1000, 60));
  await eddy.close();
  t.true(fs.existsSync(path.join(dataDir, '.kafka_cleanshutdown')));
  eddy = await Eddy.open({ dataDir });
  t.true(eddy.openedClean);
  t.false(fs.existsSync(path.join(dataDir, '.kafka_cleanshutdown')));
  t.is(eddy.partitionLog(topic, 0).loadReport.recoveredSegments, 0);
  t.is(readAll(eddy.partitionLog(topic, 0)).length, 15);
  t.is(readAll(eddy.partitionLog(topic, 1)).length, 15);
  t.is(eddy.partitionLog(topic, 0).logEndOffset(), 15);
  eddy.partitionLog(topic, 0).append(batchOf(99, 1));
  t.is(eddy.partitionLog(topic, 0).logEndOffset(), 16);
  await eddy.close();
});

test('compression.type re-encodes batches with the topic codec and keeps their records', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { config: { 'compression.type': 'gzip' } });
  const log = eddy.partitionLog(topic, 0);
  log.append(batchOf(0, 5, 1234, 300));
  const stored = log.read(0, 1 << 20).bytes;
  t.is(readBatchHeader(stored, 0).attributes & 0x07, 1, 'stored as gzip');
  t.true(stored.length < 5 * 300, 'smaller than the uncompressed values');
  t.deepEqual(readAll(log).map((r) => [r.offset, r.key?.toString(), r.value?.length, r.timestamp]), [0, 1, 2, 3, 4].map((i) => [i, `k${i}`, 300, 1234]));
  await eddy.admin.alterTopicConfig(topic, { 'compression.type': 'producer' });
  log.append(batchOf(5, 1));
  const second = log.read(5, 1 << 20).bytes;
  t.is(readBatchHeader(second, 0).attributes & 0x07, 0, 'producer: kept as sent');
  await eddy.close();
});

test('offsetForTimestamp handles a batch larger than its 1 MiB read', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { config: { 'max.message.bytes': 4 * 1024 * 1024 } });
  const log = eddy.partitionLog(topic, 0);
  log.append(batchOf(0, 2, 1000, 700_000));
  log.append(batchOf(2, 1, 2000));
  t.is(log.offsetForTimestamp(1000), 0);
  t.is(log.offsetForTimestamp(1500), 2);
  await eddy.close();
});

test('altering flush.ms keeps a pending background flush', async (t) => {
  const clock = new ManualClock();
  const eddy = await Eddy.open({ dataDir: tempDir(t), clock });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { config: { 'flush.ms': 1000 } });
  const log = eddy.partitionLog(topic, 0);
  log.append(batchOf(0, 2));
  await eddy.admin.alterTopicConfig(topic, { 'flush.ms': 500 });
  clock.advance(500);
  await waitFor(() => log.recoveryPoint() === 2, 'the flush under the new flush.ms');
  t.is(log.recoveryPoint(), 2);
  await eddy.close();
});

test('retention deleting a just-rolled segment while its background sync is queued does not fail the log', async (t) => {
  const clock = new ManualClock(1_800_000_000_000);
  const eddy = await Eddy.open({ dataDir: tempDir(t), clock });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { config: { 'segment.bytes': 1000, 'retention.bytes': 1 } });
  const log = eddy.partitionLog(topic, 0);
  for (let i = 0; i < 20; i++) {
    log.append(batchOf(i, 1, clock.now(), 600));
    await eddy.admin.runRetention();
  }
  await log.flush();
  t.false(log.isFailed);
  t.is(log.append(batchOf(20, 1, clock.now())).baseOffset, 20);
  await eddy.close();
});

test('segment.jitter.ms rolls segments up to that much earlier than segment.ms', async (t) => {
  const clock = new ManualClock();
  const eddy = await Eddy.open({ dataDir: tempDir(t), clock });
  const rollAges: number[] = [];
  for (let n = 0; n < 10; n++) {
    const topic = uniqueTopic();
    await eddy.admin.createTopic(topic, { config: { 'segment.ms': 1000, 'segment.jitter.ms': 800 } });
    const log = eddy.partitionLog(topic, 0);
    log.append(batchOf(0, 1, clock.now()));
    for (let age = 10; age <= 1010 && log.segmentCount() === 1; age += 10) {
      log.append(batchOf(age, 1, clock.now() + age));
      if (log.segmentCount() > 1) rollAges.push(age);
    }
  }
  t.is(rollAges.length, 10);
  // Without jitter every segment would roll at the first batch older than 1000 ms (1010).
  t.true(rollAges.every((age) => age > 200 && age <= 1010), JSON.stringify(rollAges));
  t.true(rollAges.some((age) => age < 1000), JSON.stringify(rollAges));
  await eddy.close();
});
