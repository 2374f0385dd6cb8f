/**
 * KafkaJS (in process) against a served Eddy: the producer with acks all and 1 and gzip (the one
 * codec KafkaJS ships), the idempotent producer (InitProducerId), the admin's offset lookups
 * (ListOffsets), and a consumer in a consumer group reading what was produced.
 */
import type { ExecutionContext } from 'ava';
import test from 'ava';
import { CompressionTypes, Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { API_KEYS } from '../../core/protocol/api-keys.js';
import { storedBatches, storedRecords, whenServed } from '../helpers/kafka-clients.js';
import { servedEddy } from '../helpers/kafka-wire.js';
import { uniqueTopic } from '../helpers/temp-dir.js';

const GROUP_APIS = [API_KEYS.FindCoordinator, API_KEYS.JoinGroup, API_KEYS.SyncGroup, API_KEYS.Heartbeat, API_KEYS.LeaveGroup, API_KEYS.OffsetFetch, API_KEYS.OffsetCommit];

async function served(t: ExecutionContext) {
  const served = await servedEddy(t, { eddy: { serve: false } });
  const topic = uniqueTopic('kafkajs');
  await served.eddy.admin.createTopic(topic, { partitions: 1 });
  const kafka = new Kafka({ clientId: 'eddy-kafkajs-test', brokers: [`127.0.0.1:${served.port}`], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  return { ...served, topic, kafka };
}

/** A connected producer, disconnected when the test ends (before the Eddy closes). */
async function connectedProducer(t: ExecutionContext, kafka: Kafka, options: Parameters<Kafka['producer']>[0]): Promise<Producer> {
  const producer = kafka.producer(options);
  await producer.connect();
  t.teardown(() => producer.disconnect());
  return producer;
}

test('KafkaJS producer with acks all and 1, plain and gzip: offsets acknowledged, records stored as sent', async (t) => {
  const { eddy, topic, kafka } = await served(t);
  const producer = await connectedProducer(t, kafka, { idempotent: false, allowAutoTopicCreation: false });
  const first = await producer.send({
    topic,
    acks: -1,
    messages: [
      { key: 'k0', value: 'v0', headers: { trace: 'abc' }, partition: 0 },
      { key: null, value: 'keyless', partition: 0 },
    ],
  });
  t.like(first[0], { topicName: topic, partition: 0, errorCode: 0, baseOffset: '0' });
  const second = await producer.send({ topic, acks: 1, compression: CompressionTypes.GZIP, messages: [{ key: 'k2', value: 'v2'.repeat(100), partition: 0 }] });
  t.like(second[0], { partition: 0, errorCode: 0, baseOffset: '2' });
  const batches = storedBatches(eddy, topic);
  t.deepEqual(batches.map((b) => b.compression), ['none', 'gzip']);
  t.deepEqual(
    storedRecords(eddy, topic).map((r) => [r.offset, r.key, r.value, r.headers]),
    [
      [0, 'k0', 'v0', [['trace', 'abc']]],
      [1, null, 'keyless', []],
      [2, 'k2', 'v2'.repeat(100), []],
    ],
  );
});

test('KafkaJS admin: topic offsets and offsets by timestamp (ListOffsets)', async (t) => {
  const { eddy, topic, kafka } = await served(t);
  const producer = eddy.producer({ idempotent: false, acks: 1 });
  for (let i = 0; i < 4; i++) await producer.send({ topic, messages: [{ key: `k${i}`, value: `v${i}`, timestamp: 1_000 * (i + 1), partition: 0 }] });
  await producer.close();
  const admin = kafka.admin();
  await admin.connect();
  t.teardown(() => admin.disconnect());
  t.deepEqual(await admin.fetchTopicOffsets(topic), [{ partition: 0, offset: '4', high: '4', low: '0' }]);
  t.deepEqual(await admin.fetchTopicOffsetsByTimestamp(topic, 2_500), [{ partition: 0, offset: '2' }]);
});

whenServed(test, [API_KEYS.InitProducerId], 'core/server/handlers/transactions.ts')(
  'KafkaJS idempotent producer: batches carry its producer id and sequence numbers',
  async (t) => {
    const { eddy, topic, kafka } = await served(t);
    const producer = await connectedProducer(t, kafka, { idempotent: true, maxInFlightRequests: 1 });
    await producer.send({ topic, acks: -1, messages: [{ key: 'a', value: '1', partition: 0 }] });
    await producer.send({ topic, acks: -1, messages: [{ key: 'b', value: '2', partition: 0 }, { key: 'c', value: '3', partition: 0 }] });
    const batches = storedBatches(eddy, topic);
    t.deepEqual(batches.flatMap((b) => b.records.map((r) => `${r.key}:${r.value}`)), ['a:1', 'b:2', 'c:3']);
    const producerIds = new Set(batches.map((b) => b.header.producerId));
    t.is(producerIds.size, 1);
    t.true([...producerIds][0]! >= 0);
    t.deepEqual(batches.map((b) => b.header.baseSequence), [0, 1]);
  },
);

whenServed(test, GROUP_APIS, 'core/server/handlers/groups.ts')('KafkaJS consumer in a group reads every record from the beginning', async (t) => {
  const { topic, kafka } = await served(t);
  const producer = await connectedProducer(t, kafka, { idempotent: false });
  await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { n: String(i) }, partition: 0 })) });
  const consumer: Consumer = kafka.consumer({ groupId: uniqueTopic('kafkajs-group'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  t.teardown(() => consumer.disconnect());
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const received: Array<[string, string, string, string]> = [];
  const all = new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message }) => {
          received.push([message.offset, String(message.key), String(message.value), String(message.headers?.['n'])]);
          if (received.length === 5) resolve();
        },
      })
      .catch(reject);
  });
  await all;
  t.deepEqual(
    received,
    [0, 1, 2, 3, 4].map((i): [string, string, string, string] => [String(i), `k${i}`, `v${i}`, String(i)]),
  );
});
