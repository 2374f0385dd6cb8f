/**
 * Scratch directories under os.tmpdir(), always removed: after the work, even when it throws, and
 * on exit (run.ts turns Ctrl-C into an exit) for directories whose work never finished.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();
process.on('exit', () => live.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

export async function withTempDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `eddy-bench-${prefix}-`));
  live.add(dir);
  try {
    return await work(dir);
  } finally {
    live.delete(dir);
    await rm(dir, { recursive: true, force: true });
  }
}
