/**
 * The transaction APIs over the wire, raw: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn,
 * TxnOffsetCommit and EndTxn, old and flexible versions, with the error codes old and new clients
 * expect. Transactional data is appended straight to the log (appendTxn) so the markers EndTxn
 * writes can be checked without the Produce API.
 */
import test, { type ExecutionContext } from 'ava';
import { API_KEYS } from '../../../core/protocol/api-keys.js';
import type { StructValue } from '../../../core/protocol/schema.js';
import { KAFKA_ERRORS } from '../../../core/server/kafka-errors.js';
import { connectWire, servedEddy, type WireClient } from '../../helpers/kafka-wire.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import { appendTxn, markers } from '../txn/txn-fixture.js';
import type { Eddy } from '../../../core/eddy.js';

const E = KAFKA_ERRORS;

async function setup(t: ExecutionContext, partitions = 2): Promise<{ eddy: Eddy; wire: WireClient; topic: string }> {
  const { eddy, port } = await servedEddy(t, { eddy: { onError: () => undefined } });
  const wire = await connectWire({ port });
  t.teardown(() => wire.close());
  const topic = uniqueTopic('txn');
  await eddy.admin.createTopic(topic, { partitions });
  return { eddy, wire, topic };
}

interface Ids {
  producerId: number;
  producerEpoch: number;
}

async function init(wire: WireClient, transactionalId: string | null, version = 1, extra: StructValue = {}): Promise<StructValue> {
  return wire.request(API_KEYS.InitProducerId, version, { transactionalId, transactionTimeoutMs: 60_000, ...extra });
}

function idsOf(res: StructValue): Ids {
  return { producerId: res.producerId as number, producerEpoch: res.producerEpoch as number };
}

async function initIds(t: ExecutionContext, wire: WireClient, transactionalId: string): Promise<Ids> {
  const res = await init(wire, transactionalId);
  t.is(res.errorCode, 0);
  return { producerId: res.producerId as number, producerEpoch: res.producerEpoch as number };
}

/** AddPartitionsToTxn v0–3: the per-partition codes as `topic-partition:code`. */
async function addPartitions(wire: WireClient, version: number, transactionalId: string, ids: Ids, topics: Array<{ name: string; partitions: number[] }>): Promise<string[]> {
  const res = await wire.request(API_KEYS.AddPartitionsToTxn, version, {
    v3AndBelowTransactionalId: transactionalId,
    v3AndBelowProducerId: ids.producerId,
    v3AndBelowProducerEpoch: ids.producerEpoch,
    v3AndBelowTopics: topics,
  });
  return codes(res.resultsByTopicV3AndBelow as StructValue[]);
}

function codes(topicResults: StructValue[]): string[] {
  return topicResults.flatMap((tr) => (tr.resultsByPartition as StructValue[]).map((p) => `${tr.name as string}-${p.partitionIndex as number}:${p.partitionErrorCode as number}`));
}

async function endTxn(wire: WireClient, version: number, transactionalId: string, ids: Ids, committed: boolean): Promise<StructValue> {
  return wire.request(API_KEYS.EndTxn, version, { transactionalId, ...ids, committed });
}

test('InitProducerId without a transactionalId hands out a fresh idempotent producer id each time (v0 and v5)', async (t) => {
  const { wire } = await setup(t);
  const a = await init(wire, null, 0);
  const b = await init(wire, null, 5, { producerId: a.producerId as number, producerEpoch: a.producerEpoch as number });
  t.is(a.errorCode, 0);
  t.is(b.errorCode, 0);
  t.is(a.producerEpoch, 0);
  t.is(b.producerEpoch, 0);
  t.not(a.producerId, b.producerId);
});

test('InitProducerId with a transactionalId bumps the epoch each time; v3+ resumes only the current producer (KIP-360)', async (t) => {
  const { wire } = await setup(t);
  const id = uniqueTopic('init');
  const first = idsOf(await init(wire, id, 0));
  const second = idsOf(await init(wire, id, 2));
  t.deepEqual(second, { producerId: first.producerId, producerEpoch: first.producerEpoch + 1 });

  const resumed = await init(wire, id, 5, { ...second });
  t.like(resumed, { errorCode: 0, producerId: first.producerId, producerEpoch: first.producerEpoch + 2 });

  // A stale epoch: PRODUCER_FENCED from v4 on, INVALID_PRODUCER_EPOCH for v3 clients.
  t.like(await init(wire, id, 3, { ...second }), { errorCode: E.INVALID_PRODUCER_EPOCH, producerId: -1, producerEpoch: -1 });
  t.like(await init(wire, id, 4, { ...second }), { errorCode: E.PRODUCER_FENCED });
  // Both or neither.
  t.like(await init(wire, id, 5, { producerId: first.producerId, producerEpoch: -1 }), { errorCode: E.INVALID_REQUEST });
  // An id the coordinator has never seen takes whatever the producer had.
  t.like(await init(wire, uniqueTopic('fresh'), 5, { producerId: 12345, producerEpoch: 7 }), { errorCode: 0, producerEpoch: 0 });
});

test('InitProducerId refuses a timeout above transaction.max.timeout.ms and an empty transactionalId', async (t) => {
  const { wire } = await setup(t);
  t.like(await init(wire, uniqueTopic('timeout'), 1, { transactionTimeoutMs: 900_001 }), { errorCode: E.INVALID_TRANSACTION_TIMEOUT });
  t.like(await init(wire, '', 4), { errorCode: E.INVALID_REQUEST });
});

test('AddPartitionsToTxn v1 adds partitions; an unknown or internal partition fails the request with OPERATION_NOT_ATTEMPTED for the rest', async (t) => {
  const { eddy, wire, topic } = await setup(t);
  const id = uniqueTopic('add');
  const ids = await initIds(t, wire, id);
  t.deepEqual(await addPartitions(wire, 1, id, ids, [{ name: topic, partitions: [0, 1] }]), [`${topic}-0:0`, `${topic}-1:0`]);
  t.deepEqual(eddy.transactionCoordinator.describeTransaction(id)?.state, 'Ongoing');

  t.deepEqual(await addPartitions(wire, 1, id, ids, [{ name: topic, partitions: [0, 5] }, { name: 'no-such-topic', partitions: [0] }]), [
    `${topic}-0:${E.OPERATION_NOT_ATTEMPTED}`,
    `${topic}-5:${E.UNKNOWN_TOPIC_OR_PARTITION}`,
    `no-such-topic-0:${E.UNKNOWN_TOPIC_OR_PARTITION}`,
  ]);
  t.deepEqual(await addPartitions(wire, 3, id, ids, [{ name: '__consumer_offsets', partitions: [0] }]), [`__consumer_offsets-0:${E.TOPIC_AUTHORIZATION_FAILED}`]);
});

test('AddPartitionsToTxn answers a fenced epoch with INVALID_PRODUCER_EPOCH below v2 and PRODUCER_FENCED from v2; an unknown producer with INVALID_PRODUCER_ID_MAPPING', async (t) => {
  const { wire, topic } = await setup(t);
  const id = uniqueTopic('fenced');
  const old = await initIds(t, wire, id);
  const current = await initIds(t, wire, id);
  t.is(current.producerEpoch, old.producerEpoch + 1);
  const tp = [{ name: topic, partitions: [0] }];
  t.deepEqual(await addPartitions(wire, 1, id, old, tp), [`${topic}-0:${E.INVALID_PRODUCER_EPOCH}`]);
  t.deepEqual(await addPartitions(wire, 3, id, old, tp), [`${topic}-0:${E.PRODUCER_FENCED}`]);
  t.deepEqual(await addPartitions(wire, 3, id, { producerId: current.producerId + 1, producerEpoch: 0 }, tp), [`${topic}-0:${E.INVALID_PRODUCER_ID_MAPPING}`]);
  t.deepEqual(await addPartitions(wire, 0, uniqueTopic('never-initialised'), current, tp), [`${topic}-0:${E.INVALID_PRODUCER_ID_MAPPING}`]);
});

test('AddPartitionsToTxn v4 answers each transaction of a batch; verifyOnly reports without adding', async (t) => {
  const { eddy, wire, topic } = await setup(t);
  const a = uniqueTopic('batch-a');
  const b = uniqueTopic('batch-b');
  const idsA = await initIds(t, wire, a);
  const idsB = await initIds(t, wire, b);
  t.deepEqual(await addPartitions(wire, 3, a, idsA, [{ name: topic, partitions: [0] }]), [`${topic}-0:0`]);
  const res = await wire.request(API_KEYS.AddPartitionsToTxn, 4, {
    transactions: [
      { transactionalId: a, ...idsA, verifyOnly: true, topics: [{ name: topic, partitions: [0, 1] }] },
      { transactionalId: b, ...idsB, verifyOnly: false, topics: [{ name: topic, partitions: [1] }] },
      { transactionalId: b, producerId: idsB.producerId, producerEpoch: idsB.producerEpoch - 1, verifyOnly: true, topics: [{ name: topic, partitions: [1] }] },
    ],
  });
  t.is(res.errorCode, 0);
  const results = res.resultsByTransaction as StructValue[];
  t.deepEqual(results.map((r) => r.transactionalId), [a, b, b]);
  t.deepEqual(codes(results[0]!.topicResults as StructValue[]), [`${topic}-0:0`, `${topic}-1:${E.INVALID_TXN_STATE}`]);
  t.deepEqual(codes(results[1]!.topicResults as StructValue[]), [`${topic}-1:0`]);
  t.deepEqual(codes(results[2]!.topicResults as StructValue[]), [`${topic}-1:${E.PRODUCER_FENCED}`]);
  // verifyOnly added nothing to a's transaction.
  t.deepEqual(eddy.transactionCoordinator.describeTransaction(a)?.topicPartitions, [{ topic, partition: 0 }]);
});

test('EndTxn below v5 keeps the epoch (transaction protocol v1): one producer commits, then aborts, then retries', async (t) => {
  const { eddy, wire, topic } = await setup(t, 1);
  const id = uniqueTopic('tv1');
  const ids = await initIds(t, wire, id);
  const tp = [{ name: topic, partitions: [0] }];

  t.deepEqual(await addPartitions(wire, 1, id, ids, tp), [`${topic}-0:0`]);
  appendTxn(eddy, topic, 0, ids.producerId, ids.producerEpoch, 0, 'committed');
  t.like(await endTxn(wire, 1, id, ids, true), { errorCode: 0 });
  // The response lost: a retry of the commit is answered again; an abort now is not.
  t.like(await endTxn(wire, 1, id, ids, true), { errorCode: 0 });
  t.like(await endTxn(wire, 1, id, ids, false), { errorCode: E.INVALID_TXN_STATE });

  // Same epoch for the next transaction.
  t.deepEqual(await addPartitions(wire, 1, id, ids, tp), [`${topic}-0:0`]);
  appendTxn(eddy, topic, 0, ids.producerId, ids.producerEpoch, 1, 'aborted');
  t.like(await endTxn(wire, 3, id, ids, false), { errorCode: 0 });

  t.deepEqual(markers(eddy, topic, 0), [`commit:${ids.producerId}:${ids.producerEpoch}`, `abort:${ids.producerId}:${ids.producerEpoch}`]);
  t.is(eddy.transactionCoordinator.describeTransaction(id)?.producerEpoch, ids.producerEpoch);
});

test('EndTxn v5 bumps the epoch (KIP-890) and returns the ids to continue with; the old epoch is fenced except for a retry', async (t) => {
  const { eddy, wire, topic } = await setup(t, 1);
  const id = uniqueTopic('tv2');
  const ids = await initIds(t, wire, id);
  t.deepEqual(await addPartitions(wire, 3, id, ids, [{ name: topic, partitions: [0] }]), [`${topic}-0:0`]);
  appendTxn(eddy, topic, 0, ids.producerId, ids.producerEpoch, 0);
  const next = await endTxn(wire, 5, id, ids, true);
  t.like(next, { errorCode: 0, producerId: ids.producerId, producerEpoch: ids.producerEpoch + 1 });
  t.deepEqual(markers(eddy, topic, 0), [`commit:${ids.producerId}:${ids.producerEpoch + 1}`]);

  t.like(await endTxn(wire, 5, id, ids, true), { errorCode: 0, producerEpoch: ids.producerEpoch + 1 });
  t.deepEqual(await addPartitions(wire, 3, id, ids, [{ name: topic, partitions: [0] }]), [`${topic}-0:${E.PRODUCER_FENCED}`]);
  const bumped = { producerId: next.producerId as number, producerEpoch: next.producerEpoch as number };
  t.deepEqual(await addPartitions(wire, 3, id, bumped, [{ name: topic, partitions: [0] }]), [`${topic}-0:0`]);
});

test('EndTxn of a fenced producer: INVALID_PRODUCER_EPOCH below v2, PRODUCER_FENCED from v2', async (t) => {
  const { wire, topic } = await setup(t);
  const id = uniqueTopic('end-fenced');
  const old = await initIds(t, wire, id);
  t.deepEqual(await addPartitions(wire, 1, id, old, [{ name: topic, partitions: [0] }]), [`${topic}-0:0`]);
  await initIds(t, wire, id);
  t.like(await endTxn(wire, 1, id, old, true), { errorCode: E.INVALID_PRODUCER_EPOCH });
  t.like(await endTxn(wire, 4, id, old, true), { errorCode: E.PRODUCER_FENCED });
  t.like(await endTxn(wire, 0, uniqueTopic('unknown'), old, true), { errorCode: E.INVALID_PRODUCER_ID_MAPPING });
});

test('AddOffsetsToTxn + TxnOffsetCommit: offsets become the group\'s committed offsets only when the transaction commits', async (t) => {
  const { eddy, wire, topic } = await setup(t);
  const id = uniqueTopic('offsets');
  const group = uniqueTopic('group');
  const ids = await initIds(t, wire, id);
  const commitOffsets = (version: number, who: Ids, topics: StructValue[]): Promise<StructValue> =>
    wire.request(API_KEYS.TxnOffsetCommit, version, { transactionalId: id, groupId: group, ...who, memberId: '', topics });
  const offsets = [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 7, committedMetadata: 'm' }, { partitionIndex: 1, committedOffset: 3, committedMetadata: null }] }];

  // Not yet part of the transaction.
  const early = await commitOffsets(0, ids, offsets);
  t.deepEqual((early.topics as StructValue[]).flatMap((tr) => (tr.partitions as StructValue[]).map((p) => p.errorCode)), [E.INVALID_TXN_STATE, E.INVALID_TXN_STATE]);

  t.like(await wire.request(API_KEYS.AddOffsetsToTxn, 0, { transactionalId: id, ...ids, groupId: group }), { errorCode: 0 });
  const res = await commitOffsets(3, ids, [...offsets, { name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }]);
  t.deepEqual(res.topics, [
    { name: topic, partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 0 }] },
    { name: 'no-such-topic', partitions: [{ partitionIndex: 0, errorCode: E.UNKNOWN_TOPIC_OR_PARTITION }] },
  ]);
  t.deepEqual((await eddy.admin.describeGroup(group)).partitions, []);

  t.like(await endTxn(wire, 3, id, ids, true), { errorCode: 0 });
  const { partitions } = await eddy.admin.describeGroup(group);
  t.deepEqual(partitions.map((p) => [p.topic, p.partition, p.committedOffset]), [[topic, 0, 7], [topic, 1, 3]]);
});

test('AddOffsetsToTxn and TxnOffsetCommit of a fenced producer: INVALID_PRODUCER_EPOCH for old versions (and always for TxnOffsetCommit)', async (t) => {
  const { wire, topic } = await setup(t);
  const id = uniqueTopic('offsets-fenced');
  const group = uniqueTopic('group');
  const old = await initIds(t, wire, id);
  t.like(await wire.request(API_KEYS.AddOffsetsToTxn, 3, { transactionalId: id, ...old, groupId: group }), { errorCode: 0 });
  await initIds(t, wire, id);
  t.like(await wire.request(API_KEYS.AddOffsetsToTxn, 1, { transactionalId: id, ...old, groupId: group }), { errorCode: E.INVALID_PRODUCER_EPOCH });
  t.like(await wire.request(API_KEYS.AddOffsetsToTxn, 4, { transactionalId: id, ...old, groupId: group }), { errorCode: E.PRODUCER_FENCED });
  t.like(await wire.request(API_KEYS.AddOffsetsToTxn, 4, { transactionalId: id, ...old, groupId: '' }), { errorCode: E.INVALID_GROUP_ID });
  const res = await wire.request(API_KEYS.TxnOffsetCommit, 5, {
    transactionalId: id,
    groupId: group,
    ...old,
    memberId: '',
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }],
  });
  t.deepEqual(res.topics, [{ name: topic, partitions: [{ partitionIndex: 0, errorCode: E.INVALID_PRODUCER_EPOCH }] }]);
});

test('TxnOffsetCommit v3+ naming a group member (KIP-447): only a current member of the current generation commits', async (t) => {
  const { eddy, wire, topic } = await setup(t);
  const id = uniqueTopic('offsets-member');
  const group = uniqueTopic('group');
  const consumer = eddy.consumer({ groupId: group, autoOffsetReset: 'earliest' });
  t.teardown(() => consumer.close());
  consumer.subscribe({ topics: [topic] });
  while (consumer.groupMembership() === null) await consumer.poll({ timeoutMs: 100 });
  const { memberId, generationId } = consumer.groupMembership()!;

  const ids = await initIds(t, wire, id);
  t.like(await wire.request(API_KEYS.AddOffsetsToTxn, 3, { transactionalId: id, ...ids, groupId: group }), { errorCode: 0 });
  const commit = async (version: number, who: StructValue, offset: number): Promise<number> => {
    const res = await wire.request(API_KEYS.TxnOffsetCommit, version, {
      transactionalId: id,
      groupId: group,
      ...ids,
      ...who,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: null }] }],
    });
    return ((res.topics as StructValue[])[0]!.partitions as StructValue[])[0]!.errorCode as number;
  };
  t.is(await commit(3, { memberId, generationId: generationId - 1, groupInstanceId: null }, 1), E.ILLEGAL_GENERATION);
  t.is(await commit(3, { memberId: 'zombie', generationId, groupInstanceId: null }, 2), E.UNKNOWN_MEMBER_ID);
  // No member named (older clients, or a producer outside the group): not checked, as in Kafka.
  t.is(await commit(3, { memberId: '', generationId: -1, groupInstanceId: null }, 4), 0);
  t.is(await commit(2, {}, 5), 0);
  t.is(await commit(3, { memberId, generationId, groupInstanceId: null }, 6), 0);
  t.like(await endTxn(wire, 3, id, ids, true), { errorCode: 0 });
  const { partitions } = await eddy.admin.describeGroup(group);
  t.deepEqual(partitions.filter((p) => p.partition === 0).map((p) => p.committedOffset), [6]);
});
