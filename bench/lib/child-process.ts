/**
 * Child processes a goal drives (kcat, Kafka clients, raw TCP peers): started with an argument list
 * (no shell), killed by their PID if the bench exits first, and bounded by a generous safety limit
 * so a client that hangs fails the goal instead of stalling the run. The limit is never what a
 * goal measures.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root, the working directory of every child. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildRun {
  /** Exit code 0; anything else rejects with stderr in the message. */
  stdout: string;
  stderr: string;
  /** Seconds from spawn to exit. */
  seconds: number;
  /**
   * CPU seconds (user + system) the child and its own children used, or null where the system does
   * not tell (see childrenCpuSeconds). Exact only when no other child of this process ended meanwhile.
   */
  cpuSeconds: number | null;
  /** CPU seconds this process used while the child ran (for a served Eddy: the broker's share). */
  ownCpuSeconds: number;
}

export interface RunChildOptions {
  /** A file descriptor to read standard input from; default none. */
  stdin?: number;
  /** Collect stdout (default) or send it to /dev/null. */
  stdout?: 'pipe' | 'ignore';
  /** Safety bound; default 5 minutes. */
  limitMs?: number;
  /** Set once the child is spawned, e.g. to learn its PID. */
  onSpawn?: (child: ChildProcess) => void;
}

const DEFAULT_LIMIT_MS = 5 * 60_000;

/** Runs `command args…` to its exit; rejects on a non-zero exit, a signal or the safety limit. */
export function runChild(command: string, args: readonly string[], options: RunChildOptions = {}): Promise<ChildRun> {
  const stdio: StdioOptions = [options.stdin ?? 'ignore', options.stdout ?? 'pipe', 'pipe'];
  const start = process.hrtime.bigint();
  const childrenCpuBefore = childrenCpuSeconds();
  const ownCpuBefore = process.cpuUsage();
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio });
  const killOnExit = (): void => void kill(child);
  process.once('exit', killOnExit);
  options.onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const name = command.split('/').pop();
  return new Promise<ChildRun>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      kill(child);
    }, options.limitMs ?? DEFAULT_LIMIT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      process.off('exit', killOnExit);
      reject(err);
    });
    child.once('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const own = process.cpuUsage(ownCpuBefore);
      const childrenCpuAfter = childrenCpuSeconds();
      const cpuSeconds = childrenCpuBefore === null || childrenCpuAfter === null ? null : childrenCpuAfter - childrenCpuBefore;
      clearTimeout(timer);
      process.off('exit', killOnExit);
      if (timedOut) reject(new Error(`${name} did not finish within ${options.limitMs ?? DEFAULT_LIMIT_MS} ms:\n${stderr}`));
      else if (code !== 0) reject(new Error(`${name} ${args.join(' ')} exited with ${code ?? signal}:\n${stderr}`));
      else resolve({ stdout, stderr, seconds, cpuSeconds, ownCpuSeconds: (own.user + own.system) / 1e6 });
    });
  });
}

/** Runs a TypeScript file of the repository in a fresh node (through tsx), as runChild does. */
export function runTsChild(file: string, args: readonly string[], options: RunChildOptions = {}): Promise<ChildRun> {
  return runChild(process.execPath, ['--import', 'tsx', file, ...args], options);
}

/** Linux's clock ticks per second for /proc times (USER_HZ, 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/**
 * CPU seconds used by this process's children that have ended and been reaped (cutime + cstime in
 * /proc/self/stat); null off Linux. Node reaps a child before its 'close' event, so a difference
 * around one child's life is that child's CPU time.
 */
export function childrenCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; cutime and cstime are fields 16 and 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cutime = Number(fields[13]);
    const cstime = Number(fields[14]);
    return Number.isFinite(cutime) && Number.isFinite(cstime) ? (cutime + cstime) / USER_HZ : null;
  } catch {
    return null;
  }
}

function kill(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
