import { readdir } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { lines, makeDataDir, runEddy } from '../helpers/cli.js';

const ONE_CODED_LINE = /^eddy: ERR_[A-Z_]+: [^\n]+\n$/;

test('create, list, describe (json and text), alter, add-partitions, delete', async (t) => {
  const dir = await makeDataDir(t);
  const d = ['--data-dir', dir];

  const created = await runEddy(['topics', 'create', 'orders', '--partitions', '3', '--config', 'retention.ms=86400000', ...d]);
  t.is(created.code, 0, created.stderr);
  t.is(created.stderr, 'Created topic orders.\n');
  t.is((await runEddy(['topics', 'create', 'audit', ...d])).code, 0);

  const listed = await runEddy(['topics', 'list', ...d]);
  t.is(listed.code, 0);
  t.deepEqual(lines(listed.stdout), ['audit', 'orders']);

  const json = await runEddy(['topics', 'describe', 'orders', '--format', 'json', ...d]);
  t.is(json.code, 0, json.stderr);
  const description = JSON.parse(json.stdout) as { name: string; partitions: unknown[]; config: Record<string, string> };
  t.is(description.name, 'orders');
  t.deepEqual(description.partitions, [0, 1, 2].map((partition) => ({ partition, logStartOffset: 0, logEndOffset: 0, lastStableOffset: 0, bytes: 0, segments: 1 })));
  t.is(description.config['retention.ms'], '86400000');
  t.deepEqual(Object.keys(json.stdout.trim().split('\n')), ['0'], 'one JSON document on one line');

  const text = await runEddy(['topics', 'describe', 'orders', ...d]);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /^Topic: orders\tPartitionCount: 3\n/);
  t.regex(text.stdout, /\n {2}retention\.ms=86400000\n/);
  t.regex(text.stdout, /\nPARTITION +LOG-START-OFFSET +LOG-END-OFFSET +LAST-STABLE-OFFSET +SIZE +SEGMENTS\n0 +0 +0 +0 +0 +1\n1 +0 +0 +0 +0 +1\n2 +0 +0 +0 +0 +1\n$/);

  const altered = await runEddy(['topics', 'alter', 'orders', '--config', 'cleanup.policy=compact', '--delete-config', 'retention.ms', ...d]);
  t.is(altered.code, 0, altered.stderr);
  const afterAlter = JSON.parse((await runEddy(['topics', 'describe', 'orders', '--format=json', ...d])).stdout) as typeof description;
  t.is(afterAlter.config['cleanup.policy'], 'compact');
  t.not(afterAlter.config['retention.ms'], '86400000', 'retention.ms reset to its default');

  const grown = await runEddy(['topics', 'add-partitions', 'orders', '--partitions', '5', ...d]);
  t.is(grown.code, 0, grown.stderr);
  const afterGrow = JSON.parse((await runEddy(['topics', 'describe', 'orders', '--format', 'json', ...d])).stdout) as typeof description;
  t.is(afterGrow.partitions.length, 5);

  const deleted = await runEddy(['topics', 'delete', 'orders', ...d]);
  t.is(deleted.code, 0, deleted.stderr);
  t.is(deleted.stderr, 'Deleted topic orders.\n');
  t.deepEqual(lines((await runEddy(['topics', 'list', ...d])).stdout), ['audit']);
});

test('invalid topic names exit non-zero with one coded line and create nothing', async (t) => {
  const root = await makeDataDir(t);
  const dir = path.join(root, 'data'); // so `../x` would land in root, which only this test uses
  t.is((await runEddy(['topics', 'list', '--data-dir', dir])).code, 0);
  const before = (await readdir(dir)).sort();
  for (const name of ['../x', 'a/b', 'x'.repeat(250), '..', '__mine']) {
    const r = await runEddy(['topics', 'create', name, '--data-dir', dir]);
    t.is(r.code, 1, name);
    t.regex(r.stderr, ONE_CODED_LINE, name);
    t.regex(r.stderr, /^eddy: ERR_TOPIC_(NAME_INVALID|RESERVED): /, name);
    t.is(r.stdout, '');
  }
  t.deepEqual((await readdir(dir)).sort(), before);
  t.deepEqual(await readdir(root), ['data'], 'nothing escaped the data directory');
  t.is((await runEddy(['topics', 'list', '--data-dir', dir])).stdout, '');
});

test('library errors and bad numbers are one coded line', async (t) => {
  const dir = await makeDataDir(t);
  const d = ['--data-dir', dir];
  t.is((await runEddy(['topics', 'create', 't', ...d])).code, 0);
  const cases: Array<[string[], RegExp, number]> = [
    [['topics', 'create', 't'], /^eddy: ERR_TOPIC_EXISTS: /, 1],
    [['topics', 'describe', 'nope'], /^eddy: ERR_TOPIC_NOT_FOUND: .*nope/, 1],
    [['topics', 'delete', 'nope'], /^eddy: ERR_TOPIC_NOT_FOUND: /, 1],
    [['topics', 'create', 'u', '--partitions', 'abc'], /^eddy: ERR_CLI_USAGE: --partitions must be an integer between 1 and 1000000, got "abc"\n$/, 2],
    [['topics', 'create', 'u', '--config', 'retention.ms=soon'], /^eddy: ERR_CONFIG_INVALID: /, 1],
    [['topics', 'create', 'u', '--config', 'no.such.config=1'], /^eddy: ERR_CONFIG_UNKNOWN: /, 1],
    [['topics', 'alter', 't'], /^eddy: ERR_CLI_USAGE: topics alter needs/, 2],
    [['topics', 'add-partitions', 't'], /^eddy: ERR_CLI_USAGE: topics add-partitions needs --partitions/, 2],
    [['topics', 'add-partitions', 't', '--partitions', '1'], /^eddy: ERR_PARTITIONS_INVALID: /, 1],
  ];
  for (const [args, stderr, code] of cases) {
    const r = await runEddy([...args, ...d]);
    t.is(r.code, code, args.join(' '));
    t.regex(r.stderr, stderr, args.join(' '));
    t.regex(r.stderr, ONE_CODED_LINE, args.join(' '));
  }
  t.deepEqual(lines((await runEddy(['topics', 'list', ...d])).stdout), ['t'], 'no failed create left a topic');
});

test('EDDY_DATA_DIR is the default data directory, --data-dir overrides it', async (t) => {
  const fromEnv = await makeDataDir(t);
  const fromFlag = await makeDataDir(t);
  t.is((await runEddy(['topics', 'create', 'e'], { env: { EDDY_DATA_DIR: fromEnv } })).code, 0);
  t.is((await runEddy(['topics', 'list', '--data-dir', fromEnv])).stdout, 'e\n');
  t.is((await runEddy(['topics', 'list', '--data-dir', fromFlag], { env: { EDDY_DATA_DIR: fromEnv } })).stdout, '');
});

test('an invalid name or config does not even create the data directory', async (t) => {
  const parent = await makeDataDir(t);
  const dataDir = path.join(parent, 'not-yet');
  for (const args of [['../x'], ['a/b'], ['x'.repeat(250)], ['ok', '--config', 'retention.ms=abc'], ['ok', '--config', 'nope=1']]) {
    const r = await runEddy(['topics', 'create', ...args, '--data-dir', dataDir]);
    t.is(r.code, 1);
    t.regex(r.stderr, /^eddy: ERR_(TOPIC_NAME_INVALID|CONFIG_INVALID|CONFIG_UNKNOWN): [^\n]*\n$/);
  }
  t.false((await readdir(parent)).includes('not-yet'));
});
