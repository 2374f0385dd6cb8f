/**
 * TLS on the TCP listener (`tls: { key, cert, ca? }`), with a throwaway self-signed certificate made
 * by openssl for 127.0.0.1: kcat over SSL, SASL_SSL with SCRAM (kcat, KafkaJS, kafka-python), a
 * client certificate required when `ca` is set, a plaintext client refused, and a produce and
 * consume round trip with kcat over SASL_SSL.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { ExecutionContext } from 'ava';
import test from 'ava';
import { Kafka, logLevel } from 'kafkajs';
import { API_KEYS } from '../../../core/protocol/api-keys.js';
import type { ServerOptions } from '../../../core/server/server-options.js';
import { findBinary, testWithBinary } from '../../helpers/binaries.js';
import { assertClientSucceeded, kcatBroker, kcatMessages, runClient, runPythonFixture, storedRecords, testWithKafkaPython, testWithKcat, whenServed } from '../../helpers/kafka-clients.js';
import { connectWire, servedEddy } from '../../helpers/kafka-wire.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';

type Declare = Parameters<typeof whenServed>[0];
const testWithOpenssl = testWithBinary('openssl', 'openssl');
/** `declare` when openssl is there to make the certificates; otherwise skipped (failing under CI) like testWithBinary. */
const andOpenssl = (declare: Declare): Declare => (findBinary('openssl') !== null ? declare : testWithOpenssl);
const testWithKcatAndOpenssl = andOpenssl(testWithKcat);
const testWithKafkaPythonAndOpenssl = andOpenssl(testWithKafkaPython);

const USERS = { alice: 'alice-secret' };

interface Pems {
  dir: string;
  /** The server's certificate, also the CA clients trust. */
  cert: string;
  key: string;
  /** A client certificate (self-signed, so also its own CA) and its key. */
  clientCert: string;
  clientKey: string;
}

let pems: Pems | null = null;

/** Makes the certificates once per file, in a temp dir removed after the last test. */
function certificates(): Pems {
  if (pems !== null) return pems;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eddy-tls-'));
  const make = (name: string, cn: string): void => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', path.join(dir, `${name}-key.pem`), '-out', path.join(dir, `${name}.pem`)], { stdio: 'ignore' });
  };
  make('server', 'localhost');
  make('client', 'eddy-test-client');
  pems = { dir, cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server-key.pem'), clientCert: path.join(dir, 'client.pem'), clientKey: path.join(dir, 'client-key.pem') };
  return pems;
}

test.after.always(() => {
  if (pems !== null) fs.rmSync(pems.dir, { recursive: true, force: true });
});

async function tlsServed(t: ExecutionContext, server: Omit<ServerOptions, 'tls'> = {}, withClientCa = false) {
  const { cert, key, clientCert } = certificates();
  const tlsOptions = { key: fs.readFileSync(key), cert: fs.readFileSync(cert), ...(withClientCa ? { ca: fs.readFileSync(clientCert) } : {}) };
  const served = await servedEddy(t, { eddy: { serve: false }, server: { ...server, tls: tlsOptions } });
  const topic = uniqueTopic('tls');
  await served.eddy.admin.createTopic(topic, { partitions: 1 });
  return { ...served, topic };
}

const kcatSsl = (): string[] => ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certificates().cert}`];
const kcatSaslSsl = (mechanism: string, password: string): string[] => [
  '-X', 'security.protocol=sasl_ssl', '-X', `ssl.ca.location=${certificates().cert}`,
  '-X', `sasl.mechanisms=${mechanism}`, '-X', 'sasl.username=alice', '-X', `sasl.password=${password}`,
];

testWithKcatAndOpenssl('kcat -L over SSL verifies the certificate and gets metadata', async (t) => {
  const { port, topic } = await tlsServed(t);
  const result = await runClient(t, 'kcat', [...kcatBroker(port), '-L', '-J', ...kcatSsl()]);
  assertClientSucceeded(t, result, 'kcat -L over ssl');
  const metadata = JSON.parse(result.stdout) as { brokers: Array<{ name: string }>; topics: Array<{ topic: string }> };
  t.deepEqual(metadata.brokers.map((b) => b.name), [`127.0.0.1:${port}`]);
  t.true(metadata.topics.some((tp) => tp.topic === topic));
});

testWithOpenssl('a plaintext Kafka request to the TLS listener gets no Kafka answer', async (t) => {
  const { port } = await tlsServed(t);
  const client = await connectWire({ port });
  t.teardown(() => client.close());
  await t.throwsAsync(client.request(API_KEYS.ApiVersions, 0, {}), { message: /connection closed/ });
});

testWithKcatAndOpenssl('kcat over SSL with the wrong CA fails the handshake', async (t) => {
  const { port } = await tlsServed(t);
  const result = await runClient(t, 'kcat', [...kcatBroker(port), '-L', '-m', '5', '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certificates().clientCert}`]);
  t.not(result.code, 0);
  t.regex(result.stderr, /certificate verify failed|SSL handshake failed/i);
});

for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
  testWithKcatAndOpenssl(`kcat -L over SASL_SSL with ${mechanism}: right and wrong password`, async (t) => {
    const { port } = await tlsServed(t, { sasl: { users: USERS } });
    const ok = await runClient(t, 'kcat', [...kcatBroker(port), '-L', '-J', ...kcatSaslSsl(mechanism, 'alice-secret')]);
    assertClientSucceeded(t, ok, 'kcat -L over sasl_ssl');
    t.deepEqual((JSON.parse(ok.stdout) as { brokers: Array<{ name: string }> }).brokers.map((b) => b.name), [`127.0.0.1:${port}`]);
    const bad = await runClient(t, 'kcat', [...kcatBroker(port), '-L', '-m', '5', ...kcatSaslSsl(mechanism, 'wrong')]);
    t.not(bad.code, 0);
    t.regex(bad.stderr, /SASL authentication error: Authentication failed: invalid username or password/);
  });
}

testWithKcatAndOpenssl('with `ca` set, the listener requires a client certificate signed by it', async (t) => {
  const { port } = await tlsServed(t, {}, true);
  const { clientCert, clientKey } = certificates();
  const withCert = await runClient(t, 'kcat', [...kcatBroker(port), '-L', '-J', ...kcatSsl(), '-X', `ssl.certificate.location=${clientCert}`, '-X', `ssl.key.location=${clientKey}`]);
  assertClientSucceeded(t, withCert, 'kcat -L with a client certificate');
  const without = await runClient(t, 'kcat', [...kcatBroker(port), '-L', '-m', '5', ...kcatSsl()]);
  t.not(without.code, 0);
});

whenServed(testWithKcatAndOpenssl, [API_KEYS.Produce, API_KEYS.Fetch, API_KEYS.ListOffsets], 'handlers/records.ts')(
  'kcat produces and consumes over SASL_SSL with SCRAM-SHA-512',
  async (t) => {
    const { port, topic, eddy } = await tlsServed(t, { sasl: { users: USERS } });
    const auth = kcatSaslSsl('SCRAM-SHA-512', 'alice-secret');
    const lines = ['k1:v1', 'k2:v2', 'k3:v3'];
    const produced = await runClient(t, 'kcat', [...kcatBroker(port), ...auth, '-P', '-t', topic, '-p', '0', '-K', ':', '-X', 'acks=all'], lines.map((l) => `${l}\n`).join(''));
    assertClientSucceeded(t, produced, 'kcat -P over sasl_ssl');
    t.deepEqual(storedRecords(eddy, topic).map((r) => `${r.key}:${r.value}`), lines);
    const consumed = await runClient(t, 'kcat', [...kcatBroker(port), ...auth, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-J']);
    assertClientSucceeded(t, consumed, 'kcat -C over sasl_ssl');
    t.deepEqual(kcatMessages(consumed.stdout.split('\n')).map((m) => `${m.key}:${m.payload}`), lines);
  },
);

testWithOpenssl('KafkaJS over SASL_SSL with SCRAM-SHA-256 lists topics', async (t) => {
  const { port, topic } = await tlsServed(t, { sasl: { users: USERS } });
  const kafka = new Kafka({
    clientId: 'eddy-tls-test',
    brokers: [`127.0.0.1:${port}`],
    ssl: { ca: [fs.readFileSync(certificates().cert, 'utf8')] },
    sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  await admin.connect();
  t.teardown(() => admin.disconnect());
  t.true((await admin.listTopics()).includes(topic));
});

testWithOpenssl('the TLS listener presents the configured certificate', async (t) => {
  const { port } = await tlsServed(t);
  const socket = tls.connect({ port, host: '127.0.0.1', ca: fs.readFileSync(certificates().cert) });
  t.teardown(() => socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  t.true(socket.authorized);
  t.is(socket.getPeerCertificate().subject.CN, 'localhost');
});

testWithKafkaPythonAndOpenssl('kafka-python over SASL_SSL with SCRAM-SHA-512 gets metadata', async (t) => {
  const { port, topic } = await tlsServed(t, { sasl: { users: USERS } });
  const ok = await runPythonFixture(t, 'sasl-kafka-python.py', { bootstrap: `127.0.0.1:${port}`, mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'alice-secret', cafile: certificates().cert });
  assertClientSucceeded(t, ok, 'kafka-python over sasl_ssl');
  t.true((JSON.parse(ok.stdout) as { topics: string[] }).topics.includes(topic));
});
