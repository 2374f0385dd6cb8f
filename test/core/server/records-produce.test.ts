/**
 * Produce over the wire, request by request (connectWire): what each acks setting answers and when,
 * that a partition's records must be exactly one valid batch, the error code of each refusal (and
 * that a refused batch leaves nothing in the log), and that a stored batch is the client's bytes
 * with only the base offset assigned.
 */
import test from 'ava';
import { API_KEYS } from '../../../core/protocol/api-keys.js';
import { encodeRequest } from '../../../core/protocol/frame.js';
import type { StructValue } from '../../../core/protocol/schema.js';
import { encodeRecordBatch } from '../../../core/record/record-batch.js';
import { KAFKA_ERRORS } from '../../../core/server/kafka-errors.js';
import { batchOf } from '../../helpers/batches.js';
import { connectWire, servedEddy, type WireClient } from '../../helpers/kafka-wire.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import type { ExecutionContext } from 'ava';

async function served(t: ExecutionContext, options: { partitions?: number; config?: Record<string, string> } = {}) {
  const served = await servedEddy(t, { eddy: { serve: false } });
  const topic = uniqueTopic('produce');
  await served.eddy.admin.createTopic(topic, { partitions: options.partitions ?? 1, config: options.config });
  const wire = await connectWire({ port: served.port });
  t.teardown(() => wire.close());
  return { ...served, topic, wire };
}

function produceBody(topic: string, partition: number, records: Buffer | null, acks = 1): StructValue {
  return { transactionalId: null, acks, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] };
}

/** The one partition response of a one-partition Produce. */
async function produce(wire: WireClient, topic: string, partition: number, records: Buffer | null, acks = 1, version = 9): Promise<StructValue> {
  const response = await wire.request(API_KEYS.Produce, version, produceBody(topic, partition, records, acks));
  const topics = response.responses as StructValue[];
  return (topics[0]!.partitionResponses as StructValue[])[0]!;
}

for (const version of [3, 8, 9, 11]) {
  test(`Produce v${version} acks 1: offsets assigned in order, the stored batch is the client's bytes but for the base offset`, async (t) => {
    const { eddy, topic, wire } = await served(t);
    const first = batchOf(0, 3);
    const second = batchOf(3, 2);
    t.like(await produce(wire, topic, 0, first, 1, version), { index: 0, errorCode: 0, baseOffset: 0, logAppendTimeMs: -1 });
    const answer = await produce(wire, topic, 0, second, 1, version);
    t.like(answer, { errorCode: 0, baseOffset: 3 });
    if (version >= 5) t.is(answer.logStartOffset, 0);
    const log = eddy.partitionLog(topic, 0);
    t.is(log.logEndOffset(), 5);
    const stored = log.read(0, 1 << 20).bytes;
    t.is(stored.length, first.length + second.length);
    const expected = Buffer.concat([first, second]);
    expected.writeBigInt64BE(3n, first.length);
    t.deepEqual(stored, expected);
  });
}

test('Produce acks -1 answers once the batch is fsynced', async (t) => {
  const { eddy, topic, wire } = await served(t);
  const answer = await produce(wire, topic, 0, batchOf(0, 4), -1);
  t.like(answer, { errorCode: 0, baseOffset: 0 });
  // The recovery point moves only when the log is flushed to disk.
  t.is(eddy.partitionLog(topic, 0).recoveryPoint(), 4);
});

test('Produce acks 0 gets no response; the batch is stored and the next request is answered', async (t) => {
  const { eddy, topic, wire } = await served(t);
  wire.writeRaw(encodeRequest({ apiKey: API_KEYS.Produce, apiVersion: 9, correlationId: 1_000_000, clientId: 'acks0' }, produceBody(topic, 0, batchOf(0, 2), 0)));
  // Responses come in request order: this one arriving means the acks-0 request was handled and answered nothing.
  const offsets = await wire.request(API_KEYS.ListOffsets, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
  });
  t.is(((offsets.topics as StructValue[])[0]!.partitions as StructValue[])[0]!.offset, 2);
  t.is(eddy.partitionLog(topic, 0).logEndOffset(), 2);
});

test('Produce with acks other than 0, 1 and -1 is INVALID_REQUIRED_ACKS and stores nothing', async (t) => {
  const { eddy, topic, wire } = await served(t);
  t.like(await produce(wire, topic, 0, batchOf(0, 1), 2), { errorCode: KAFKA_ERRORS.INVALID_REQUIRED_ACKS, baseOffset: -1 });
  t.is(eddy.partitionLog(topic, 0).logEndOffset(), 0);
});

test('Produce with two batches in one partition is INVALID_RECORD and stores nothing', async (t) => {
  const { eddy, topic, wire } = await served(t);
  const answer = await produce(wire, topic, 0, Buffer.concat([batchOf(0, 1), batchOf(1, 1)]));
  t.like(answer, { errorCode: KAFKA_ERRORS.INVALID_RECORD, baseOffset: -1 });
  t.is(typeof answer.errorMessage, 'string');
  t.is(eddy.partitionLog(topic, 0).logEndOffset(), 0);
});

test('Produce with null records is refused and stores nothing', async (t) => {
  const { eddy, topic, wire } = await served(t);
  const answer = await produce(wire, topic, 0, null);
  t.not(answer.errorCode, 0);
  t.is(answer.baseOffset, -1);
  t.is(eddy.partitionLog(topic, 0).logEndOffset(), 0);
});

// Kafka's ProduceRequest.validateRecords answers INVALID_RECORD ("must have at least one record
// batch per partition"), not CORRUPT_MESSAGE.
test('Produce with empty records (no batch) is INVALID_RECORD, as in Kafka', async (t) => {
  const { eddy, topic, wire } = await served(t);
  t.like(await produce(wire, topic, 0, Buffer.alloc(0)), { errorCode: KAFKA_ERRORS.INVALID_RECORD, baseOffset: -1 });
  t.is(eddy.partitionLog(topic, 0).logEndOffset(), 0);
});

test('Produce of a batch with a bad CRC is CORRUPT_MESSAGE; nothing is stored and the partition goes on', async (t) => {
  const { eddy, topic, wire } = await served(t);
  const damaged = batchOf(0, 3);
  damaged[damaged.length - 1]! ^= 0x01;
  t.like(await produce(wire, topic, 0, damaged), { errorCode: KAFKA_ERRORS.CORRUPT_MESSAGE, baseOffset: -1 });
  const log = eddy.partitionLog(topic, 0);
  t.is(log.logEndOffset(), 0);
  t.is(log.sizeInBytes(), 0);
  t.like(await produce(wire, topic, 0, batchOf(0, 1)), { errorCode: 0, baseOffset: 0 });
});

test('Produce to an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION, per partition', async (t) => {
  const { eddy, topic, wire } = await served(t, { partitions: 2 });
  t.like(await produce(wire, `${topic}-missing`, 0, batchOf(0, 1)), { errorCode: KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1 });
  t.false((await eddy.admin.listTopics()).includes(`${topic}-missing`), 'Produce does not create topics');
  const response = await wire.request(API_KEYS.Produce, 9, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: 5, records: batchOf(0, 1) }, { index: 1, records: batchOf(0, 2) }] }],
  });
  const partitions = (response.responses as StructValue[])[0]!.partitionResponses as StructValue[];
  t.like(partitions[0], { index: 5, errorCode: KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION });
  t.like(partitions[1], { index: 1, errorCode: 0, baseOffset: 0 });
  t.is(eddy.partitionLog(topic, 1).logEndOffset(), 2);
});

test('Produce of a batch over max.message.bytes is MESSAGE_TOO_LARGE and stores nothing', async (t) => {
  const { eddy, topic, wire } = await served(t, { config: { 'max.message.bytes': '2000' } });
  t.like(await produce(wire, topic, 0, batchOf(0, 1, 1_700_000_000_000, 4000)), { errorCode: KAFKA_ERRORS.MESSAGE_TOO_LARGE, baseOffset: -1 });
  t.is(eddy.partitionLog(topic, 0).logEndOffset(), 0);
  t.like(await produce(wire, topic, 0, batchOf(0, 1, 1_700_000_000_000, 500)), { errorCode: 0, baseOffset: 0 });
});

// zstd arrived with Produce v7 (KIP-110): Kafka refuses zstd batches sent with v3–v6 with
// UNSUPPORTED_COMPRESSION_TYPE.
test('Produce v3–v6 of a zstd batch is UNSUPPORTED_COMPRESSION_TYPE (zstd needs v7+), v7 stores it', async (t) => {
  const { eddy, topic, wire } = await served(t);
  const zstd = encodeRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('zstd'.repeat(50)), timestamp: 1 }], compression: 'zstd' });
  t.like(await produce(wire, topic, 0, zstd, 1, 6), { errorCode: KAFKA_ERRORS.UNSUPPORTED_COMPRESSION_TYPE, baseOffset: -1 });
  t.is(eddy.partitionLog(topic, 0).logEndOffset(), 0);
  t.like(await produce(wire, topic, 0, zstd, 1, 7), { errorCode: 0, baseOffset: 0 });
});
