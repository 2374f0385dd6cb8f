import path from 'node:path';
import test from 'ava';
import { lines, makeDataDir, runEddy } from '../helpers/cli.js';

test('dump-log lists the batches of a real segment file, in text and json', async (t) => {
  const dir = await makeDataDir(t);
  t.is((await runEddy(['topics', 'create', 'logs', '--data-dir', dir])).code, 0);
  t.is((await runEddy(['produce', 'logs', '--data-dir', dir], { input: 'a\nb\nc\n' })).code, 0);
  t.is((await runEddy(['produce', 'logs', '--compression', 'gzip', '--data-dir', dir], { input: 'd\n' })).code, 0);
  const segment = path.join(dir, 'logs-0', '00000000000000000000.log');

  const text = await runEddy(['dump-log', segment]);
  t.is(text.code, 0, text.stderr);
  const textLines = lines(text.stdout);
  t.is(textLines.length, 2);
  t.regex(textLines[0] ?? '', /^baseOffset: 0 lastOffset: 2 count: 3 .*compresscodec: none .*isvalid: true$/);
  t.regex(textLines[1] ?? '', /^baseOffset: 3 lastOffset: 3 count: 1 .*compresscodec: gzip .*isvalid: true$/);

  const json = await runEddy(['dump-log', segment, '--format', 'json']);
  t.is(json.code, 0, json.stderr);
  const batches = lines(json.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
  t.like(batches[0], { baseOffset: 0, lastOffset: 2, count: 3, compression: 'none', crcValid: true, position: 0 });
  t.like(batches[1], { baseOffset: 3, lastOffset: 3, count: 1, compression: 'gzip', crcValid: true });

  const relative = await runEddy(['dump-log', path.relative(dir, segment)], { cwd: dir });
  t.is(relative.stdout, text.stdout, 'a relative FILE is resolved against the working directory');
});

test('dump-log of a missing file is one line', async (t) => {
  const dir = await makeDataDir(t);
  const r = await runEddy(['dump-log', path.join(dir, 'none.log')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /^eddy: ERR_STORAGE_IO: ENOENT: no such file or directory[^\n]*\n$/);
});
