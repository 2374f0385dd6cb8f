/**
 * Exactly-once copying: consume-transform-produce in transactions of 1000 records against the same
 * copy done at-least-once. Target: the transactional copy's records/s ≥ 0.3× the plain copy's.
 *
 * Both sides copy a pre-filled 2-partition input topic (written once, outside the timing) to a fresh
 * 2-partition output topic, record by record into the same partition, in steps of 1000 records:
 * - plain: a consumer (groupId, autoCommit off) takes 1000 records, a default producer (idempotent,
 *   acks 'all') sends them and the send is awaited, then consumer.commit() commits the offsets;
 * - transactional: a producer with a transactionalId runs beginTransaction(), send() of the 1000
 *   records, sendOffsets() of the consumed offsets, commitTransaction(); its consumer reads
 *   read_committed (the plain one too, the default, so the read side is the same).
 * Both consumers use assign() with the groupId (commits as a standalone member, generation -1), so no
 * group join is measured. Each round has its own output topic, group and transactionalId; clients
 * are created (and initTransactions() run) before the timing, closed after it. The timing ends with
 * the last commit; afterwards each round checks that the group's committed offsets reached the end
 * of the input and that the output holds every record with no transaction left open.
 *
 * The ratio depends on the disk: a transaction waits for about six fdatasyncs one after another
 * (transaction state, offsets, markers) where a plain step waits for two (data, commit), so the
 * slower the fdatasyncs, the lower the figure.
 */
import { BENCH_TOPIC_CONFIG, withEddy } from '../lib/eddy-instance.js';
import { type Goal, ratioResult } from '../lib/goal.js';
import { interleave } from '../lib/interleave.js';
import { chunked, randomRecords } from '../lib/random-data.js';
import { recordsPerSecond } from '../lib/stats.js';
import type { Consumer, ConsumerRecord, Eddy, Message, TopicPartitionOffset } from '../../core/index.js';

const INPUT = 'copy-input';
const PARTITIONS = 2;
/** Records per transaction (and per commit on the plain side). */
const STEP = 1000;

type Mode = 'plain' | 'transactional';

export const transactionalCopyGoal: Goal = {
  name: 'transactional-copy',
  async run({ quick, log }) {
    const total = quick ? 4_000 : 200_000;
    return withEddy('txn-copy', async (eddy) => {
      await fillInput(eddy, total);
      const median = await interleave(quick ? 2 : 5, {
        transactional: (round) => copyRound(eddy, 'transactional', round, total),
        plain: (round) => copyRound(eddy, 'plain', round, total),
      });
      log(`transactional-copy medians (records/s): ${JSON.stringify(median)}`);
      return [ratioResult('transactional-copy.plain-copy', 'records/s', '>=', 0.3, median['transactional']!, median['plain']!)];
    });
  },
};

async function fillInput(eddy: Eddy, total: number): Promise<void> {
  await eddy.admin.createTopic(INPUT, { partitions: PARTITIONS, config: BENCH_TOPIC_CONFIG });
  const producer = eddy.producer({ acks: 1, idempotent: false });
  for (const [i, chunk] of chunked(randomRecords(total), STEP).entries()) {
    await producer.send({ topic: INPUT, messages: chunk.map((r) => ({ key: r.key, value: r.value, partition: i % PARTITIONS })) });
  }
  await producer.close();
}

async function copyRound(eddy: Eddy, mode: Mode, round: number, total: number): Promise<number> {
  const output = `copy-${mode}-${round}`;
  const groupId = output;
  await eddy.admin.createTopic(output, { partitions: PARTITIONS, config: BENCH_TOPIC_CONFIG });
  const consumer = eddy.consumer({ groupId, autoCommit: false, autoOffsetReset: 'earliest', isolationLevel: 'read_committed' });
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: INPUT, partition })));
  const producer = mode === 'plain' ? eddy.producer({ acks: 'all' }) : eddy.producer({ acks: 'all', transactionalId: output });
  if (mode === 'transactional') await producer.initTransactions();

  const rate = await recordsPerSecond(total, async () => {
    for (let copied = 0; copied < total;) {
      const records = await take(consumer, Math.min(STEP, total - copied));
      const messages: Message[] = records.map((r) => ({ key: r.key, value: r.value, partition: r.partition }));
      if (mode === 'plain') {
        await producer.send({ topic: output, messages });
        await consumer.commit();
      } else {
        producer.beginTransaction();
        await Promise.all([producer.send({ topic: output, messages }), producer.sendOffsets({ groupId, offsets: nextOffsets(records) })]);
        await producer.commitTransaction();
      }
      copied += records.length;
    }
  });

  await check(eddy, consumer, output, total, mode);
  await producer.close();
  await consumer.close();
  return rate;
}

/** Exactly `count` records (the input holds at least that many past the position). */
async function take(consumer: Consumer, count: number): Promise<ConsumerRecord[]> {
  const records = await consumer.poll({ maxRecords: count, timeoutMs: 50 });
  while (records.length < count) records.push(...(await consumer.poll({ maxRecords: count - records.length, timeoutMs: 50 })));
  return records;
}

/** Per partition, the offset after the last record taken: what commit() commits. */
function nextOffsets(records: readonly ConsumerRecord[]): TopicPartitionOffset[] {
  const next = new Map<number, number>();
  for (const { partition, offset } of records) next.set(partition, Math.max(next.get(partition) ?? 0, offset + 1));
  return [...next].map(([partition, offset]) => ({ topic: INPUT, partition, offset }));
}

async function check(eddy: Eddy, consumer: Consumer, output: string, total: number, mode: Mode): Promise<void> {
  const committed = (await consumer.committed()).reduce((sum, c) => sum + (c.offset ?? 0), 0);
  const { partitions } = await eddy.admin.describeTopic(output);
  const written = partitions.reduce((sum, p) => sum + p.logEndOffset, 0);
  const open = partitions.some((p) => p.lastStableOffset !== p.logEndOffset);
  // A transactional output also holds one commit marker per partition per transaction.
  if (committed !== total || written < total || (mode === 'plain' && written !== total) || open) {
    throw new Error(`transactional-copy (${mode}): committed ${committed}, output log end ${written}${open ? ' with a transaction open' : ''}, of ${total} records`);
  }
}
