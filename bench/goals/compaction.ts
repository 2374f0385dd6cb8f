/**
 * Compaction goals. The log: records with 10,000 distinct keys and random 100-byte values, in
 * batches of 100, appended to a compacted topic and rolled, so every byte is cleanable.
 *
 * - compaction.naive-pass: cleaning throughput (MB/s of log input: the partition's bytes before the
 *   pass) vs a naive in-memory last-value-per-key pass over the same batch bytes (decode every batch,
 *   keep each key's latest value in a Map), which does no I/O and writes nothing. Target >= 0.3x.
 * - compaction.append-solo: append throughput while the cleaner compacts another topic vs alone.
 * - compaction.max-pause: the longest the event loop went without a turn during those passes (ms).
 *   The appender works like a busy producer: 10 batches of 100 records per turn of the event loop.
 *   Target >= 0.8x.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Eddy } from '../../core/index.js';
import { decodeRecords, encodeRecordBatch, readBatchHeader } from '../../core/record/record-batch.js';
import { performance } from 'node:perf_hooks';
import { absoluteResult, type Goal, ratioResult } from '../lib/goal.js';
import { type Contender, interleave } from '../lib/interleave.js';
import { randomRecords } from '../lib/random-data.js';
import { stopwatch } from '../lib/stats.js';
import { withTempDir } from '../lib/temp-dir.js';

const KEYS = 10_000;
const BATCH = 100;
const TOPIC_CONFIG = { 'cleanup.policy': 'compact', 'segment.bytes': 16 * 1024 * 1024 };

function keyedBatches(count: number): Buffer[] {
  const records = randomRecords(count);
  const batches: Buffer[] = [];
  for (let i = 0; i < count; i += BATCH) {
    const chunk = records.slice(i, i + BATCH).map((r, j) => ({ key: Buffer.from(`key-${String((i + j) % KEYS).padStart(12, '0')}`), value: r.value }));
    batches.push(encodeRecordBatch({ records: chunk }));
  }
  return batches;
}

/** The baseline: last value per key over the batches, in memory. Returns MB/s of input. */
function naivePass(batches: readonly Buffer[]): number {
  const elapsed = stopwatch();
  const latest = new Map<string, Buffer | null>();
  let bytes = 0;
  for (const batch of batches) {
    bytes += batch.length;
    for (const record of decodeRecords(batch, readBatchHeader(batch, 0))) if (record.key !== null) latest.set(record.key.toString('latin1'), record.value);
  }
  if (latest.size !== KEYS) throw new Error(`naive pass found ${latest.size} keys`);
  return bytes / 1e6 / elapsed();
}

export const compactionGoal: Goal = {
  name: 'compaction',
  async run({ quick, log }) {
    const batches = keyedBatches(quick ? 20_000 : 300_000);
    return withTempDir('compaction', async (dataDir) => {
      const eddy = await Eddy.open({ dataDir, config: { 'log.cleaner.enable': false } });
      try {
        let topics = 0;
        const fill = async (): Promise<string> => {
          const topic = `compaction-${topics++}`;
          await eddy.admin.createTopic(topic, { config: TOPIC_CONFIG });
          const partition = eddy.partitionLog(topic, 0);
          for (const batch of batches) partition.append(Buffer.from(batch));
          partition.rollNow();
          return topic;
        };
        /** Appends every batch, 10 per turn; returns records/s. */
        const appendAll = async (topic: string): Promise<number> => {
          const partition = eddy.partitionLog(topic, 0);
          const elapsed = stopwatch();
          for (let i = 0; i < batches.length; i += 10) {
            for (let j = i; j < Math.min(i + 10, batches.length); j++) partition.append(Buffer.from(batches[j]!));
            await nextTurn();
          }
          return (batches.length * BATCH) / elapsed();
        };
        const cleaning: Record<string, Contender> = {
          naive: async () => naivePass(batches),
          eddy: async () => {
            const topic = await fill();
            const bytes = eddy.partitionLog(topic, 0).sizeInBytes();
            const elapsed = stopwatch();
            let cleaning = true;
            const compaction = eddy.admin.compactTopic(topic).finally(() => {
              cleaning = false;
            });
            // The longest the event loop went without a turn while the cleaner worked.
            let last = performance.now();
            while (cleaning) {
              await nextTurn();
              const now = performance.now();
              worstPauseMs = Math.max(worstPauseMs, now - last);
              last = now;
            }
            await compaction;
            const rate = bytes / 1e6 / elapsed();
            await eddy.admin.deleteTopic(topic);
            return rate;
          },
        };
        let worstPauseMs = 0;
        const cleaningMedian = await interleave(quick ? 2 : 5, cleaning);
        log(`compaction medians (MB/s): ${JSON.stringify(cleaningMedian)}`);

        const appending: Record<string, Contender> = {
          solo: async () => {
            const topic = `append-solo-${topics++}`;
            await eddy.admin.createTopic(topic, { config: TOPIC_CONFIG });
            const rate = await appendAll(topic);
            await eddy.admin.deleteTopic(topic);
            return rate;
          },
          withCleaner: async () => {
            const dirty = await fill();
            const topic = `append-busy-${topics++}`;
            await eddy.admin.createTopic(topic, { config: TOPIC_CONFIG });
            let cleaning = true;
            const compaction = eddy.admin.compactTopic(dirty).finally(() => {
              cleaning = false;
            });
            await nextTurn(); // the pass has started
            const rate = await appendAll(topic);
            if (!cleaning) log('warning: the compaction ended before the appends did; the figure is partly solo');
            await compaction;
            await eddy.admin.deleteTopic(topic);
            await eddy.admin.deleteTopic(dirty);
            return rate;
          },
        };
        const appendMedian = await interleave(quick ? 2 : 5, appending);
        log(`append medians (records/s): ${JSON.stringify(appendMedian)}`);
        return [
          ratioResult('compaction.naive-pass', 'MB/s', '>=', 0.3, cleaningMedian['eddy']!, cleaningMedian['naive']!),
          ratioResult('compaction.append-solo', 'records/s', '>=', 0.8, appendMedian['withCleaner']!, appendMedian['solo']!),
          absoluteResult('compaction.max-pause', 'ms', '<=', 20, worstPauseMs),
        ];
      } finally {
        await eddy.close();
      }
    });
  },
};
