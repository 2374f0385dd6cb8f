/**
 * Fetch over the wire, request by request (connectWire): the stored bytes come back unchanged; a
 * long poll wakes on a produce from another connection; maxBytes and partitionMaxBytes with the
 * first-batch exception (KIP-74); read_committed stops at the last stable offset and lists the
 * aborted transactions; OFFSET_OUT_OF_RANGE; topics by id from v13 (UNKNOWN_TOPIC_ID); fetched
 * bytes waiting for a slow reader stay intact while other connections fetch.
 */
import net from 'node:net';
import { once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import { API_KEYS } from '../../../core/protocol/api-keys.js';
import { encodeRequest, FrameDecoder, responseHeaderVersion } from '../../../core/protocol/frame.js';
import { API_MESSAGES, ResponseHeader } from '../../../core/protocol/messages/index.js';
import { Reader } from '../../../core/protocol/primitives.js';
import { decode, type StructValue } from '../../../core/protocol/schema.js';
import { batchesIn } from '../../../core/record/record-batch.js';
import { KAFKA_ERRORS } from '../../../core/server/kafka-errors.js';
import { batchOf } from '../../helpers/batches.js';
import { connectWire, servedEddy, type WireClient } from '../../helpers/kafka-wire.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import { nextTurn, waitFor } from '../../helpers/wait-for.js';

async function served(t: ExecutionContext, partitions = 1) {
  const served = await servedEddy(t, { eddy: { serve: false } });
  const topic = uniqueTopic('fetch');
  await served.eddy.admin.createTopic(topic, { partitions });
  const wire = await connectWire({ port: served.port });
  t.teardown(() => wire.close());
  return { ...served, topic, wire };
}

interface PartitionFetch {
  partition: number;
  fetchOffset: number;
  partitionMaxBytes?: number;
}

interface FetchOptions {
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  isolationLevel?: number;
  version?: number;
}

function fetchBody(topic: { topic?: string; topicId?: string }, partitions: PartitionFetch[], o: FetchOptions = {}): StructValue {
  return {
    replicaId: -1,
    maxWaitMs: o.maxWaitMs ?? 0,
    minBytes: o.minBytes ?? 0,
    maxBytes: o.maxBytes ?? 0x7fffffff,
    isolationLevel: o.isolationLevel ?? 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: topic.topic ?? '',
        topicId: topic.topicId ?? '00000000-0000-0000-0000-000000000000',
        partitions: partitions.map((p) => ({
          partition: p.partition,
          currentLeaderEpoch: -1,
          fetchOffset: p.fetchOffset,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes: p.partitionMaxBytes ?? 1 << 20,
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** Fetches `partitions` of `topic` (by name, v12 unless told) and returns the partition answers. */
async function fetch(wire: WireClient, topic: string, partitions: PartitionFetch[], o: FetchOptions = {}): Promise<StructValue[]> {
  const response = await wire.request(API_KEYS.Fetch, o.version ?? 12, fetchBody({ topic }, partitions, o));
  assertFetchSucceeded(response);
  return (response.responses as StructValue[])[0]!.partitions as StructValue[];
}

function assertFetchSucceeded(response: StructValue): void {
  if (response.errorCode !== 0) throw new Error(`Fetch failed as a whole with error ${String(response.errorCode)}`);
}

function recordsOf(answer: StructValue): Buffer {
  const records = answer.records as Uint8Array | null;
  return records === null ? Buffer.alloc(0) : Buffer.from(records);
}

/** Base offsets of the whole batches in `bytes`. */
function batchOffsets(bytes: Buffer): number[] {
  return [...batchesIn(bytes)].map((b) => b.header.baseOffset);
}

/**
 * Fetches one partition from offset 0 until a fetch returns nothing (a fetch may stop at a segment
 * boundary, as Kafka's does), gathering batch offsets, aborted transactions and every answer.
 */
async function fetchToEnd(wire: WireClient, topic: string, isolationLevel: number) {
  const answers: StructValue[] = [];
  const offsets: number[] = [];
  const aborted: StructValue[] = [];
  let next = 0;
  for (let round = 0; round < 100; round++) {
    const [answer] = await fetch(wire, topic, [{ partition: 0, fetchOffset: next }], { isolationLevel });
    const batches = [...batchesIn(recordsOf(answer!))];
    if (answer!.errorCode !== 0 || batches.length === 0) break;
    answers.push(answer!);
    aborted.push(...((answer!.abortedTransactions as StructValue[] | null) ?? []));
    for (const { header } of batches) offsets.push(header.baseOffset);
    const last = batches[batches.length - 1]!.header;
    next = last.baseOffset + last.lastOffsetDelta + 1;
  }
  return { answers, offsets, aborted };
}

function append(eddy: Awaited<ReturnType<typeof served>>['eddy'], topic: string, partition: number, batches: Buffer[]): void {
  const log = eddy.partitionLog(topic, partition);
  for (const batch of batches) log.append(batch);
}

for (const version of [4, 11, 12]) {
  test(`Fetch v${version} returns the stored bytes unchanged, with the partition's offsets`, async (t) => {
    const { eddy, topic, wire } = await served(t);
    append(eddy, topic, 0, [batchOf(0, 3), batchOf(3, 2), batchOf(5, 4)]);
    const [answer] = await fetch(wire, topic, [{ partition: 0, fetchOffset: 0 }], { version });
    t.like(answer, { partitionIndex: 0, errorCode: 0, highWatermark: 9, lastStableOffset: 9 });
    if (version >= 5) t.is(answer!.logStartOffset, 0);
    t.deepEqual(recordsOf(answer!), eddy.partitionLog(topic, 0).read(0, 1 << 20).bytes);
    // From inside a batch: the whole batch holding the offset comes back, as in Kafka.
    const [middle] = await fetch(wire, topic, [{ partition: 0, fetchOffset: 4 }], { version });
    t.deepEqual(batchOffsets(recordsOf(middle!)), [3, 5]);
  });
}

test('Fetch at the end with maxWaitMs waits, and wakes on a produce from another connection', async (t) => {
  const { eddy, topic, wire, port } = await served(t);
  append(eddy, topic, 0, [batchOf(0, 2)]);
  let answered = false;
  const polling = fetch(wire, topic, [{ partition: 0, fetchOffset: 2 }], { maxWaitMs: 30_000, minBytes: 1 }).then((answers) => {
    answered = true;
    return answers;
  });
  const log = eddy.partitionLog(topic, 0);
  await waitFor(() => log.pendingWaiters() > 0, 'the fetch to wait for data');
  for (let i = 0; i < 5; i++) await nextTurn();
  t.false(answered, 'nothing to return yet');
  const producer = await connectWire({ port });
  t.teardown(() => producer.close());
  const batch = batchOf(2, 3);
  const produced = await producer.request(API_KEYS.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5_000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] });
  t.is(((produced.responses as StructValue[])[0]!.partitionResponses as StructValue[])[0]!.errorCode, 0);
  const [answer] = await polling;
  t.like(answer, { errorCode: 0, highWatermark: 5 });
  t.deepEqual(batchOffsets(recordsOf(answer!)), [2]);
  t.is(log.pendingWaiters(), 0);
});

// With some data at the fetch offset but less than minBytes, the long poll waits for data past what
// it read (waiting from the fetch offset would wake at once and spin, stalling every connection);
// Kafka parks the fetch until minBytes arrive or maxWaitMs ends.
test('Fetch below minBytes waits without blocking others, and wakes when enough arrives', async (t) => {
  const { eddy, topic, wire, port } = await served(t);
  append(eddy, topic, 0, [batchOf(0, 1)]);
  let fetchAnswered = false;
  const polling = fetch(wire, topic, [{ partition: 0, fetchOffset: 0 }], { maxWaitMs: 5_000, minBytes: 2_000 }).then((answers) => {
    fetchAnswered = true;
    return answers;
  });
  const other = await connectWire({ port });
  t.teardown(() => other.close());
  const versions = await other.request(API_KEYS.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
  t.is(versions.errorCode, 0);
  t.false(fetchAnswered, 'another connection is served while the fetch waits');
  const produced = await other.request(API_KEYS.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5_000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batchOf(1, 1, 1, 3_000) }] }] });
  t.is(((produced.responses as StructValue[])[0]!.partitionResponses as StructValue[])[0]!.errorCode, 0);
  const [answer] = await polling;
  t.deepEqual(batchOffsets(recordsOf(answer!)), [0, 1]);
});

test('Fetch with maxWaitMs and nothing to return answers empty when the wait ends', async (t) => {
  const { topic, wire } = await served(t);
  const [answer] = await fetch(wire, topic, [{ partition: 0, fetchOffset: 0 }], { maxWaitMs: 20, minBytes: 1 });
  t.like(answer, { errorCode: 0, highWatermark: 0 });
  t.is(recordsOf(answer!).length, 0);
});

test('Fetch partitionMaxBytes: whole batches up to the limit, and the first batch even when it alone is larger', async (t) => {
  const { eddy, topic, wire } = await served(t);
  const batches = [batchOf(0, 1, 1, 300), batchOf(1, 1, 1, 300), batchOf(2, 1, 1, 300)];
  append(eddy, topic, 0, batches);
  const size = batches[0]!.length;
  const [two] = await fetch(wire, topic, [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 2 * size + 10 }]);
  t.deepEqual(batchOffsets(recordsOf(two!)), [0, 1]);
  const [first] = await fetch(wire, topic, [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 10 }]);
  t.deepEqual(batchOffsets(recordsOf(first!)), [0], 'the first batch comes whole although over the limit (KIP-74)');
});

test('Fetch maxBytes: later partitions get only what fits; one that cannot fit its first batch gets nothing', async (t) => {
  const { eddy, topic, wire } = await served(t, 2);
  const batches = [batchOf(0, 1, 1, 300), batchOf(1, 1, 1, 300)];
  append(eddy, topic, 0, batches);
  append(eddy, topic, 1, [batchOf(0, 1, 1, 300)]);
  const size = batches[0]!.length;
  const [p0, p1] = await fetch(wire, topic, [{ partition: 0, fetchOffset: 0 }, { partition: 1, fetchOffset: 0 }], { maxBytes: 2 * size + 10 });
  t.deepEqual(batchOffsets(recordsOf(p0!)), [0, 1]);
  t.like(p1, { errorCode: 0, highWatermark: 1 });
  t.is(recordsOf(p1!).length, 0);
  // With room for the first partition's first batch only, the first batch still comes whole.
  const [tiny0, tiny1] = await fetch(wire, topic, [{ partition: 1, fetchOffset: 0 }, { partition: 0, fetchOffset: 0 }], { maxBytes: 1 });
  t.deepEqual(batchOffsets(recordsOf(tiny0!)), [0]);
  t.is(recordsOf(tiny1!).length, 0);
});

// Kafka reads the first partition with data up to min(partitionMaxBytes, maxBytes), with only its
// first batch allowed past the limit.
test('Fetch maxBytes also bounds the first partition (beyond its first batch)', async (t) => {
  const { eddy, topic, wire } = await served(t);
  const batches = [batchOf(0, 1, 1, 300), batchOf(1, 1, 1, 300), batchOf(2, 1, 1, 300)];
  append(eddy, topic, 0, batches);
  const [answer] = await fetch(wire, topic, [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }], { maxBytes: batches[0]!.length + 10 });
  t.deepEqual(batchOffsets(recordsOf(answer!)), [0]);
});

test('Fetch past the log end or below the log start is OFFSET_OUT_OF_RANGE with the log bounds', async (t) => {
  const { eddy, topic, wire } = await served(t);
  append(eddy, topic, 0, [batchOf(0, 4)]);
  const [past] = await fetch(wire, topic, [{ partition: 0, fetchOffset: 7 }]);
  t.like(past, { errorCode: KAFKA_ERRORS.OFFSET_OUT_OF_RANGE, highWatermark: 4, logStartOffset: 0 });
  t.is(recordsOf(past!).length, 0);
  eddy.partitionLog(topic, 0).advanceLogStartOffset(2);
  const [below] = await fetch(wire, topic, [{ partition: 0, fetchOffset: 1 }]);
  t.like(below, { errorCode: KAFKA_ERRORS.OFFSET_OUT_OF_RANGE, highWatermark: 4, logStartOffset: 2 });
});

test('Fetch of an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION, others in the request are served', async (t) => {
  const { eddy, topic, wire } = await served(t);
  append(eddy, topic, 0, [batchOf(0, 1)]);
  const [missing] = await fetch(wire, `${topic}-missing`, [{ partition: 0, fetchOffset: 0 }]);
  t.is(missing!.errorCode, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);
  const [badPartition, good] = await fetch(wire, topic, [{ partition: 3, fetchOffset: 0 }, { partition: 0, fetchOffset: 0 }]);
  t.is(badPartition!.errorCode, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION);
  t.deepEqual(batchOffsets(recordsOf(good!)), [0]);
});

test('Fetch v13+ names topics by id; an unknown id is UNKNOWN_TOPIC_ID', async (t) => {
  const { eddy, topic, wire } = await served(t);
  append(eddy, topic, 0, [batchOf(0, 2)]);
  const metadata = await wire.request(API_KEYS.Metadata, 12, { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  const topicId = (metadata.topics as StructValue[])[0]!.topicId as string;
  t.not(topicId, '00000000-0000-0000-0000-000000000000');
  for (const version of [13, 16]) {
    const response = await wire.request(API_KEYS.Fetch, version, fetchBody({ topicId }, [{ partition: 0, fetchOffset: 0 }]));
    const topicAnswer = (response.responses as StructValue[])[0]!;
    t.is(topicAnswer.topicId, topicId);
    const answer = (topicAnswer.partitions as StructValue[])[0]!;
    t.like(answer, { errorCode: 0, highWatermark: 2 });
    t.deepEqual(recordsOf(answer), eddy.partitionLog(topic, 0).read(0, 1 << 20).bytes);
  }
  const unknownId = '0123abcd-0000-4000-8000-000000000001';
  const response = await wire.request(API_KEYS.Fetch, 13, fetchBody({ topicId: unknownId }, [{ partition: 0, fetchOffset: 0 }]));
  const topicAnswer = (response.responses as StructValue[])[0]!;
  t.is(topicAnswer.topicId, unknownId);
  t.is((topicAnswer.partitions as StructValue[])[0]!.errorCode, KAFKA_ERRORS.UNKNOWN_TOPIC_ID);
});

test('Fetch with a fetch session this broker never created is FETCH_SESSION_ID_NOT_FOUND', async (t) => {
  const { topic, wire } = await served(t);
  const response = await wire.request(API_KEYS.Fetch, 12, { ...fetchBody({ topic }, [{ partition: 0, fetchOffset: 0 }]), sessionId: 1234, sessionEpoch: 1 });
  t.is(response.errorCode, KAFKA_ERRORS.FETCH_SESSION_ID_NOT_FOUND);
});

test('Fetch read_committed stops at the last stable offset and lists the aborted transactions; read_uncommitted reads all', async (t) => {
  const { eddy, topic, wire } = await served(t);
  append(eddy, topic, 0, [batchOf(0, 2)]); // offsets 0-1, outside any transaction
  const aborted = eddy.producer<string, string>({ transactionalId: uniqueTopic('fetch-aborted') });
  await aborted.initTransactions();
  aborted.beginTransaction();
  await aborted.send({ topic, messages: [{ key: 'a', value: 'aborted', partition: 0 }] }); // offset 2
  await aborted.abortTransaction(); // marker at 3
  const committed = eddy.producer<string, string>({ transactionalId: uniqueTopic('fetch-committed') });
  await committed.initTransactions();
  committed.beginTransaction();
  await committed.send({ topic, messages: [{ key: 'c', value: 'committed', partition: 0 }] }); // offset 4
  await committed.commitTransaction(); // marker at 5
  const open = eddy.producer<string, string>({ transactionalId: uniqueTopic('fetch-open') });
  await open.initTransactions();
  open.beginTransaction();
  await open.send({ topic, messages: [{ key: 'o', value: 'open', partition: 0 }] }); // offset 6, still open
  const log = eddy.partitionLog(topic, 0);
  t.is(log.lastStableOffset(), 6);
  t.is(log.logEndOffset(), 7);

  const readCommitted = await fetchToEnd(wire, topic, 1);
  t.deepEqual(readCommitted.answers.map((a) => a.lastStableOffset), readCommitted.answers.map(() => 6));
  t.deepEqual(readCommitted.answers.map((a) => a.highWatermark), readCommitted.answers.map(() => 7));
  t.deepEqual(readCommitted.offsets, [0, 2, 3, 4, 5], 'everything below the last stable offset, markers included');
  t.deepEqual(readCommitted.aborted, [{ producerId: aborted.producerIdAndEpoch.producerId, firstOffset: 2 }]);

  const readUncommitted = await fetchToEnd(wire, topic, 0);
  t.deepEqual(readUncommitted.offsets, [0, 2, 3, 4, 5, 6]);
  t.true(readUncommitted.answers.every((a) => a.abortedTransactions === null));

  // At the last stable offset a read_committed fetch has nothing, and its long poll wakes when the transaction ends.
  const polling = fetch(wire, topic, [{ partition: 0, fetchOffset: 6 }], { isolationLevel: 1, maxWaitMs: 30_000, minBytes: 1 });
  await waitFor(() => log.pendingWaiters() > 0, 'the read_committed fetch to wait');
  await open.commitTransaction();
  const [woken] = await polling;
  t.deepEqual(batchOffsets(recordsOf(woken!)), [6, 7]);
  t.is(woken!.lastStableOffset, 8);
  await Promise.all([aborted.close(), committed.close(), open.close()]);
});

test('responses waiting for a slow reader keep their bytes while other connections fetch', async (t) => {
  // The broker reads fetched batches into buffers it reuses once a response is written: a buffer
  // reused before the socket took it would send another fetch's bytes to the slow reader.
  const { eddy, topic, port } = await served(t);
  const count = 32;
  const log = eddy.partitionLog(topic, 0);
  append(eddy, topic, 0, Array.from({ length: count }, (_, i) => batchOf(i, 1, 1, 512 * 1024)));
  const stored = Array.from({ length: count }, (_, i) => log.read(i, 1).bytes);
  const one = (i: number): PartitionFetch[] => [{ partition: 0, fetchOffset: i, partitionMaxBytes: 1 }];

  // A raw connection asks for every batch, one per request, and reads nothing for now: some 16 MB
  // of answers back up in the broker's socket.
  const slow = net.connect(port, '127.0.0.1');
  t.teardown(() => slow.destroy());
  await once(slow, 'connect');
  slow.pause();
  const version = 12;
  slow.write(Buffer.concat(stored.map((_, i) => encodeRequest({ apiKey: API_KEYS.Fetch, apiVersion: version, correlationId: i, clientId: 'slow' }, fetchBody({ topic }, one(i))))));

  // Meanwhile another connection fetches the same batches in another order, many times over.
  const other = await connectWire({ port });
  t.teardown(() => other.close());
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < count; i++) {
      const j = (i * 7 + round) % count;
      const [answer] = await fetch(other, topic, one(j), { version });
      t.true(recordsOf(answer!).equals(stored[j]!), `batch ${j} intact for the other connection`);
    }
  }

  const frames = new FrameDecoder({ socketRequestMaxBytes: 0x7fffffff });
  const answers: StructValue[] = [];
  const { response } = API_MESSAGES.get(API_KEYS.Fetch)!;
  slow.on('data', (chunk: Buffer) => {
    for (const frame of frames.push(chunk)) {
      const reader = new Reader(frame);
      const header = decode(ResponseHeader, responseHeaderVersion(response, version), reader);
      t.is(header.correlationId, answers.length, 'answers in request order');
      answers.push(decode(response, version, reader));
    }
  });
  slow.resume();
  await waitFor(() => answers.length === count, 'every answer to the slow reader');
  answers.forEach((body, i) => {
    const answer = ((body.responses as StructValue[])[0]!.partitions as StructValue[])[0]!;
    t.true(recordsOf(answer).equals(stored[i]!), `batch ${i} intact for the slow reader`);
  });
});
