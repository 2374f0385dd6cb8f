/**
 * Idempotence costs little: an idempotent producer (the default) against one with `idempotent:
 * false`, same workload, same run. Target: ≥ 0.9× the non-idempotent producer's records/s.
 *
 * The workload is the append goal's Eddy side (3 partitions, pre-generated records sent in chunks
 * of 1000, each chunk awaited, lingerMs 0, 16 KiB batches) except for acks: idempotence needs acks
 * 'all', so both sides use acks 'all' (appended and fdatasynced) and differ in `idempotent` alone.
 * The idempotent side's producer id arrives while the first send waits (inside the timing: every
 * idempotent producer pays for it); over 300 000 records it is noise.
 *
 * Seven rounds rather than five: both sides wait for the same fdatasyncs (one per partition per
 * chunk), whose latency on a shared VM varies by ±30% from one run to the next, and the target
 * leaves a 10% margin; the median of seven keeps that noise from deciding the result.
 */
import { BENCH_TOPIC_CONFIG, withEddy } from '../lib/eddy-instance.js';
import { type Goal, ratioResult } from '../lib/goal.js';
import { type Contender, interleave } from '../lib/interleave.js';
import { chunked, randomRecords } from '../lib/random-data.js';
import { recordsPerSecond } from '../lib/stats.js';

const PARTITIONS = 3;
const CHUNK = 1000;

export const idempotentAppendGoal: Goal = {
  name: 'idempotent-append',
  async run({ quick, log }) {
    const records = randomRecords(quick ? 5_000 : 300_000);
    const chunks = chunked(records, CHUNK);
    return withEddy('idempotent', async (eddy) => {
      const contender = (idempotent: boolean): Contender => async (round) => {
        const topic = `idempotent-${idempotent}-${round}`;
        await eddy.admin.createTopic(topic, { partitions: PARTITIONS, config: BENCH_TOPIC_CONFIG });
        const producer = eddy.producer({ acks: 'all', idempotent, lingerMs: 0, batchSize: 16384 });
        const rate = await recordsPerSecond(records.length, async () => {
          for (const messages of chunks) await producer.send({ topic, messages });
          await producer.close();
        });
        // A producer that quietly went without a producer id would make the ratio meaningless.
        const { producerId } = producer.producerIdAndEpoch;
        if (producerId >= 0 !== idempotent) throw new Error(`idempotent-append: the ${idempotent ? '' : 'non-'}idempotent producer has producer id ${producerId}`);
        return rate;
      };
      const median = await interleave(quick ? 2 : 7, { idempotent: contender(true), plain: contender(false) });
      log(`idempotent-append medians (records/s): ${JSON.stringify(median)}`);
      return [ratioResult('idempotent-append.non-idempotent', 'records/s', '>=', 0.9, median['idempotent']!, median['plain']!)];
    });
  },
};
