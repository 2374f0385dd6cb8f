/**
 * The real `eddy` command: consume --group commits what it printed, groups list/describe/delete,
 * reset-offsets in every mode (dry run first), and produce --null-marker.
 */
import test, { type ExecutionContext } from 'ava';
import { lines, makeDataDir, runEddy } from '../helpers/cli.js';

async function eddy(dir: string, args: string[], input?: string) {
  return runEddy([...args, '--data-dir', dir], input === undefined ? {} : { input });
}

async function withTopic(t: ExecutionContext): Promise<string> {
  const dir = await makeDataDir(t);
  t.is((await eddy(dir, ['topics', 'create', 'clicks', '--partitions', '2'])).code, 0);
  const input = Array.from({ length: 10 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
  t.is((await eddy(dir, ['produce', 'clicks', '--key-separator', ':'], input)).code, 0);
  return dir;
}

test('consume --group prints, commits what it printed, and the next run continues after it', async (t) => {
  const dir = await withTopic(t);
  const first = await eddy(dir, ['consume', 'clicks', '--group', 'readers', '--from-beginning', '--max-messages', '4']);
  t.is(first.code, 0, first.stderr);
  t.is(lines(first.stdout).length, 4);
  const described = await eddy(dir, ['groups', 'describe', 'readers', '--format', 'json']);
  t.is(described.code, 0, described.stderr);
  const d = JSON.parse(described.stdout) as { group: string; state: string; members: unknown[]; partitions: Array<{ committedOffset: number; logEndOffset: number; lag: number }> };
  t.is(d.group, 'readers');
  t.is(d.state, 'Empty');
  t.deepEqual(d.members, []);
  t.is(d.partitions.reduce((s, p) => s + p.committedOffset, 0), 4, 'exactly the printed records are committed');
  t.true(d.partitions.length >= 1, 'partitions with a committed offset are listed');
  t.true(d.partitions.every((p) => p.lag === p.logEndOffset - p.committedOffset));
  const rest = await eddy(dir, ['consume', 'clicks', '--group', 'readers', '--from-beginning', '--timeout-ms', '1500']);
  t.is(lines(rest.stdout).length, 6, 'the rest, nothing twice');
  t.deepEqual([...lines(first.stdout), ...lines(rest.stdout)].sort(), Array.from({ length: 10 }, (_, i) => `v${i}`).sort());
  const text = await eddy(dir, ['groups', 'describe', 'readers']);
  t.regex(text.stdout, /TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG/);
  t.is((await eddy(dir, ['groups', 'list'])).stdout, 'readers\n');
});

test('reset-offsets: the dry run prints old → new and changes nothing; --execute applies; every mode parses', async (t) => {
  const dir = await withTopic(t);
  await eddy(dir, ['consume', 'clicks', '--group', 'g', '--from-beginning', '--max-messages', '10']);
  const committed = async (): Promise<number[]> => (JSON.parse((await eddy(dir, ['groups', 'describe', 'g', '--format', 'json'])).stdout) as { partitions: Array<{ committedOffset: number }> }).partitions.map((p) => p.committedOffset);
  const before = await committed();
  const dry = await eddy(dir, ['groups', 'reset-offsets', 'g', '--topic', 'clicks', '--to-earliest']);
  t.is(dry.code, 0, dry.stderr);
  t.regex(dry.stdout, /Dry run/);
  t.regex(dry.stdout, /clicks\s+0\s+\d+\s+→\s+0/);
  t.deepEqual(await committed(), before);
  for (const mode of [['--to-latest'], ['--to-offset', '1'], ['--to-datetime', '2020-01-01T00:00:00'], ['--by-duration', 'PT1H'], ['--shift-by', '-1'], ['--to-datetime', '2020-01-01T00:00:00+02:00']]) {
    const r = await eddy(dir, ['groups', 'reset-offsets', 'g', '--topic', 'clicks:0', ...mode]);
    t.is(r.code, 0, `${mode.join(' ')}: ${r.stderr}`);
    t.regex(r.stdout, /clicks\s+0\s+\d+\s+→\s+\d+/);
    t.is(/UTC/.test(r.stdout), mode[1] === '2020-01-01T00:00:00', `${mode.join(' ')}: says UTC only for a datetime without a zone`);
  }
  t.deepEqual(await committed(), before, 'dry runs changed nothing');
  const run = await eddy(dir, ['groups', 'reset-offsets', 'g', '--topic', 'clicks:1', '--to-earliest', '--execute']);
  t.is(run.code, 0, run.stderr);
  t.deepEqual(await committed(), [before[0]!, 0]);
  const bad = await eddy(dir, ['groups', 'reset-offsets', 'g', '--topic', 'clicks', '--to-earliest', '--to-latest']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /ERR_CLI_USAGE/);
  t.is((await eddy(dir, ['groups', 'reset-offsets', 'g', '--topic', 'clicks', '--by-duration', '1h'])).code, 2);
});

test('groups delete removes an empty group; describe then fails with a coded error', async (t) => {
  const dir = await withTopic(t);
  await eddy(dir, ['consume', 'clicks', '--group', 'gone', '--from-beginning', '--max-messages', '1']);
  const del = await eddy(dir, ['groups', 'delete', 'gone']);
  t.is(del.code, 0, del.stderr);
  const d = await eddy(dir, ['groups', 'describe', 'gone']);
  t.is(d.code, 1);
  t.regex(d.stderr, /^eddy: ERR_GROUP_NOT_FOUND/);
  t.is((await eddy(dir, ['groups', 'list'])).stdout, '');
});

test('produce --null-marker writes a tombstone for a line whose value is the marker', async (t) => {
  const dir = await makeDataDir(t);
  await eddy(dir, ['topics', 'create', 'p']);
  t.is((await eddy(dir, ['produce', 'p', '--key-separator', ':', '--null-marker', 'NULL'], 'a:1\nb:NULL\nc:NULLx\n')).code, 0);
  const out = await eddy(dir, ['consume', 'p', '--from-beginning', '--format', 'json', '--max-messages', '3']);
  const values = lines(out.stdout).map((l) => (JSON.parse(l) as { value: string | null }).value);
  t.deepEqual(values, ['1', null, 'NULLx']);
});
