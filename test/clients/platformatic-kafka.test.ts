/**
 * @platformatic/kafka (in process) against a served Eddy: its producer with acks all and each codec
 * it ships, its idempotent producer (InitProducerId), a fetch without a group (Fetch v13+ by topic
 * id) and offset lookups (ListOffsets), and a consumer stream in a consumer group.
 */
import zlib from 'node:zlib';
import type { ExecutionContext } from 'ava';
import test from 'ava';
import { Consumer, Producer, stringDeserializers, stringSerializers, type MessagesStream } from '@platformatic/kafka';
import { API_KEYS } from '../../core/protocol/api-keys.js';
import type { CompressionType } from '../../core/record/record.js';
import { storedBatches, storedRecords, whenServed } from '../helpers/kafka-clients.js';
import { servedEddy } from '../helpers/kafka-wire.js';
import { uniqueTopic } from '../helpers/temp-dir.js';

const GROUP_APIS = [API_KEYS.FindCoordinator, API_KEYS.JoinGroup, API_KEYS.SyncGroup, API_KEYS.Heartbeat, API_KEYS.LeaveGroup, API_KEYS.OffsetFetch, API_KEYS.OffsetCommit];

async function served(t: ExecutionContext) {
  const served = await servedEddy(t, { eddy: { serve: false } });
  const topic = uniqueTopic('platformatic');
  await served.eddy.admin.createTopic(topic, { partitions: 1 });
  return { ...served, topic, bootstrapBrokers: [`127.0.0.1:${served.port}`] };
}

function producer(t: ExecutionContext, bootstrapBrokers: string[], options: { idempotent?: boolean; compression?: CompressionType } = {}): Producer<string, string, string, string> {
  const client = new Producer({
    clientId: 'eddy-platformatic-test',
    bootstrapBrokers,
    serializers: stringSerializers,
    idempotent: options.idempotent ?? false,
    acks: -1,
    compression: options.compression ?? 'none',
    retries: 2,
  });
  t.teardown(() => client.close());
  return client;
}

function consumer(t: ExecutionContext, bootstrapBrokers: string[], groupId = uniqueTopic('platformatic-group')): Consumer<string, string, string, string> {
  const client = new Consumer({ clientId: 'eddy-platformatic-test', groupId, bootstrapBrokers, deserializers: stringDeserializers, maxWaitTime: 100, retries: 2 });
  t.teardown(() => client.close(true));
  return client;
}

/**
 * @platformatic/kafka compresses zstd with node:zlib, which has zstd from Node 22.15 on: on older
 * Node the case is left out (Eddy's own zstd is covered by the kcat and kafka-python tests).
 */
const NODE_HAS_ZSTD = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
const CODECS = NODE_HAS_ZSTD ? (['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) : (['none', 'gzip', 'snappy', 'lz4'] as const);

for (const codec of CODECS) {
  test(`producer with acks all and compression ${codec}: offsets acknowledged, batch stored as sent`, async (t) => {
    const { eddy, topic, bootstrapBrokers } = await served(t);
    const client = producer(t, bootstrapBrokers, { compression: codec });
    const result = await client.send({
      messages: [
        { topic, partition: 0, key: 'k0', value: 'v0'.repeat(50), headers: { trace: 'abc' } },
        { topic, partition: 0, key: 'k1', value: 'v1'.repeat(50) },
      ],
    });
    t.deepEqual(result.offsets, [{ topic, partition: 0, offset: 0n }]);
    t.deepEqual(storedBatches(eddy, topic).map((b) => b.compression), [codec]);
    t.deepEqual(
      storedRecords(eddy, topic).map((r) => [r.offset, r.key, r.value, r.headers]),
      [
        [0, 'k0', 'v0'.repeat(50), [['trace', 'abc']]],
        [1, 'k1', 'v1'.repeat(50), []],
      ],
    );
  });
}

whenServed(test, [API_KEYS.InitProducerId], 'core/server/handlers/transactions.ts')('idempotent producer: batches carry its producer id and sequence numbers', async (t) => {
  const { eddy, topic, bootstrapBrokers } = await served(t);
  const client = producer(t, bootstrapBrokers, { idempotent: true });
  await client.send({ messages: [{ topic, partition: 0, key: 'a', value: '1' }] });
  await client.send({ messages: [{ topic, partition: 0, key: 'b', value: '2' }] });
  const batches = storedBatches(eddy, topic);
  t.deepEqual(batches.flatMap((b) => b.records.map((r) => `${r.key}:${r.value}`)), ['a:1', 'b:2']);
  t.is(new Set(batches.map((b) => b.header.producerId)).size, 1);
  t.true(batches[0]!.header.producerId >= 0);
  t.deepEqual(batches.map((b) => b.header.baseSequence), [0, 1]);
});

test('fetch without a group by topic id, and offsets by earliest, latest and timestamp', async (t) => {
  const { eddy, topic, bootstrapBrokers } = await served(t);
  const inProcess = eddy.producer({ idempotent: false, acks: 1 });
  for (let i = 0; i < 4; i++) await inProcess.send({ topic, messages: [{ key: `k${i}`, value: `v${i}`, timestamp: 1_000 * (i + 1), partition: 0 }] });
  await inProcess.close();
  const client = consumer(t, bootstrapBrokers);
  const metadata = await client.metadata({ topics: [topic] });
  const topicId = metadata.topics.get(topic)!.id;
  t.regex(topicId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const response = await client.fetch({
    node: [...metadata.brokers.keys()][0]!,
    topics: [{ topicId, partitions: [{ partition: 0, fetchOffset: 1n, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
  });
  const partition = response.responses[0]!.partitions[0]!;
  t.is(partition.errorCode, 0);
  t.is(partition.highWatermark, 4n);
  t.deepEqual(
    (partition.records ?? []).flatMap((batch) => batch.records.map((r) => r.key?.toString())),
    ['k1', 'k2', 'k3'],
  );
  const latest = await client.listOffsets({ topics: [topic] });
  t.deepEqual(latest.get(topic), [4n]);
  const earliest = await client.listOffsets({ topics: [topic], timestamp: -2n });
  t.deepEqual(earliest.get(topic), [0n]);
  const byTime = await client.listOffsets({ topics: [topic], timestamp: 2_500n });
  t.deepEqual(byTime.get(topic), [2n]);
});

whenServed(test, GROUP_APIS, 'core/server/handlers/groups.ts')('consumer stream in a group reads what the producer sent, from the earliest offset', async (t) => {
  const { topic, bootstrapBrokers } = await served(t);
  await producer(t, bootstrapBrokers).send({ messages: Array.from({ length: 5 }, (_, i) => ({ topic, partition: 0, key: `k${i}`, value: `v${i}`, headers: { n: String(i) } })) });
  const client = consumer(t, bootstrapBrokers);
  const stream: MessagesStream<string, string, string, string> = await client.consume({ topics: [topic], mode: 'earliest', autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 500 });
  t.teardown(() => stream.close());
  const received: Array<[bigint, string, string, string | undefined]> = [];
  for await (const message of stream) {
    received.push([message.offset, message.key, message.value, message.headers.get('n')]);
    if (received.length === 5) break;
  }
  t.deepEqual(
    received,
    [0, 1, 2, 3, 4].map((i): [bigint, string, string, string] => [BigInt(i), `k${i}`, `v${i}`, String(i)]),
  );
});
