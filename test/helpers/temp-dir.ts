import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';

/** A fresh directory under the OS temp dir, removed when the test ends. */
export function tempDir(t: ExecutionContext, prefix = 'eddy-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;
/** A topic name unique within the test run. */
export function uniqueTopic(base = 'topic'): string {
  counter++;
  return `${base}-${process.pid}-${counter}`;
}

/**
 * Copies a data directory as a crash would leave it for the next owner: everything but the lock and
 * the Unix socket of the running owner (a socket cannot be copied, and a new owner makes its own).
 */
export function copyDataDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true, filter: (src) => !['.lock', 'eddy.sock'].includes(path.basename(src)) });
}
