import test, { type ExecutionContext } from 'ava';
import { lines, makeDataDir, runEddy, startEddy } from '../helpers/cli.js';

interface JsonRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  keyEncoding?: string;
  value: string | null;
  valueEncoding?: string;
  headers: Array<{ key: string; value: string | null; valueEncoding?: string }>;
}

function parseJsonLines(stdout: string): JsonRecord[] {
  return lines(stdout).map((l) => JSON.parse(l) as JsonRecord);
}

async function topicWith(t: ExecutionContext, partitions = 1): Promise<string[]> {
  const dir = await makeDataDir(t);
  const created = await runEddy(['topics', 'create', 'events', '--partitions', String(partitions), '--data-dir', dir]);
  t.is(created.code, 0, created.stderr);
  return ['--data-dir', dir];
}

test('produce with a key separator and headers, consume every field as json', async (t) => {
  const d = await topicWith(t);
  const before = Date.now();
  const produced = await runEddy(['produce', 'events', '--key-separator', ':', '--header', 'source=cli', '--header', 'trace=a=b', ...d], {
    input: 'k1:v1\r\nk2:v:2\n:empty key\nk4:', // CRLF, SEP inside the value, empty key, empty value, no final newline
  });
  const after = Date.now();
  t.is(produced.code, 0, produced.stderr);
  t.is(produced.stderr, '4 records produced\n');

  const consumed = await runEddy(['consume', 'events', '--from-beginning', '--format', 'json', '--timeout-ms', '500', ...d]);
  t.is(consumed.code, 0, consumed.stderr);
  t.is(consumed.stderr, '4 records consumed\n');
  const records = parseJsonLines(consumed.stdout);
  const headers = [{ key: 'source', value: 'cli' }, { key: 'trace', value: 'a=b' }];
  t.deepEqual(records.map(({ timestamp: _, ...r }) => r), [
    { topic: 'events', partition: 0, offset: 0, key: 'k1', value: 'v1', headers },
    { topic: 'events', partition: 0, offset: 1, key: 'k2', value: 'v:2', headers },
    { topic: 'events', partition: 0, offset: 2, key: '', value: 'empty key', headers },
    { topic: 'events', partition: 0, offset: 3, key: 'k4', value: '', headers },
  ]);
  for (const r of records) t.true(r.timestamp >= before - 1000 && r.timestamp <= after + 1000, `timestamp ${r.timestamp}`);
  t.deepEqual(Object.keys(records[0] ?? {}), ['topic', 'partition', 'offset', 'timestamp', 'key', 'value', 'headers']);
});

test('a line without the key separator stops produce with its line number; earlier lines are kept', async (t) => {
  const d = await topicWith(t);
  const r = await runEddy(['produce', 'events', '--key-separator', '\t', ...d], { input: 'a\t1\nb\t2\nno separator\nc\t3\n' });
  t.is(r.code, 1);
  t.is(r.stderr, 'eddy: ERR_CLI_INPUT: Line 3 has no key separator "\t" (2 records produced before it)\n');
  const c = await runEddy(['consume', 'events', '--from-beginning', '--print-key', '--timeout-ms', '300', ...d]);
  t.is(c.stdout, 'a\t1\nb\t2\n');
});

test('--print-key prints key TAB value, null keys as null; plain text prints values', async (t) => {
  const d = await topicWith(t);
  t.is((await runEddy(['produce', 'events', ...d], { input: 'no key\n' })).code, 0);
  t.is((await runEddy(['produce', 'events', '--key-separator', '=', ...d], { input: 'k=v\n' })).code, 0);
  const keyed = await runEddy(['consume', 'events', '--from-beginning', '--print-key', '--timeout-ms', '300', ...d]);
  t.is(keyed.stdout, 'null\tno key\nk\tv\n');
  const plain = await runEddy(['consume', 'events', '--from-beginning', '--timeout-ms', '300', ...d]);
  t.is(plain.stdout, 'no key\nv\n');
});

test('bytes that are not UTF-8 round-trip; json shows them as base64', async (t) => {
  const d = await topicWith(t);
  const raw = Buffer.from([0xff, 0xfe, 0x80, 0x41]);
  const input = Buffer.concat([Buffer.from([0xc3, 0x28]), Buffer.from('|'), raw, Buffer.from('\nok|fine\n')]);
  t.is((await runEddy(['produce', 'events', '--key-separator', '|', '--header', 'h=v', ...d], { input })).code, 0);
  const json = await runEddy(['consume', 'events', '--from-beginning', '--format', 'json', '--timeout-ms', '300', ...d]);
  const [binary, text] = parseJsonLines(json.stdout);
  t.like(binary, { key: Buffer.from([0xc3, 0x28]).toString('base64'), keyEncoding: 'base64', value: raw.toString('base64'), valueEncoding: 'base64' });
  t.deepEqual(binary?.headers, [{ key: 'h', value: 'v' }]);
  t.false(text !== undefined && ('keyEncoding' in text || 'valueEncoding' in text));
  t.like(text, { key: 'ok', value: 'fine' });
  const plain = await runEddy(['consume', 'events', '--from-beginning', '--timeout-ms', '300', ...d]);
  t.deepEqual(plain.stdoutBytes, Buffer.concat([raw, Buffer.from('\nfine\n')]), 'text mode writes the raw bytes');
});

test('--max-messages stops after N records; --timeout-ms ends an idle consume', async (t) => {
  const d = await topicWith(t, 2);
  const input = Array.from({ length: 10 }, (_, i) => `v${i}`).join('\n');
  t.is((await runEddy(['produce', 'events', ...d], { input })).stderr, '10 records produced\n');

  const four = await runEddy(['consume', 'events', '--from-beginning', '--max-messages', '4', ...d]);
  t.is(four.code, 0, four.stderr);
  t.is(lines(four.stdout).length, 4);
  t.is(four.stderr, '4 records consumed\n');

  const all = await runEddy(['consume', 'events', '--from-beginning', '--timeout-ms', '300', ...d]);
  t.is(all.code, 0, all.stderr);
  t.deepEqual(lines(all.stdout).sort(), Array.from({ length: 10 }, (_, i) => `v${i}`).sort());

  const latest = await runEddy(['consume', 'events', '--timeout-ms', '200', ...d]);
  t.is(latest.code, 0, latest.stderr);
  t.is(latest.stdout, '', 'the default start is the log end');
  t.is(latest.stderr, '0 records consumed\n');
});

test('--partition and --offset', async (t) => {
  const d = await topicWith(t, 3);
  const input = 'a\nb\nc\nd\n';
  t.is((await runEddy(['produce', 'events', '--partition', '1', ...d], { input })).code, 0);
  t.is((await runEddy(['produce', 'events', '--partition', '2', ...d], { input: 'other\n' })).code, 0);

  const fromTwo = await runEddy(['consume', 'events', '--partition', '1', '--offset', '2', '--format', 'json', '--timeout-ms', '300', ...d]);
  t.is(fromTwo.code, 0, fromTwo.stderr);
  t.deepEqual(parseJsonLines(fromTwo.stdout).map((r) => [r.partition, r.offset, r.value]), [[1, 2, 'c'], [1, 3, 'd']]);

  const onlyOne = await runEddy(['consume', 'events', '--partition', '1', '--from-beginning', '--timeout-ms', '300', ...d]);
  t.is(onlyOne.stdout, input);
  const earliest = await runEddy(['consume', 'events', '--partition', '2', '--offset', 'earliest', '--timeout-ms', '300', ...d]);
  t.is(earliest.stdout, 'other\n');

  const errors: Array<[string[], RegExp]> = [
    [['consume', 'events', '--offset', '1'], /^eddy: ERR_CLI_USAGE: --offset needs --partition\n$/],
    [['consume', 'events', '--partition', '1', '--offset', '1', '--from-beginning'], /^eddy: ERR_CLI_USAGE: /],
    [['consume', 'events', '--partition', '1', '--offset', '9'], /^eddy: ERR_OFFSET_OUT_OF_RANGE: Offset 9 is outside partition events-1 \(log start 0, log end 4\)\n$/],
    [['consume', 'events', '--partition', '3'], /^eddy: ERR_PARTITION_NOT_FOUND: /],
    [['consume', 'nope'], /^eddy: ERR_TOPIC_NOT_FOUND: /],
    [['produce', 'events', '--partition', '7'], /^eddy: ERR_PARTITION_NOT_FOUND: /],
    [['produce', 'nope'], /^eddy: ERR_TOPIC_NOT_FOUND: /],
    [['produce', 'events', '--acks', '2'], /^eddy: ERR_CLI_USAGE: Option --acks must be one of/],
  ];
  for (const [args, stderr] of errors) {
    const r = await runEddy([...args, ...d], { input: 'x\n' });
    t.not(r.code, 0, args.join(' '));
    t.regex(r.stderr, stderr, args.join(' '));
  }
});

test('produce options: acks, compression; a large input is streamed', async (t) => {
  const d = await topicWith(t);
  for (const [acks, compression] of [['0', 'gzip'], ['1', 'lz4'], ['all', 'zstd'], ['1', 'snappy']] as const) {
    const r = await runEddy(['produce', 'events', '--acks', acks, '--compression', compression, ...d], { input: `${compression}\n` });
    t.is(r.code, 0, r.stderr);
  }
  const big = Array.from({ length: 20_000 }, (_, i) => `record-${i}`).join('\n');
  t.is((await runEddy(['produce', 'events', ...d], { input: big })).stderr, '20000 records produced\n');
  const c = await runEddy(['consume', 'events', '--from-beginning', '--max-messages', '20004', ...d]);
  const out = lines(c.stdout);
  t.deepEqual(out.slice(0, 4).sort(), ['gzip', 'lz4', 'snappy', 'zstd']);
  t.is(out.length, 20_004);
  t.is(out[20_003], 'record-19999');
});

test('a reader that goes away (EPIPE) ends consume quietly', async (t) => {
  const d = await topicWith(t);
  const input = Array.from({ length: 3000 }, (_, i) => `${i}`.padStart(200, '.')).join('\n');
  t.is((await runEddy(['produce', 'events', ...d], { input })).code, 0);
  const p = startEddy(['consume', 'events', '--from-beginning', ...d]);
  await p.waitFor((q) => q.stdout.length > 0, 'first output');
  p.child.stdout?.destroy();
  const r = await p.exited;
  t.is(r.code, 0);
  t.is(r.stderr, '');
});
