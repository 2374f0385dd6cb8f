/**
 * Topic and config administration over the wire (CreateTopics, DeleteTopics, CreatePartitions,
 * DescribeConfigs, AlterConfigs, IncrementalAlterConfigs), on the data directory's LogManager.
 *
 * - One broker: a topic has replication factor 1 with this node as its only replica. A request for
 *   more replicas, or an assignment naming another broker, is refused with a message saying so;
 *   replication is what a Kafka cluster (Eddy.connect) is for.
 * - Every item of a request (a topic, a config resource) is checked in full before anything of it
 *   changes, and answered on its own: one bad topic does not fail the others. validateOnly runs the
 *   same checks and changes nothing.
 * - Internal topics (`__` names: group offsets, transaction state, connector offsets) cannot be
 *   created, deleted or given partitions by clients: Eddy hashes group and transactional ids over
 *   their partitions.
 * - Configs are the topic configs of core/log/log-config.ts. A topic's value comes from its own
 *   override (DYNAMIC_TOPIC_CONFIG), else the data directory's `log.*` default given to Eddy.open
 *   (STATIC_BROKER_CONFIG), else Kafka's default (DEFAULT_CONFIG). Broker settings are fixed when
 *   the data directory is opened: they are described read-only and cannot be altered here.
 */
import { BROKER_TOPIC_DEFAULTS, DEFAULT_EDDY_CONFIG } from '../../eddy-options.js';
import { isTopicConfigName, TOPIC_CONFIG_DEFS, validateTopicConfig, type TopicConfigName } from '../../log/log-config.js';
import { MAX_PARTITIONS } from '../../log/log-manager.js';
import { isInternalTopic, validateUserTopicName } from '../../log/topic-name.js';
import { API_KEYS } from '../../protocol/api-keys.js';
import type { StructValue } from '../../protocol/schema.js';
import { DEFAULT_TRANSACTION_CONFIG } from '../../txn/transaction-config.js';
import type { BrokerContext, Handler } from '../handler.js';
import { failureCode, KAFKA_ERRORS, kafkaErrorMessage, type KafkaErrorName } from '../kafka-errors.js';
import { ZERO_UUID } from './metadata.js';

/** Kafka's ConfigResource.Type values this broker answers. */
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;

/** Kafka's DescribeConfigsResponse.ConfigSource. */
const SOURCE = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

/** Kafka's DescribeConfigsResponse.ConfigType. */
const CONFIG_TYPE = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

/** IncrementalAlterConfigs operations (KIP-339). */
const OP_SET = 0;
const OP_DELETE = 1;
const OP_APPEND = 2;
const OP_SUBTRACT = 3;

const SINGLE_BROKER = 'Eddy is a single broker: replication factor must be 1 (-1 for the default); to replicate, run the same code on a Kafka cluster with Eddy.connect';

/** How one item of a request ended. */
interface Outcome {
  errorCode: number;
  errorMessage: string | null;
}

const OK: Outcome = { errorCode: 0, errorMessage: null };

function refuse(name: KafkaErrorName, errorMessage: string): Outcome {
  return { errorCode: KAFKA_ERRORS[name], errorMessage };
}

/** A thrown error as an outcome; anything but a coded EddyError is also reported as a defect. */
function failure(broker: BrokerContext, err: unknown): Outcome {
  return { errorCode: failureCode(broker, err), errorMessage: kafkaErrorMessage(err) };
}

/** Runs `check`, turning a thrown EddyError into its outcome. */
function attempt(broker: BrokerContext, check: () => Outcome | void): Outcome {
  try {
    return check() ?? OK;
  } catch (err) {
    return failure(broker, err);
  }
}

/** The values that appear more than once. */
function duplicates(values: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return twice;
}

/** Refuses a replica assignment that is not exactly this broker. */
function checkReplicas(broker: BrokerContext, brokerIds: readonly number[], what: string): Outcome | null {
  if (brokerIds.length > 1) return refuse('INVALID_REPLICA_ASSIGNMENT', `${what} lists ${brokerIds.length} replicas. ${SINGLE_BROKER}`);
  if (brokerIds.length !== 1 || brokerIds[0] !== broker.nodeId) {
    return refuse('INVALID_REPLICA_ASSIGNMENT', `${what} must be assigned to broker ${broker.nodeId}, the only one, got [${brokerIds.join(', ')}]`);
  }
  return null;
}

// ── Configs ──────────────────────────────────────────────────────────────────────────────────

/** One config as DescribeConfigs and CreateTopics show it. */
interface ConfigEntry {
  name: string;
  value: string;
  source: number;
  type: number;
  readOnly: boolean;
  documentation: string | null;
  synonyms: Array<{ name: string; value: string; source: number }>;
}

/** Topic config → the broker setting that gives its data-directory default. */
const BROKER_NAME_OF: ReadonlyMap<string, string> = new Map(Object.entries(BROKER_TOPIC_DEFAULTS).map(([broker, topic]) => [topic, broker]));

function topicConfigType(name: TopicConfigName): number {
  switch (TOPIC_CONFIG_DEFS[name].kind.type) {
    case 'long':
      return CONFIG_TYPE.LONG;
    case 'int':
      return CONFIG_TYPE.INT;
    case 'double':
      return CONFIG_TYPE.DOUBLE;
    case 'list':
      return CONFIG_TYPE.LIST;
    case 'boolean':
      return CONFIG_TYPE.BOOLEAN;
    case 'enum':
      return CONFIG_TYPE.STRING;
  }
}

/** Every topic config with its value for a topic with `overrides`, in the order of log-config.ts. */
function topicConfigEntries(broker: BrokerContext, overrides: Readonly<Record<string, string>>): ConfigEntry[] {
  const dirDefaults = broker.manager.options.topicDefaults;
  return (Object.keys(TOPIC_CONFIG_DEFS) as TopicConfigName[]).map((name) => {
    const def = TOPIC_CONFIG_DEFS[name];
    const brokerName = BROKER_NAME_OF.get(name) ?? name;
    // Synonyms in order of precedence, as Kafka lists them.
    const synonyms: ConfigEntry['synonyms'] = [];
    const override = overrides[name];
    const dirDefault = dirDefaults[name];
    if (override !== undefined) synonyms.push({ name, value: override, source: SOURCE.DYNAMIC_TOPIC_CONFIG });
    if (dirDefault !== undefined) synonyms.push({ name: brokerName, value: dirDefault, source: SOURCE.STATIC_BROKER_CONFIG });
    synonyms.push({ name: brokerName, value: def.default, source: SOURCE.DEFAULT_CONFIG });
    const first = synonyms[0]!;
    return { name, value: first.value, source: first.source, type: topicConfigType(name), readOnly: false, documentation: def.doc, synonyms };
  });
}

/** The broker settings of this data directory and server (read-only). */
function brokerConfigEntries(broker: BrokerContext): ConfigEntry[] {
  const o = broker.manager.options;
  const txn = broker.transactions.config;
  const setting = (name: string, value: string | number | boolean, type: number, defaultValue?: string | number | boolean): ConfigEntry => {
    const source = defaultValue !== undefined && String(defaultValue) === String(value) ? SOURCE.DEFAULT_CONFIG : SOURCE.STATIC_BROKER_CONFIG;
    const text = String(value);
    return { name, value: text, source, type, readOnly: true, documentation: null, synonyms: [{ name, value: text, source }] };
  };
  const entries: ConfigEntry[] = [
    setting('node.id', broker.nodeId, CONFIG_TYPE.INT),
    setting('broker.id', broker.nodeId, CONFIG_TYPE.INT),
    setting('log.dirs', o.dataDir, CONFIG_TYPE.STRING),
    setting('socket.request.max.bytes', broker.options.socketRequestMaxBytes, CONFIG_TYPE.INT),
    setting('connections.max.idle.ms', broker.options.connectionsMaxIdleMs, CONFIG_TYPE.LONG),
    setting('num.partitions', o.numPartitions, CONFIG_TYPE.INT, DEFAULT_EDDY_CONFIG['num.partitions']),
    setting('auto.create.topics.enable', o.autoCreateTopics, CONFIG_TYPE.BOOLEAN, DEFAULT_EDDY_CONFIG['auto.create.topics.enable']),
    setting('log.retention.check.interval.ms', o.retentionCheckIntervalMs, CONFIG_TYPE.LONG, DEFAULT_EDDY_CONFIG['log.retention.check.interval.ms']),
    setting('log.flush.offset.checkpoint.interval.ms', o.checkpointIntervalMs, CONFIG_TYPE.INT, DEFAULT_EDDY_CONFIG['log.flush.offset.checkpoint.interval.ms']),
    setting('log.cleaner.enable', o.cleanerEnable, CONFIG_TYPE.BOOLEAN, DEFAULT_EDDY_CONFIG['log.cleaner.enable']),
    setting('log.cleaner.backoff.ms', o.cleanerBackoffMs, CONFIG_TYPE.LONG, DEFAULT_EDDY_CONFIG['log.cleaner.backoff.ms']),
    setting('log.cleaner.dedupe.buffer.size', o.cleanerDedupeBufferBytes, CONFIG_TYPE.LONG, DEFAULT_EDDY_CONFIG['log.cleaner.dedupe.buffer.size']),
    setting('transaction.state.log.num.partitions', txn.stateLogPartitions, CONFIG_TYPE.INT, DEFAULT_TRANSACTION_CONFIG['transaction.state.log.num.partitions']),
    setting('transaction.max.timeout.ms', txn.maxTimeoutMs, CONFIG_TYPE.INT, DEFAULT_TRANSACTION_CONFIG['transaction.max.timeout.ms']),
    setting('transaction.abort.timed.out.transaction.cleanup.interval.ms', txn.abortTimedOutIntervalMs, CONFIG_TYPE.INT, DEFAULT_TRANSACTION_CONFIG['transaction.abort.timed.out.transaction.cleanup.interval.ms']),
    setting('transactional.id.expiration.ms', txn.idExpirationMs, CONFIG_TYPE.INT, DEFAULT_TRANSACTION_CONFIG['transactional.id.expiration.ms']),
    setting('transaction.remove.expired.transaction.cleanup.interval.ms', txn.removeExpiredIntervalMs, CONFIG_TYPE.INT, DEFAULT_TRANSACTION_CONFIG['transaction.remove.expired.transaction.cleanup.interval.ms']),
  ];
  for (const [brokerName, topicName] of Object.entries(BROKER_TOPIC_DEFAULTS)) {
    const def = TOPIC_CONFIG_DEFS[topicName];
    entries.push(setting(brokerName, o.topicDefaults[topicName] ?? def.default, topicConfigType(topicName), def.default));
  }
  return entries;
}

/** The configs given in a request as a record; null values are refused as Kafka refuses them. */
function givenConfigs(configs: ReadonlyArray<{ name: string; value: string | null }>, what: KafkaErrorName): Record<string, string> | Outcome {
  const nulls = configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) return refuse(what, `Null value not supported for topic configs: ${nulls.join(', ')}`);
  return Object.fromEntries(configs.map((c) => [c.name, c.value as string]));
}

function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'object' && value !== null && 'errorCode' in value && 'errorMessage' in value;
}

// ── CreateTopics ─────────────────────────────────────────────────────────────────────────────

type CreatableTopic = {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }>;
  configs: Array<{ name: string; value: string | null }>;
};

/** Checks one topic of a CreateTopics request: its partition count and validated overrides, or why not. */
function planTopic(broker: BrokerContext, topic: CreatableTopic): { partitions: number; config: Record<string, string> } | Outcome {
  const { name, numPartitions, replicationFactor, assignments } = topic;
  if (broker.manager.hasTopic(name)) return refuse('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`);
  const named = attempt(broker, () => validateUserTopicName(name));
  if (named.errorCode !== 0) return named;
  let partitions: number;
  if (assignments.length > 0) {
    if (numPartitions !== -1 || replicationFactor !== -1) {
      return refuse('INVALID_REQUEST', 'Both numPartitions or replicationFactor and replica assignments were set. Both cannot be used at the same time.');
    }
    const indexes = new Set(assignments.map((a) => a.partitionIndex));
    if (indexes.size !== assignments.length || assignments.some((a) => a.partitionIndex < 0 || a.partitionIndex >= assignments.length)) {
      return refuse('INVALID_REPLICA_ASSIGNMENT', `The replica assignment of '${name}' must list each partition from 0 to ${assignments.length - 1} once`);
    }
    for (const a of assignments) {
      const refused = checkReplicas(broker, a.brokerIds, `Partition ${a.partitionIndex} of '${name}'`);
      if (refused !== null) return refused;
    }
    partitions = assignments.length;
  } else {
    partitions = numPartitions === -1 ? broker.manager.options.numPartitions : numPartitions;
    if (partitions < 1 || partitions > MAX_PARTITIONS) {
      return refuse('INVALID_PARTITIONS', `Number of partitions must be from 1 to ${MAX_PARTITIONS}, or -1 for the default (${broker.manager.options.numPartitions}), got ${numPartitions}`);
    }
    if (replicationFactor > 1) return refuse('INVALID_REPLICATION_FACTOR', SINGLE_BROKER);
    if (replicationFactor !== 1 && replicationFactor !== -1) return refuse('INVALID_REPLICATION_FACTOR', `Replication factor must be 1, or -1 for the default, got ${replicationFactor}`);
  }
  const given = givenConfigs(topic.configs, 'INVALID_CONFIG');
  if (isOutcome(given)) return given;
  let config: Record<string, string> = {};
  const valid = attempt(broker, () => {
    config = validateTopicConfig(given);
  });
  return valid.errorCode !== 0 ? valid : { partitions, config };
}

const handleCreateTopics: Handler = ({ body, broker }) => {
  const topics = body.topics as CreatableTopic[];
  const validateOnly = body.validateOnly === true;
  const repeated = duplicates(topics.map((t) => t.name));
  const results = topics.map((topic): StructValue => {
    const failed = (outcome: Outcome): StructValue => ({ name: topic.name, topicId: ZERO_UUID, ...outcome, numPartitions: -1, replicationFactor: -1, configs: [] });
    if (repeated.has(topic.name)) return failed(refuse('INVALID_REQUEST', `Topic '${topic.name}' is listed more than once in the request`));
    const plan = planTopic(broker, topic);
    if (isOutcome(plan)) return failed(plan);
    let topicId = ZERO_UUID;
    if (!validateOnly) {
      const created = attempt(broker, () => {
        broker.manager.createTopic(topic.name, { partitions: plan.partitions, config: plan.config });
      });
      if (created.errorCode !== 0) return failed(created);
      topicId = broker.manager.topicId(topic.name);
    }
    const configs = topicConfigEntries(broker, plan.config).map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.source, isSensitive: false }));
    return { name: topic.name, topicId, ...OK, numPartitions: plan.partitions, replicationFactor: 1, configs };
  });
  return { throttleTimeMs: 0, topics: results };
};

// ── DeleteTopics ─────────────────────────────────────────────────────────────────────────────

const handleDeleteTopics: Handler = ({ body, broker, apiVersion }) => {
  const { manager } = broker;
  const requested: Array<{ name: string | null; topicId: string }> =
    apiVersion >= 6 ? (body.topics as Array<{ name: string | null; topicId: string }>) : (body.topicNames as string[]).map((name) => ({ name, topicId: ZERO_UUID }));
  const keys = requested.map((t) => (t.name !== null ? `name:${t.name}` : `id:${t.topicId}`));
  const repeated = duplicates(keys);
  const responses = requested.map((t, i): StructValue => {
    const answer = (name: string | null, topicId: string, outcome: Outcome): StructValue => ({ name, topicId, ...outcome });
    if (repeated.has(keys[i]!)) return answer(t.name, t.topicId, refuse('INVALID_REQUEST', t.name !== null ? 'Duplicate topic name.' : 'Duplicate topic id.'));
    if (t.name !== null && t.topicId !== ZERO_UUID) return answer(t.name, t.topicId, refuse('INVALID_REQUEST', 'Name a topic by its name or by its id, not both.'));
    const name = t.name ?? manager.topicNameById(t.topicId);
    if (name === null) return answer(null, t.topicId, refuse('UNKNOWN_TOPIC_ID', `No topic has id ${t.topicId}`));
    if (isInternalTopic(name)) return answer(name, t.topicId, refuse('INVALID_REQUEST', `Topic '${name}' is internal to Eddy and cannot be deleted`));
    if (!manager.hasTopic(name)) return answer(name, t.topicId, refuse('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`));
    const topicId = manager.topicId(name);
    return answer(name, topicId, attempt(broker, () => manager.deleteTopic(name)));
  });
  return { throttleTimeMs: 0, responses };
};

// ── CreatePartitions ─────────────────────────────────────────────────────────────────────────

type PartitionsTopic = {
  name: string;
  count: number;
  assignments: Array<{ brokerIds: number[] }> | null;
};

function checkNewPartitions(broker: BrokerContext, topic: PartitionsTopic): Outcome {
  const { name, count, assignments } = topic;
  if (isInternalTopic(name)) {
    return refuse('INVALID_REQUEST', `Topic '${name}' is internal to Eddy: its partition count is fixed, since group and transactional ids are hashed over it`);
  }
  if (!broker.manager.hasTopic(name)) return refuse('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`);
  const current = broker.manager.partitionCount(name);
  if (count === current) return refuse('INVALID_PARTITIONS', `Topic already has ${current} partitions.`);
  if (count < current) return refuse('INVALID_PARTITIONS', `Topic currently has ${current} partitions, which is higher than the requested ${count}.`);
  if (count > MAX_PARTITIONS) return refuse('INVALID_PARTITIONS', `A topic has at most ${MAX_PARTITIONS} partitions, requested ${count}.`);
  if (assignments !== null) {
    if (assignments.length !== count - current) {
      return refuse('INVALID_REPLICA_ASSIGNMENT', `Increasing the number of partitions by ${count - current} but ${assignments.length} assignments provided.`);
    }
    for (const [i, a] of assignments.entries()) {
      const refused = checkReplicas(broker, a.brokerIds, `New partition ${current + i} of '${name}'`);
      if (refused !== null) return refused;
    }
  }
  return OK;
}

const handleCreatePartitions: Handler = ({ body, broker }) => {
  const topics = body.topics as PartitionsTopic[];
  const repeated = duplicates(topics.map((t) => t.name));
  const results = topics.map((topic): StructValue => {
    if (repeated.has(topic.name)) return { name: topic.name, ...refuse('INVALID_REQUEST', 'Duplicate topic in request.') };
    const checked = checkNewPartitions(broker, topic);
    if (checked.errorCode !== 0 || body.validateOnly === true) return { name: topic.name, ...checked };
    return { name: topic.name, ...attempt(broker, () => broker.manager.addPartitions(topic.name, topic.count)) };
  });
  return { throttleTimeMs: 0, results };
};

// ── DescribeConfigs ──────────────────────────────────────────────────────────────────────────

type DescribeResource = {
  resourceType: number;
  resourceName: string;
  configurationKeys: string[] | null;
};

/** The broker resource names this broker answers: its node id, and '' (the cluster default). */
function isThisBroker(broker: BrokerContext, resourceName: string): boolean {
  return resourceName === '' || resourceName === String(broker.nodeId);
}

const handleDescribeConfigs: Handler = ({ body, broker, apiVersion }) => {
  const includeSynonyms = body.includeSynonyms === true;
  const includeDocumentation = body.includeDocumentation === true;
  const results = (body.resources as DescribeResource[]).map((resource): StructValue => {
    const { resourceType, resourceName, configurationKeys } = resource;
    const answer = (outcome: Outcome, entries: ConfigEntry[]): StructValue => {
      const wanted = configurationKeys === null ? null : new Set(configurationKeys);
      const configs = entries
        .filter((c) => wanted === null || wanted.has(c.name))
        .map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          isDefault: c.source === SOURCE.DEFAULT_CONFIG,
          configSource: c.source,
          isSensitive: false,
          synonyms: includeSynonyms ? c.synonyms : [],
          configType: apiVersion >= 3 ? c.type : 0,
          documentation: includeDocumentation ? c.documentation : null,
        }));
      return { ...outcome, resourceType, resourceName, configs };
    };
    if (resourceType === RESOURCE_TOPIC) {
      if (!broker.manager.hasTopic(resourceName)) return answer(refuse('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${resourceName}' does not exist.`), []);
      return answer(OK, topicConfigEntries(broker, broker.manager.topicOverrides(resourceName)));
    }
    if (resourceType === RESOURCE_BROKER) {
      if (!isThisBroker(broker, resourceName)) return answer(refuse('INVALID_REQUEST', `Unexpected broker id, expected ${broker.nodeId}, but received ${resourceName}`), []);
      return answer(OK, brokerConfigEntries(broker));
    }
    return answer(refuse('INVALID_REQUEST', `Eddy describes the configs of topics (resource type 2) and brokers (4), not resource type ${resourceType}`), []);
  });
  return { throttleTimeMs: 0, results };
};

// ── AlterConfigs, IncrementalAlterConfigs ────────────────────────────────────────────────────

type AlterResource<C> = {
  resourceType: number;
  resourceName: string;
  configs: C[];
};

/** Checks what both alter APIs require of a resource before its configs are looked at. */
function checkAlterable(broker: BrokerContext, resourceType: number, resourceName: string): Outcome {
  if (resourceType === RESOURCE_BROKER) {
    return refuse('INVALID_REQUEST', "Eddy's broker settings are fixed when the data directory is opened (Eddy.open({ config })) and cannot be altered over the protocol");
  }
  if (resourceType !== RESOURCE_TOPIC) return refuse('INVALID_REQUEST', `Eddy alters the configs of topics (resource type 2), not resource type ${resourceType}`);
  if (!broker.manager.hasTopic(resourceName)) return refuse('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${resourceName}' does not exist.`);
  return OK;
}

/** Answers each resource of an alter request with `alterTopic`, after the checks every resource needs. */
function alterResources<C>(broker: BrokerContext, resources: ReadonlyArray<AlterResource<C>>, alterTopic: (name: string, configs: C[]) => Outcome): StructValue[] {
  const repeated = duplicates(resources.map((r) => `${r.resourceType}:${r.resourceName}`));
  return resources.map(({ resourceType, resourceName, configs }) => {
    let outcome = repeated.has(`${resourceType}:${resourceName}`) ? refuse('INVALID_REQUEST', 'Duplicate resource in request.') : checkAlterable(broker, resourceType, resourceName);
    if (outcome.errorCode === 0) outcome = alterTopic(resourceName, configs);
    return { ...outcome, resourceType, resourceName };
  });
}

/** Applies `changes` (null resets a config) to a topic's overrides, or with validateOnly only checks the result. */
function applyChanges(broker: BrokerContext, name: string, changes: Record<string, string | null>, validateOnly: boolean): Outcome {
  return attempt(broker, () => {
    if (!validateOnly) {
      broker.manager.alterTopicConfig(name, changes);
      return;
    }
    const result: Record<string, string> = { ...broker.manager.topicOverrides(name) };
    for (const [key, value] of Object.entries(changes)) {
      if (value !== null) result[key] = value;
      else if (isTopicConfigName(key)) delete result[key];
      else return refuse('INVALID_CONFIG', `Unknown topic config "${key}"`);
    }
    validateTopicConfig(result);
  });
}

/** AlterConfigs replaces a topic's whole override set: configs it leaves out go back to their defaults. */
const handleAlterConfigs: Handler = ({ body, broker }) => {
  const validateOnly = body.validateOnly === true;
  const resources = body.resources as Array<AlterResource<{ name: string; value: string | null }>>;
  const responses = alterResources(broker, resources, (name, configs) => {
    const given = givenConfigs(configs, 'INVALID_REQUEST');
    if (isOutcome(given)) return given;
    const changes: Record<string, string | null> = {};
    for (const key of Object.keys(broker.manager.topicOverrides(name))) changes[key] = null;
    Object.assign(changes, given);
    return applyChanges(broker, name, changes, validateOnly);
  });
  return { throttleTimeMs: 0, responses };
};

/** The items of a list config's value. */
function listItems(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** IncrementalAlterConfigs: SET, DELETE, and APPEND / SUBTRACT on list configs, all or nothing per topic. */
const handleIncrementalAlterConfigs: Handler = ({ body, broker }) => {
  const validateOnly = body.validateOnly === true;
  const resources = body.resources as Array<AlterResource<{ name: string; configOperation: number; value: string | null }>>;
  const responses = alterResources(broker, resources, (name, configs) => {
    if (duplicates(configs.map((c) => c.name)).size > 0) return refuse('INVALID_REQUEST', 'Error due to duplicate config keys');
    const overrides = broker.manager.topicOverrides(name);
    const changes: Record<string, string | null> = {};
    for (const { name: key, configOperation, value } of configs) {
      if (configOperation === OP_DELETE) {
        changes[key] = null;
        continue;
      }
      if (configOperation !== OP_SET && configOperation !== OP_APPEND && configOperation !== OP_SUBTRACT) {
        return refuse('INVALID_REQUEST', `Unknown config operation ${configOperation} for "${key}" (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT)`);
      }
      if (value === null) return refuse('INVALID_REQUEST', `Null value not supported for: ${key}`);
      if (configOperation === OP_SET) {
        changes[key] = value;
        continue;
      }
      const verb = configOperation === OP_APPEND ? 'append' : 'subtract';
      if (!isTopicConfigName(key)) return refuse('INVALID_CONFIG', `Unknown topic config "${key}"`);
      if (TOPIC_CONFIG_DEFS[key].kind.type !== 'list') return refuse('INVALID_CONFIG', `Config value ${verb} is not allowed for config key: ${key}`);
      // Kafka appends to (subtracts from) the current value: the override, else the default.
      const current = listItems(overrides[key] ?? broker.manager.options.topicDefaults[key] ?? TOPIC_CONFIG_DEFS[key].default);
      const items = listItems(value);
      changes[key] = (configOperation === OP_APPEND ? [...current, ...items.filter((v) => !current.includes(v))] : current.filter((v) => !items.includes(v))).join(',');
    }
    return applyChanges(broker, name, changes, validateOnly);
  });
  return { throttleTimeMs: 0, responses };
};

export const ADMIN_HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [API_KEYS.CreateTopics, handleCreateTopics],
  [API_KEYS.DeleteTopics, handleDeleteTopics],
  [API_KEYS.CreatePartitions, handleCreatePartitions],
  [API_KEYS.DescribeConfigs, handleDescribeConfigs],
  [API_KEYS.AlterConfigs, handleAlterConfigs],
  [API_KEYS.IncrementalAlterConfigs, handleIncrementalAlterConfigs],
]);
