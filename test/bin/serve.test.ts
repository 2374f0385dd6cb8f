/**
 * `eddy serve`: the data directory served over the Kafka protocol by a real process; clean stop on
 * SIGTERM, takeover after kill -9, and coded errors for bad addresses.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import { API_KEYS } from '../../core/protocol/api-keys.js';
import { connectWire } from '../helpers/kafka-wire.js';
import { makeDataDir, runEddy, startEddy, type EddyProcess } from '../helpers/cli.js';

const SERVING = /^Serving (.+) on 127\.0\.0\.1:(\d+) and (\S+) \(Ctrl-C to stop\)$/m;

async function serving(p: EddyProcess): Promise<{ port: number; socket: string }> {
  await p.waitFor((x) => SERVING.test(x.stderr), 'the Serving line');
  const match = SERVING.exec(p.stderr)!;
  return { port: Number(match[2]), socket: match[3]! };
}

async function metadataTopics(target: { port: number } | { path: string }): Promise<string[]> {
  const wire = await connectWire(target);
  try {
    const response = await wire.request(API_KEYS.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    return (response.topics as Array<{ name: string }>).map((t) => t.name).filter((n) => !n.startsWith('__'));
  } finally {
    wire.close();
  }
}

test('eddy serve answers on TCP and the Unix socket, and stops cleanly on SIGTERM', async (t) => {
  const dataDir = await makeDataDir(t);
  t.is((await runEddy(['topics', 'create', 'orders', '--partitions', '2', '--data-dir', dataDir])).code, 0);
  const server = startEddy(['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], { timeoutMs: 60_000 });
  t.teardown(() => server.child.kill('SIGKILL'));
  const { port, socket } = await serving(server);
  t.is(socket, path.join(dataDir, 'eddy.sock'));
  t.deepEqual(await metadataTopics({ port }), ['orders']);
  t.deepEqual(await metadataTopics({ path: socket }), ['orders']);
  const broker = JSON.parse(fs.readFileSync(path.join(dataDir, 'eddy-broker.json'), 'utf8')) as { pid: number; tcp: string };
  t.deepEqual(broker, { pid: server.pid, tcp: `127.0.0.1:${port}`, unix: socket });

  server.child.kill('SIGTERM');
  const result = await server.exited;
  t.is(result.code, 0, result.stderr);
  t.regex(result.stderr, /Stopped/);
  t.false(fs.existsSync(path.join(dataDir, 'eddy-broker.json')));
  t.false(fs.existsSync(socket));
  t.true(fs.existsSync(path.join(dataDir, '.kafka_cleanshutdown')));
});

test('after kill -9 of eddy serve, a new eddy serve takes the directory over on the same port', async (t) => {
  const dataDir = await makeDataDir(t);
  const first = startEddy(['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], { timeoutMs: 60_000 });
  t.teardown(() => first.child.kill('SIGKILL'));
  const { port } = await serving(first);
  first.child.kill('SIGKILL');
  await first.exited;
  // The dead owner's broker file and socket are left behind; the next owner replaces them.
  t.true(fs.existsSync(path.join(dataDir, 'eddy-broker.json')));
  const second = startEddy(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], { timeoutMs: 60_000 });
  t.teardown(() => second.child.kill('SIGKILL'));
  const again = await serving(second);
  t.is(again.port, port);
  t.deepEqual(await metadataTopics({ path: again.socket }), []);
  t.is((JSON.parse(fs.readFileSync(path.join(dataDir, 'eddy-broker.json'), 'utf8')) as { pid: number }).pid, second.pid);
  second.child.kill('SIGTERM');
  t.is((await second.exited).code, 0);
});

test('eddy serve refuses a bad or busy listen address with one coded line', async (t) => {
  const dataDir = await makeDataDir(t);
  const bad = await runEddy(['serve', '--listen', 'localhost', '--data-dir', dataDir]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /^eddy: ERR_CONFIG_INVALID: listen: expected "host:port"/m);

  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const { port } = blocker.address() as net.AddressInfo;
  const busy = await runEddy(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir]);
  t.is(busy.code, 1);
  t.regex(busy.stderr, /^eddy: ERR_CONFIG_INVALID: Cannot listen on 127\.0\.0\.1:\d+/m);
  // The failed start left the directory unowned and clean.
  t.is((await runEddy(['topics', 'list', '--data-dir', dataDir])).code, 0);
});

test('eddy serve --config sets broker configs by Kafka\'s names; a bad one is one coded line', async (t) => {
  const dataDir = await makeDataDir(t);
  const unknown = await runEddy(['serve', '--listen', '127.0.0.1:0', '--config', 'no.such.config=1', '--data-dir', dataDir]);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /^eddy: ERR_CONFIG_UNKNOWN: .*no\.such\.config/m);
  const invalid = await runEddy(['serve', '--listen', '127.0.0.1:0', '--config', 'group.initial.rebalance.delay.ms=-5', '--data-dir', dataDir]);
  t.is(invalid.code, 1);
  t.regex(invalid.stderr, /^eddy: ERR_CONFIG_INVALID: .*group\.initial\.rebalance\.delay\.ms/m);

  const server = startEddy(['serve', '--listen', '127.0.0.1:0', '--config', 'num.partitions=3', '--config', 'group.initial.rebalance.delay.ms=100', '--data-dir', dataDir], { timeoutMs: 60_000 });
  t.teardown(() => server.child.kill('SIGKILL'));
  const { port } = await serving(server);
  const wire = await connectWire({ port });
  try {
    // A topic created by a client's metadata request gets num.partitions partitions.
    const response = await wire.request(API_KEYS.Metadata, 12, { topics: [{ name: 'auto', topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    const [topic] = response.topics as Array<{ name: string; errorCode: number; partitions: unknown[] }>;
    t.like(topic, { name: 'auto', errorCode: 0 });
    t.is(topic!.partitions.length, 3);
  } finally {
    wire.close();
  }
  server.child.kill('SIGTERM');
  t.is((await server.exited).code, 0);
});

test('beside eddy serve: eddy produce in one process, eddy consume --group in two others splitting the partitions', async (t) => {
  const dataDir = await makeDataDir(t);
  t.is((await runEddy(['topics', 'create', 'jobs', '--partitions', '4', '--data-dir', dataDir])).code, 0);
  const server = startEddy(['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], { timeoutMs: 90_000 });
  t.teardown(() => server.child.kill('SIGKILL'));
  await serving(server);
  const consumers = [0, 1].map(() => startEddy(['consume', 'jobs', '--group', 'workers', '--from-beginning', '--print-key', '--data-dir', dataDir], { timeoutMs: 90_000 }));
  for (const c of consumers) t.teardown(() => c.child.kill('SIGKILL'));
  // Produce once both members hold partitions (group describe goes through the server too).
  for (;;) {
    const d = await runEddy(['groups', 'describe', 'workers', '--format', 'json', '--data-dir', dataDir]);
    const g = d.code === 0 ? (JSON.parse(d.stdout) as { state: string; members: Array<{ assignment: unknown[] }> }) : null;
    if (g !== null && g.state === 'Stable' && g.members.length === 2 && g.members.every((m) => m.assignment.length === 2)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const lines = Array.from({ length: 40 }, (_, i) => `key-${i}:job-${i}`);
  const produced = await runEddy(['produce', 'jobs', '--key-separator', ':', '--data-dir', dataDir], { input: lines.join('\n') + '\n' });
  t.is(produced.code, 0, produced.stderr);
  const seen = (): string[] => consumers.flatMap((c) => c.stdout.split('\n').filter((l) => l !== ''));
  await Promise.race([
    (async () => {
      while (seen().length < 40) await new Promise((resolve) => setTimeout(resolve, 50));
    })(),
    ...consumers.map((c) => c.exited.then((r) => Promise.reject(new Error(`a consumer exited: ${r.stderr}`)))),
  ]);
  t.deepEqual(seen().sort(), lines.map((l) => l.replace(':', '\t')).sort());
  // Both members got partitions, and every record was printed once.
  for (const c of consumers) t.true(c.stdout.length > 0, `each member reads some partitions; stderr: ${c.stderr}`);

  const described = await runEddy(['groups', 'describe', 'workers', '--format', 'json', '--data-dir', dataDir]);
  t.is(described.code, 0, described.stderr);
  const group = JSON.parse(described.stdout) as { state: string; members: unknown[]; partitions: Array<{ lag: number }> };
  t.is(group.members.length, 2);
  t.is(group.partitions.length, 4);
  for (const c of consumers) c.child.kill('SIGTERM');
  for (const c of consumers) t.is((await c.exited).code, 0);
  server.child.kill('SIGTERM');
  t.is((await server.exited).code, 0);
});

test('eddy groups describe shows the lag of a group made by another client (KafkaJS) over the protocol', async (t) => {
  const dataDir = await makeDataDir(t);
  t.is((await runEddy(['topics', 'create', 'clicks', '--partitions', '2', '--data-dir', dataDir])).code, 0);
  const server = startEddy(['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], { timeoutMs: 60_000 });
  t.teardown(() => server.child.kill('SIGKILL'));
  const { port } = await serving(server);
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], clientId: 'lag-test', logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'clicks', messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `c${i}` })) });
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  // Commits for partition 0 at 2 and partition 1 at 5 (of 5 each): lag 3 and 0.
  await admin.setOffsets({ groupId: 'kafkajs-group', topic: 'clicks', partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '5' }] });
  await admin.disconnect();
  const described = await runEddy(['groups', 'describe', 'kafkajs-group', '--format', 'json', '--data-dir', dataDir]);
  t.is(described.code, 0, described.stderr);
  const group = JSON.parse(described.stdout) as { partitions: Array<{ topic: string; partition: number; committedOffset: number; logEndOffset: number; lag: number }> };
  t.deepEqual(
    group.partitions.map((p) => [p.partition, p.committedOffset, p.logEndOffset, p.lag]),
    [
      [0, 2, 5, 3],
      [1, 5, 5, 0],
    ],
  );
  const listed = await runEddy(['groups', 'list', '--data-dir', dataDir]);
  t.true(listed.stdout.split('\n').includes('kafkajs-group'), listed.stdout);
  server.child.kill('SIGTERM');
  t.is((await server.exited).code, 0);
});
