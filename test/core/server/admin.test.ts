/**
 * The topic and config admin APIs over the wire, raw: CreateTopics, DeleteTopics, CreatePartitions,
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs, an old and a flexible version each,
 * validateOnly, and the refusals of a single broker.
 */
import test, { type ExecutionContext } from 'ava';
import type { Eddy } from '../../../core/eddy.js';
import { API_KEYS } from '../../../core/protocol/api-keys.js';
import type { StructValue } from '../../../core/protocol/schema.js';
import { KAFKA_ERRORS } from '../../../core/server/kafka-errors.js';
import { ZERO_UUID } from '../../../core/server/handlers/metadata.js';
import { connectWire, servedEddy, type WireClient } from '../../helpers/kafka-wire.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';

const E = KAFKA_ERRORS;
const TOPIC = 2;
const BROKER = 4;

async function setup(t: ExecutionContext, config: Record<string, string | number | boolean> = {}): Promise<{ eddy: Eddy; wire: WireClient }> {
  const { eddy, port } = await servedEddy(t, { eddy: { config, onError: () => undefined } });
  const wire = await connectWire({ port });
  t.teardown(() => wire.close());
  return { eddy, wire };
}

function newTopic(name: string, extra: StructValue = {}): StructValue {
  return { name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [], ...extra };
}

async function createTopics(wire: WireClient, version: number, topics: StructValue[], validateOnly = false): Promise<StructValue[]> {
  const res = await wire.request(API_KEYS.CreateTopics, version, { topics, timeoutMs: 10_000, validateOnly });
  return res.topics as StructValue[];
}

/** `name:errorCode` of each result. */
function outcomes(results: StructValue[], nameField = 'name'): string[] {
  return results.map((r) => `${String(r[nameField])}:${r.errorCode as number}`);
}

async function describeTopicConfigs(wire: WireClient, version: number, name: string, keys: string[] | null = null, includeSynonyms = false): Promise<StructValue> {
  const res = await wire.request(API_KEYS.DescribeConfigs, version, { resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: keys }], includeSynonyms, includeDocumentation: true });
  return (res.results as StructValue[])[0]!;
}

function configMap(result: StructValue): Record<string, string | null> {
  return Object.fromEntries((result.configs as StructValue[]).map((c) => [c.name as string, c.value as string | null]));
}

/** A topic's overrides as DescribeConfigs reports them (source DYNAMIC_TOPIC_CONFIG). */
async function overridesOf(wire: WireClient, name: string): Promise<Record<string, string | null>> {
  const result = await describeTopicConfigs(wire, 4, name);
  return configMap({ configs: (result.configs as StructValue[]).filter((c) => c.configSource === 1) });
}

// ── CreateTopics ─────────────────────────────────────────────────────────────────────────────

test('CreateTopics v7 creates with defaults (-1) and configs, and returns partitions, replication factor, configs and the topic id', async (t) => {
  const { eddy, wire } = await setup(t, { 'num.partitions': 3 });
  const name = uniqueTopic('create');
  const [result] = await createTopics(wire, 7, [newTopic(name, { configs: [{ name: 'retention.ms', value: '60000' }] })]);
  t.like(result, { name, errorCode: 0, errorMessage: null, numPartitions: 3, replicationFactor: 1 });
  const meta = await wire.request(API_KEYS.Metadata, 12, { topics: [{ name, topicId: ZERO_UUID }], allowAutoTopicCreation: false });
  t.not(result!.topicId, ZERO_UUID);
  t.is(result!.topicId, (meta.topics as StructValue[])[0]!.topicId);
  const configs = result!.configs as StructValue[];
  t.like(configs.find((c) => c.name === 'retention.ms'), { value: '60000', configSource: 1, readOnly: false, isSensitive: false });
  t.like(configs.find((c) => c.name === 'cleanup.policy'), { value: 'delete', configSource: 5 });
  const described = await eddy.admin.describeTopic(name);
  t.is(described.partitions.length, 3);
  t.is(described.config['retention.ms'], '60000');
});

test('CreateTopics v2 with replication factor 1 and explicit counts; a second create is TOPIC_ALREADY_EXISTS', async (t) => {
  const { eddy, wire } = await setup(t);
  const name = uniqueTopic('create-v2');
  t.deepEqual(outcomes(await createTopics(wire, 2, [newTopic(name, { numPartitions: 2, replicationFactor: 1 })])), [`${name}:0`]);
  t.is((await eddy.admin.describeTopic(name)).partitions.length, 2);
  const [again] = await createTopics(wire, 4, [newTopic(name)]);
  t.like(again, { errorCode: E.TOPIC_ALREADY_EXISTS });
});

test('CreateTopics refuses more than one replica, other brokers and bad counts, each topic on its own', async (t) => {
  const { eddy, wire } = await setup(t);
  const ok = uniqueTopic('fine');
  const rf3 = uniqueTopic('rf3');
  const assigned = uniqueTopic('assigned');
  const twoReplicas = uniqueTopic('two-replicas');
  const otherBroker = uniqueTopic('other-broker');
  const noPartitions = uniqueTopic('zero');
  // Creates __transaction_state.
  t.is((await wire.request(API_KEYS.InitProducerId, 1, { transactionalId: 'txn', transactionTimeoutMs: 1000 })).errorCode, 0);
  const results = await createTopics(wire, 5, [
    newTopic(ok),
    newTopic(rf3, { replicationFactor: 3 }),
    newTopic(assigned, { assignments: [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 1, brokerIds: [1] }] }),
    newTopic(twoReplicas, { assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }] }),
    newTopic(otherBroker, { assignments: [{ partitionIndex: 0, brokerIds: [7] }] }),
    newTopic(noPartitions, { numPartitions: 0 }),
    newTopic('__transaction_state'),
    newTopic('__consumer_offsets'),
    newTopic('bad/name'),
  ]);
  t.deepEqual(outcomes(results), [
    `${ok}:0`,
    `${rf3}:${E.INVALID_REPLICATION_FACTOR}`,
    `${assigned}:0`,
    `${twoReplicas}:${E.INVALID_REPLICA_ASSIGNMENT}`,
    `${otherBroker}:${E.INVALID_REPLICA_ASSIGNMENT}`,
    `${noPartitions}:${E.INVALID_PARTITIONS}`,
    `__transaction_state:${E.TOPIC_ALREADY_EXISTS}`,
    `__consumer_offsets:${E.INVALID_TOPIC_EXCEPTION}`,
    `bad/name:${E.INVALID_TOPIC_EXCEPTION}`,
  ]);
  t.regex(results[1]!.errorMessage as string, /Eddy is a single broker: replication factor must be 1 .*Eddy\.connect/);
  t.regex(results[3]!.errorMessage as string, /single broker/);
  t.like(results[1], { numPartitions: -1, replicationFactor: -1, topicId: ZERO_UUID });
  t.is((await eddy.admin.describeTopic(assigned)).partitions.length, 2);
  t.deepEqual((await eddy.admin.listTopics()).filter((n) => [rf3, twoReplicas, otherBroker, noPartitions].includes(n)), []);
});

test('CreateTopics checks configs all or nothing per topic, refuses null values and duplicate names', async (t) => {
  const { eddy, wire } = await setup(t);
  const badValue = uniqueTopic('bad-value');
  const unknown = uniqueTopic('unknown-config');
  const nullValue = uniqueTopic('null-value');
  const twice = uniqueTopic('twice');
  const results = await createTopics(wire, 6, [
    newTopic(badValue, { configs: [{ name: 'retention.ms', value: '1000' }, { name: 'cleanup.policy', value: 'sometimes' }] }),
    newTopic(unknown, { configs: [{ name: 'no.such.config', value: '1' }] }),
    newTopic(nullValue, { configs: [{ name: 'retention.ms', value: null }] }),
    newTopic(twice),
    newTopic(twice),
  ]);
  t.deepEqual(outcomes(results), [
    `${badValue}:${E.INVALID_CONFIG}`,
    `${unknown}:${E.INVALID_CONFIG}`,
    `${nullValue}:${E.INVALID_CONFIG}`,
    `${twice}:${E.INVALID_REQUEST}`,
    `${twice}:${E.INVALID_REQUEST}`,
  ]);
  t.regex(results[0]!.errorMessage as string, /cleanup\.policy/);
  t.deepEqual(await eddy.admin.listTopics(), []);
});

test('CreateTopics validateOnly checks everything and creates nothing', async (t) => {
  const { eddy, wire } = await setup(t);
  const name = uniqueTopic('validate');
  const [result] = await createTopics(wire, 7, [newTopic(name, { numPartitions: 4, configs: [{ name: 'cleanup.policy', value: 'compact' }] })], true);
  t.like(result, { errorCode: 0, numPartitions: 4, replicationFactor: 1, topicId: ZERO_UUID });
  t.like((result!.configs as StructValue[]).find((c) => c.name === 'cleanup.policy'), { value: 'compact', configSource: 1 });
  const [refused] = await createTopics(wire, 7, [newTopic(name, { replicationFactor: 2 })], true);
  t.is(refused!.errorCode, E.INVALID_REPLICATION_FACTOR);
  t.false((await eddy.admin.listTopics()).includes(name));
});

// ── DeleteTopics ─────────────────────────────────────────────────────────────────────────────

test('DeleteTopics v1 by name; unknown topics and internal topics are refused', async (t) => {
  const { eddy, wire } = await setup(t);
  const name = uniqueTopic('delete');
  await eddy.admin.createTopic(name);
  const res = await wire.request(API_KEYS.DeleteTopics, 1, { topicNames: [name, 'no-such-topic', '__consumer_offsets'], timeoutMs: 1000 });
  t.deepEqual(outcomes(res.responses as StructValue[]), [`${name}:0`, `no-such-topic:${E.UNKNOWN_TOPIC_OR_PARTITION}`, `__consumer_offsets:${E.INVALID_REQUEST}`]);
  t.false((await eddy.admin.listTopics()).includes(name));
});

test('DeleteTopics v6 by name or by topic id, with messages; both at once and duplicates are INVALID_REQUEST', async (t) => {
  const { eddy, wire } = await setup(t);
  const byName = uniqueTopic('by-name');
  const byId = uniqueTopic('by-id');
  const both = uniqueTopic('both');
  await eddy.admin.createTopic(byName);
  await eddy.admin.createTopic(byId);
  await eddy.admin.createTopic(both);
  const meta = await wire.request(API_KEYS.Metadata, 12, { topics: [{ name: byId, topicId: ZERO_UUID }, { name: both, topicId: ZERO_UUID }], allowAutoTopicCreation: false });
  const [idOfById, idOfBoth] = (meta.topics as StructValue[]).map((m) => m.topicId as string) as [string, string];
  const res = await wire.request(API_KEYS.DeleteTopics, 6, {
    topics: [
      { name: byName, topicId: ZERO_UUID },
      { name: null, topicId: idOfById },
      { name: both, topicId: idOfBoth },
      { name: null, topicId: '6b2b2b8e-2c34-4bb8-9f0e-1d6a3c1f2a11' },
      { name: byName, topicId: ZERO_UUID },
    ],
    timeoutMs: 1000,
  });
  const responses = res.responses as StructValue[];
  t.deepEqual(responses.map((r) => [r.name, r.errorCode]), [
    [byName, E.INVALID_REQUEST],
    [byId, 0],
    [both, E.INVALID_REQUEST],
    [null, E.UNKNOWN_TOPIC_ID],
    [byName, E.INVALID_REQUEST],
  ]);
  t.is(responses[1]!.topicId, idOfById);
  t.is(responses[0]!.errorMessage, 'Duplicate topic name.');
  const remaining = await eddy.admin.listTopics();
  t.true(remaining.includes(byName));
  t.false(remaining.includes(byId));
  t.true(remaining.includes(both));
});

// ── CreatePartitions ─────────────────────────────────────────────────────────────────────────

test('CreatePartitions v0 and v3 raise the count; validateOnly changes nothing; fewer, internal or other-broker assignments are refused', async (t) => {
  const { eddy, wire } = await setup(t);
  const name = uniqueTopic('grow');
  const other = uniqueTopic('other');
  await eddy.admin.createTopic(name, { partitions: 1 });
  await eddy.admin.createTopic(other, { partitions: 2 });
  const grow = async (version: number, topics: StructValue[], validateOnly = false): Promise<StructValue[]> =>
    (await wire.request(API_KEYS.CreatePartitions, version, { topics, timeoutMs: 1000, validateOnly })).results as StructValue[];

  t.deepEqual(outcomes(await grow(0, [{ name, count: 3, assignments: null }], true)), [`${name}:0`]);
  t.is((await eddy.admin.describeTopic(name)).partitions.length, 1);
  t.deepEqual(outcomes(await grow(0, [{ name, count: 3, assignments: null }])), [`${name}:0`]);
  t.is((await eddy.admin.describeTopic(name)).partitions.length, 3);

  const results = await grow(3, [
    { name, count: 5, assignments: [{ brokerIds: [1] }, { brokerIds: [1] }] },
    { name: other, count: 1, assignments: null },
    { name: 'no-such-topic', count: 2, assignments: null },
    { name: '__consumer_offsets', count: 100, assignments: null },
  ]);
  t.deepEqual(outcomes(results), [`${name}:0`, `${other}:${E.INVALID_PARTITIONS}`, `no-such-topic:${E.UNKNOWN_TOPIC_OR_PARTITION}`, `__consumer_offsets:${E.INVALID_REQUEST}`]);
  t.is((await eddy.admin.describeTopic(name)).partitions.length, 5);

  const refused = await grow(2, [{ name: other, count: 4, assignments: [{ brokerIds: [1, 2] }, { brokerIds: [1] }] }]);
  t.is(refused[0]!.errorCode, E.INVALID_REPLICA_ASSIGNMENT);
  t.regex(refused[0]!.errorMessage as string, /single broker/);
  t.is((await grow(2, [{ name: other, count: 4, assignments: [{ brokerIds: [1] }] }]))[0]!.errorCode, E.INVALID_REPLICA_ASSIGNMENT);
  t.is((await eddy.admin.describeTopic(other)).partitions.length, 2);
});

// ── DescribeConfigs ──────────────────────────────────────────────────────────────────────────

test('DescribeConfigs v1 and v4: every topic config with its source, synonyms on request, types from v3, a key filter', async (t) => {
  const { eddy, wire } = await setup(t, { 'log.retention.ms': 3_600_000 });
  const name = uniqueTopic('describe');
  await eddy.admin.createTopic(name, { config: { 'cleanup.policy': 'compact,delete' } });

  const all = await describeTopicConfigs(wire, 1, name);
  t.like(all, { errorCode: 0, resourceType: TOPIC, resourceName: name });
  const configs = all.configs as StructValue[];
  t.is(configs.length, Object.keys((await eddy.admin.describeTopic(name)).config).length);
  t.like(configs.find((c) => c.name === 'cleanup.policy'), { value: 'compact,delete', configSource: 1, readOnly: false, isSensitive: false, synonyms: [] });
  t.like(configs.find((c) => c.name === 'retention.ms'), { value: '3600000', configSource: 4 });
  t.like(configs.find((c) => c.name === 'segment.bytes'), { value: '1073741824', configSource: 5 });

  const some = await describeTopicConfigs(wire, 4, name, ['cleanup.policy', 'retention.ms', 'no.such.config'], true);
  const [policy, retention] = some.configs as StructValue[];
  t.is((some.configs as StructValue[]).length, 2);
  t.like(policy, { name: 'cleanup.policy', configType: 7, configSource: 1 });
  t.deepEqual(policy!.synonyms, [
    { name: 'cleanup.policy', value: 'compact,delete', source: 1 },
    { name: 'log.cleanup.policy', value: 'delete', source: 5 },
  ]);
  t.like(retention, { name: 'retention.ms', configType: 5 });
  t.deepEqual(retention!.synonyms, [
    { name: 'log.retention.ms', value: '3600000', source: 4 },
    { name: 'log.retention.ms', value: '604800000', source: 5 },
  ]);
  t.is(typeof retention!.documentation, 'string');
});

test('DescribeConfigs of a broker lists the data directory\'s settings read-only; unknown topics, other brokers and other resource types are errors', async (t) => {
  const { wire } = await setup(t, { 'num.partitions': 4, 'log.cleanup.policy': 'compact' });
  const res = await wire.request(API_KEYS.DescribeConfigs, 3, {
    resources: [
      { resourceType: BROKER, resourceName: '1', configurationKeys: null },
      { resourceType: TOPIC, resourceName: 'no-such-topic', configurationKeys: null },
      { resourceType: BROKER, resourceName: '2', configurationKeys: null },
      { resourceType: 16, resourceName: 'x', configurationKeys: null },
    ],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  const [broker, unknown, other, type16] = res.results as StructValue[];
  t.is(broker!.errorCode, 0);
  const configs = broker!.configs as StructValue[];
  t.true(configs.every((c) => c.readOnly === true));
  t.like(configs.find((c) => c.name === 'num.partitions'), { value: '4', configSource: 4, configType: 3 });
  t.like(configs.find((c) => c.name === 'auto.create.topics.enable'), { value: 'true', configSource: 5, configType: 1 });
  t.like(configs.find((c) => c.name === 'log.cleanup.policy'), { value: 'compact', configSource: 4, configType: 7 });
  t.like(configs.find((c) => c.name === 'log.retention.ms'), { value: '604800000', configSource: 5 });
  t.like(configs.find((c) => c.name === 'transaction.max.timeout.ms'), { value: '900000' });
  t.like(configs.find((c) => c.name === 'node.id'), { value: '1' });
  t.like(unknown, { errorCode: E.UNKNOWN_TOPIC_OR_PARTITION, configs: [] });
  t.like(other, { errorCode: E.INVALID_REQUEST });
  t.like(type16, { errorCode: E.INVALID_REQUEST });
});

// ── AlterConfigs ─────────────────────────────────────────────────────────────────────────────

test('AlterConfigs v0 and v2 replace the whole override set of a topic; validateOnly changes nothing', async (t) => {
  const { eddy, wire } = await setup(t);
  const name = uniqueTopic('alter');
  await eddy.admin.createTopic(name, { config: { 'retention.ms': 1000, 'cleanup.policy': 'compact' } });
  const alter = async (version: number, configs: StructValue[], validateOnly = false): Promise<StructValue> =>
    ((await wire.request(API_KEYS.AlterConfigs, version, { resources: [{ resourceType: TOPIC, resourceName: name, configs }], validateOnly })).responses as StructValue[])[0]!;

  t.like(await alter(2, [{ name: 'segment.ms', value: '5000' }], true), { errorCode: 0, resourceType: TOPIC, resourceName: name });
  t.deepEqual(await overridesOf(wire, name), { 'retention.ms': '1000', 'cleanup.policy': 'compact' });

  t.like(await alter(0, [{ name: 'segment.ms', value: '5000' }, { name: 'retention.ms', value: '2000' }]), { errorCode: 0 });
  t.deepEqual(await overridesOf(wire, name), { 'segment.ms': '5000', 'retention.ms': '2000' });
  const described = configMap(await describeTopicConfigs(wire, 2, name, ['cleanup.policy', 'segment.ms']));
  t.deepEqual(described, { 'cleanup.policy': 'delete', 'segment.ms': '5000' });

  const bad = await alter(1, [{ name: 'retention.ms', value: 'forever' }]);
  t.is(bad.errorCode, E.INVALID_CONFIG);
  t.regex(bad.errorMessage as string, /retention\.ms/);
  t.is((await alter(1, [{ name: 'retention.ms', value: null }])).errorCode, E.INVALID_REQUEST);
  t.deepEqual(await overridesOf(wire, name), { 'segment.ms': '5000', 'retention.ms': '2000' });
});

test('AlterConfigs refuses broker resources, unknown topics and duplicate resources', async (t) => {
  const { eddy, wire } = await setup(t);
  const name = uniqueTopic('alter-refused');
  await eddy.admin.createTopic(name);
  const res = await wire.request(API_KEYS.AlterConfigs, 2, {
    resources: [
      { resourceType: BROKER, resourceName: '1', configs: [{ name: 'num.partitions', value: '3' }] },
      { resourceType: TOPIC, resourceName: 'no-such-topic', configs: [] },
      { resourceType: TOPIC, resourceName: name, configs: [] },
      { resourceType: TOPIC, resourceName: name, configs: [] },
    ],
    validateOnly: false,
  });
  const responses = res.responses as StructValue[];
  t.deepEqual(outcomes(responses, 'resourceName'), ['1:42', `no-such-topic:${E.UNKNOWN_TOPIC_OR_PARTITION}`, `${name}:${E.INVALID_REQUEST}`, `${name}:${E.INVALID_REQUEST}`]);
  t.regex(responses[0]!.errorMessage as string, /Eddy\.open/);
});

// ── IncrementalAlterConfigs ──────────────────────────────────────────────────────────────────

test('IncrementalAlterConfigs v0 and v1: SET, DELETE, APPEND and SUBTRACT on a list config, all or nothing per topic', async (t) => {
  const { eddy, wire } = await setup(t);
  const name = uniqueTopic('incremental');
  await eddy.admin.createTopic(name, { config: { 'retention.ms': 1000 } });
  const SET = 0;
  const DELETE = 1;
  const APPEND = 2;
  const SUBTRACT = 3;
  const alter = async (version: number, configs: StructValue[], validateOnly = false): Promise<StructValue> =>
    ((await wire.request(API_KEYS.IncrementalAlterConfigs, version, { resources: [{ resourceType: TOPIC, resourceName: name, configs }], validateOnly })).responses as StructValue[])[0]!;
  const overrides = (): Promise<Record<string, string | null>> => overridesOf(wire, name);

  t.like(await alter(0, [{ name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }, { name: 'retention.ms', configOperation: DELETE, value: null }]), { errorCode: 0 });
  t.deepEqual(await overrides(), { 'cleanup.policy': 'delete,compact' });

  t.like(await alter(1, [{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' }, { name: 'segment.ms', configOperation: SET, value: '9000' }], true), { errorCode: 0 });
  t.deepEqual(await overrides(), { 'cleanup.policy': 'delete,compact' });
  t.like(await alter(1, [{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' }, { name: 'segment.ms', configOperation: SET, value: '9000' }]), { errorCode: 0 });
  t.deepEqual(await overrides(), { 'cleanup.policy': 'compact', 'segment.ms': '9000' });

  // Refusals change nothing, even the valid operations beside them.
  t.like(await alter(1, [{ name: 'retention.ms', configOperation: APPEND, value: '5' }]), { errorCode: E.INVALID_CONFIG });
  t.like(await alter(1, [{ name: 'segment.ms', configOperation: SET, value: '1' }, { name: 'cleanup.policy', configOperation: SUBTRACT, value: 'compact' }]), { errorCode: E.INVALID_CONFIG });
  t.like(await alter(1, [{ name: 'segment.ms', configOperation: SET, value: '1' }, { name: 'segment.ms', configOperation: DELETE, value: null }]), { errorCode: E.INVALID_REQUEST });
  t.like(await alter(1, [{ name: 'segment.ms', configOperation: 9, value: '1' }]), { errorCode: E.INVALID_REQUEST });
  t.like(await alter(1, [{ name: 'segment.ms', configOperation: SET, value: null }]), { errorCode: E.INVALID_REQUEST });
  t.like(await alter(1, [{ name: 'no.such.config', configOperation: DELETE, value: null }]), { errorCode: E.INVALID_CONFIG });
  t.deepEqual(await overrides(), { 'cleanup.policy': 'compact', 'segment.ms': '9000' });

  const broker = await wire.request(API_KEYS.IncrementalAlterConfigs, 1, { resources: [{ resourceType: BROKER, resourceName: '1', configs: [] }], validateOnly: false });
  t.is((broker.responses as StructValue[])[0]!.errorCode, E.INVALID_REQUEST);
});
