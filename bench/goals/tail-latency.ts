/**
 * Goal 4: produce → tailing-consumer latency at a steady ~10k records/s. A paced producer sends
 * whatever is due every millisecond (one send or one pipeline per tick); each value carries its
 * send time (process.hrtime.bigint) in its first 8 bytes; the tailing reader in the same process
 * records receive time − send time. Baseline: Redis XADD → XREAD BLOCK on a second connection.
 * The first WARMUP_MS of each round are discarded (JIT, connection and page-cache warm-up).
 */
import type { Redis } from 'ioredis';
import { BENCH_TOPIC_CONFIG, withEddy } from '../lib/eddy-instance.js';
import { type Goal, ratioOrMissing } from '../lib/goal.js';
import { type Contender, interleave } from '../lib/interleave.js';
import { randomRecords } from '../lib/random-data.js';
import { REDIS_MISSING, withRedisServer } from '../lib/redis-server.js';
import { percentile } from '../lib/stats.js';

const RATE_PER_SECOND = 10_000;
const WARMUP_MS = 300;
const UNIT = 'ms p99';

export const tailLatencyGoal: Goal = {
  name: 'latency',
  async run({ quick, log }) {
    const durationMs = quick ? 800 : 3000;
    return withEddy('latency', (eddy) => withRedisServer(async (redis) => {
      const contenders: Record<string, Contender> = {
        eddy: async (round) => {
          const topic = `latency-${round}`;
          await eddy.admin.createTopic(topic, { partitions: 1, config: BENCH_TOPIC_CONFIG });
          const producer = eddy.producer({ acks: 1, lingerMs: 0 });
          const consumer = eddy.consumer({ autoOffsetReset: 'earliest' });
          consumer.assign([{ topic, partition: 0 }]);
          consumer.seek({ topic, partition: 0, offset: 0 });
          const latencies = new Latencies();
          const subscription = consumer.observe().subscribe((record) => latencies.receive(record.value));
          const sent = await pace(durationMs, (messages) => void producer.send({ topic, messages }));
          await latencies.until(sent, durationMs);
          subscription.unsubscribe();
          await Promise.all([producer.close(), consumer.close()]);
          return latencies.p99();
        },
      };
      if (redis) contenders['redis'] = (round) => redisRound(redis, `latency-${round}`, durationMs);
      const median = await interleave(quick ? 2 : 3, contenders);
      log(`latency median p99 (ms): ${JSON.stringify(median)}`);
      return [
        ratioOrMissing('latency.redis-xread', UNIT, '<=', 0.5, median['eddy']!, median['redis'], REDIS_MISSING),
      ];
    }));
  },
};

async function redisRound(redis: Redis, stream: string, durationMs: number): Promise<number> {
  const reader = redis.duplicate(); // XREAD BLOCK holds its connection
  const latencies = new Latencies();
  let done = false;
  const reading = (async () => {
    let lastId = '0';
    while (!done) {
      const reply = await reader.xreadBuffer('COUNT', 1000, 'BLOCK', 100, 'STREAMS', stream, lastId);
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          latencies.receive(fields[1] ?? null);
          lastId = id.toString();
        }
      }
    }
  })();
  const sent = await pace(durationMs, (messages) => {
    const pipeline = redis.pipeline();
    for (const { key, value } of messages) pipeline.xadd(stream, '*', key, value);
    void pipeline.exec();
  });
  await latencies.until(sent, durationMs);
  done = true;
  await reading;
  reader.disconnect();
  await redis.del(stream);
  return latencies.p99();
}

type Send = (messages: Array<{ key: Buffer; value: Buffer }>) => void;

/**
 * Sends RATE_PER_SECOND records for `durationMs`: each tick sends what is due by the clock, so a late
 * tick catches up instead of lowering the rate. Resolves with the number of records sent.
 */
async function pace(durationMs: number, send: Send): Promise<number> {
  const pool = randomRecords(1000);
  const start = process.hrtime.bigint();
  let sent = 0;
  while (true) {
    const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (elapsedMs >= durationMs) return sent;
    const due = Math.floor((elapsedMs * RATE_PER_SECOND) / 1000) - sent;
    if (due > 0) {
      const messages = [];
      for (let i = 0; i < due; i++, sent++) {
        const { key, value } = pool[sent % pool.length]!;
        const stamped = Buffer.from(value); // a copy: the stamp must not leak into later sends
        stamped.writeBigUInt64BE(process.hrtime.bigint());
        messages.push({ key, value: stamped });
      }
      send(messages);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Latency samples from stamped values; waits until every sent record has arrived. */
class Latencies {
  private readonly samples: number[] = [];
  private received = 0;
  private readonly warmupEnd = process.hrtime.bigint() + BigInt(WARMUP_MS * 1e6);
  private waiter: (() => void) | null = null;
  private expected = Infinity;

  receive(value: Buffer | null): void {
    const now = process.hrtime.bigint();
    if (value === null) throw new Error('latency: a record arrived without a value');
    const sentAt = value.readBigUInt64BE(0);
    if (sentAt >= this.warmupEnd) this.samples.push(Number(now - sentAt) / 1e6);
    if (++this.received >= this.expected) this.waiter?.();
  }

  /** Resolves once `count` records have arrived; rejects when they take longer than `timeoutMs`. */
  until(count: number, timeoutMs: number): Promise<void> {
    this.expected = count;
    if (this.received >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`latency: ${this.received} of ${count} records arrived`)), timeoutMs);
      this.waiter = () => (clearTimeout(timer), resolve());
    });
  }

  p99(): number {
    return percentile(this.samples, 99);
  }
}
