/**
 * Smoke test of the benchmark harness: `bench/run.ts --quick --json` runs every goal at tiny sizes
 * and prints one well-formed JSON line per goal. The figures at these sizes mean nothing, so only
 * the shape is checked (a missing redis-server or kcat must show up as a missing figure, not a
 * number; a reported-only figure carries no target).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));

const GOALS = [
  'append.redis-xadd',
  'append.fs-write',
  'durable-append.fs-fdatasync',
  'idempotent-append.non-idempotent',
  'read.redis-xrange',
  'read.fs-slice',
  'latency.redis-xread',
  'group-consume.assign',
  'transactional-copy.plain-copy',
  'compaction.naive-pass',
  'compaction.append-solo',
  'compaction.max-pause',
  'memory.rss-growth',
  'wire-produce.raw-tcp-1p',
  'wire-produce.broker-capacity-1p',
  'wire-produce.kcat-ceiling-1p',
  'wire-produce.raw-tcp-3p',
  'wire-produce.broker-capacity-3p',
  'wire-produce.kcat-ceiling-3p',
  'wire-consume.raw-tcp-1p',
  'wire-consume.broker-capacity-1p',
  'wire-consume.kcat-ceiling-1p',
  'wire-consume.raw-tcp-3p',
  'wire-consume.broker-capacity-3p',
  'wire-consume.kcat-ceiling-3p',
  'wire-clients.kafkajs-produce',
  'wire-clients.kafkajs-consume',
  'wire-clients.platformatic-produce',
  'wire-clients.platformatic-fetch',
  'wire-clients.platformatic-consume',
];

test('bench --quick --json prints one result line per goal', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--json'], {
    cwd: root,
    timeout: 60_000,
  });
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.deepEqual(lines.map((line) => line['goal']), GOALS);
  for (const line of lines) {
    const name = String(line['goal']);
    const kind = line['kind'];
    t.true(kind === 'ratio' || kind === 'absolute' || kind === 'reported', `${name}: kind`);
    t.true(line['compare'] === '>=' || line['compare'] === '<=', `${name}: compare`);
    if (line['value'] === null) {
      // Only a missing client (kcat) or a missing API may leave Eddy's own figure out, and it says why.
      t.regex(String(line['missing']), /not found|not served|failed/, `${name}: why the value is missing`);
      t.is(line['pass'], null, `${name}: pass without a value`);
    } else {
      t.true(typeof line['value'] === 'number' && Number.isFinite(line['value']), `${name}: value`);
    }
    if (kind === 'reported') {
      t.like(line, { target: null, pass: null }, `${name}: a reported figure is not judged`);
      // Beside a baseline of the same run (the broker's capacity against raw TCP), or alone.
      if (line['baseline'] !== null) t.true(typeof line['ratio'] === 'number' || line['value'] === null, `${name}: ratio to its baseline`);
      continue;
    }
    t.is(typeof line['target'], 'number', `${name}: target`);
    if (kind === 'absolute') {
      t.true(['memory.rss-growth', 'compaction.max-pause'].includes(name), 'only these goals have no baseline by design');
      t.like(line, { baseline: null, ratio: null }, `${name}: absolute`);
      t.is(typeof line['pass'], 'boolean', `${name}: pass`);
    } else if (line['baseline'] === null || line['value'] === null) {
      t.like(line, { ratio: null, pass: null }, `${name}: nothing to judge without a value or a baseline`);
      t.regex(String(line['missing']), /not found/, `${name}: missing says what to install`);
    } else {
      t.true(typeof line['baseline'] === 'number' && line['baseline'] > 0, `${name}: baseline`);
      t.is(line['ratio'], (line['value'] as number) / (line['baseline'] as number), `${name}: ratio`);
      t.is(typeof line['pass'], 'boolean', `${name}: pass`);
    }
  }
});

test('bench rejects an unknown goal before running anything', async (t) => {
  const error = await t.throwsAsync(promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--only', 'nope'], { cwd: root }));
  t.regex(String((error as { stderr?: string } | undefined)?.stderr), /unknown goal 'nope'/);
});

test('bench reports a missing redis-server as a missing baseline', async (t) => {
  // An empty PATH hides redis-server; node is started by its absolute path and tsx is resolved as a module.
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--json', '--only', 'append'], {
    cwd: root,
    env: { ...process.env, PATH: '' },
  });
  const redis = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line['goal'] === 'append.redis-xadd');
  t.like(redis, { baseline: null, ratio: null, pass: null, missing: 'redis-server not found (apt-get install redis-server)' });
});

test('bench reports a missing kcat as missing figures (the goal and kcat\'s ceiling), and still measures the raw TCP baseline and the broker\'s own capacity', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--json', '--only', 'wire-produce'], {
    cwd: root,
    env: { ...process.env, PATH: '' },
  });
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.deepEqual(lines.map((line) => line['goal']), GOALS.filter((goal) => goal.startsWith('wire-produce.')));
  for (const line of lines) {
    t.true(typeof line['baseline'] === 'number' && line['baseline'] > 0);
    if (line['kind'] === 'ratio' || String(line['goal']).includes('kcat-ceiling')) {
      t.like(line, { value: null, ratio: null, pass: null, missing: 'kcat not found (apt-get install kcat)' }, String(line['goal']));
    } else {
      t.like(line, { kind: 'reported', pass: null, target: null });
      t.true(typeof line['value'] === 'number' && line['value'] > 0 && typeof line['ratio'] === 'number');
    }
  }
});
