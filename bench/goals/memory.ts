/**
 * Goal 5: resident memory must not grow with the log. Appends 10 million records (3 partitions,
 * acks 1, default topic config, so all of them stay on disk) and reports the RSS growth in MB per
 * million records. It runs in a child process started with --expose-gc, so the RSS it starts from
 * holds no other goal's garbage, and RSS is read after forced collections on both ends so it counts
 * what Eddy keeps, not what the collector has not yet freed. There is no baseline: the target is
 * absolute (≤ 5 MB per million).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withEddy } from '../lib/eddy-instance.js';
import { type Goal, absoluteResult } from '../lib/goal.js';
import { chunked, randomRecords } from '../lib/random-data.js';

const PARTITIONS = 3;
const CHUNK = 1000;
const MB = 1024 * 1024;

export interface MemoryMeasurement {
  records: number;
  rssStartMb: number;
  rssEndMb: number;
  mbPerMillion: number;
}

export const memoryGoal: Goal = {
  name: 'memory',
  async run({ quick, log }) {
    const records = quick ? 50_000 : 10_000_000;
    const child = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', child, String(records)], {
      cwd: root,
      maxBuffer: MB,
    });
    const measured = JSON.parse(stdout.trim().split('\n').pop() ?? '') as MemoryMeasurement;
    log(`memory: ${JSON.stringify(measured)}`);
    return [absoluteResult('memory.rss-growth', 'MB per million records', '<=', 5, measured.mbPerMillion)];
  },
};

/** Runs in the child: appends `count` records and measures RSS before and after. */
export async function measureAppendRss(count: number): Promise<MemoryMeasurement> {
  // A pool reused round-robin: the records' own memory must not count as growth.
  const pool = chunked(randomRecords(10_000), CHUNK);
  return withEddy('memory', async (eddy) => {
    await eddy.admin.createTopic('memory', { partitions: PARTITIONS });
    const producer = eddy.producer({ acks: 1, lingerMs: 0 });
    const rssStart = await settledRss();
    for (let sent = 0, i = 0; sent < count; sent += CHUNK, i++) {
      await producer.send({ topic: 'memory', messages: pool[i % pool.length]! });
    }
    await producer.flush();
    const rssEnd = await settledRss();
    await producer.close();
    const growthMb = (rssEnd - rssStart) / MB;
    return { records: count, rssStartMb: rssStart / MB, rssEndMb: rssEnd / MB, mbPerMillion: growthMb / (count / 1e6) };
  });
}

/** RSS after full collections, with turns of the event loop between so finalizers free buffers. */
async function settledRss(): Promise<number> {
  if (globalThis.gc === undefined) throw new Error('memory: run with --expose-gc');
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage.rss();
}
