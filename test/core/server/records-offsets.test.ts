/**
 * ListOffsets and DeleteRecords over the wire (connectWire): latest (-1), earliest (-2), the record
 * with the largest timestamp (-3) and by timestamp; read_committed's latest is the last stable
 * offset. DeleteRecords raises the log start offset (fetching below it is then OFFSET_OUT_OF_RANGE)
 * and the new start survives closing and reopening the data directory.
 */
import test, { type ExecutionContext } from 'ava';
import { Eddy } from '../../../core/eddy.js';
import { API_KEYS } from '../../../core/protocol/api-keys.js';
import type { StructValue } from '../../../core/protocol/schema.js';
import { KAFKA_ERRORS } from '../../../core/server/kafka-errors.js';
import { batchOf } from '../../helpers/batches.js';
import { connectWire, servedEddy, type WireClient } from '../../helpers/kafka-wire.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';

async function served(t: ExecutionContext) {
  const served = await servedEddy(t, { eddy: { serve: false } });
  const topic = uniqueTopic('offsets');
  await served.eddy.admin.createTopic(topic, { partitions: 1 });
  const wire = await connectWire({ port: served.port });
  t.teardown(() => wire.close());
  return { ...served, topic, wire };
}

/** ListOffsets (v7 unless told) of partition 0 at each of `timestamps`. */
async function listOffsets(wire: WireClient, topic: string, timestamps: number[], isolationLevel = 0, version = 7): Promise<StructValue[]> {
  const response = await wire.request(API_KEYS.ListOffsets, version, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: topic, partitions: timestamps.map((timestamp) => ({ partitionIndex: 0, currentLeaderEpoch: -1, timestamp })) }],
  });
  return (response.topics as StructValue[])[0]!.partitions as StructValue[];
}

async function deleteRecords(wire: WireClient, topic: string, partitionIndex: number, offset: number): Promise<StructValue> {
  const response = await wire.request(API_KEYS.DeleteRecords, 2, { topics: [{ name: topic, partitions: [{ partitionIndex, offset }] }], timeoutMs: 5_000 });
  return ((response.topics as StructValue[])[0]!.partitions as StructValue[])[0]!;
}

test('ListOffsets: latest, earliest, largest timestamp and by timestamp', async (t) => {
  const { eddy, topic, wire } = await served(t);
  const log = eddy.partitionLog(topic, 0);
  // Offsets 0-1 at t=1000, 2-3 at t=5000, 4 at t=3000: the largest timestamp is not the last record's.
  log.append(batchOf(0, 2, 1_000));
  log.append(batchOf(2, 2, 5_000));
  log.append(batchOf(4, 1, 3_000));
  const [latest, earliest, largest, at2000, at5000, after] = await listOffsets(wire, topic, [-1, -2, -3, 2_000, 5_000, 9_000]);
  t.like(latest, { partitionIndex: 0, errorCode: 0, offset: 5, timestamp: -1 });
  t.like(earliest, { errorCode: 0, offset: 0 });
  t.like(largest, { errorCode: 0, timestamp: 5_000 });
  t.true([2, 3].includes(largest!.offset as number), 'in the batch holding the largest timestamp');
  t.like(at2000, { errorCode: 0, offset: 2, timestamp: 5_000 });
  t.like(at5000, { errorCode: 0, offset: 2, timestamp: 5_000 });
  t.like(after, { errorCode: 0, offset: -1, timestamp: -1 }, 'no record at or after the time');
  for (const version of [1, 4, 8]) {
    const [v] = await listOffsets(wire, topic, [-1], 0, version);
    t.like(v, { errorCode: 0, offset: 5 });
  }
});

// Kafka 3.8+ (KAFKA-16310) answers MAX_TIMESTAMP (-3) with the offset of the first record carrying
// the largest timestamp, not the last offset of its batch as earlier versions did.
test('ListOffsets -3 names the first record with the largest timestamp, as Kafka 3.8+ does', async (t) => {
  const { eddy, topic, wire } = await served(t);
  const log = eddy.partitionLog(topic, 0);
  log.append(batchOf(0, 2, 1_000));
  log.append(batchOf(2, 3, 5_000));
  const [largest] = await listOffsets(wire, topic, [-3]);
  t.like(largest, { errorCode: 0, offset: 2, timestamp: 5_000 });
});

test('ListOffsets of an empty partition and of an unknown topic', async (t) => {
  const { topic, wire } = await served(t);
  const [latest, earliest, largest] = await listOffsets(wire, topic, [-1, -2, -3]);
  t.like(latest, { errorCode: 0, offset: 0 });
  t.like(earliest, { errorCode: 0, offset: 0 });
  t.like(largest, { errorCode: 0, offset: -1 });
  const [missing] = await listOffsets(wire, `${topic}-missing`, [-1]);
  t.is(missing!.errorCode, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);
});

test('ListOffsets read_committed: latest is the last stable offset while a transaction is open', async (t) => {
  const { eddy, topic, wire } = await served(t);
  eddy.partitionLog(topic, 0).append(batchOf(0, 3));
  const producer = eddy.producer<string, string>({ transactionalId: uniqueTopic('offsets-txn') });
  await producer.initTransactions();
  producer.beginTransaction();
  await producer.send({ topic, messages: [{ key: 'k', value: 'open', partition: 0 }] });
  const [committedLatest] = await listOffsets(wire, topic, [-1], 1);
  const [uncommittedLatest] = await listOffsets(wire, topic, [-1], 0);
  t.like(committedLatest, { errorCode: 0, offset: 3 });
  t.like(uncommittedLatest, { errorCode: 0, offset: 4 });
  await producer.commitTransaction();
  const [afterCommit] = await listOffsets(wire, topic, [-1], 1);
  t.like(afterCommit, { errorCode: 0, offset: 5 }, 'the record and its commit marker');
  await producer.close();
});

test('DeleteRecords raises the log start offset; fetching below it is OFFSET_OUT_OF_RANGE; past the end is refused', async (t) => {
  const { eddy, topic, wire } = await served(t);
  const log = eddy.partitionLog(topic, 0);
  log.append(batchOf(0, 3));
  log.append(batchOf(3, 3));
  t.like(await deleteRecords(wire, topic, 0, 4), { partitionIndex: 0, errorCode: 0, lowWatermark: 4 });
  t.is(log.logStartOffset(), 4);
  const [earliest] = await listOffsets(wire, topic, [-2]);
  t.is(earliest!.offset, 4);
  const fetched = await wire.request(API_KEYS.Fetch, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 2, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const answer = ((fetched.responses as StructValue[])[0]!.partitions as StructValue[])[0]!;
  t.like(answer, { errorCode: KAFKA_ERRORS.OFFSET_OUT_OF_RANGE, logStartOffset: 4, highWatermark: 6 });
  t.like(await deleteRecords(wire, topic, 0, 2), { errorCode: 0, lowWatermark: 4 }, 'never lowered');
  t.like(await deleteRecords(wire, topic, 0, 9), { errorCode: KAFKA_ERRORS.OFFSET_OUT_OF_RANGE });
  t.like(await deleteRecords(wire, topic, 3, 0), { errorCode: KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION });
  t.like(await deleteRecords(wire, topic, 0, -1), { errorCode: 0, lowWatermark: 6 }, '-1 deletes up to the high watermark');
});

test('DeleteRecords survives closing and reopening the data directory', async (t) => {
  const dataDir = tempDir(t, 'eddy-delete-records-');
  const topic = uniqueTopic('offsets-reopen');
  const first = await Eddy.open({ dataDir, serve: false });
  try {
    await first.admin.createTopic(topic, { partitions: 1 });
    first.partitionLog(topic, 0).append(batchOf(0, 5));
    const server = await first.serve({ listen: '127.0.0.1:0', unixSocket: false });
    const wire = await connectWire({ port: server.addresses.tcp!.port });
    t.like(await deleteRecords(wire, topic, 0, 3), { errorCode: 0, lowWatermark: 3 });
    wire.close();
  } finally {
    await first.close();
  }
  const second = await Eddy.open({ dataDir, serve: false });
  t.teardown(() => second.close());
  const server = await second.serve({ listen: '127.0.0.1:0', unixSocket: false });
  const wire = await connectWire({ port: server.addresses.tcp!.port });
  t.teardown(() => wire.close());
  const [earliest, latest] = await listOffsets(wire, topic, [-2, -1]);
  t.like(earliest, { errorCode: 0, offset: 3 });
  t.like(latest, { errorCode: 0, offset: 5 });
});
