/**
 * Goal 2: durable appends (acks 'all': appended and fdatasynced) from many concurrent producers,
 * which Eddy serves with group commit (one fdatasync for every batch waiting). Baseline: one raw
 * file written in 64 KiB buffers with an fdatasync after each.
 *
 * 32 producers each await sends of 16 records, so one group commit carries at most 32 × 16 records
 * (~60 KiB): about the bytes per fdatasync of the baseline. One-record sends would measure fsync
 * latency rather than the append path. One partition, since the baseline has one file.
 */
import { join } from 'node:path';
import { BENCH_TOPIC_CONFIG, withEddy } from '../lib/eddy-instance.js';
import { type Goal, ratioResult } from '../lib/goal.js';
import { interleave } from '../lib/interleave.js';
import { chunked, randomRecords } from '../lib/random-data.js';
import { BatchedFileWriter } from '../lib/raw-file.js';
import { recordsPerSecond } from '../lib/stats.js';
import { withTempDir } from '../lib/temp-dir.js';

const PRODUCERS = 32;
const RECORDS_PER_SEND = 16;

export const durableAppendGoal: Goal = {
  name: 'durable-append',
  async run({ quick, log }) {
    const records = randomRecords(quick ? PRODUCERS * RECORDS_PER_SEND * 10 : PRODUCERS * RECORDS_PER_SEND * 1000);
    const sends = chunked(records, RECORDS_PER_SEND);
    return withEddy('durable', (eddy) => withTempDir('durable-fs', async (fsDir) => {
      const median = await interleave(quick ? 2 : 5, {
        eddy: async (round) => {
          const topic = `durable-${round}`;
          await eddy.admin.createTopic(topic, { partitions: 1, config: BENCH_TOPIC_CONFIG });
          const producers = Array.from({ length: PRODUCERS }, () => eddy.producer({ acks: 'all', lingerMs: 0 }));
          // Producer i sends chunks i, i + 32, i + 64, …: every producer always has one send in flight.
          const rate = await recordsPerSecond(records.length, () => Promise.all(producers.map(async (producer, i) => {
            for (let s = i; s < sends.length; s += PRODUCERS) await producer.send({ topic, messages: sends[s]! });
          })).then(() => undefined));
          await Promise.all(producers.map((producer) => producer.close()));
          return rate;
        },
        fs: (round) => recordsPerSecond(records.length, () => {
          const file = new BatchedFileWriter(join(fsDir, `${round}.log`), 64 * 1024, true);
          for (const { key, value } of records) file.append(key, value);
          file.close();
        }),
      });
      log(`durable-append medians (records/s): ${JSON.stringify(median)}`);
      return [ratioResult('durable-append.fs-fdatasync', 'records/s', '>=', 0.5, median['eddy']!, median['fs']!)];
    }));
  },
};
