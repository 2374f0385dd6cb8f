/**
 * Real admin clients against the broker: KafkaJS (in this process) and Debian's kafka-python
 * KafkaAdminClient (a child process under /usr/bin/python3) create, grow, describe, alter and delete
 * topics.
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import test, { type ExecutionContext } from 'ava';
import { Kafka, logLevel } from 'kafkajs';
import { REPO_ROOT } from '../../helpers/child-process.js';
import { DEBIAN_PYTHON, testWithKafkaPython } from '../../helpers/kafka-clients.js';
import { servedEddy } from '../../helpers/kafka-wire.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';

/** KafkaJS's ConfigResourceTypes (not a named export of its CommonJS module). */
const RESOURCE = { TOPIC: 2, BROKER: 4 } as const;

async function kafkajsAdmin(t: ExecutionContext, port: number): Promise<ReturnType<Kafka['admin']>> {
  const kafka = new Kafka({ clientId: 'eddy-admin-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  t.teardown(() => admin.disconnect());
  return admin;
}

test('KafkaJS admin: createTopics, createPartitions, describeConfigs, alterConfigs and deleteTopics', async (t) => {
  const { eddy, port } = await servedEddy(t, { eddy: { onError: () => undefined } });
  const admin = await kafkajsAdmin(t, port);
  const topic = uniqueTopic('kafkajs-admin');

  t.true(await admin.createTopics({ topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '120000' }] }] }));
  t.false(await admin.createTopics({ topics: [{ topic }] }), 'an existing topic is not created again');
  t.true((await admin.listTopics()).includes(topic));
  const replicated = await t.throwsAsync<Error & { errors?: Array<{ type: string }> }>(admin.createTopics({ topics: [{ topic: uniqueTopic('replicated'), replicationFactor: 3 }] }));
  t.deepEqual(replicated?.errors?.map((e) => e.type), ['INVALID_REPLICATION_FACTOR']);

  await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
  t.is((await eddy.admin.describeTopic(topic)).partitions.length, 4);

  const described = await admin.describeConfigs({ resources: [{ type: RESOURCE.TOPIC, name: topic, configNames: ['retention.ms', 'cleanup.policy'] }], includeSynonyms: false });
  const entries = described.resources[0]!.configEntries;
  t.deepEqual(entries.map((e) => [e.configName, e.configValue]).sort(), [['cleanup.policy', 'delete'], ['retention.ms', '120000']]);

  await admin.alterConfigs({ validateOnly: false, resources: [{ type: RESOURCE.TOPIC, name: topic, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
  const config = (await eddy.admin.describeTopic(topic)).config;
  t.is(config['cleanup.policy'], 'compact');
  t.is(config['retention.ms'], '604800000', 'AlterConfigs replaced the whole override set');

  const broker = await admin.describeConfigs({ resources: [{ type: RESOURCE.BROKER, name: '1' }], includeSynonyms: false });
  t.true(broker.resources[0]!.configEntries.some((e) => e.configName === 'num.partitions' && e.readOnly));

  await admin.deleteTopics({ topics: [topic] });
  t.false((await eddy.admin.listTopics()).includes(topic));
});

const KAFKA_PYTHON_ADMIN = path.join(REPO_ROOT, 'test', 'fixtures', 'clients', 'txn-kafka-python-admin.py');

/** Runs the kafka-python admin fixture to its end; resolves with its JSON report. */
async function runKafkaPythonAdmin(t: ExecutionContext, port: number, topic: string): Promise<Record<string, unknown>> {
  const child = spawn(DEBIAN_PYTHON, [KAFKA_PYTHON_ADMIN, `127.0.0.1:${port}`, topic], { stdio: ['ignore', 'pipe', 'pipe'] });
  // A safety bound only: a healthy run takes well under a second.
  const limit = setTimeout(() => child.kill('SIGKILL'), 60_000);
  t.teardown(() => {
    clearTimeout(limit);
    child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(limit);
  if (code !== 0) t.fail(`kafka-python admin exited with ${String(code)}: ${stderr.slice(-3000)}`);
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Debian's kafka-python imports under /usr/bin/python3 (not the pyenv python3 on PATH). */
testWithKafkaPython('kafka-python KafkaAdminClient: create_topics, describe_configs, alter_configs, create_partitions and delete_topics', async (t) => {
  const { eddy, port } = await servedEddy(t, { eddy: { onError: () => undefined } });
  const topic = uniqueTopic('kafka-python-admin');
  const report = await runKafkaPythonAdmin(t, port, topic);
  t.deepEqual(report, {
    created: topic,
    existsError: 'TopicAlreadyExistsError',
    replicationError: 'InvalidReplicationFactorError',
    describedRetention: '90000',
    alteredPolicy: 'compact',
    partitions: 3,
    deleted: true,
  });
  t.false((await eddy.admin.listTopics()).includes(topic));
});
