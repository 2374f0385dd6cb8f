/**
 * `eddy topics compact NAME` and the dirty ratio of `eddy topics describe`, through the real command
 * (`node bin/eddy.js`): a compacted topic produced with repeated keys is dirty, compacting it prints
 * progress and a summary on stderr, and afterwards it is clean and smaller while a consumer still sees
 * every key's latest value.
 */
import test from 'ava';
import { lines, makeDataDir, runEddy } from '../helpers/cli.js';

const ONE_CODED_LINE = /^eddy: ERR_[A-Z_]+: [^\n]+\n$/;

interface Described {
  partitions: Array<{ partition: number; bytes: number; segments: number; dirtyRatio?: number }>;
}

test('topics compact cleans a compacted topic with progress on stderr; describe shows the dirty ratio before and after', async (t) => {
  const dir = await makeDataDir(t);
  const d = ['--data-dir', dir];
  const created = await runEddy(['topics', 'create', 'profiles', '--config', 'cleanup.policy=compact', '--config', 'segment.bytes=1024', ...d]);
  t.is(created.code, 0, created.stderr);
  // Five runs of `eddy produce`: each one's batch lands in a segment of its own (segment.bytes=1024).
  for (let run = 0; run < 5; run++) {
    const input = Array.from({ length: 80 }, (_, j) => `user-${(run * 80 + j) % 10}:state-${run * 80 + j}`).join('\n') + '\n';
    const produced = await runEddy(['produce', 'profiles', '--key-separator', ':', ...d], { input });
    t.is(produced.code, 0, produced.stderr);
  }

  const before = JSON.parse((await runEddy(['topics', 'describe', 'profiles', '--format', 'json', ...d])).stdout) as Described;
  const p0 = before.partitions[0];
  t.is(p0?.segments, 5, `segments ${p0?.segments}`);
  t.is(p0?.dirtyRatio, 1, 'never cleaned: all closed segments are dirty');
  const text = await runEddy(['topics', 'describe', 'profiles', ...d]);
  t.regex(text.stdout, /\nPARTITION +LOG-START-OFFSET +LOG-END-OFFSET +LAST-STABLE-OFFSET +SIZE +SEGMENTS +DIRTY-RATIO\n0 +0 +400 +400 +\d+ +\d+ +1\.00\n$/);

  const compacted = await runEddy(['topics', 'compact', 'profiles', ...d]);
  t.is(compacted.code, 0, compacted.stderr);
  t.is(compacted.stdout, '');
  const notes = lines(compacted.stderr);
  t.true(notes.some((l) => /^partition 0 pass 1: reading keys \d+% \(\d+ of \d+ bytes\)$/.test(l)), compacted.stderr);
  t.true(notes.some((l) => /^partition 0 pass 1: cleaning 100% \(\d+ of \d+ bytes\)$/.test(l)), compacted.stderr);
  const summary = /^Compacted topic profiles: 1 partitions, (\d+) → (\d+) bytes, (\d+) records removed in \d+ ms\.$/.exec(notes.at(-1) ?? '');
  t.truthy(summary, notes.at(-1));
  t.true(Number(summary?.[2]) < Number(summary?.[1]));
  t.is(Number(summary?.[3]), 4 * 80 - 10, 'the four closed segments keep one record per key');

  const after = JSON.parse((await runEddy(['topics', 'describe', 'profiles', '--format', 'json', ...d])).stdout) as Described;
  t.is(after.partitions[0]?.dirtyRatio, 0);
  t.true((after.partitions[0]?.bytes ?? Infinity) < (p0?.bytes ?? 0));

  const consumed = await runEddy(['consume', 'profiles', '--from-beginning', '--format', 'json', '--timeout-ms', '1000', ...d]);
  t.is(consumed.code, 0, consumed.stderr);
  const records = lines(consumed.stdout).map((l) => JSON.parse(l) as { offset: number; key: string; value: string });
  t.is(records.length, 10 + 80, 'one per key below the active segment, plus the active segment');
  const table = new Map(records.map((r) => [r.key, r.value]));
  t.deepEqual([...table.entries()].sort(), Array.from({ length: 10 }, (_, k) => [`user-${k}`, `state-${390 + k}`]).sort());
  t.true(records.every((r, i) => i === 0 || r.offset > (records[i - 1]?.offset ?? -1)), 'offsets increase');
});

test('topics compact refuses a topic that is not compacted, and a missing one, with one coded line', async (t) => {
  const dir = await makeDataDir(t);
  const d = ['--data-dir', dir];
  t.is((await runEddy(['topics', 'create', 'clicks', ...d])).code, 0);
  const plain = await runEddy(['topics', 'compact', 'clicks', ...d]);
  t.not(plain.code, 0);
  t.regex(plain.stderr, ONE_CODED_LINE);
  t.regex(plain.stderr, /ERR_CONFIG_INVALID: .*cleanup\.policy/);
  const described = JSON.parse((await runEddy(['topics', 'describe', 'clicks', '--format', 'json', ...d])).stdout) as Described;
  t.false('dirtyRatio' in (described.partitions[0] ?? {}), 'no dirty ratio for a delete-only topic');
  const missing = await runEddy(['topics', 'compact', 'nope', ...d]);
  t.not(missing.code, 0);
  t.regex(missing.stderr, /^eddy: ERR_TOPIC_NOT_FOUND: /);
});
