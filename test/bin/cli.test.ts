import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import { makeDataDir, REPO_ROOT, runEddy, startEddy, waitForLockHolder } from '../helpers/cli.js';

test('eddy --help and eddy <command> --help print usage on stdout', async (t) => {
  for (const args of [['--help'], ['-h'], ['help'], []]) {
    const r = await runEddy(args);
    t.is(r.code, 0, args.join(' '));
    t.regex(r.stdout, /^Usage: eddy <command>/);
    for (const cmd of ['topics create', 'topics list', 'topics describe', 'topics alter', 'topics add-partitions', 'topics delete', 'produce', 'consume', 'dump-log']) {
      t.true(r.stdout.includes(`  ${cmd} `), cmd);
    }
    t.is(r.stderr, '');
  }
  const create = await runEddy(['topics', 'create', '--help']);
  t.is(create.code, 0);
  t.regex(create.stdout, /^Usage: eddy topics create NAME \[options\]\n/);
  t.regex(create.stdout, /--partitions N/);
  t.regex(create.stdout, /--config KEY=VALUE .*\(repeatable\)/);
  t.regex(create.stdout, /--data-dir DIR/);
  const consume = await runEddy(['consume', 'x', '--bogus', '--help']);
  t.is(consume.code, 0, 'help wins over other mistakes');
  t.regex(consume.stdout, /--from-beginning/);
  const group = await runEddy(['topics', '--help']);
  t.regex(group.stdout, /^Usage: eddy topics <subcommand>/);
});

test('unknown commands and flags exit 2 with one coded line', async (t) => {
  const dir = await makeDataDir(t);
  const cases: Array<[string[], string]> = [
    [['topics', 'list', '--bogus', '--data-dir', dir], 'eddy: ERR_CLI_USAGE: Unknown option --bogus\n'],
    [['frobnicate'], 'eddy: ERR_CLI_USAGE: Unknown command "frobnicate" (try eddy --help)\n'],
    [['topics', 'explode'], 'eddy: ERR_CLI_USAGE: Unknown subcommand "topics explode" (expected one of: create, list, describe, alter, add-partitions, delete, compact)\n'],
    [['topics', 'create', '--data-dir', dir], 'eddy: ERR_CLI_USAGE: Missing NAME\n'],
    [['consume', 't', '--max-messages', '--data-dir', dir], 'eddy: ERR_CLI_USAGE: Option --max-messages needs a value (--max-messages N)\n'],
    [['consume', 't', '--timeout-ms'], 'eddy: ERR_CLI_USAGE: Option --timeout-ms needs a value (--timeout-ms T)\n'],
  ];
  for (const [args, stderr] of cases) {
    const r = await runEddy(args);
    t.is(r.code, 2, args.join(' '));
    t.is(r.stderr, stderr);
    t.is(r.stdout, '');
  }
});

test('a tailing consume owns the data dir; other eddy processes connect to it: topics list, produce reach the tail; SIGINT exits 0', async (t) => {
  const dir = await makeDataDir(t);
  t.is((await runEddy(['topics', 'create', 'tail', '--data-dir', dir])).code, 0);
  t.is((await runEddy(['produce', 'tail', '--data-dir', dir], { input: 'old\n' })).code, 0);
  const tail = startEddy(['consume', 'tail', '--from-beginning', '--data-dir', dir]);
  await tail.waitFor((p) => p.stdout === 'old\n', 'the existing record');
  await waitForLockHolder(dir, tail.pid);

  const second = await runEddy(['topics', 'list', '--data-dir', dir]);
  t.is(second.code, 0, second.stderr);
  t.is(second.stdout, 'tail\n');
  const producer = await runEddy(['produce', 'tail', '--data-dir', dir], { input: 'new\n' });
  t.is(producer.code, 0, producer.stderr);
  await tail.waitFor((p) => p.stdout === 'old\nnew\n', 'the record produced by another process');

  tail.child.kill('SIGINT');
  const r = await tail.exited;
  t.is(r.code, 0, r.stderr);
  t.is(r.signal, null);
  t.is(r.stderr, '2 records consumed\n');
  t.is((await runEddy(['topics', 'list', '--data-dir', dir])).stdout, 'tail\n', 'the lock was released');
});

test('a data directory owned without serving (serve: false) is ERR_DATA_DIR_LOCKED naming the owner', async (t) => {
  const dir = await makeDataDir(t);
  const { Eddy } = await import('../../core/eddy.js');
  const owner = await Eddy.open({ dataDir: dir, serve: false });
  t.teardown(() => owner.close());
  const second = await runEddy(['topics', 'list', '--data-dir', dir]);
  t.is(second.code, 1);
  t.regex(second.stderr, /^eddy: ERR_DATA_DIR_LOCKED: [^\n]*does not serve other processes[^\n]*\n$/);
  t.true(second.stderr.includes(`pid ${process.pid}`), second.stderr);
});

test('SIGTERM ends a tail that has seen nothing yet', async (t) => {
  const dir = await makeDataDir(t);
  t.is((await runEddy(['topics', 'create', 'quiet', '--data-dir', dir])).code, 0);
  const tail = startEddy(['consume', 'quiet', '--data-dir', dir]);
  await waitForLockHolder(dir, tail.pid); // Eddy opens after the signal handlers are installed
  tail.child.kill('SIGTERM');
  const r = await tail.exited;
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '');
});

test('npx eddy --help works from the repository root', async (t) => {
  // npm_config_yes=false: if npx could not resolve the package's own bin it must fail, not install a namesake.
  const { stdout } = await promisify(execFile)('npx', ['eddy', '--help'], {
    cwd: REPO_ROOT,
    env: { ...process.env, npm_config_yes: 'false', npm_config_update_notifier: 'false' },
  });
  t.regex(stdout, /^Usage: eddy <command>/);
});
