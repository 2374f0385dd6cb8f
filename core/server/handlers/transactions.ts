/**
 * The transaction coordinator's APIs (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
 * TxnOffsetCommit) over the wire: each request becomes one call of `broker.transactions`
 * (core/txn/transaction-coordinator.ts), and its coded error becomes the response's error code.
 *
 * - Two transaction protocols. A client sending EndTxn v5 speaks Kafka's transaction protocol v2
 *   (KIP-890): every EndTxn bumps the epoch and the response carries the id and epoch to continue
 *   with. Below v5 a client keeps its epoch from one transaction to the next (protocol v1), so the
 *   coordinator ends those transactions without the bump.
 * - PRODUCER_FENCED (90) is newer than some request versions: Kafka answers INVALID_PRODUCER_EPOCH
 *   (47) instead to InitProducerId below v4 and to AddPartitionsToTxn, AddOffsetsToTxn and EndTxn
 *   below v2 (KIP-588), and so does Eddy. TxnOffsetCommit never got a version for it; Kafka's group
 *   coordinator refuses a stale epoch with INVALID_PRODUCER_EPOCH, so every version gets that.
 * - A producer id that is not the transactionalId's current one, or a transactionalId the
 *   coordinator does not know, is INVALID_PRODUCER_ID_MAPPING, as in Kafka.
 */
import { isEddyError } from '../../errors.js';
import { isInternalTopic } from '../../log/topic-name.js';
import { API_KEYS } from '../../protocol/api-keys.js';
import type { StructValue } from '../../protocol/schema.js';
import type { ProducerIdAndEpoch, TransactionIdentity } from '../../client/log-access.js';
import type { BrokerContext, Handler } from '../handler.js';
import { failureCode, KAFKA_ERRORS } from '../kafka-errors.js';

/** The first version of each API whose clients understand PRODUCER_FENCED (KIP-588). */
const PRODUCER_FENCED_SINCE: ReadonlyMap<number, number> = new Map([
  [API_KEYS.InitProducerId, 4],
  [API_KEYS.AddPartitionsToTxn, 2],
  [API_KEYS.AddOffsetsToTxn, 2],
  [API_KEYS.EndTxn, 2],
  [API_KEYS.TxnOffsetCommit, Number.POSITIVE_INFINITY],
]);

/** The first EndTxn version of transaction protocol v2 (an epoch bump at every EndTxn). */
const END_TXN_EPOCH_BUMP_SINCE = 5;

type TopicPartitions = {
  name: string;
  partitions: number[];
};

/** The Kafka error code answering a coordinator call of `txn` that failed with `err`. */
function txnErrorCode(broker: BrokerContext, apiKey: number, apiVersion: number, txn: { transactionalId: string | null; producerId?: number }, err: unknown): number {
  let code = failureCode(broker, err);
  if (isEddyError(err, 'ERR_LOG_CLOSED')) code = KAFKA_ERRORS.COORDINATOR_NOT_AVAILABLE;
  if (isEddyError(err, 'ERR_CONFIG_INVALID') && err.context['config'] === 'transactionTimeoutMs') code = KAFKA_ERRORS.INVALID_TRANSACTION_TIMEOUT;
  if (txn.producerId !== undefined && txn.transactionalId !== null) {
    const current = broker.transactions.describeTransaction(txn.transactionalId);
    if (code === KAFKA_ERRORS.INVALID_TXN_STATE && current === null) code = KAFKA_ERRORS.INVALID_PRODUCER_ID_MAPPING;
    if (code === KAFKA_ERRORS.PRODUCER_FENCED && current !== null && current.producerId !== txn.producerId) code = KAFKA_ERRORS.INVALID_PRODUCER_ID_MAPPING;
  }
  if (code === KAFKA_ERRORS.PRODUCER_FENCED && apiVersion < (PRODUCER_FENCED_SINCE.get(apiKey) ?? 0)) code = KAFKA_ERRORS.INVALID_PRODUCER_EPOCH;
  return code;
}

// ── InitProducerId ───────────────────────────────────────────────────────────────────────────

const handleInitProducerId: Handler = async ({ body, broker, apiKey, apiVersion }) => {
  const transactionalId = body.transactionalId as string | null;
  const producerId = body.producerId as number;
  const producerEpoch = body.producerEpoch as number;
  const failed = (errorCode: number): StructValue => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 });
  // v3+ (KIP-360): both or neither.
  if ((producerId === -1) !== (producerEpoch === -1)) return failed(KAFKA_ERRORS.INVALID_REQUEST);
  const expected: ProducerIdAndEpoch | undefined = producerId === -1 ? undefined : { producerId, producerEpoch };
  try {
    const ids = await broker.transactions.initProducerId(transactionalId, body.transactionTimeoutMs as number, expected);
    return { throttleTimeMs: 0, errorCode: 0, producerId: ids.producerId, producerEpoch: ids.producerEpoch };
  } catch (err) {
    return failed(txnErrorCode(broker, apiKey, apiVersion, { transactionalId }, err));
  }
};

// ── AddPartitionsToTxn ───────────────────────────────────────────────────────────────────────

function topicResults(topics: readonly TopicPartitions[], codeOf: (topic: string, partition: number) => number): StructValue[] {
  return topics.map(({ name, partitions }) => ({
    name,
    resultsByPartition: partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: codeOf(name, partitionIndex) })),
  }));
}

/** Why a partition cannot be part of a client's transaction, or null when it can. */
function partitionRefusal(broker: BrokerContext, topic: string, index: number): number | null {
  // Kafka lets no client write internal topics: it answers as if the client were not authorised.
  if (isInternalTopic(topic)) return KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED;
  if (!broker.manager.hasTopic(topic) || !Number.isSafeInteger(index) || index < 0 || index >= broker.manager.partitionCount(topic)) {
    return KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION;
  }
  return null;
}

/** Adds one transaction's partitions: per partition NONE, or the refusal, or the coordinator's error for all. */
async function addPartitions(ctx: { broker: BrokerContext; apiKey: number; apiVersion: number }, txn: TransactionIdentity, topics: readonly TopicPartitions[]): Promise<StructValue[]> {
  const { broker } = ctx;
  const refused = new Map<string, number>();
  const toAdd: Array<{ topic: string; partition: number }> = [];
  for (const { name, partitions } of topics) {
    for (const p of partitions) {
      const code = partitionRefusal(broker, name, p);
      if (code === null) toAdd.push({ topic: name, partition: p });
      else refused.set(`${name}\0${p}`, code);
    }
  }
  if (refused.size > 0) {
    // Kafka adds nothing when any partition is refused; the others are OPERATION_NOT_ATTEMPTED.
    return topicResults(topics, (t, p) => refused.get(`${t}\0${p}`) ?? KAFKA_ERRORS.OPERATION_NOT_ATTEMPTED);
  }
  let code: number = KAFKA_ERRORS.NONE;
  try {
    await broker.transactions.addPartitionsToTxn(txn, toAdd);
  } catch (err) {
    code = txnErrorCode(broker, ctx.apiKey, ctx.apiVersion, txn, err);
  }
  return topicResults(topics, () => code);
}

/** v4+ verifyOnly (a broker asking before it appends): NONE for each partition already in the transaction. */
function verifyPartitions(broker: BrokerContext, txn: TransactionIdentity, topics: readonly TopicPartitions[]): StructValue[] {
  const current = broker.transactions.describeTransaction(txn.transactionalId);
  let code: number | null = null;
  if (current === null || current.producerId !== txn.producerId) code = KAFKA_ERRORS.INVALID_PRODUCER_ID_MAPPING;
  else if (current.producerEpoch !== txn.producerEpoch) code = KAFKA_ERRORS.PRODUCER_FENCED;
  else if (current.state === 'PrepareCommit' || current.state === 'PrepareAbort') code = KAFKA_ERRORS.CONCURRENT_TRANSACTIONS;
  const inTxn = new Set((current?.topicPartitions ?? []).map((tp) => `${tp.topic}\0${tp.partition}`));
  return topicResults(topics, (t, p) => code ?? (inTxn.has(`${t}\0${p}`) ? KAFKA_ERRORS.NONE : KAFKA_ERRORS.INVALID_TXN_STATE));
}

const handleAddPartitionsToTxn: Handler = async (ctx): Promise<StructValue> => {
  const { body, apiVersion } = ctx;
  if (apiVersion <= 3) {
    const txn: TransactionIdentity = {
      transactionalId: body.v3AndBelowTransactionalId as string,
      producerId: body.v3AndBelowProducerId as number,
      producerEpoch: body.v3AndBelowProducerEpoch as number,
    };
    return { throttleTimeMs: 0, resultsByTopicV3AndBelow: await addPartitions(ctx, txn, body.v3AndBelowTopics as TopicPartitions[]) };
  }
  const transactions = body.transactions as Array<{ transactionalId: string; producerId: number; producerEpoch: number; verifyOnly: boolean; topics: TopicPartitions[] }>;
  const resultsByTransaction = await Promise.all(transactions.map(async (t) => {
    const txn: TransactionIdentity = { transactionalId: t.transactionalId, producerId: t.producerId, producerEpoch: t.producerEpoch };
    const topicResults = t.verifyOnly ? verifyPartitions(ctx.broker, txn, t.topics) : await addPartitions(ctx, txn, t.topics);
    return { transactionalId: t.transactionalId, topicResults };
  }));
  return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction };
};

// ── AddOffsetsToTxn, EndTxn ──────────────────────────────────────────────────────────────────

function identity(body: StructValue): TransactionIdentity {
  return { transactionalId: body.transactionalId as string, producerId: body.producerId as number, producerEpoch: body.producerEpoch as number };
}

const handleAddOffsetsToTxn: Handler = async ({ body, broker, apiKey, apiVersion }) => {
  const txn = identity(body);
  try {
    await broker.transactions.addOffsetsToTxn(txn, body.groupId as string);
    return { throttleTimeMs: 0, errorCode: 0 };
  } catch (err) {
    return { throttleTimeMs: 0, errorCode: txnErrorCode(broker, apiKey, apiVersion, txn, err) };
  }
};

const handleEndTxn: Handler = async ({ body, broker, apiKey, apiVersion }): Promise<StructValue> => {
  const txn = identity(body);
  try {
    const next = await broker.transactions.endTxn(txn, body.committed as boolean, { bumpEpoch: apiVersion >= END_TXN_EPOCH_BUMP_SINCE });
    return { throttleTimeMs: 0, errorCode: 0, producerId: next.producerId, producerEpoch: next.producerEpoch };
  } catch (err) {
    return { throttleTimeMs: 0, errorCode: txnErrorCode(broker, apiKey, apiVersion, txn, err) };
  }
};

// ── TxnOffsetCommit ──────────────────────────────────────────────────────────────────────────

type TxnOffsetCommitTopic = {
  name: string;
  partitions: Array<{ partitionIndex: number; committedOffset: number; committedMetadata: string | null }>;
};

/**
 * Commits the offsets of topics that exist (others get UNKNOWN_TOPIC_OR_PARTITION, as in Kafka) in
 * one coordinator call. From v3 the request carries the consumer's group metadata (generationId,
 * memberId, groupInstanceId): a commit naming a member is accepted only from a current member of
 * the current generation (KIP-447: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID).
 */
const handleTxnOffsetCommit: Handler = async ({ body, broker, apiKey, apiVersion }) => {
  const txn = identity(body);
  const topics = body.topics as TxnOffsetCommitTopic[];
  const known = new Set(topics.map((tp) => tp.name).filter((name) => broker.manager.hasTopic(name)));
  const offsets = topics
    .filter(({ name }) => known.has(name))
    .flatMap(({ name, partitions }) => partitions.map((p) => ({ topic: name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata })));
  let code: number = KAFKA_ERRORS.NONE;
  if (offsets.length > 0) {
    try {
      const member = apiVersion >= 3 ? { memberId: body.memberId as string, generationId: body.generationId as number, groupInstanceId: body.groupInstanceId as string | null } : undefined;
      await broker.transactions.txnOffsetCommit(txn, body.groupId as string, offsets, member);
    } catch (err) {
      code = txnErrorCode(broker, apiKey, apiVersion, txn, err);
    }
  }
  return {
    throttleTimeMs: 0,
    topics: topics.map(({ name, partitions }) => {
      const topicCode = known.has(name) ? code : KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION;
      return { name, partitions: partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: topicCode })) };
    }),
  };
};

export const TRANSACTION_HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [API_KEYS.InitProducerId, handleInitProducerId],
  [API_KEYS.AddPartitionsToTxn, handleAddPartitionsToTxn],
  [API_KEYS.AddOffsetsToTxn, handleAddOffsetsToTxn],
  [API_KEYS.EndTxn, handleEndTxn],
  [API_KEYS.TxnOffsetCommit, handleTxnOffsetCommit],
]);
