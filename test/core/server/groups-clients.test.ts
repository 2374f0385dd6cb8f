/**
 * Real Kafka clients in consumer groups on a served Eddy: three `kcat -G` processes (librdkafka's
 * balanced consumer) sharing a topic's partitions, committing as they go, and rebalancing when one
 * leaves; kafka-python's KafkaConsumer with a group id reading everything, committing, and reading
 * its committed offsets back; two KafkaJS consumers splitting the partitions and committing. Waits are on conditions; the client processes are killed at test end.
 */
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { Kafka, logLevel } from 'kafkajs';
import type { Eddy } from '../../../core/eddy.js';
import { assertClientSucceeded, DEBIAN_PYTHON, kcatBroker, runClient, startClient, testWithKafkaPython, testWithKcat, type ClientProcess } from '../../helpers/kafka-clients.js';
import { REPO_ROOT } from '../../helpers/child-process.js';
import { servedEddy } from '../../helpers/kafka-wire.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';

const PARTITIONS = 6;
const PER_PARTITION = 10;
/** Safety bound for a group to settle; librdkafka rebalances take a few heartbeats. */
const SETTLE_LIMIT_MS = 60_000;

async function topicWithRecords(t: ExecutionContext) {
  const served = await servedEddy(t);
  const topic = uniqueTopic('grp');
  await served.eddy.admin.createTopic(topic, { partitions: PARTITIONS });
  const producer = served.eddy.producer({ acks: 1 });
  for (let i = 0; i < PARTITIONS * PER_PARTITION; i++) await producer.send({ topic, messages: [{ value: `v${i}`, partition: i % PARTITIONS }] });
  return { ...served, topic, values: Array.from({ length: PARTITIONS * PER_PARTITION }, (_, i) => `v${i}`).sort() };
}

/** Checks `condition` until it holds (between checks the clients work); fails with `describe()` past the safety bound. */
async function until(condition: () => boolean, what: string, describe: () => string): Promise<void> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The partition counts of the group's members while it is Stable, sorted; null otherwise. */
function stableShares(eddy: Eddy, group: string): number[] | null {
  let d;
  try {
    d = eddy.groupCoordinator.describeGroup(group);
  } catch {
    return null;
  }
  if (d.state !== 'Stable') return null;
  const all = d.members.flatMap((m) => m.assignment.map((tp) => tp.partition)).sort((a, b) => a - b);
  if (all.length !== PARTITIONS || new Set(all).size !== PARTITIONS) return null;
  return d.members.map((m) => m.assignment.length).sort();
}

function committedOffsets(eddy: Eddy, group: string, topic: string): number[] {
  return eddy.groupCoordinator.offsetFetch({ groupId: group, partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })) }).map((c) => c.offset);
}

testWithKcat('three kcat -G processes share the partitions, consume every record, commit, and rebalance when one leaves', async (t) => {
  const { eddy, port, topic, values } = await topicWithRecords(t);
  const group = `kcat-${topic}`;
  const kcat = (): ClientProcess =>
    startClient(t, 'kcat', [
      ...kcatBroker(port),
      '-G', group,
      '-u',
      '-X', 'auto.offset.reset=earliest',
      '-X', 'auto.commit.interval.ms=100',
      '-X', 'heartbeat.interval.ms=500',
      '-f', '%p %s\\n',
      topic,
    ], { limitMs: 2 * SETTLE_LIMIT_MS });
  const consumers = [kcat(), kcat(), kcat()];
  const consumed = (): string[] => [...new Set(consumers.flatMap((c) => c.lines.map((line) => line.split(' ')[1] ?? '')))].sort();
  const state = (): string => JSON.stringify({ shares: stableShares(eddy, group), consumed: consumed().length, committed: committedOffsets(eddy, group, topic), stderr: consumers.map((c) => c.stderr().slice(-400)) });

  await until(() => JSON.stringify(stableShares(eddy, group)) === '[2,2,2]', 'three members with two partitions each', state);
  t.deepEqual(eddy.groupCoordinator.describeGroup(group).members.map((m) => m.clientId), ['rdkafka', 'rdkafka', 'rdkafka']);
  await until(() => consumed().length === values.length, 'every record consumed', state);
  t.deepEqual(consumed(), values);
  await until(() => committedOffsets(eddy, group, topic).every((o) => o === PER_PARTITION), 'offsets committed to the log end', state);

  // A clean stop leaves the group (LeaveGroup); the other two take over its partitions.
  const stopped = consumers.shift()!;
  process.kill(stopped.pid, 'SIGTERM');
  await stopped.exited;
  await until(() => JSON.stringify(stableShares(eddy, group)) === '[3,3]', 'two members with three partitions each', state);
  t.is(eddy.groupCoordinator.describeGroup(group).members.length, 2);
});

testWithKafkaPython('kafka-python KafkaConsumer with a group id consumes everything, commits, and reads its committed offsets back', async (t) => {
  const { eddy, port, topic, values } = await topicWithRecords(t);
  const group = `py-${topic}`;
  const fixture = path.join(REPO_ROOT, 'test', 'fixtures', 'clients', 'groups-kafka-python.py');
  const result = await runClient(t, DEBIAN_PYTHON, [fixture, `127.0.0.1:${port}`, topic, group, String(values.length)], '', { limitMs: 2 * SETTLE_LIMIT_MS });
  assertClientSucceeded(t, result, 'groups-kafka-python.py');
  const steps = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  const consumed = steps.find((s) => s.step === 'consumed')!;
  t.deepEqual(consumed.values, values);
  t.deepEqual(consumed.assignment, [0, 1, 2, 3, 4, 5]);
  t.truthy(steps.find((s) => s.step === 'committed'));
  const fetched = steps.find((s) => s.step === 'fetched')!;
  t.deepEqual(fetched.offsets, Object.fromEntries(Array.from({ length: PARTITIONS }, (_, p) => [String(p), PER_PARTITION])));
  t.deepEqual(committedOffsets(eddy, group, topic), Array(PARTITIONS).fill(PER_PARTITION));
  t.is(eddy.groupCoordinator.describeGroup(group).state, 'Empty', 'the consumer left the group on close');
});

test('two KafkaJS consumers in one group split the partitions, consume every record and commit', async (t) => {
  const { eddy, port, topic, values } = await topicWithRecords(t);
  const group = `kafkajs-${topic}`;
  const kafka = new Kafka({ clientId: 'eddy-group-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
  const seen: string[] = [];
  const consumers = [0, 1].map(() => kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 }));
  for (const consumer of consumers) {
    t.teardown(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ autoCommitInterval: 100, eachMessage: async ({ message }) => void seen.push(message.value?.toString() ?? '') });
  }
  const state = (): string => JSON.stringify({ shares: stableShares(eddy, group), seen: seen.length, committed: committedOffsets(eddy, group, topic) });
  await until(() => JSON.stringify(stableShares(eddy, group)) === '[3,3]', 'two members with three partitions each', state);
  await until(() => new Set(seen).size === values.length && committedOffsets(eddy, group, topic).every((o) => o === PER_PARTITION), 'every record consumed and committed', state);
  t.deepEqual([...new Set(seen)].sort(), values);
});
