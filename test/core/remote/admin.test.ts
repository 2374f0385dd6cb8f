/**
 * Topic administration through the shared EddyAdmin interface, the same test body against the
 * embedded log and against Eddy.connect to a served Eddy: create, list, describe, alter configs,
 * add partitions, delete, and the coded errors of each.
 */
import { isEddyError } from '../../../core/errors.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import { bothBackends } from './backends.js';

bothBackends('createTopic, listTopics and describeTopic agree on partitions, offsets and configs', async (t, { client }) => {
  const topic = uniqueTopic('admin');
  const created = await client.admin.createTopic(topic, { partitions: 3, config: { 'retention.ms': 86_400_000, 'cleanup.policy': 'delete' } });
  t.is(created.name, topic);
  t.deepEqual(created.partitions.map((p) => p.partition), [0, 1, 2]);
  t.true(created.partitions.every((p) => p.logStartOffset === 0 && p.logEndOffset === 0 && p.lastStableOffset === 0));
  t.is(created.config['retention.ms'], '86400000');
  t.is(created.config['cleanup.policy'], 'delete');
  t.true((await client.admin.listTopics()).includes(topic));
  t.false((await client.admin.listTopics()).some((name) => name.startsWith('__')), 'internal topics only when asked for');

  await client.producer().send({ topic, messages: [{ value: 'a', partition: 1 }, { value: 'b', partition: 1 }] });
  const described = await client.admin.describeTopic(topic);
  t.deepEqual(described.partitions.map((p) => [p.partition, p.logStartOffset, p.logEndOffset, p.lastStableOffset]), [[0, 0, 0, 0], [1, 0, 2, 2], [2, 0, 0, 0]]);
});

bothBackends('alterTopicConfig sets and resets overrides', async (t, { client }) => {
  const topic = uniqueTopic('alter');
  const created = await client.admin.createTopic(topic, { partitions: 1 });
  const defaultRetention = created.config['retention.ms'];
  await client.admin.alterTopicConfig(topic, { 'retention.ms': 1234, 'segment.bytes': '1048576' });
  let config = (await client.admin.describeTopic(topic)).config;
  t.is(config['retention.ms'], '1234');
  t.is(config['segment.bytes'], '1048576');
  await client.admin.alterTopicConfig(topic, { 'retention.ms': null });
  config = (await client.admin.describeTopic(topic)).config;
  t.is(config['retention.ms'], defaultRetention);
  t.is(config['segment.bytes'], '1048576');
});

bothBackends('addPartitions grows a topic and new partitions take records', async (t, { client }) => {
  const topic = uniqueTopic('grow');
  await client.admin.createTopic(topic, { partitions: 1 });
  await client.admin.addPartitions(topic, 3);
  t.is((await client.admin.describeTopic(topic)).partitions.length, 3);
  const [meta] = await client.producer().send({ topic, messages: [{ value: 'x', partition: 2 }] });
  t.is(meta?.partition, 2);
  const error = await t.throwsAsync(client.admin.addPartitions(topic, 2));
  t.true(isEddyError(error, 'ERR_PARTITIONS_INVALID'), String(error));
});

bothBackends('deleteTopic removes the topic', async (t, { client }) => {
  const topic = uniqueTopic('delete');
  await client.admin.createTopic(topic, { partitions: 2 });
  await client.admin.deleteTopic(topic);
  t.false((await client.admin.listTopics()).includes(topic));
  const error = await t.throwsAsync(client.admin.describeTopic(topic));
  t.true(isEddyError(error, 'ERR_TOPIC_NOT_FOUND'), String(error));
});

bothBackends('admin failures carry the same codes', async (t, { client }) => {
  const topic = uniqueTopic('errors');
  await client.admin.createTopic(topic, { partitions: 1 });
  const codeOf = async (call: Promise<unknown>): Promise<string> => {
    const error = await t.throwsAsync(call);
    return isEddyError(error) ? error.code : `not an EddyError: ${String(error)}`;
  };
  t.is(await codeOf(client.admin.createTopic(topic)), 'ERR_TOPIC_EXISTS');
  t.is(await codeOf(client.admin.createTopic('bad name!')), 'ERR_TOPIC_NAME_INVALID');
  t.is(await codeOf(client.admin.createTopic('__mine')), 'ERR_TOPIC_RESERVED');
  t.is(await codeOf(client.admin.createTopic(uniqueTopic('zero'), { partitions: 0 })), 'ERR_PARTITIONS_INVALID');
  t.is(await codeOf(client.admin.createTopic(uniqueTopic('cfg'), { config: { 'no.such.config': 1 } })), 'ERR_CONFIG_UNKNOWN');
  t.is(await codeOf(client.admin.createTopic(uniqueTopic('cfg'), { config: { 'retention.ms': 'soon' } })), 'ERR_CONFIG_INVALID');
  t.is(await codeOf(client.admin.describeTopic(uniqueTopic('missing'))), 'ERR_TOPIC_NOT_FOUND');
  t.is(await codeOf(client.admin.deleteTopic(uniqueTopic('missing'))), 'ERR_TOPIC_NOT_FOUND');
  t.is(await codeOf(client.admin.alterTopicConfig(uniqueTopic('missing'), { 'retention.ms': 1 })), 'ERR_TOPIC_NOT_FOUND');
  t.is(await codeOf(client.admin.alterTopicConfig(topic, { 'no.such.config': 1 })), 'ERR_CONFIG_UNKNOWN');
  t.is(await codeOf(client.admin.addPartitions(uniqueTopic('missing'), 2)), 'ERR_TOPIC_NOT_FOUND');
  t.false((await client.admin.listTopics()).some((name) => name.startsWith('cfg-')), 'a refused create creates nothing');
});

bothBackends('a partition added through another client can be written and read at once', async (t, backend) => {
  const topic = uniqueTopic('grown-elsewhere');
  await backend.client.admin.createTopic(topic, { partitions: 1 });
  const producer = backend.client.producer();
  await producer.send({ topic, messages: [{ value: 'first' }] }); // caches the partition count
  const consumer = backend.client.consumer({ autoOffsetReset: 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  t.is((await consumer.poll({ timeoutMs: 5_000 })).length, 1);
  await (await backend.another()).admin.addPartitions(topic, 2);
  const [meta] = await producer.send({ topic, messages: [{ value: 'second', partition: 1 }] });
  t.is(meta?.partition, 1);
  consumer.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
  t.is(await consumer.position({ topic, partition: 1 }), 0);
  t.deepEqual((await consumer.poll({ timeoutMs: 5_000 })).map((r) => r.value?.toString()), ['second']);
  await consumer.close();
  await producer.close();
});
