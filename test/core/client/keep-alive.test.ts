import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { tempDir } from '../../helpers/temp-dir.js';

test('a pending poll keeps the process alive until it returns', async (t) => {
  const fixture = path.resolve('test/fixtures/idle-poll.ts');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fixture, path.join(tempDir(t), 'data')]);
  t.is(stdout, 'done 0\n');
});
