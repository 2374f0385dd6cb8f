/**
 * Runs the real `eddy` command (`node bin/eddy.js`, which loads dist/ built by `npm run build`) in a
 * child process, with a fresh data directory per test. Long-running commands are started with
 * `startEddy` and observed through conditions on their output, never through fixed delays.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EDDY_BIN = path.join(REPO_ROOT, 'bin', 'eddy.js');

export interface EddyResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface EddyOptions {
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kills the child (SIGKILL) and fails when it runs longer. Default 20 s. */
  timeoutMs?: number;
}

/** A fresh empty data directory under the OS temp dir, removed after the test. */
export async function makeDataDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'eddy-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A running `eddy` process whose output can be awaited piecewise. */
export class EddyProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<EddyResult>;
  private stdoutChunks: Buffer[] = [];
  private stderrText = '';
  private waiters: Array<() => void> = [];

  constructor(args: readonly string[], options: EddyOptions = {}) {
    this.child = spawn(process.execPath, [EDDY_BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, EDDY_DATA_DIR: undefined, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.stdoutChunks.push(chunk);
      this.notify();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrText += chunk.toString('utf8');
      this.notify();
    });
    const timeoutMs = options.timeoutMs ?? 20_000;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.notify();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderrText, stdoutBytes: Buffer.concat(this.stdoutChunks) });
      });
    });
    this.child.stdin?.on('error', () => undefined); // the command may exit before reading all input
    if (options.input !== undefined) this.child.stdin?.end(options.input);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get stdout(): string {
    return Buffer.concat(this.stdoutChunks).toString('utf8');
  }

  get stderr(): string {
    return this.stderrText;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once `condition` holds on the output so far; rejects if the process exits first. */
  async waitFor(condition: (p: EddyProcess) => boolean, what = 'output condition'): Promise<void> {
    while (!condition(this)) {
      if (!this.running) throw new Error(`eddy exited before ${what}; stderr: ${this.stderrText}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

export function startEddy(args: readonly string[], options: EddyOptions = {}): EddyProcess {
  return new EddyProcess(args, options);
}

/** Runs `eddy ...args` to completion. */
export function runEddy(args: readonly string[], options: EddyOptions = {}): Promise<EddyResult> {
  return new EddyProcess(args, options).exited;
}

/** The lines of a text, without the empty string after a final newline. */
export function lines(text: string): string[] {
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all;
}

/**
 * Resolves once `<dataDir>/.lock` (core/log/lock-file.ts) names `pid`: that process owns the data
 * directory. Watches the directory instead of opening it, which would contend for the lock.
 */
export async function waitForLockHolder(dataDir: string, pid: number, timeoutMs = 15_000): Promise<void> {
  const holds = async (): Promise<boolean> => {
    try {
      return (await readFile(path.join(dataDir, '.lock'), 'utf8')).trim() === String(pid);
    } catch {
      return false;
    }
  };
  const watcher = watch(dataDir);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pid ${pid} did not take ${dataDir}/.lock within ${timeoutMs} ms`)), timeoutMs);
      const check = (): void => {
        void holds().then((yes) => {
          if (yes) {
            clearTimeout(timer);
            resolve();
          }
        });
      };
      watcher.on('change', check);
      watcher.on('error', reject);
      check(); // it may already be there
    });
  } finally {
    watcher.close();
  }
}
