/**
 * The same key lands on the same partition embedded and remote: both use Kafka's murmur2 partitioner
 * (core/client/partitioner.ts) on the serialized key, so moving a program between backends (or to a
 * real cluster) keeps each key's records together and in order.
 */
import test from 'ava';
import { partitionForKey } from '../../../core/client/partitioner.js';
import { serdes } from '../../../core/serdes.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import { bothBackends, openBackend } from './backends.js';

const KEYS = Array.from({ length: 64 }, (_, i) => `customer-${i * 7919}`);

bothBackends('keyed records go to murmur2(key) % partitions', async (t, { client }) => {
  const topic = uniqueTopic('keys');
  await client.admin.createTopic(topic, { partitions: 5 });
  const producer = client.producer({ keySerde: serdes.string, valueSerde: serdes.string });
  const metas = await producer.send({ topic, messages: KEYS.map((key) => ({ key, value: key })) });
  t.deepEqual(metas.map((m) => m.partition), KEYS.map((key) => partitionForKey(Buffer.from(key), 5)));
  // Per key, offsets grow in send order.
  const second = await producer.send({ topic, messages: KEYS.map((key) => ({ key, value: `${key}-again` })) });
  for (let i = 0; i < KEYS.length; i++) t.true(second[i]!.offset > metas[i]!.offset && second[i]!.partition === metas[i]!.partition);
  await producer.close();
});

bothBackends('null keys stick to one partition per batch (KIP-480)', async (t, { client }) => {
  const topic = uniqueTopic('sticky');
  await client.admin.createTopic(topic, { partitions: 4 });
  const producer = client.producer();
  const metas = await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ value: `v${i}` })) });
  t.is(new Set(metas.map((m) => m.partition)).size, 1, 'one send, one open batch, one partition');
  await producer.close();
});

test('embedded and remote producers of the same data put each key on the same partition', async (t) => {
  const remote = await openBackend(t, 'remote');
  const topic = uniqueTopic('both');
  await remote.eddy.admin.createTopic(topic, { partitions: 7 });
  const embeddedProducer = remote.eddy.producer({ keySerde: serdes.string });
  const remoteProducer = remote.client.producer({ keySerde: serdes.string });
  const fromEmbedded = await embeddedProducer.send({ topic, messages: KEYS.map((key) => ({ key, value: 'e' })) });
  const fromRemote = await remoteProducer.send({ topic, messages: KEYS.map((key) => ({ key, value: 'r' })) });
  t.deepEqual(fromRemote.map((m) => m.partition), fromEmbedded.map((m) => m.partition));
  await remoteProducer.close();
  await embeddedProducer.close();
});
