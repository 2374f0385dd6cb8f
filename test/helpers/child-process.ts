/**
 * Child processes for tests that need a second process (lock ownership, kill -9): TypeScript
 * fixtures run with `node --import tsx`, their stdout read line by line, and waits on conditions
 * (a line arriving, the process exiting) rather than on fixed delays.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Complete stdout lines so far. */
  lines: string[];
  stderr(): string;
  /** Resolves once `predicate` holds for the lines so far; rejects if the child exits first. */
  waitForLines(predicate: (lines: string[]) => boolean, what?: string): Promise<void>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node --import tsx <fixture> ...args` from the repository root. */
export function spawnFixture(fixture: string, args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test', 'fixtures', fixture), ...args], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return wrap(child);
}

/** Spawns `node -e <code>`. */
export function spawnNode(code: string): Child {
  return wrap(spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'pipe'] }));
}

function wrap(child: ChildProcess): Child {
  if (child.pid === undefined) throw new Error('child process did not start');
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  let done = false;
  const watchers = new Set<() => void>();
  const notify = (): void => {
    for (const watcher of [...watchers]) watcher();
  };
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    if (parts.length > 0) {
      lines.push(...parts);
      notify();
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      done = true;
      notify();
      resolve({ code, signal });
    });
  });
  return {
    process: child,
    pid: child.pid,
    lines,
    stderr: () => stderr,
    exited,
    waitForLines(predicate, what = 'output') {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (predicate(lines)) {
            watchers.delete(check);
            resolve();
          } else if (done) {
            watchers.delete(check);
            reject(new Error(`child ${child.pid} exited before ${what}; stdout: ${lines.slice(-5).join(' | ')}; stderr: ${stderr.slice(-2000)}`));
          }
        };
        watchers.add(check);
        check();
      });
    },
  };
}
