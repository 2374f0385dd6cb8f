import { spawnSync } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { REPO_ROOT } from '../helpers/child-process.js';
import { tempDir } from '../helpers/temp-dir.js';

function runDemo(dataDir: string): string {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'examples', 'demo.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, EDDY_DATA_DIR: dataDir },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`demo exited with ${result.status}: ${result.stderr}`);
  return result.stdout;
}

test('npm start: the demo produces, consumes, and shows a committed and an aborted transaction; a second run appends', (t) => {
  const dataDir = path.join(tempDir(t), 'data');
  const first = runDemo(dataDir);
  t.regex(first, /Produced 12 records/);
  t.regex(first, /"payments" as read_committed reads it: (order-\d, ){3}order-\d\n/);
  t.regex(first, /"payments" as read_uncommitted reads it: (order-\d, ){4}order-x\n/);
  t.regex(first, /Closed cleanly/);
  const second = runDemo(dataDir);
  t.regex(second, /exists; appending to it/);
  t.notRegex(second, /read_committed reads it: .*order-x/);
});
