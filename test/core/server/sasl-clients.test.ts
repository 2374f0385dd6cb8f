/**
 * Real Kafka clients authenticating to a served Eddy with SASL over plain TCP: kcat (librdkafka,
 * SaslHandshake v1 + SaslAuthenticate) with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; KafkaJS with
 * PLAIN and SCRAM; kafka-python 2.0 (SaslHandshake v0 + bare tokens). Each with the right password
 * (metadata comes back) and a wrong one (the client reports the broker's authentication error).
 */
import type { ExecutionContext } from 'ava';
import test from 'ava';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { assertClientSucceeded, kcatBroker, runClient, runPythonFixture, testWithKafkaPython, testWithKcat } from '../../helpers/kafka-clients.js';
import { servedEddy } from '../../helpers/kafka-wire.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';

const USERS = { alice: 'alice-secret', 'bob@example.com': 'pässwörd with spaces' };
const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

async function saslServed(t: ExecutionContext) {
  const served = await servedEddy(t, { eddy: { serve: false }, server: { sasl: { users: USERS } } });
  const topic = uniqueTopic('sasl');
  await served.eddy.admin.createTopic(topic, { partitions: 2 });
  return { ...served, topic };
}

function kcatSasl(mechanism: string, username: string, password: string): string[] {
  return ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${username}`, '-X', `sasl.password=${password}`];
}

for (const mechanism of MECHANISMS) {
  testWithKcat(`kcat -L with SASL ${mechanism}: the right password gets metadata, a wrong one the broker's error`, async (t) => {
    const { port, topic } = await saslServed(t);
    for (const user of Object.keys(USERS) as Array<keyof typeof USERS>) {
      const ok = await runClient(t, 'kcat', [...kcatBroker(port), '-L', '-J', ...kcatSasl(mechanism, user, USERS[user])]);
      assertClientSucceeded(t, ok, `kcat -L as ${user}`);
      const metadata = JSON.parse(ok.stdout) as { brokers: Array<{ name: string }>; topics: Array<{ topic: string; partitions: unknown[] }> };
      t.deepEqual(metadata.brokers.map((b) => b.name), [`127.0.0.1:${port}`]);
      t.is(metadata.topics.find((tp) => tp.topic === topic)?.partitions.length, 2);
    }
    // librdkafka retries until its metadata timeout (-m, seconds), then gives up.
    const bad = await runClient(t, 'kcat', [...kcatBroker(port), '-L', '-m', '5', ...kcatSasl(mechanism, 'alice', 'not-the-password')]);
    t.not(bad.code, 0);
    t.regex(bad.stderr, new RegExp(`SASL authentication error: Authentication failed: invalid username or password \\(${mechanism}\\)`));
    const unknown = await runClient(t, 'kcat', [...kcatBroker(port), '-L', '-m', '5', ...kcatSasl(mechanism, 'mallory', 'alice-secret')]);
    t.not(unknown.code, 0);
    t.regex(unknown.stderr, /SASL authentication error: Authentication failed: invalid username or password/);
  });
}

testWithKcat('kcat with a mechanism the broker does not enable reports the enabled ones', async (t) => {
  const { port } = await servedEddy(t, { eddy: { serve: false }, server: { sasl: { users: USERS, mechanisms: ['SCRAM-SHA-512'] } } });
  const result = await runClient(t, 'kcat', [...kcatBroker(port), '-L', '-m', '5', ...kcatSasl('PLAIN', 'alice', 'alice-secret')]);
  t.not(result.code, 0);
  t.regex(result.stderr, /SCRAM-SHA-512/);
});

testWithKcat('kcat without SASL against a SASL broker is refused', async (t) => {
  const { port } = await saslServed(t);
  const result = await runClient(t, 'kcat', [...kcatBroker(port), '-L', '-m', '5']);
  t.not(result.code, 0);
});

function kafkaJs(port: number, sasl: SASLOptions): Kafka {
  return new Kafka({ clientId: 'eddy-sasl-test', brokers: [`127.0.0.1:${port}`], sasl, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 10_000 });
}

for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
  test(`KafkaJS with SASL ${mechanism}: the admin client lists topics; a wrong password is a SASL authentication error`, async (t) => {
    const { port, topic } = await saslServed(t);
    const admin = kafkaJs(port, { mechanism, username: 'bob@example.com', password: USERS['bob@example.com'] } as SASLOptions).admin();
    await admin.connect();
    t.teardown(() => admin.disconnect());
    t.true((await admin.listTopics()).includes(topic));
    const cluster = await admin.describeCluster();
    t.deepEqual(cluster.brokers.map((b) => b.port), [port]);

    const wrong = kafkaJs(port, { mechanism, username: 'bob@example.com', password: 'wrong' } as SASLOptions).admin();
    t.teardown(() => wrong.disconnect());
    const err = await t.throwsAsync(wrong.connect());
    t.regex(`${err?.name}: ${err?.message}`, /KafkaJSSASLAuthenticationError.*(Authentication failed|SASL_AUTHENTICATION_FAILED)/);
  });
}

for (const mechanism of MECHANISMS) {
  testWithKafkaPython(`kafka-python KafkaAdminClient with SASL ${mechanism} (v0 handshake, bare tokens): right and wrong password`, async (t) => {
    const { port, topic } = await saslServed(t);
    const ok = await runPythonFixture(t, 'sasl-kafka-python.py', { bootstrap: `127.0.0.1:${port}`, mechanism, username: 'alice', password: 'alice-secret' });
    assertClientSucceeded(t, ok, 'kafka-python');
    const result = JSON.parse(ok.stdout) as { brokers: Array<[number, string, number]>; topics: string[] };
    t.deepEqual(result.brokers, [[1, '127.0.0.1', port]]);
    t.true(result.topics.includes(topic));

    const bad = await runPythonFixture(t, 'sasl-kafka-python.py', { bootstrap: `127.0.0.1:${port}`, mechanism, username: 'alice', password: 'wrong' });
    t.is(bad.code, 1);
    t.regex(bad.stdout, /"error": "NoBrokersAvailable/);
  });
}
