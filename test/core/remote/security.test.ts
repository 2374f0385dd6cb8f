/**
 * Eddy.connect with SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and TLS against a served Eddy: admin,
 * producer and consumer (whose group and fetch connections authenticate too) all work, and a wrong
 * password or an untrusted certificate fails the connect with ERR_CONFIG_INVALID (naming the `sasl` or
 * `tls` option; retrying would not help).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { EddyClient } from '../../../core/client/interfaces.js';
import { isEddyError } from '../../../core/errors.js';
import { connectEddy, type RemoteEddyOptions } from '../../../core/remote/index.js';
import { serdes } from '../../../core/serdes.js';
import { testWithBinary } from '../../helpers/binaries.js';
import { servedEddy } from '../../helpers/kafka-wire.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';
import { pollRecords } from './backends.js';

const USERS = { alice: 'alice-secret' };

/** Creates a topic, produces, and consumes in a group: every kind of connection a client makes. */
async function roundTrip(t: ExecutionContext, client: EddyClient): Promise<void> {
  const topic = uniqueTopic('secure');
  await client.admin.createTopic(topic, { partitions: 1 });
  const producer = client.producer({ valueSerde: serdes.string });
  await producer.send({ topic, messages: [{ value: 'secret' }] });
  const consumer = client.consumer({ groupId: `${topic}-g`, valueSerde: serdes.string, autoOffsetReset: 'earliest', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 100 });
  consumer.subscribe({ topics: [topic] });
  t.deepEqual((await pollRecords(consumer, 1)).map((r) => r.value), ['secret']);
  await consumer.commit();
  await consumer.close();
  await producer.close();
}

async function connect(t: ExecutionContext, options: RemoteEddyOptions): Promise<EddyClient> {
  const client = await connectEddy(options);
  t.teardown(() => client.close());
  return client;
}

for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
  test(`SASL ${mechanism}: the right password works for every connection, a wrong one is refused`, async (t) => {
    const { port } = await servedEddy(t, { eddy: { serve: false }, server: { sasl: { users: USERS } } });
    const brokers = [`127.0.0.1:${port}`];
    await roundTrip(t, await connect(t, { brokers, sasl: { mechanism, username: 'alice', password: 'alice-secret' } }));
    const refused = await t.throwsAsync(connectEddy({ brokers, sasl: { mechanism, username: 'alice', password: 'wrong' } }));
    t.true(isEddyError(refused, 'ERR_CONFIG_INVALID') && refused.context.config === 'sasl', String(refused));
    const unauthenticated = await t.throwsAsync(connectEddy({ brokers }));
    // The broker closes the connection of a client that does not authenticate.
    t.true(isEddyError(unauthenticated), String(unauthenticated));
  });
}

testWithBinary('openssl', 'openssl')('TLS with a trusted certificate works for every connection; an untrusted one fails', async (t) => {
  const dir = tempDir(t, 'eddy-remote-tls-');
  const make = (name: string): void => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', path.join(dir, `${name}-key.pem`), '-out', path.join(dir, `${name}.pem`)], { stdio: 'ignore' });
  };
  make('server');
  make('other');
  const cert = fs.readFileSync(path.join(dir, 'server.pem'));
  const { port } = await servedEddy(t, { eddy: { serve: false }, server: { tls: { key: fs.readFileSync(path.join(dir, 'server-key.pem')), cert }, sasl: { users: USERS } } });
  const brokers = [`127.0.0.1:${port}`];
  await roundTrip(t, await connect(t, { brokers, tls: { ca: [cert] }, sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'alice-secret' } }));
  const untrusted = await t.throwsAsync(connectEddy({ brokers, tls: { ca: [fs.readFileSync(path.join(dir, 'other.pem'))] }, connectTimeoutMs: 5_000 }));
  t.true(isEddyError(untrusted, 'ERR_CONFIG_INVALID') && untrusted.context.config === 'tls', String(untrusted));
});
