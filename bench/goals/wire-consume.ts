/**
 * wire-consume: kcat (librdkafka) reading 1M records of 100 bytes from Eddy over loopback TCP,
 * every partition from the beginning to its end without a group (`-C -o beginning -e -c <count>`),
 * with an empty output format to /dev/null so kcat spends nothing on formatting. kcat stops at the
 * count rather than waiting out a last empty long poll (see kcatConsume). The records were produced
 * by kcat beforehand (outside the timing), so the batches are laid out as a librdkafka producer
 * leaves them; Eddy's Fetch ships the stored batch bytes as they are. Topics with 1 and 3 partitions.
 *
 * Figure: MB/s of record payload, over kcat's wall time from spawn to exit (connect, metadata,
 * fetches until the last record). Baseline: raw loopback TCP in the same direction, the same
 * payload bytes written by this process to a child that discards them (bench/lib/raw-tcp.ts).
 * The progress log gives the medians of wall time, kcat's CPU and the broker's CPU per contender:
 * where the time goes.
 *
 * Reported beside it (no target): the broker's own capacity, the same topics fetched by a client
 * that costs almost nothing per record (bench/lib/wire-driver.ts: Fetch for every partition, 1 MB
 * per partition per request, one request in flight), against the same raw TCP baseline. And
 * kcat's ceiling: the same kcat runs against a broker that holds the batches in memory and checks
 * nothing (bench/lib/memory-broker.ts, filled by the same kcat producer), which bounds what any
 * broker can show kcat reaching here.
 */
import { join } from 'node:path';
import { BENCH_TOPIC_CONFIG, storedRecords, withServedEddy } from '../lib/eddy-instance.js';
import { type Goal, type GoalResult, ratioOrMissing, reportedRatio } from '../lib/goal.js';
import { type Contender, interleave } from '../lib/interleave.js';
import { KCAT_MISSING, type KcatRun, describeKcatRuns, findKcat, kcatConsume, kcatProduce, writeKcatInput } from '../lib/kcat.js';
import { withMemoryBroker } from '../lib/memory-broker.js';
import { VALUE_BYTES } from '../lib/random-data.js';
import { rawTcpSend } from '../lib/raw-tcp.js';
import { withTempDir } from '../lib/temp-dir.js';
import { describeDriverRuns, type DriverRun, driveFetch } from '../lib/wire-driver.js';

const UNIT = 'MB/s';
const TARGET = 0.5;
const PARTITION_COUNTS = [1, 3] as const;

export const wireConsumeGoal: Goal = {
  name: 'wire-consume',
  async run({ quick, log }) {
    const records = quick ? 5_000 : 1_000_000;
    const payloadBytes = records * VALUE_BYTES;
    const kcat = findKcat();
    return withServedEddy('wire-consume', (eddy, bootstrap) => withTempDir('wire-consume-input', (dir) => withMemoryBroker(async (memoryBroker) => {
      const contenders: Record<string, Contender> = { raw: () => rawTcpSend(payloadBytes) };
      const runs = new Map<string, KcatRun[]>();
      const driverRuns = new Map<string, DriverRun[]>();
      const port = Number(bootstrap.slice(bootstrap.lastIndexOf(':') + 1));
      if (kcat !== null) {
        const input = join(dir, 'records.txt');
        await writeKcatInput(input, records, VALUE_BYTES);
        for (const partitions of PARTITION_COUNTS) {
          const topic = `wire-consume-${partitions}p`;
          memoryBroker.createTopic(topic, partitions);
          await kcatProduce(kcat, memoryBroker.bootstrap, topic, input);
          const held = memoryBroker.storedRecords(topic);
          if (held !== records) throw new Error(`wire-consume: the memory broker's ${topic} holds ${held} records, kcat sent ${records}`);
          const ceilingName = `ceiling-${partitions}p`;
          runs.set(ceilingName, []);
          contenders[ceilingName] = async () => {
            const run = await kcatConsume(kcat, memoryBroker.bootstrap, topic, records);
            runs.get(ceilingName)!.push(run);
            return payloadBytes / run.seconds / 1e6;
          };
          await eddy.admin.createTopic(topic, { partitions, config: BENCH_TOPIC_CONFIG });
          await kcatProduce(kcat, bootstrap, topic, input);
          const stored = storedRecords(eddy, topic, partitions);
          if (stored !== records) throw new Error(`wire-consume: ${topic} holds ${stored} records, kcat sent ${records}`);
          const name = `eddy-${partitions}p`;
          runs.set(name, []);
          contenders[name] = async () => {
            const run = await kcatConsume(kcat, bootstrap, topic, records);
            runs.get(name)!.push(run);
            return payloadBytes / run.seconds / 1e6;
          };
          const driverName = `broker-${partitions}p`;
          driverRuns.set(driverName, []);
          contenders[driverName] = async () => {
            const run = await driveFetch(port, topic, partitions, records);
            driverRuns.get(driverName)!.push(run);
            return payloadBytes / run.seconds / 1e6;
          };
        }
      }
      const median = await interleave(quick ? 2 : 5, contenders, { collectGarbage: false });
      log(`wire-consume medians (${UNIT}): ${JSON.stringify(median)}`);
      const ofCeiling = PARTITION_COUNTS.map((partitions) => `${partitions}p ${((median[`eddy-${partitions}p`] ?? NaN) / (median[`ceiling-${partitions}p`] ?? NaN)).toFixed(2)}×`);
      log(`wire-consume Eddy / kcat's ceiling: ${ofCeiling.join(', ')}`);
      for (const [name, list] of runs) log(`wire-consume ${name}: ${describeKcatRuns(list)} (medians)`);
      for (const [name, list] of driverRuns) log(`wire-consume ${name}: ${describeDriverRuns(list)} (medians)`);
      return PARTITION_COUNTS.flatMap((partitions): GoalResult[] => [
        ratioOrMissing(`wire-consume.raw-tcp-${partitions}p`, UNIT, '>=', TARGET, median[`eddy-${partitions}p`], median['raw']!, KCAT_MISSING),
        reportedRatio(`wire-consume.broker-capacity-${partitions}p`, UNIT, median[`broker-${partitions}p`], median['raw'], KCAT_MISSING),
        reportedRatio(`wire-consume.kcat-ceiling-${partitions}p`, UNIT, median[`ceiling-${partitions}p`], median['raw'], KCAT_MISSING),
      ]);
    })));
  },
};
