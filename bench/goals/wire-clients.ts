/**
 * wire-clients: how fast the Node Kafka clients go against Eddy over loopback TCP, reported for
 * information beside kcat's wire-produce and wire-consume (no target: the figures say what a Node
 * user of the protocol can expect, and most of the time they measure goes to the client itself).
 * KafkaJS and @platformatic/kafka each run in a child process (wire-client-child.ts) that produces
 * 200,000 values of 100 bytes with acks all to a fresh one-partition topic, then reads them back:
 * platformatic without a group (Consumer.fetch), and both libraries in a consumer group when the
 * broker serves the group APIs (KafkaJS cannot consume without one). Rounds alternate the two
 * libraries; figures are medians in records/s (reading rates leave out connecting and joining, see
 * wire-client-child.ts). A step that cannot run is reported missing with why.
 * No forced collection between runs, for the reason interleave.ts gives.
 */
import { fileURLToPath } from 'node:url';
import { API_KEYS, apiName } from '../../core/protocol/api-keys.js';
import { HANDLERS } from '../../core/server/handlers/index.js';
import { runTsChild } from '../lib/child-process.js';
import { BENCH_TOPIC_CONFIG, withServedEddy } from '../lib/eddy-instance.js';
import { type Goal, type GoalResult, reportedResult } from '../lib/goal.js';
import { median } from '../lib/stats.js';
import type { Rate, WireClientMeasurement } from './wire-client-child.js';

const UNIT = 'records/s';
const CLIENTS = ['kafkajs', 'platformatic'] as const;
const CHILD = fileURLToPath(new URL('./wire-client-child.ts', import.meta.url));
const GROUP_APIS = [API_KEYS.FindCoordinator, API_KEYS.JoinGroup, API_KEYS.SyncGroup, API_KEYS.Heartbeat, API_KEYS.LeaveGroup, API_KEYS.OffsetFetch, API_KEYS.OffsetCommit];

/** Figure name → its samples (records/s) or the first reason it could not be measured. */
type Samples = Map<string, { rates: number[]; error?: string }>;

function note(samples: Samples, name: string, rate: Rate | undefined, missing: string | undefined): void {
  const entry = samples.get(name) ?? { rates: [] };
  samples.set(name, entry);
  if (rate === undefined) entry.error ??= missing ?? 'not measured';
  else if ('error' in rate) entry.error ??= `failed: ${rate.error}`;
  else entry.rates.push(rate.recordsPerSecond);
}

export const wireClientsGoal: Goal = {
  name: 'wire-clients',
  async run({ quick, log }) {
    const records = quick ? 2_000 : 200_000;
    const rounds = quick ? 1 : 3;
    const unserved = GROUP_APIS.filter((key) => !HANDLERS.has(key));
    const groupsMissing = unserved.length === 0 ? undefined : `needs the group APIs ${unserved.map((key) => apiName(key)).join(', ')}, not served yet (core/server/handlers/groups.ts)`;
    const samples: Samples = new Map();
    await withServedEddy('wire-clients', async (eddy, bootstrap) => {
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < CLIENTS.length; i++) {
          const client = CLIENTS[(round + i) % CLIENTS.length]!;
          const topic = `wire-clients-${client}-${round}`;
          await eddy.admin.createTopic(topic, { partitions: 1, config: BENCH_TOPIC_CONFIG });
          const run = await runTsChild(CHILD, [client, bootstrap, topic, String(records), groupsMissing === undefined ? '1' : '0']);
          const measured = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as WireClientMeasurement;
          note(samples, `${client}-produce`, measured.produce, undefined);
          if (client === 'platformatic') note(samples, `${client}-fetch`, measured.fetch, undefined);
          note(samples, `${client}-consume`, measured.consume, groupsMissing);
          await eddy.admin.deleteTopic(topic);
        }
      }
    });
    const results: GoalResult[] = [];
    for (const [name, { rates, error }] of samples) {
      results.push(error === undefined ? reportedResult(`wire-clients.${name}`, UNIT, median(rates)) : reportedResult(`wire-clients.${name}`, UNIT, undefined, error));
    }
    log(`wire-clients medians (${UNIT}): ${JSON.stringify(Object.fromEntries(results.map((r) => [r.goal, r.value])))}`);
    return results;
  },
};
