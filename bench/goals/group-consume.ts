/**
 * Group consumption: three members of one consumer group reading a 3-partition topic (one
 * partition each, after the group has settled) against one consumer reading the same data with
 * assign(). Target: the group's aggregate records/s ≥ 0.8× the single consumer's. Each round uses
 * a fresh group, which joins and settles (one partition per member) outside the timing; then every
 * member seeks to the beginning and the timing covers reading everything, with heartbeats running,
 * and one awaited commit per member at the end. The data is written once, outside the timing.
 * Members learn of a rebalance from their next heartbeat (as in Kafka), so they heartbeat every
 * 50 ms here to settle quickly; a ref'd interval keeps the process alive while settling, when the
 * (unref'd) library timers are all that is pending.
 *
 * Every consumer polls up to 1,000 records at a time (Kafka's max.poll.records is 500). Pages of
 * 10,000 kept three members' 30,000 decoded records alive in one heap at once, and the measured
 * difference was mostly V8 copying them between young-generation spaces, not group consumption.
 * The rounds run without the harness's forced full collection between contenders: with it, a group
 * round that followed an assign round used 1.7–1.9× the CPU of one that followed another group
 * round (the same reads of the same records), so the median depended on the rounds' order; without
 * it the rounds are even, and the assign rounds are as fast as with it.
 */
import { BENCH_TOPIC_CONFIG, withEddy } from '../lib/eddy-instance.js';
import { type Goal, ratioResult } from '../lib/goal.js';
import { interleave } from '../lib/interleave.js';
import { chunked, randomRecords } from '../lib/random-data.js';
import { recordsPerSecond } from '../lib/stats.js';
import type { Consumer } from '../../core/index.js';

const TOPIC = 'group-read';
const PARTITIONS = 3;
const PAGE = 1_000;

export const groupConsumeGoal: Goal = {
  name: 'group-consume',
  async run({ quick, log }) {
    const perPartition = quick ? 2_000 : 200_000;
    const total = perPartition * PARTITIONS;
    const records = randomRecords(total);
    return withEddy('group-consume', async (eddy) => {
      await eddy.admin.createTopic(TOPIC, { partitions: PARTITIONS, config: BENCH_TOPIC_CONFIG });
      const producer = eddy.producer({ acks: 1 });
      for (const [i, chunk] of chunked(records, 1000).entries()) {
        await producer.send({ topic: TOPIC, messages: chunk.map((r) => ({ key: r.key, value: r.value, partition: i % PARTITIONS })) });
      }
      await producer.close();

      const drain = async (consumer: Consumer, until: () => boolean, count: (n: number) => void): Promise<void> => {
        while (!until()) {
          const batch = await consumer.poll({ maxRecords: PAGE, timeoutMs: 50 });
          count(batch.length);
        }
      };
      let round = 0;
      const median = await interleave(quick ? 2 : 5, {
        assign: () => recordsPerSecond(total, async () => {
          const consumer = eddy.consumer({ autoOffsetReset: 'earliest' });
          consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })));
          let read = 0;
          await drain(consumer, () => read >= total, (n) => { read += n; });
          await consumer.close();
          if (read !== total) throw new Error(`group-consume: assign read ${read} of ${total}`);
        }),
        group: async () => {
          // Join and settle outside the timing: the goal is the steady state of three members.
          const groupId = `bench-${round++}`;
          const keepAlive = setInterval(() => undefined, 1000);
          const members = Array.from({ length: PARTITIONS }, () => eddy.consumer({ groupId, autoOffsetReset: 'earliest', autoCommit: false, heartbeatIntervalMs: 50 }));
          for (const m of members) m.subscribe({ topics: [TOPIC] });
          while (!members.every((m) => m.assignment().length === 1)) await Promise.all(members.map((m) => m.poll({ maxRecords: 1, timeoutMs: 20 })));
          clearInterval(keepAlive);
          for (const m of members) m.seekToBeginning();
          const rate = await recordsPerSecond(total, async () => {
            let read = 0;
            await Promise.all(members.map(async (m) => {
              let mine = 0;
              await drain(m, () => mine >= perPartition, (n) => { mine += n; });
              read += mine;
              await m.commit();
            }));
            if (read !== total) throw new Error(`group-consume: the group read ${read} of ${total}`);
          });
          for (const m of members) await m.close();
          return rate;
        },
      }, { collectGarbage: false });
      log(`group-consume medians (records/s): ${JSON.stringify(median)}`);
      return [ratioResult('group-consume.assign', 'records/s', '>=', 0.8, median['group']!, median['assign']!)];
    });
  },
};
