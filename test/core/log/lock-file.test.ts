/**
 * One process owns a data directory (DESIGN decision 6): a second open, in this process or another,
 * gets ERR_DATA_DIR_LOCKED naming the owner's pid; a lock left by a dead process is taken over; close
 * releases the lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { Eddy } from '../../../core/eddy.js';
import { EddyError } from '../../../core/errors.js';
import { LOCK_FILE } from '../../../core/log/lock-file.js';
import { spawnFixture, spawnNode } from '../../helpers/child-process.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';

interface OpenReport {
  ok: boolean;
  pid: number;
  openedClean?: boolean;
  code?: string;
  message?: string;
  context?: { pid?: number; path?: string };
}

const lockFile = (dataDir: string): string => path.join(dataDir, LOCK_FILE);
const lockPid = (dataDir: string): number => Number(fs.readFileSync(lockFile(dataDir), 'utf8').trim());

/** The pid of a process that has certainly exited. */
async function deadPid(): Promise<number> {
  const child = spawnNode('');
  const { code } = await child.exited;
  if (code !== 0) throw new Error(`node -e '' exited with ${code}`);
  return child.pid;
}

/** Runs the open-data-dir fixture to completion and returns its report. */
async function openInChild(dataDir: string): Promise<OpenReport> {
  const child = spawnFixture('open-data-dir.ts', [dataDir]);
  await child.exited;
  const line = child.lines.find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`no report from child; stderr: ${child.stderr()}`);
  return JSON.parse(line) as OpenReport;
}

test('a second open in the same process is ERR_DATA_DIR_LOCKED and does not disturb the owner', async (t) => {
  const dataDir = tempDir(t);
  const eddy = await Eddy.open({ dataDir });
  t.teardown(() => eddy.close());
  const topic = uniqueTopic('lock');
  await eddy.admin.createTopic(topic);
  const err = await t.throwsAsync(() => Eddy.open({ dataDir }), { instanceOf: EddyError, code: 'ERR_DATA_DIR_LOCKED' } as never);
  t.is((err as unknown as EddyError).context.pid, process.pid);
  t.regex(err?.message ?? '', new RegExp(`pid ${process.pid}`));
  t.false((err as unknown as EddyError).retriable);
  // The owner's lock and its topic are untouched by the failed attempt.
  t.is(lockPid(dataDir), process.pid);
  t.deepEqual(await eddy.admin.listTopics(), [topic]);
  // A path that resolves to the same directory is the same directory.
  await t.throwsAsync(() => Eddy.open({ dataDir: path.join(dataDir, '.', 'x', '..') }), { code: 'ERR_DATA_DIR_LOCKED' } as never);
});

test('another process gets ERR_DATA_DIR_LOCKED naming the owner pid while this one holds the directory', async (t) => {
  const dataDir = tempDir(t);
  const eddy = await Eddy.open({ dataDir });
  t.teardown(() => eddy.close());
  const report = await openInChild(dataDir);
  t.false(report.ok);
  t.is(report.code, 'ERR_DATA_DIR_LOCKED');
  t.is(report.context?.pid, process.pid);
  t.true(report.message?.includes(String(process.pid)), report.message);
  t.true(report.message?.includes(dataDir), report.message);
  t.is(lockPid(dataDir), process.pid, 'the loser leaves the owner\'s lock alone');
});

test('this process gets ERR_DATA_DIR_LOCKED naming a child that holds the directory', async (t) => {
  const dataDir = tempDir(t);
  const holder = spawnFixture('open-data-dir.ts', [dataDir, 'hold']);
  t.teardown(() => {
    holder.process.kill('SIGKILL');
  });
  await holder.waitForLines((lines) => lines.length > 0, 'the holder to open');
  t.deepEqual(JSON.parse(holder.lines[0] ?? '{}'), { ok: true, pid: holder.pid, openedClean: false });
  t.is(lockPid(dataDir), holder.pid);

  const err = await t.throwsAsync(() => Eddy.open({ dataDir }), { code: 'ERR_DATA_DIR_LOCKED' } as never);
  t.is((err as unknown as EddyError).context.pid, holder.pid);
  t.true(err?.message.includes(`pid ${holder.pid}`), err?.message);

  // The holder closes cleanly when its stdin ends: the lock goes with it and the directory opens.
  holder.process.stdin?.end();
  t.is((await holder.exited).code, 0);
  t.false(fs.existsSync(lockFile(dataDir)));
  const eddy = await Eddy.open({ dataDir });
  t.true(eddy.openedClean);
  t.is(lockPid(dataDir), process.pid);
  await eddy.close();
});

test('a lock naming a dead process is stale and taken over', async (t) => {
  const dataDir = tempDir(t);
  const dead = await deadPid();
  fs.writeFileSync(lockFile(dataDir), `${dead}\n`);
  const eddy = await Eddy.open({ dataDir });
  t.is(lockPid(dataDir), process.pid);
  await eddy.close();
  t.false(fs.existsSync(lockFile(dataDir)));
});

test('a lock file that is empty or garbage is taken over', async (t) => {
  for (const content of ['', 'garbage', '-5\n', '0\n']) {
    const dataDir = tempDir(t);
    fs.writeFileSync(lockFile(dataDir), content);
    const eddy = await Eddy.open({ dataDir });
    t.is(lockPid(dataDir), process.pid, JSON.stringify(content));
    await eddy.close();
  }
});

test('a lock file naming a live process that does not hold the lock is not a lock (pid reuse)', async (t) => {
  // After a kill -9 and restart the old pid often belongs to another live process (pid 1 in a
  // container). The kernel-held lock makes that irrelevant on Linux; elsewhere the pid file rules.
  const dataDir = tempDir(t);
  const alive = spawnNode('process.stdin.resume()');
  t.teardown(() => {
    alive.process.kill('SIGKILL');
  });
  fs.writeFileSync(lockFile(dataDir), `${alive.pid}\n`);
  if (process.platform === 'linux') {
    const eddy = await Eddy.open({ dataDir });
    t.is(lockPid(dataDir), process.pid);
    await eddy.close();
  } else {
    const err = await t.throwsAsync(() => Eddy.open({ dataDir }), { code: 'ERR_DATA_DIR_LOCKED' } as never);
    t.is((err as unknown as EddyError).context.pid, alive.pid);
  }
});

test('many processes opening one directory at once: exactly one owns it', async (t) => {
  const dataDir = tempDir(t);
  fs.writeFileSync(lockFile(dataDir), '999999999\n');
  const openers = Array.from({ length: 6 }, () => spawnFixture('open-data-dir.ts', [dataDir, 'hold']));
  t.teardown(() => {
    for (const o of openers) o.process.kill('SIGKILL');
  });
  for (const o of openers) await o.waitForLines((lines) => lines.length > 0, 'an answer');
  const answers = openers.map((o) => JSON.parse(o.lines[0] ?? '{}') as { ok: boolean; code?: string });
  t.is(answers.filter((a) => a.ok).length, 1, JSON.stringify(answers));
  t.true(answers.filter((a) => !a.ok).every((a) => a.code === 'ERR_DATA_DIR_LOCKED'), JSON.stringify(answers));
});

test('the lock of a kill -9ed owner is taken over and the directory is recovered', async (t) => {
  const dataDir = tempDir(t);
  const holder = spawnFixture('open-data-dir.ts', [dataDir, 'hold']);
  await holder.waitForLines((lines) => lines.length > 0, 'the holder to open');
  t.is(lockPid(dataDir), holder.pid);
  holder.process.kill('SIGKILL');
  t.is((await holder.exited).signal, 'SIGKILL');
  t.is(lockPid(dataDir), holder.pid, 'the dead owner left its lock behind');
  const eddy = await Eddy.open({ dataDir });
  t.false(eddy.openedClean, 'no clean-shutdown marker after kill -9');
  t.is(lockPid(dataDir), process.pid);
  await eddy.close();
});

test('close releases the lock; reopening works, in this process and in another', async (t) => {
  const dataDir = tempDir(t);
  const topic = uniqueTopic('lock-reopen');
  let eddy = await Eddy.open({ dataDir });
  await eddy.admin.createTopic(topic);
  t.is(lockPid(dataDir), process.pid);
  await eddy.close();
  t.false(fs.existsSync(lockFile(dataDir)));
  await eddy.close(); // idempotent

  eddy = await Eddy.open({ dataDir });
  t.deepEqual(await eddy.admin.listTopics(), [topic]);
  await eddy.close();

  const report = await openInChild(dataDir);
  t.true(report.ok, JSON.stringify(report));
  t.true(report.openedClean);
  t.false(fs.existsSync(lockFile(dataDir)));
});

test('an open that fails after taking the lock releases it', async (t) => {
  const dataDir = tempDir(t);
  fs.writeFileSync(path.join(dataDir, 'eddy-topics.json'), '{ not json');
  await t.throwsAsync(() => Eddy.open({ dataDir }), { code: 'ERR_DATA_DIR_INVALID' } as never);
  t.false(fs.existsSync(lockFile(dataDir)));
  fs.rmSync(path.join(dataDir, 'eddy-topics.json'));
  const eddy = await Eddy.open({ dataDir });
  t.is(fs.readFileSync(lockFile(dataDir), 'utf8').trim(), String(process.pid));
  await eddy.close();
});

test('close does not remove a lock that another owner took after a takeover', async (t) => {
  // If this process lost its lock file (someone removed it) and another process took the directory,
  // closing must not delete the new owner's lock.
  const dataDir = tempDir(t);
  const eddy = await Eddy.open({ dataDir });
  const other = spawnNode('process.stdin.resume()');
  t.teardown(() => {
    other.process.kill('SIGKILL');
  });
  fs.writeFileSync(lockFile(dataDir), `${other.pid}\n`);
  await eddy.close();
  t.is(lockPid(dataDir), other.pid);
});
