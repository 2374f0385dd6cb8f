/**
 * Topic administration through `eddy.admin`, and the name and config rules it enforces: a bad name
 * or config gets a coded error and changes nothing, on disk or in the catalogue.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Eddy, ManualClock, type EddyOptions } from '../../../core/index.js';
import { TOPIC_CONFIG_DEFS } from '../../../core/log/log-config.js';
import { pathInside } from '../../../core/log/topic-name.js';
import { TOPICS_FILE } from '../../../core/log/topic-store.js';
import { isEddyError } from '../../../core/errors.js';
import { batchOf } from '../../helpers/batches.js';
import { readAll } from '../../helpers/read-all.js';
import { copyDataDir, tempDir, uniqueTopic } from '../../helpers/temp-dir.js';

async function open(t: ExecutionContext, options: Partial<EddyOptions> = {}): Promise<{ eddy: Eddy; dataDir: string }> {
  const dataDir = options.dataDir ?? tempDir(t);
  const eddy = await Eddy.open({ ...options, dataDir });
  t.teardown(() => eddy.close());
  return { eddy, dataDir };
}

/** Every path under the data directory (with file sizes) and the catalogue's bytes. */
function snapshot(dataDir: string): { paths: string[]; catalogue: string | null } {
  const paths: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(dataDir, full);
      if (entry.isDirectory()) {
        paths.push(`${rel}/`);
        walk(full);
      } else {
        paths.push(`${rel} ${fs.statSync(full).size}`);
      }
    }
  };
  walk(dataDir);
  const file = path.join(dataDir, TOPICS_FILE);
  return { paths: paths.sort(), catalogue: fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null };
}

/** Asserts `fn` rejects with an EddyError of `code` and that nothing under `dataDir` changed. */
async function rejectsAndChangesNothing(t: ExecutionContext, dataDir: string, fn: () => Promise<unknown>, code: string, label: string): Promise<void> {
  const before = snapshot(dataDir);
  const err = await t.throwsAsync(fn, undefined, label);
  t.true(isEddyError(err), `${label}: ${String(err)}`);
  t.is((err as { code?: string } | undefined)?.code, code, label);
  t.true(typeof err?.message === 'string' && err.message.length > 0, label);
  t.deepEqual(snapshot(dataDir), before, `${label} changed the data directory`);
}

test('create, list, describe, alter, add partitions and delete through eddy.admin', async (t) => {
  const { eddy, dataDir } = await open(t);
  const a = uniqueTopic('adm-b');
  const b = uniqueTopic('adm-a');
  const created = await eddy.admin.createTopic(a, { partitions: 2, config: { 'retention.ms': 86_400_000, 'cleanup.policy': 'compact' } });
  await eddy.admin.createTopic(b);
  t.deepEqual(await eddy.admin.listTopics(), [a, b].sort());

  // Shape: exactly these fields, partitions in order, every config with its effective value.
  t.deepEqual(Object.keys(created).sort(), ['config', 'name', 'partitions']);
  t.is(created.name, a);
  t.deepEqual(created.partitions, [
    { partition: 0, logStartOffset: 0, logEndOffset: 0, lastStableOffset: 0, bytes: 0, segments: 1 },
    { partition: 1, logStartOffset: 0, logEndOffset: 0, lastStableOffset: 0, bytes: 0, segments: 1 },
  ]);
  t.deepEqual(Object.keys(created.config).sort(), Object.keys(TOPIC_CONFIG_DEFS).sort());
  t.is(created.config['retention.ms'], '86400000');
  t.is(created.config['cleanup.policy'], 'compact');
  t.is(created.config['segment.bytes'], TOPIC_CONFIG_DEFS['segment.bytes'].default);
  t.true(fs.statSync(path.join(dataDir, `${a}-0`)).isDirectory());
  t.true(fs.statSync(path.join(dataDir, `${a}-1`)).isDirectory());

  const log = eddy.partitionLog(a, 1);
  log.append(batchOf(0, 3));
  const described = await eddy.admin.describeTopic(a);
  t.deepEqual(described.partitions[1], { partition: 1, logStartOffset: 0, logEndOffset: 3, lastStableOffset: 3, bytes: log.sizeInBytes(), segments: 1 });
  t.true(log.sizeInBytes() > 0);
  t.is(described.partitions[0]?.logEndOffset, 0);

  // alter: set one, reset another to its default with null.
  await eddy.admin.alterTopicConfig(a, { 'segment.bytes': 2048, 'cleanup.policy': null });
  const altered = await eddy.admin.describeTopic(a);
  t.is(altered.config['segment.bytes'], '2048');
  t.is(altered.config['cleanup.policy'], 'delete');
  t.is(altered.config['retention.ms'], '86400000', 'untouched overrides stay');
  t.is(log.config.segmentBytes, 2048, 'the running log sees the new value');
  t.deepEqual(JSON.parse(fs.readFileSync(path.join(dataDir, TOPICS_FILE), 'utf8')).topics[a].config, { 'retention.ms': '86400000', 'segment.bytes': '2048' });

  await eddy.admin.addPartitions(a, 4);
  const grown = await eddy.admin.describeTopic(a);
  t.deepEqual(grown.partitions.map((p) => [p.partition, p.logEndOffset]), [[0, 0], [1, 3], [2, 0], [3, 0]]);
  t.true(fs.statSync(path.join(dataDir, `${a}-3`)).isDirectory());
  t.is(eddy.partitionLog(a, 3).append(batchOf(0, 1)).baseOffset, 0);

  await eddy.admin.deleteTopic(b);
  t.deepEqual(await eddy.admin.listTopics(), [a]);
  t.false(fs.existsSync(path.join(dataDir, `${b}-0`)));
  await t.throwsAsync(() => eddy.admin.describeTopic(b), { code: 'ERR_TOPIC_NOT_FOUND' } as never);
});

test('Eddy.open topic defaults (log.*) show up as effective configs; overrides win', async (t) => {
  const { eddy } = await open(t, { config: { 'log.retention.ms': 5000, 'log.segment.bytes': '4096', 'log.cleanup.policy': 'compact' } });
  const plain = uniqueTopic('adm-def');
  const overridden = uniqueTopic('adm-ovr');
  const d1 = await eddy.admin.createTopic(plain);
  t.is(d1.config['retention.ms'], '5000');
  t.is(d1.config['segment.bytes'], '4096');
  t.is(d1.config['cleanup.policy'], 'compact');
  t.is(eddy.partitionLog(plain, 0).config.retentionMs, 5000);
  const d2 = await eddy.admin.createTopic(overridden, { config: { 'retention.ms': 7 } });
  t.is(d2.config['retention.ms'], '7');
  t.is(d2.config['segment.bytes'], '4096');
  // Resetting an override falls back to the data-directory default, not Kafka's.
  await eddy.admin.alterTopicConfig(overridden, { 'retention.ms': null });
  t.is((await eddy.admin.describeTopic(overridden)).config['retention.ms'], '5000');
  t.is(eddy.partitionLog(overridden, 0).config.retentionMs, 5000);
});

const INVALID_NAMES: Array<[string, unknown, string]> = [
  ['../x', '../x', 'ERR_TOPIC_NAME_INVALID'],
  ['a/b', 'a/b', 'ERR_TOPIC_NAME_INVALID'],
  ['250 characters', 'x'.repeat(250), 'ERR_TOPIC_NAME_INVALID'],
  ['empty', '', 'ERR_TOPIC_NAME_INVALID'],
  ['.', '.', 'ERR_TOPIC_NAME_INVALID'],
  ['..', '..', 'ERR_TOPIC_NAME_INVALID'],
  ['a space', 'a b', 'ERR_TOPIC_NAME_INVALID'],
  ['backslash', 'a\\b', 'ERR_TOPIC_NAME_INVALID'],
  ['NUL', 'a\u0000b', 'ERR_TOPIC_NAME_INVALID'],
  ['non-ASCII', 'tópic', 'ERR_TOPIC_NAME_INVALID'],
  ['absolute path', '/tmp/x', 'ERR_TOPIC_NAME_INVALID'],
  ['not a string', 42, 'ERR_TOPIC_NAME_INVALID'],
  ['__ prefix', '__consumer_offsets', 'ERR_TOPIC_RESERVED'],
  ['__ prefix, user-made', '__mine', 'ERR_TOPIC_RESERVED'],
];

test('invalid topic names get a coded error and create nothing on disk', async (t) => {
  const { eddy, dataDir } = await open(t);
  // An existing topic, so the catalogue file exists and must stay byte-for-byte the same.
  await eddy.admin.createTopic(uniqueTopic('adm-keep'));
  for (const [label, name, code] of INVALID_NAMES) {
    await rejectsAndChangesNothing(t, dataDir, () => eddy.admin.createTopic(name as string), code, `create ${label}`);
    await rejectsAndChangesNothing(t, dataDir, () => eddy.admin.createTopic(name as string, { partitions: 3, config: { 'retention.ms': 1 } }), code, `create ${label} with config`);
  }
  t.is((await eddy.admin.listTopics({ includeInternal: true })).length, 1);
  // Nothing escaped the data directory either.
  t.false(fs.existsSync(path.join(path.dirname(dataDir), 'x-0')));
});

test('names at the limits are accepted: 249 characters, dots, dashes, underscores', async (t) => {
  const { eddy, dataDir } = await open(t);
  const long = 'l'.repeat(249);
  for (const name of [long, 'a.b_c-D9', '...', '_single', 'x-0']) {
    const d = await eddy.admin.createTopic(name);
    t.is(d.name, name);
    t.true(fs.existsSync(path.join(dataDir, `${name}-0`)), name);
  }
  // A 249-character topic can also be written to, deleted (its `-delete` rename name is over 255
  // bytes) and recreated empty.
  eddy.partitionLog(long, 0).append(batchOf(0, 2));
  await eddy.admin.deleteTopic(long);
  t.false(fs.existsSync(path.join(dataDir, `${long}-0`)));
  t.deepEqual(fs.readdirSync(dataDir).filter((n) => n.startsWith(long)), []);
  await eddy.admin.createTopic(long);
  t.is(eddy.partitionLog(long, 0).logEndOffset(), 0);
});

const INVALID_CONFIGS: Array<[Record<string, unknown>, string]> = [
  [{ 'no.such.config': 1 }, 'ERR_CONFIG_UNKNOWN'],
  [{ 'retention.ms': 1000, 'retention.msec': 1000 }, 'ERR_CONFIG_UNKNOWN'],
  [{ 'retention.ms': 'abc' }, 'ERR_CONFIG_INVALID'],
  [{ 'retention.ms': '' }, 'ERR_CONFIG_INVALID'],
  [{ 'retention.ms': 1.5 }, 'ERR_CONFIG_INVALID'],
  [{ 'retention.ms': -2 }, 'ERR_CONFIG_INVALID'],
  [{ 'retention.ms': '99999999999999999999' }, 'ERR_CONFIG_INVALID'],
  [{ 'segment.bytes': 1 }, 'ERR_CONFIG_INVALID'],
  [{ 'segment.bytes': 2 ** 31 }, 'ERR_CONFIG_INVALID'],
  [{ 'cleanup.policy': 'nope' }, 'ERR_CONFIG_INVALID'],
  [{ 'cleanup.policy': 'compact,nope' }, 'ERR_CONFIG_INVALID'],
  [{ 'message.timestamp.type': 'Foo' }, 'ERR_CONFIG_INVALID'],
  [{ 'min.cleanable.dirty.ratio': 2 }, 'ERR_CONFIG_INVALID'],
  [{ 'min.insync.replicas': 2 }, 'ERR_CONFIG_INVALID'],
  [{ preallocate: 'yes' }, 'ERR_CONFIG_INVALID'],
  [{ 'retention.ms': { toString: () => '5' } }, 'ERR_CONFIG_INVALID'],
];

test('invalid topic configs get ERR_CONFIG_UNKNOWN / ERR_CONFIG_INVALID and create nothing', async (t) => {
  const { eddy, dataDir } = await open(t);
  await eddy.admin.createTopic(uniqueTopic('adm-keep'));
  for (const [config, code] of INVALID_CONFIGS) {
    const name = uniqueTopic('adm-badcfg');
    const label = `create with ${JSON.stringify(config)}`;
    await rejectsAndChangesNothing(t, dataDir, () => eddy.admin.createTopic(name, { config: config as Record<string, string> }), code, label);
    t.false(fs.existsSync(path.join(dataDir, `${name}-0`)), label);
    t.false((await eddy.admin.listTopics()).includes(name), label);
  }
});

test('invalid config changes alter nothing, all or nothing', async (t) => {
  const { eddy, dataDir } = await open(t);
  const topic = uniqueTopic('adm-alter');
  await eddy.admin.createTopic(topic, { config: { 'retention.ms': 1234 } });
  const before = await eddy.admin.describeTopic(topic);
  const logConfig = { ...eddy.partitionLog(topic, 0).config };
  for (const [config, code] of INVALID_CONFIGS) {
    // A valid change next to the bad one must not be applied either.
    const changes = { 'segment.bytes': 4096, ...config } as Record<string, string | number | null>;
    await rejectsAndChangesNothing(t, dataDir, () => eddy.admin.alterTopicConfig(topic, changes), code, `alter with ${JSON.stringify(config)}`);
  }
  await rejectsAndChangesNothing(t, dataDir, () => eddy.admin.alterTopicConfig(topic, { 'segment.bytes': 4096, 'no.such.config': null }), 'ERR_CONFIG_UNKNOWN', 'reset of an unknown config');
  t.deepEqual(await eddy.admin.describeTopic(topic), before);
  t.deepEqual(eddy.partitionLog(topic, 0).config, logConfig);
  await rejectsAndChangesNothing(t, dataDir, () => eddy.admin.alterTopicConfig(uniqueTopic('adm-missing'), { 'retention.ms': 1 }), 'ERR_TOPIC_NOT_FOUND', 'alter a missing topic');
});

test('duplicate create is ERR_TOPIC_EXISTS and leaves the existing topic and its data alone', async (t) => {
  const { eddy, dataDir } = await open(t);
  const topic = uniqueTopic('adm-dup');
  await eddy.admin.createTopic(topic, { partitions: 2, config: { 'retention.ms': 1000 } });
  eddy.partitionLog(topic, 0).append(batchOf(0, 5));
  await eddy.partitionLog(topic, 0).flush();
  await rejectsAndChangesNothing(t, dataDir, () => eddy.admin.createTopic(topic), 'ERR_TOPIC_EXISTS', 'same name');
  await rejectsAndChangesNothing(t, dataDir, () => eddy.admin.createTopic(topic, { partitions: 5, config: { 'retention.ms': 5 } }), 'ERR_TOPIC_EXISTS', 'same name, other settings');
  const d = await eddy.admin.describeTopic(topic);
  t.is(d.partitions.length, 2);
  t.is(d.config['retention.ms'], '1000');
  t.deepEqual(readAll(eddy.partitionLog(topic, 0)).map((r) => r.value?.toString()), ['v0', 'v1', 'v2', 'v3', 'v4']);
});

test('partition counts: 0, negative, fractional, huge or fewer are ERR_PARTITIONS_INVALID and change nothing', async (t) => {
  const { eddy, dataDir } = await open(t);
  for (const partitions of [0, -1, 1.5, Number.NaN, 10_001, '2' as unknown as number]) {
    const name = uniqueTopic('adm-parts');
    await rejectsAndChangesNothing(t, dataDir, () => eddy.admin.createTopic(name, { partitions }), 'ERR_PARTITIONS_INVALID', `create with ${String(partitions)}`);
  }
  const topic = uniqueTopic('adm-grow');
  await eddy.admin.createTopic(topic, { partitions: 3 });
  for (const total of [3, 2, 1, 0, -4, 3.5, 10_001]) {
    await rejectsAndChangesNothing(t, dataDir, () => eddy.admin.addPartitions(topic, total), 'ERR_PARTITIONS_INVALID', `addPartitions ${total}`);
  }
  t.is((await eddy.admin.describeTopic(topic)).partitions.length, 3);
  await rejectsAndChangesNothing(t, dataDir, () => eddy.admin.addPartitions(uniqueTopic('adm-missing'), 5), 'ERR_TOPIC_NOT_FOUND', 'addPartitions to a missing topic');
});

test('delete removes the directories; recreating the name starts empty at offset 0', async (t) => {
  const { eddy, dataDir } = await open(t);
  const topic = uniqueTopic('adm-del');
  await eddy.admin.createTopic(topic, { partitions: 2, config: { 'segment.bytes': 1000 } });
  for (let i = 0; i < 10; i++) eddy.partitionLog(topic, i % 2).append(batchOf(i, 1, 1_700_000_000_000, 300));
  t.true(eddy.partitionLog(topic, 0).segmentCount() > 1);
  const log = eddy.partitionLog(topic, 0);
  await eddy.admin.deleteTopic(topic);
  t.deepEqual(fs.readdirSync(dataDir).filter((n) => n.startsWith(topic)), [], 'no partition or -delete directories remain');
  t.false(topic in JSON.parse(fs.readFileSync(path.join(dataDir, TOPICS_FILE), 'utf8')).topics);
  t.throws(() => eddy.partitionLog(topic, 0), { code: 'ERR_TOPIC_NOT_FOUND' } as never);
  t.throws(() => log.append(batchOf(0, 1)), { code: 'ERR_LOG_CLOSED' } as never, 'a handle to the deleted log is closed');
  await t.throwsAsync(() => eddy.admin.deleteTopic(topic), { code: 'ERR_TOPIC_NOT_FOUND' } as never);

  const again = await eddy.admin.createTopic(topic);
  t.is(again.partitions.length, 1);
  t.deepEqual(again.partitions[0], { partition: 0, logStartOffset: 0, logEndOffset: 0, lastStableOffset: 0, bytes: 0, segments: 1 });
  t.is(again.config['segment.bytes'], TOPIC_CONFIG_DEFS['segment.bytes'].default, 'the old overrides are gone');
  t.deepEqual(fs.readdirSync(path.join(dataDir, `${topic}-0`)).filter((f) => f.endsWith('.log')), ['00000000000000000000.log']);
  const [meta] = await eddy.producer().send({ topic, messages: [{ value: 'fresh' }] });
  t.is(meta?.offset, 0);
  t.deepEqual(readAll(eddy.partitionLog(topic, 0)).map((r) => r.value?.toString()), ['fresh']);
});

test('topics, partition counts, configs and data survive a reopen', async (t) => {
  const dataDir = tempDir(t);
  const topic = uniqueTopic('adm-reopen');
  const other = uniqueTopic('adm-reopen');
  let eddy = await Eddy.open({ dataDir });
  await eddy.admin.createTopic(topic, { partitions: 2, config: { 'retention.ms': 4242, 'cleanup.policy': 'compact,delete' } });
  await eddy.admin.createTopic(other);
  await eddy.admin.addPartitions(topic, 3);
  await eddy.admin.alterTopicConfig(topic, { 'max.message.bytes': 5000 });
  eddy.partitionLog(topic, 2).append(batchOf(0, 4));
  await eddy.admin.deleteTopic(other);
  const before = await eddy.admin.describeTopic(topic);
  await eddy.close();

  eddy = await Eddy.open({ dataDir });
  t.teardown(() => eddy.close());
  t.deepEqual(await eddy.admin.listTopics(), [topic]);
  const after = await eddy.admin.describeTopic(topic);
  t.deepEqual(after, before);
  t.is(after.config['retention.ms'], '4242');
  t.is(after.config['cleanup.policy'], 'compact,delete');
  t.is(after.config['max.message.bytes'], '5000');
  t.is(eddy.partitionLog(topic, 2).config.maxMessageBytes, 5000);
  t.deepEqual(readAll(eddy.partitionLog(topic, 2)).map((r) => r.offset), [0, 1, 2, 3]);
});

test('open removes orphan partition directories and interrupted -delete directories, nothing else', async (t) => {
  const dataDir = tempDir(t);
  const topic = uniqueTopic('adm-orphan');
  let eddy = await Eddy.open({ dataDir });
  await eddy.admin.createTopic(topic, { partitions: 2 });
  eddy.partitionLog(topic, 0).append(batchOf(0, 3));
  await eddy.close();

  const plant = (dir: string): void => {
    fs.mkdirSync(path.join(dataDir, dir), { recursive: true });
    fs.writeFileSync(path.join(dataDir, dir, '00000000000000000000.log'), 'stale');
  };
  plant('unknown-topic-0'); // partition directory of a topic the catalogue does not know
  plant('x-0.abc-delete'); // a topic deletion interrupted by a crash
  plant(`${topic}-1.k9z-delete`);
  plant(`${topic}-7`); // partition beyond the topic's count
  fs.mkdirSync(path.join(dataDir, 'notes')); // not Kafka-shaped: left alone
  fs.writeFileSync(path.join(dataDir, 'README.txt'), 'mine');

  eddy = await Eddy.open({ dataDir });
  t.teardown(() => eddy.close());
  for (const gone of ['unknown-topic-0', 'x-0.abc-delete', `${topic}-1.k9z-delete`, `${topic}-7`]) t.false(fs.existsSync(path.join(dataDir, gone)), gone);
  t.true(fs.existsSync(path.join(dataDir, 'notes')));
  t.is(fs.readFileSync(path.join(dataDir, 'README.txt'), 'utf8'), 'mine');
  t.deepEqual(await eddy.admin.listTopics(), [topic]);
  t.deepEqual(readAll(eddy.partitionLog(topic, 0)).map((r) => r.offset), [0, 1, 2]);
  t.is(eddy.partitionLog(topic, 1).logEndOffset(), 0);
});

test('a catalogued topic whose directories are missing comes back empty', async (t) => {
  const dataDir = tempDir(t);
  const topic = uniqueTopic('adm-missing-dir');
  let eddy = await Eddy.open({ dataDir });
  await eddy.admin.createTopic(topic, { partitions: 2 });
  eddy.partitionLog(topic, 1).append(batchOf(0, 2));
  await eddy.close();
  fs.rmSync(path.join(dataDir, `${topic}-1`), { recursive: true });
  eddy = await Eddy.open({ dataDir });
  t.teardown(() => eddy.close());
  const log = eddy.partitionLog(topic, 1);
  t.true(fs.existsSync(path.join(dataDir, `${topic}-1`)));
  t.deepEqual(readAll(log), []);
  // Offsets the lost data had are not handed out again: the log goes on from its checkpoint.
  t.is(log.logStartOffset(), log.logEndOffset());
  t.is(log.logEndOffset(), 2);
  t.is(log.append(batchOf(0, 1)).baseOffset, 2);
  t.is(eddy.partitionLog(topic, 0).logEndOffset(), 0);
});

test('a topic deleted and recreated under the same name does not inherit the old checkpoints after a crash', async (t) => {
  // The old topic's log-start and recovery-point checkpoint entries are keyed by name only. If they
  // survive until a crash, the next open applies them to the new topic of that name.
  const dataDir = tempDir(t);
  const crashCopy = tempDir(t);
  const clock = new ManualClock(1_800_000_000_000);
  const topic = uniqueTopic('adm-recreate');
  const eddy = await Eddy.open({ dataDir, clock });
  t.teardown(() => eddy.close());
  await eddy.admin.createTopic(topic, { config: { 'segment.bytes': 1000, 'retention.ms': 10_000 } });
  for (let i = 0; i < 5; i++) eddy.partitionLog(topic, 0).append(batchOf(i, 1, clock.now() - 60_000, 600));
  t.is(await eddy.admin.runRetention(), 4); // writes log-start-offset-checkpoint: `<topic> 0 4`
  await eddy.admin.deleteTopic(topic);
  await eddy.admin.createTopic(topic);
  // Two acknowledged (appended and fsynced) records in the new topic.
  const sent = await eddy.producer({ acks: 'all' }).send({ topic, messages: [{ value: 'new-0' }, { value: 'new-1' }] });
  t.deepEqual(sent.map((m) => m.offset), [0, 1]);
  // What a kill -9 now leaves behind: the running directory without the clean-shutdown marker.
  copyDataDir(dataDir, crashCopy);
  const reopened = await Eddy.open({ dataDir: crashCopy, clock });
  t.teardown(() => reopened.close());
  const log = reopened.partitionLog(topic, 0);
  t.is(log.logEndOffset(), 2);
  t.is(log.logStartOffset(), 0, 'the old topic\'s log start offset hides the new topic\'s records');
  t.deepEqual(readAll(log, 0).map((r) => r.value?.toString()), ['new-0', 'new-1']);
});

test('pathInside refuses paths that escape the data directory', (t) => {
  const root = tempDir(t);
  for (const escape of ['..', '../x', '../../etc/passwd', 'a/../../x', '/etc/passwd', `../${path.basename(root)}x/y`]) {
    t.throws(() => pathInside(root, escape), { code: 'ERR_PATH_OUTSIDE_DATA_DIR' } as never, escape);
  }
  t.is(pathInside(root, 'orders-0'), path.join(root, 'orders-0'));
  t.is(pathInside(root, 'a/../orders-1'), path.join(root, 'orders-1'));
  t.is(pathInside(`${root}/`, 'x-0'), path.join(root, 'x-0'));
});

test('producing to a missing topic auto-creates it with num.partitions', async (t) => {
  const { eddy, dataDir } = await open(t, { config: { 'num.partitions': 3 } });
  const topic = uniqueTopic('adm-auto');
  const producer = eddy.producer();
  const [meta] = await producer.send({ topic, messages: [{ key: 'k', value: 'v' }] });
  t.is(meta?.offset, 0);
  const d = await eddy.admin.describeTopic(topic);
  t.is(d.partitions.length, 3);
  t.is(d.partitions.reduce((n, p) => n + p.logEndOffset, 0), 1);
  for (let p = 0; p < 3; p++) t.true(fs.existsSync(path.join(dataDir, `${topic}-${p}`)));
  // An explicit createTopic without partitions uses num.partitions too.
  t.is((await eddy.admin.createTopic(uniqueTopic('adm-auto'))).partitions.length, 3);
  // Auto-creation applies the same name rules.
  await rejectsAndChangesNothing(t, dataDir, () => producer.send({ topic: '../escape', messages: [{ value: 'x' }] }), 'ERR_TOPIC_NAME_INVALID', 'auto-create ../escape');
  await rejectsAndChangesNothing(t, dataDir, () => producer.send({ topic: '__consumer_offsets', messages: [{ value: 'x' }] }), 'ERR_TOPIC_RESERVED', 'auto-create __consumer_offsets');
});

test('auto.create.topics.enable false makes producing to a missing topic ERR_TOPIC_NOT_FOUND', async (t) => {
  const { eddy, dataDir } = await open(t, { config: { 'auto.create.topics.enable': false } });
  const topic = uniqueTopic('adm-noauto');
  // The producer takes its producer id (a block of ids is recorded in the data directory) first.
  const producer = eddy.producer();
  await new Promise((resolve) => setImmediate(resolve));
  await rejectsAndChangesNothing(t, dataDir, () => producer.send({ topic, messages: [{ value: 'x' }] }), 'ERR_TOPIC_NOT_FOUND', 'send');
  t.deepEqual(await eddy.admin.listTopics(), []);
  await eddy.admin.createTopic(topic);
  const [meta] = await eddy.producer().send({ topic, messages: [{ value: 'x' }] });
  t.is(meta?.offset, 0);
});

test('bad Eddy.open config is ERR_CONFIG_UNKNOWN / ERR_CONFIG_INVALID and takes no lock', async (t) => {
  const dataDir = tempDir(t);
  const bad: Array<[Record<string, string | number | boolean>, string]> = [
    [{ 'no.such.setting': 1 }, 'ERR_CONFIG_UNKNOWN'],
    [{ 'retention.ms': 1000 }, 'ERR_CONFIG_UNKNOWN'], // a topic config name, not the broker's log.retention.ms
    [{ 'num.partitions': 0 }, 'ERR_CONFIG_INVALID'],
    [{ 'num.partitions': 'three' }, 'ERR_CONFIG_INVALID'],
    [{ 'num.partitions': 1.5 }, 'ERR_CONFIG_INVALID'],
    [{ 'auto.create.topics.enable': 'yes' }, 'ERR_CONFIG_INVALID'],
    [{ 'log.retention.check.interval.ms': 0 }, 'ERR_CONFIG_INVALID'],
    [{ 'log.retention.ms': 'abc' }, 'ERR_CONFIG_INVALID'],
    [{ 'log.segment.bytes': 1 }, 'ERR_CONFIG_INVALID'],
    [{ 'log.cleanup.policy': 'nope' }, 'ERR_CONFIG_INVALID'],
    [{ 'log.message.timestamp.type': 'Foo' }, 'ERR_CONFIG_INVALID'],
    [{ 'group.initial.rebalance.delay.ms': -1 }, 'ERR_CONFIG_INVALID'],
  ];
  for (const [config, code] of bad) {
    await t.throwsAsync(() => Eddy.open({ dataDir, config }), { code } as never, JSON.stringify(config));
  }
  await t.throwsAsync(() => Eddy.open({ dataDir: '' }), { code: 'ERR_CONFIG_INVALID' } as never);
  await t.throwsAsync(() => Eddy.open(undefined as unknown as EddyOptions), { code: 'ERR_CONFIG_INVALID' } as never);
  t.false(fs.existsSync(path.join(dataDir, '.lock')), 'no lock left behind');
  const eddy = await Eddy.open({ dataDir, config: { 'num.partitions': '2', 'auto.create.topics.enable': 'true' } });
  t.is((await eddy.admin.createTopic(uniqueTopic('adm-ok'))).partitions.length, 2);
  await eddy.close();
});

test('calls on a closed Eddy are ERR_LOG_CLOSED', async (t) => {
  const dataDir = tempDir(t);
  const eddy = await Eddy.open({ dataDir });
  const topic = uniqueTopic('adm-closed');
  await eddy.admin.createTopic(topic);
  await eddy.close();
  await t.throwsAsync(() => eddy.admin.createTopic(uniqueTopic('adm-closed')), { code: 'ERR_LOG_CLOSED' } as never);
  await t.throwsAsync(() => eddy.admin.describeTopic(topic), { code: 'ERR_LOG_CLOSED' } as never);
  await t.throwsAsync(() => eddy.admin.runRetention(), { code: 'ERR_LOG_CLOSED' } as never);
  t.throws(() => eddy.producer(), { code: 'ERR_LOG_CLOSED' } as never);
});

test('a non-empty directory that is not an Eddy data directory is refused and left untouched', async (t) => {
  const dataDir = tempDir(t);
  fs.mkdirSync(path.join(dataDir, 'photos-2023'));
  fs.writeFileSync(path.join(dataDir, 'photos-2023', 'a.jpg'), 'precious');
  fs.mkdirSync(path.join(dataDir, 'old-delete'));
  const err = await t.throwsAsync(() => Eddy.open({ dataDir }), { code: 'ERR_DATA_DIR_INVALID' } as never);
  t.regex(err?.message ?? '', /not an Eddy data directory/);
  t.deepEqual(fs.readdirSync(dataDir).sort(), ['old-delete', 'photos-2023']);
  t.is(fs.readFileSync(path.join(dataDir, 'photos-2023', 'a.jpg'), 'utf8'), 'precious');
});

test('inside an Eddy data directory, folders that hold anything but partition files are never removed', async (t) => {
  const dataDir = tempDir(t);
  await (await Eddy.open({ dataDir })).close();
  fs.mkdirSync(path.join(dataDir, 'release-1'));
  fs.writeFileSync(path.join(dataDir, 'release-1', 'notes.txt'), 'keep me');
  fs.mkdirSync(path.join(dataDir, 'gone-0'));
  fs.writeFileSync(path.join(dataDir, 'gone-0', '00000000000000000000.log'), '');
  const eddy = await Eddy.open({ dataDir });
  t.true(fs.existsSync(path.join(dataDir, 'release-1', 'notes.txt')));
  t.false(fs.existsSync(path.join(dataDir, 'gone-0')), 'an orphan partition directory is removed');
  await eddy.close();
});
