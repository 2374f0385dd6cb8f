/**
 * wire-produce: kcat (librdkafka) producing 1M records of 100 bytes to Eddy over loopback TCP, with
 * librdkafka's defaults: acks all, no compression, 5 ms linger, batches of up to 10,000 messages or
 * 1 MB, keyless records spread over the partitions. For acks all Eddy answers a Produce once the
 * batch is appended and fdatasynced; the fdatasync is group-committed per partition (every flush
 * that arrives while one runs is satisfied by the next single one), so the requests librdkafka
 * pipelines share syncs. A fresh topic (1 or 3 partitions) per round, deleted after it.
 *
 * Figure: MB/s of record payload (values only: kcat sends no keys), over kcat's wall time from
 * spawn to exit (connect, metadata, produce, last acknowledgement); the count stored is checked.
 * Baseline: raw loopback TCP in the same direction, the same payload bytes sent by a child process
 * to a sink in this process (bench/lib/raw-tcp.ts). The progress log gives the medians of wall
 * time, kcat's CPU and the broker's CPU per contender: where the time goes.
 *
 * Reported beside it (no target): the broker's own capacity, the same records produced by a client
 * that costs almost nothing per record (bench/lib/wire-driver.ts: pre-encoded batches of 1 MB, acks
 * all, 5 requests in flight), against the same raw TCP baseline. kcat's CPU bounds its figure
 * on a small machine; this one says what the broker reaches when the client is not the limit.
 * And kcat's ceiling: the same kcat runs against a broker that keeps batches in memory and checks
 * nothing (bench/lib/memory-broker.ts), which bounds what any broker can show kcat reaching here.
 */
import { join } from 'node:path';
import { BENCH_TOPIC_CONFIG, storedRecords, withServedEddy } from '../lib/eddy-instance.js';
import { type Goal, type GoalResult, ratioOrMissing, reportedRatio } from '../lib/goal.js';
import { type Contender, interleave } from '../lib/interleave.js';
import { KCAT_MISSING, type KcatRun, describeKcatRuns, findKcat, kcatProduce, writeKcatInput } from '../lib/kcat.js';
import { withMemoryBroker } from '../lib/memory-broker.js';
import { VALUE_BYTES } from '../lib/random-data.js';
import { rawTcpReceive } from '../lib/raw-tcp.js';
import { withTempDir } from '../lib/temp-dir.js';
import { describeDriverRuns, type DriverRun, driveProduce } from '../lib/wire-driver.js';

const UNIT = 'MB/s';
const TARGET = 0.25;
const PARTITION_COUNTS = [1, 3] as const;

export const wireProduceGoal: Goal = {
  name: 'wire-produce',
  async run({ quick, log }) {
    const records = quick ? 5_000 : 1_000_000;
    const payloadBytes = records * VALUE_BYTES;
    const kcat = findKcat();
    return withServedEddy('wire-produce', (eddy, bootstrap) => withTempDir('wire-produce-input', (dir) => withMemoryBroker(async (memoryBroker) => {
      const contenders: Record<string, Contender> = { raw: () => rawTcpReceive(payloadBytes) };
      const runs = new Map<string, KcatRun[]>();
      const driverRuns = new Map<string, DriverRun[]>();
      const port = Number(bootstrap.slice(bootstrap.lastIndexOf(':') + 1));
      for (const partitions of PARTITION_COUNTS) {
        const name = `broker-${partitions}p`;
        driverRuns.set(name, []);
        contenders[name] = async (round) => {
          const topic = `wire-produce-driver-${partitions}p-${round}`;
          await eddy.admin.createTopic(topic, { partitions, config: BENCH_TOPIC_CONFIG });
          const run = await driveProduce(port, topic, partitions, records, VALUE_BYTES);
          const stored = storedRecords(eddy, topic, partitions);
          if (stored !== records) throw new Error(`wire-produce: ${topic} holds ${stored} records, the driver sent ${records}`);
          await eddy.admin.deleteTopic(topic);
          driverRuns.get(name)!.push(run);
          return payloadBytes / run.seconds / 1e6;
        };
      }
      if (kcat !== null) {
        const input = join(dir, 'records.txt');
        await writeKcatInput(input, records, VALUE_BYTES);
        for (const partitions of PARTITION_COUNTS) {
          const name = `ceiling-${partitions}p`;
          runs.set(name, []);
          contenders[name] = async (round) => {
            const topic = `wire-produce-ceiling-${partitions}p-${round}`;
            memoryBroker.createTopic(topic, partitions);
            const run = await kcatProduce(kcat, memoryBroker.bootstrap, topic, input);
            const stored = memoryBroker.storedRecords(topic);
            if (stored !== records) throw new Error(`wire-produce: the memory broker's ${topic} holds ${stored} records, kcat sent ${records}`);
            memoryBroker.deleteTopic(topic);
            runs.get(name)!.push(run);
            return payloadBytes / run.seconds / 1e6;
          };
        }
        for (const partitions of PARTITION_COUNTS) {
          const name = `eddy-${partitions}p`;
          runs.set(name, []);
          contenders[name] = async (round) => {
            const topic = `wire-produce-${partitions}p-${round}`;
            await eddy.admin.createTopic(topic, { partitions, config: BENCH_TOPIC_CONFIG });
            const run = await kcatProduce(kcat, bootstrap, topic, input);
            const stored = storedRecords(eddy, topic, partitions);
            if (stored !== records) throw new Error(`wire-produce: ${topic} holds ${stored} records, kcat sent ${records}`);
            await eddy.admin.deleteTopic(topic);
            runs.get(name)!.push(run);
            return payloadBytes / run.seconds / 1e6;
          };
        }
      }
      const median = await interleave(quick ? 2 : 5, contenders, { collectGarbage: false });
      log(`wire-produce medians (${UNIT}): ${JSON.stringify(median)}`);
      const ofCeiling = PARTITION_COUNTS.map((partitions) => `${partitions}p ${((median[`eddy-${partitions}p`] ?? NaN) / (median[`ceiling-${partitions}p`] ?? NaN)).toFixed(2)}×`);
      log(`wire-produce Eddy / kcat's ceiling: ${ofCeiling.join(', ')}`);
      for (const [name, list] of runs) log(`wire-produce ${name}: ${describeKcatRuns(list)} (medians)`);
      for (const [name, list] of driverRuns) log(`wire-produce ${name}: ${describeDriverRuns(list)} (medians)`);
      return PARTITION_COUNTS.flatMap((partitions): GoalResult[] => [
        ratioOrMissing(`wire-produce.raw-tcp-${partitions}p`, UNIT, '>=', TARGET, median[`eddy-${partitions}p`], median['raw']!, KCAT_MISSING),
        reportedRatio(`wire-produce.broker-capacity-${partitions}p`, UNIT, median[`broker-${partitions}p`], median['raw']),
        reportedRatio(`wire-produce.kcat-ceiling-${partitions}p`, UNIT, median[`ceiling-${partitions}p`], median['raw'], KCAT_MISSING),
      ]);
    })));
  },
};
