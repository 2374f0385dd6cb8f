/**
 * Real Kafka clients as child processes for interoperability tests: kcat (librdkafka) and Debian's
 * kafka-python under /usr/bin/python3, each started with an argument list (no shell), its output
 * collected, and killed when the test ends. A run that does not finish within its bound is killed
 * and reported as such, so a client that hangs fails the test instead of stalling the suite; the
 * bound is a safety net, never what a test asserts on. Waits are on conditions (a line arriving,
 * the process exiting).
 *
 * Gating follows testWithBinary: a missing program or Python module skips the test with the Debian
 * package to install, and fails it under CI, which installs everything.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { Eddy } from '../../core/eddy.js';
import { batchesIn, decodeRecords } from '../../core/record/record-batch.js';
import { compressionFromAttributes } from '../../core/record/compression.js';
import type { BatchHeader, CompressionType } from '../../core/record/record.js';
import { apiName } from '../../core/protocol/api-keys.js';
import { HANDLERS } from '../../core/server/handlers/index.js';
import { findBinary } from './binaries.js';
import { REPO_ROOT } from './child-process.js';

/** Debian's interpreter, which has python3-kafka; not whatever `python3` is first on PATH. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Safety bound of a client run; a healthy one takes well under a second. */
const DEFAULT_RUN_LIMIT_MS = 30_000;

type Impl = (t: ExecutionContext) => void | Promise<void>;
type Declare = (title: string, impl: Impl) => void;

function gated(available: boolean, what: string, debianPackages: string): Declare {
  if (available) return (title, impl) => test(title, impl);
  const hint = `needs ${what}: apt-get install ${debianPackages}`;
  if (process.env['CI'] === 'true') {
    return (title) => test(`${title} (${hint})`, (t) => t.fail(`${what} is missing; CI must install ${debianPackages}`));
  }
  return (title, impl) => test.skip(`${title} (skipped: ${hint})`, impl);
}

const importable = new Map<string, boolean>();

/** True when `/usr/bin/python3 -c "import <module>"` succeeds (cached per module). */
export function pythonModuleImportable(module: string): boolean {
  let known = importable.get(module);
  if (known === undefined) {
    const run = spawnSync(DEBIAN_PYTHON, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 20_000 });
    known = run.status === 0;
    importable.set(module, known);
  }
  return known;
}

/**
 * `test` when every module imports under /usr/bin/python3; otherwise skipped (failing under CI)
 * with the Debian packages to install.
 *
 * @example
 * testWithPythonModules([['kafka', 'python3-kafka'], ['lz4', 'python3-lz4']])('lz4 batches', async (t) => { ... });
 */
export function testWithPythonModules(modules: ReadonlyArray<readonly [module: string, debianPackage: string]>): Declare {
  const missing = modules.filter(([module]) => !pythonModuleImportable(module));
  return gated(missing.length === 0, missing.map(([m]) => `python module ${m}`).join(', '), missing.map(([, p]) => p).join(' '));
}

/** `test` when kafka-python (Debian's python3-kafka) imports under /usr/bin/python3. */
export const testWithKafkaPython: Declare = testWithPythonModules([['kafka', 'python3-kafka']]);

/** `test` when kcat is installed. */
export const testWithKcat: Declare = gated(findBinary('kcat') !== null, 'kcat', 'kcat');

/**
 * `declare` when the broker serves every API in `apiKeys`; otherwise a failing test naming the APIs
 * and the handler file that should serve them (a handler that went missing must not pass silently).
 */
export function whenServed(declare: Declare, apiKeys: readonly number[], handlerFile: string): Declare {
  const missing = apiKeys.filter((key) => !HANDLERS.has(key));
  if (missing.length === 0) return declare;
  const names = missing.map((key) => apiName(key) ?? String(key)).join(', ');
  return (title) => test(title, (t) => t.fail(`the broker does not serve ${names} (${handlerFile})`));
}

/** `test` when kcat is installed and the broker serves `apiKeys`. */
export function testWithKcatWhenServed(apiKeys: readonly number[], handlerFile: string): Declare {
  return whenServed(testWithKcat, apiKeys, handlerFile);
}

export interface ClientResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A long-running client: its stdout lines so far, waits on them, and its end. */
export interface ClientProcess {
  pid: number;
  lines: string[];
  stderr(): string;
  /** Resolves once `predicate` holds for the lines so far; rejects if the process ends first. */
  waitForLines(predicate: (lines: string[]) => boolean, what?: string): Promise<void>;
  /** Writes to the process's stdin. */
  write(text: string): void;
  /** Closes stdin (kcat -P then flushes and exits). */
  endInput(): void;
  exited: Promise<ClientResult>;
  kill(): void;
}

export interface StartOptions {
  /** Kills the process (SIGKILL) after this long; the run then ends with that signal. Default 30 s. */
  limitMs?: number;
  env?: Record<string, string>;
}

/** Starts `command args` (no shell) from the repository root; killed at the end of the test. */
export function startClient(t: ExecutionContext, command: string, args: readonly string[], options: StartOptions = {}): ClientProcess {
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  if (child.pid === undefined) throw new Error(`${command} did not start`);
  const lines: string[] = [];
  let partial = '';
  let stdout = '';
  let stderr = '';
  let ended = false;
  const watchers = new Set<() => void>();
  const notify = (): void => {
    for (const watcher of [...watchers]) watcher();
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    if (parts.length > 0) {
      lines.push(...parts);
      notify();
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.on('error', () => undefined);
  const limit = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? DEFAULT_RUN_LIMIT_MS);
  const exited = new Promise<ClientResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      ended = true;
      if (partial !== '') lines.push(partial);
      partial = '';
      notify();
      resolve({ code, signal, stdout, stderr });
    });
  });
  const kill = (): void => {
    if (!ended) child.kill('SIGKILL');
  };
  t.teardown(async () => {
    kill();
    await exited;
  });
  return {
    pid: child.pid,
    lines,
    stderr: () => stderr,
    exited,
    kill,
    write: (text) => child.stdin.write(text),
    endInput: () => child.stdin.end(),
    waitForLines(predicate, what = 'output') {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (predicate(lines)) {
            watchers.delete(check);
            resolve();
          } else if (ended) {
            watchers.delete(check);
            reject(new Error(`${path.basename(command)} (pid ${child.pid}) ended before ${what}; stdout: ${lines.slice(-5).join(' | ')}; stderr: ${stderr.slice(-2000)}`));
          }
        };
        watchers.add(check);
        check();
      });
    },
  };
}

/** Runs `command args` to its end with `input` on stdin. */
export async function runClient(t: ExecutionContext, command: string, args: readonly string[], input = '', options: StartOptions = {}): Promise<ClientResult> {
  const client = startClient(t, command, args, options);
  client.write(input);
  client.endInput();
  return client.exited;
}

/** Fails the test with the client's stderr unless it exited with status 0. */
export function assertClientSucceeded(t: ExecutionContext, result: ClientResult, what: string): void {
  if (result.code !== 0) t.fail(`${what} exited with ${result.signal ?? String(result.code)}; stderr: ${result.stderr.slice(-3000)}`);
}

/** kcat's arguments for the broker on `port`, with librdkafka's logging kept quiet. */
export function kcatBroker(port: number): string[] {
  return ['-b', `127.0.0.1:${port}`, '-X', 'log_level=3'];
}

/** One message as `kcat -C -J` prints it. */
export interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  headers?: string[];
  key: string | null;
  payload: string | null;
}

/** The JSON messages among kcat's output lines. */
export function kcatMessages(lines: readonly string[]): KcatMessage[] {
  return lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as KcatMessage);
}

/** Runs a Python fixture of test/fixtures/clients with Debian's interpreter; `request` goes to its stdin as JSON. */
export async function runPythonFixture(t: ExecutionContext, fixture: string, request: unknown): Promise<ClientResult> {
  return runClient(t, DEBIAN_PYTHON, [path.join(REPO_ROOT, 'test', 'fixtures', 'clients', fixture)], JSON.stringify(request));
}

/** A record as stored, in text (keys, values and header values as UTF-8). */
export interface StoredRecord {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

/** A batch as stored: its header, its codec and its records. */
export interface StoredBatch {
  header: BatchHeader;
  compression: CompressionType;
  records: StoredRecord[];
}

/** Every batch of a partition from its log start, read below the client API (PartitionLog.read). */
export function storedBatches(eddy: Eddy, topic: string, partition = 0): StoredBatch[] {
  const log = eddy.partitionLog(topic, partition);
  const batches: StoredBatch[] = [];
  let offset = log.logStartOffset();
  while (offset < log.logEndOffset()) {
    const { bytes, nextOffset } = log.read(offset, 1 << 20);
    for (const { position, size, header } of batchesIn(bytes)) {
      const records = decodeRecords(bytes.subarray(position, position + size)).map((r) => ({
        offset: r.offset,
        key: r.key === null ? null : r.key.toString('utf8'),
        value: r.value === null ? null : r.value.toString('utf8'),
        headers: r.headers.map((h): [string, string | null] => [h.key, h.value === null ? null : h.value.toString('utf8')]),
      }));
      batches.push({ header, compression: compressionFromAttributes(header.attributes), records });
    }
    if (nextOffset <= offset) break;
    offset = nextOffset;
  }
  return batches;
}

/** Every record of a partition from its log start. */
export function storedRecords(eddy: Eddy, topic: string, partition = 0): StoredRecord[] {
  return storedBatches(eddy, topic, partition).flatMap((b) => b.records);
}
