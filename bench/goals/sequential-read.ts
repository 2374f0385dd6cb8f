/**
 * Goal 3: reading a partition from offset 0 into records, every record decoded (key and value as
 * Buffers). Baselines: Redis XRANGE in pages of 10,000 through ioredis (Buffer replies, so no
 * string decoding is charged to Redis), and raw reads of the same bytes in 1 MiB chunks with
 * fixed-size records sliced out as views (the least any reader must do). Each contender's data is
 * written once, outside the timing; the rounds only read. Every contender sums the value lengths
 * and the count is checked, so none can skip work.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_TOPIC_CONFIG, withEddy } from '../lib/eddy-instance.js';
import { type Goal, ratioOrMissing, ratioResult } from '../lib/goal.js';
import { type Contender, interleave } from '../lib/interleave.js';
import { KEY_BYTES, RECORD_BYTES, chunked, randomRecords } from '../lib/random-data.js';
import { BatchedFileWriter } from '../lib/raw-file.js';
import { REDIS_MISSING, withRedisServer } from '../lib/redis-server.js';
import { recordsPerSecond } from '../lib/stats.js';
import { withTempDir } from '../lib/temp-dir.js';

const PAGE = 10_000;
const READ_CHUNK_BYTES = 1024 * 1024;
const UNIT = 'records/s';
const TOPIC = 'read';
const STREAM = 'read';

export const sequentialReadGoal: Goal = {
  name: 'read',
  async run({ quick, log }) {
    const records = randomRecords(quick ? 5_000 : 500_000);
    const expected = records.reduce((sum, r) => sum + r.value.length, 0);
    const check = (name: string, bytes: number): void => {
      if (bytes !== expected) throw new Error(`read: ${name} read ${bytes} value bytes, expected ${expected}`);
    };
    return withEddy('read', (eddy) => withTempDir('read-fs', (fsDir) => withRedisServer(async (redis) => {
      await eddy.admin.createTopic(TOPIC, { partitions: 1, config: BENCH_TOPIC_CONFIG });
      const producer = eddy.producer({ acks: 1 });
      for (const messages of chunked(records, 1000)) await producer.send({ topic: TOPIC, messages });
      await producer.close();
      const path = join(fsDir, 'read.log');
      const file = new BatchedFileWriter(path, 16 * 1024);
      for (const { key, value } of records) file.append(key, value);
      file.close();

      const contenders: Record<string, Contender> = {
        eddy: () => recordsPerSecond(records.length, async () => {
          const consumer = eddy.consumer({ autoOffsetReset: 'earliest' });
          consumer.assign([{ topic: TOPIC, partition: 0 }]);
          consumer.seek({ topic: TOPIC, partition: 0, offset: 0 });
          let count = 0;
          let bytes = 0;
          while (count < records.length) {
            const batch = await consumer.poll({ maxRecords: PAGE, timeoutMs: 1000 });
            if (batch.length === 0) throw new Error(`read: eddy returned nothing after ${count} records`);
            for (const record of batch) bytes += record.value?.length ?? 0;
            count += batch.length;
          }
          await consumer.close();
          check('eddy', bytes);
        }),
        fs: () => recordsPerSecond(records.length, () => check('fs', readAndSlice(path))),
      };
      if (redis) {
        for (const chunk of chunked(records, 1000)) {
          const pipeline = redis.pipeline();
          for (const { key, value } of chunk) pipeline.xadd(STREAM, '*', key, value);
          await pipeline.exec();
        }
        contenders['redis'] = () => recordsPerSecond(records.length, async () => {
          let bytes = 0;
          let start = '-';
          while (true) {
            const page = await redis.xrangeBuffer(STREAM, start, '+', 'COUNT', PAGE);
            for (const [, fields] of page) bytes += fields[1]?.length ?? 0;
            const last = page[page.length - 1];
            if (page.length < PAGE || last === undefined) break;
            start = `(${last[0].toString()}`; // exclusive start: the entry after the last one seen
          }
          check('redis', bytes);
        });
      }
      const median = await interleave(quick ? 2 : 5, contenders);
      log(`read medians (records/s): ${JSON.stringify(median)}`);
      const eddyRate = median['eddy']!;
      return [
        ratioOrMissing('read.redis-xrange', UNIT, '>=', 1.5, eddyRate, median['redis'], REDIS_MISSING),
        ratioResult('read.fs-slice', UNIT, '>=', 0.15, eddyRate, median['fs']!),
      ];
    })));
  },
};

/**
 * Reads fixed-size records into pages of objects shaped like a consumer's (a page per chunk, as a
 * poll returns an array). Each chunk is a fresh buffer so the slices stay valid after the next
 * read, as a consumer's records must.
 */
function readAndSlice(path: string): number {
  const fd = openSync(path, 'r');
  let offset = 0;
  let bytes = 0;
  try {
    while (true) {
      const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES - (READ_CHUNK_BYTES % RECORD_BYTES));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const page: Array<{ offset: number; key: Buffer; value: Buffer }> = [];
      for (let at = 0; at + RECORD_BYTES <= n; at += RECORD_BYTES) {
        page.push({ offset: offset++, key: chunk.subarray(at, at + KEY_BYTES), value: chunk.subarray(at + KEY_BYTES, at + RECORD_BYTES) });
      }
      for (const record of page) bytes += record.value.length;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}
