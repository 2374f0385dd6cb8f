/**
 * Goal 1: appending to 3 partitions with acks 1 (bytes in the page cache, Kafka's default
 * durability). Baselines: Redis Streams XADD pipelined by 1000 (the common "Redis as a log"
 * choice) and raw writeSync of ~16 KiB buffers to 3 files (the ceiling for any append path).
 * Every contender sends the same pre-generated records in chunks of 1000 and awaits each chunk.
 */
import { join } from 'node:path';
import { BENCH_TOPIC_CONFIG, withEddy } from '../lib/eddy-instance.js';
import { type Goal, ratioOrMissing, ratioResult } from '../lib/goal.js';
import { type Contender, interleave } from '../lib/interleave.js';
import { chunked, randomRecords } from '../lib/random-data.js';
import { BatchedFileWriter } from '../lib/raw-file.js';
import { REDIS_MISSING, withRedisServer } from '../lib/redis-server.js';
import { recordsPerSecond } from '../lib/stats.js';
import { withTempDir } from '../lib/temp-dir.js';

const PARTITIONS = 3;
const CHUNK = 1000;
const UNIT = 'records/s';

export const appendGoal: Goal = {
  name: 'append',
  async run({ quick, log }) {
    const records = randomRecords(quick ? 5_000 : 300_000);
    const chunks = chunked(records, CHUNK);
    return withEddy('append', (eddy) => withTempDir('append-fs', (fsDir) => withRedisServer(async (redis) => {
      const contenders: Record<string, Contender> = {
        eddy: async (round) => {
          const topic = `append-${round}`;
          await eddy.admin.createTopic(topic, { partitions: PARTITIONS, config: BENCH_TOPIC_CONFIG });
          const producer = eddy.producer({ acks: 1, lingerMs: 0, batchSize: 16384 });
          const rate = await recordsPerSecond(records.length, async () => {
            for (const messages of chunks) await producer.send({ topic, messages });
            await producer.flush();
          });
          await producer.close();
          return rate;
        },
        fs: (round) => recordsPerSecond(records.length, () => {
          const files = Array.from({ length: PARTITIONS }, (_, p) => new BatchedFileWriter(join(fsDir, `${round}-${p}.log`), 16 * 1024));
          records.forEach(({ key, value }, i) => files[i % PARTITIONS]!.append(key, value));
          files.forEach((file) => file.close());
        }),
      };
      if (redis) {
        const streams = Array.from({ length: PARTITIONS }, (_, p) => `append-${p}`);
        contenders['redis'] = async () => {
          const rate = await recordsPerSecond(records.length, async () => {
            for (const chunk of chunks) {
              const pipeline = redis.pipeline();
              chunk.forEach(({ key, value }, i) => pipeline.xadd(streams[i % PARTITIONS]!, '*', key, value));
              await pipeline.exec();
            }
          });
          await redis.del(...streams); // keep the server's memory, and so its speed, the same each round
          return rate;
        };
      }
      const median = await interleave(quick ? 2 : 5, contenders);
      log(`append medians (records/s): ${JSON.stringify(median)}`);
      const eddyRate = median['eddy']!;
      return [
        ratioOrMissing('append.redis-xadd', UNIT, '>=', 8, eddyRate, median['redis'], REDIS_MISSING),
        ratioResult('append.fs-write', UNIT, '>=', 0.1, eddyRate, median['fs']!),
      ];
    })));
  },
};
