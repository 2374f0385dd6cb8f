/**
 * The broker's connection handling against raw sockets: the request size limit, garbage and
 * truncated frames, unknown API keys and unsupported versions close the connection (while the broker
 * keeps serving others); an ApiVersions request of an unknown version is answered with
 * UNSUPPORTED_VERSION and the supported ranges; idle connections are closed; pipelined requests are
 * answered in request order even when an earlier one finishes last.
 */
import net from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { API_KEYS } from '../../../core/protocol/api-keys.js';
import { encodeRequest, FrameDecoder } from '../../../core/protocol/frame.js';
import { ApiVersionsResponse, ResponseHeader } from '../../../core/protocol/messages/index.js';
import { Reader } from '../../../core/protocol/primitives.js';
import { decode, type StructValue } from '../../../core/protocol/schema.js';
import { KAFKA_ERRORS } from '../../../core/server/kafka-errors.js';
import type { ServerOptions } from '../../../core/server/server-options.js';
import { batchOf } from '../../helpers/batches.js';
import { connectWire, servedEddy } from '../../helpers/kafka-wire.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import { nextTurn, waitFor } from '../../helpers/wait-for.js';

/** A raw socket that keeps every response frame (without its size prefix) and notes when it closes. */
interface RawConnection {
  frames: Buffer[];
  isClosed(): boolean;
  closed: Promise<void>;
  write(bytes: Buffer): void;
  destroy(): void;
}

async function rawConnection(t: ExecutionContext, port: number): Promise<RawConnection> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const frames: Buffer[] = [];
  const decoder = new FrameDecoder({ socketRequestMaxBytes: 0x7fffffff });
  let isClosed = false;
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      resolve();
    }),
  );
  t.teardown(() => socket.destroy());
  return { frames, closed, isClosed: () => isClosed, write: (bytes) => socket.write(bytes), destroy: () => socket.destroy() };
}

/** ApiVersions v3 over a fresh connection: the broker still serves. */
async function assertServing(t: ExecutionContext, port: number): Promise<void> {
  const wire = await connectWire({ port });
  try {
    const response = await wire.request(API_KEYS.ApiVersions, 3, { clientSoftwareName: 'eddy-test', clientSoftwareVersion: '1' });
    t.is(response.errorCode, 0);
  } finally {
    wire.close();
  }
}

function correlationOf(frame: Buffer): number {
  return frame.readInt32BE(0);
}

async function served(t: ExecutionContext, server: ServerOptions = {}) {
  const served = await servedEddy(t, { eddy: { serve: false }, server });
  const topic = uniqueTopic('connection');
  await served.eddy.admin.createTopic(topic, { partitions: 1 });
  return { ...served, topic };
}

const apiVersionsFrame = (correlationId: number): Buffer =>
  encodeRequest({ apiKey: API_KEYS.ApiVersions, apiVersion: 3, correlationId, clientId: 'raw' }, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });

test('a request over socketRequestMaxBytes closes that connection; the broker serves the others', async (t) => {
  const { port, topic, eddy } = await served(t, { socketRequestMaxBytes: 1024 });
  const bystander = await connectWire({ port });
  t.teardown(() => bystander.close());
  const raw = await rawConnection(t, port);
  const big = encodeRequest({ apiKey: API_KEYS.Produce, apiVersion: 9, correlationId: 7, clientId: 'big' }, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batchOf(0, 1, 1, 4000) }] }],
  });
  // Only the size prefix is needed for the refusal: the body is never buffered.
  raw.write(big.subarray(0, 4));
  await raw.closed;
  t.deepEqual(raw.frames, []);
  t.is(eddy.partitionLog(topic, 0).logEndOffset(), 0);
  const response = await bystander.request(API_KEYS.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
  t.is(response.errorCode, 0);
  await assertServing(t, port);
});

test('a negative frame size closes the connection', async (t) => {
  const { port } = await served(t);
  const raw = await rawConnection(t, port);
  raw.write(Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3]));
  await raw.closed;
  await assertServing(t, port);
});

test('text that is not Kafka (an HTTP request) closes the connection', async (t) => {
  const { port } = await served(t);
  const raw = await rawConnection(t, port);
  // "GET " read as a size is over a gigabyte: refused before anything is buffered.
  raw.write(Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'));
  await raw.closed;
  t.deepEqual(raw.frames, []);
  await assertServing(t, port);
});

test('garbage inside a well-sized frame closes the connection', async (t) => {
  const { port } = await served(t);
  const raw = await rawConnection(t, port);
  const frame = Buffer.alloc(4 + 16, 0xee);
  frame.writeInt32BE(16, 0);
  // Metadata v12, correlation id 5, then a client id said to be 0x7eee bytes long in a 16-byte frame.
  frame.writeInt16BE(API_KEYS.Metadata, 4);
  frame.writeInt16BE(12, 6);
  frame.writeInt32BE(5, 8);
  frame.writeInt16BE(0x7eee, 12);
  raw.write(frame);
  await raw.closed;
  t.deepEqual(raw.frames, []);
  await assertServing(t, port);
});

test('a truncated request (a frame that ends inside the body) closes the connection', async (t) => {
  const { port, topic } = await served(t);
  const whole = encodeRequest({ apiKey: API_KEYS.Metadata, apiVersion: 12, correlationId: 3, clientId: 'cut' }, {
    topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: topic }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  const cut = Buffer.from(whole.subarray(0, whole.length - 6));
  cut.writeInt32BE(cut.length - 4, 0);
  const raw = await rawConnection(t, port);
  raw.write(cut);
  await raw.closed;
  t.deepEqual(raw.frames, []);
  await assertServing(t, port);
});

test('a request with an unknown API key closes the connection', async (t) => {
  const { port } = await served(t);
  for (const apiKey of [7, 999, -1]) {
    const raw = await rawConnection(t, port);
    const frame = apiVersionsFrame(11);
    frame.writeInt16BE(apiKey, 4);
    raw.write(frame);
    await raw.closed;
    t.deepEqual(raw.frames, [], `API key ${apiKey}`);
  }
  await assertServing(t, port);
});

test('a request of an unsupported version closes the connection (Produce v2, Fetch v99)', async (t) => {
  const { port } = await served(t);
  for (const [apiKey, apiVersion] of [
    [API_KEYS.Produce, 2],
    [API_KEYS.Fetch, 99],
    [API_KEYS.Metadata, -1],
  ] as const) {
    const raw = await rawConnection(t, port);
    const frame = apiVersionsFrame(12);
    frame.writeInt16BE(apiKey, 4);
    frame.writeInt16BE(apiVersion, 6);
    raw.write(frame);
    await raw.closed;
    t.deepEqual(raw.frames, [], `${apiKey} v${apiVersion}`);
  }
  await assertServing(t, port);
});

test('ApiVersions of an unknown version is answered with UNSUPPORTED_VERSION and the supported versions (v0 layout)', async (t) => {
  const { port } = await served(t);
  const raw = await rawConnection(t, port);
  // A future client's ApiVersions v42: only the header's first fields can be read.
  const frame = apiVersionsFrame(4242);
  frame.writeInt16BE(42, 6);
  raw.write(frame);
  await waitFor(() => raw.frames.length === 1 || raw.isClosed(), 'the answer');
  t.is(raw.frames.length, 1);
  const reader = new Reader(raw.frames[0]!);
  t.is(decode(ResponseHeader, 0, reader).correlationId, 4242);
  const body = decode(ApiVersionsResponse, 0, reader);
  t.is(body.errorCode, KAFKA_ERRORS.UNSUPPORTED_VERSION);
  const apiKeys = body.apiKeys as StructValue[];
  t.deepEqual(apiKeys.find((k) => k.apiKey === API_KEYS.ApiVersions), { apiKey: API_KEYS.ApiVersions, minVersion: 0, maxVersion: 3 });
  t.true(apiKeys.some((k) => k.apiKey === API_KEYS.Fetch));
  // The connection stays usable: the client retries with a version both sides know.
  raw.write(apiVersionsFrame(4243));
  await waitFor(() => raw.frames.length === 2 || raw.isClosed(), 'the second answer');
  t.is(correlationOf(raw.frames[1]!), 4243);
});

test('a connection idle for connectionsMaxIdleMs is closed', async (t) => {
  const { port } = await served(t, { connectionsMaxIdleMs: 150 });
  const idle = await rawConnection(t, port);
  await idle.closed;
  t.true(idle.isClosed());
  await assertServing(t, port);
});

test('pipelined requests are answered in request order, though a long poll sent first finishes last', async (t) => {
  const { port, topic, eddy } = await served(t);
  const raw = await rawConnection(t, port);
  const fetch = encodeRequest({ apiKey: API_KEYS.Fetch, apiVersion: 12, correlationId: 1, clientId: 'pipe' }, {
    replicaId: -1,
    maxWaitMs: 30_000,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const metadata = encodeRequest({ apiKey: API_KEYS.Metadata, apiVersion: 12, correlationId: 3, clientId: 'pipe' }, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  const listOffsets = encodeRequest({ apiKey: API_KEYS.ListOffsets, apiVersion: 7, correlationId: 4, clientId: 'pipe' }, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
  });
  raw.write(Buffer.concat([fetch, apiVersionsFrame(2), metadata, listOffsets]));
  const log = eddy.partitionLog(topic, 0);
  await waitFor(() => log.pendingWaiters() > 0, 'the fetch to wait for data');
  for (let i = 0; i < 20; i++) await nextTurn();
  t.deepEqual(raw.frames, [], 'the answers behind the long poll are held back');
  log.append(batchOf(0, 1));
  await waitFor(() => raw.frames.length === 4 || raw.isClosed(), 'four answers');
  t.deepEqual(raw.frames.map(correlationOf), [1, 2, 3, 4]);
});

test('many requests written in one chunk, and one request split byte by byte, are all answered', async (t) => {
  const { port } = await served(t);
  const raw = await rawConnection(t, port);
  raw.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => apiVersionsFrame(100 + i))));
  await waitFor(() => raw.frames.length === 50 || raw.isClosed(), 'fifty answers');
  t.deepEqual(raw.frames.map(correlationOf), Array.from({ length: 50 }, (_, i) => 100 + i));
  const split = apiVersionsFrame(500);
  for (const byte of split) {
    raw.write(Buffer.from([byte]));
    await nextTurn();
  }
  await waitFor(() => raw.frames.length === 51 || raw.isClosed(), 'the answer to the split request');
  t.is(correlationOf(raw.frames[50]!), 500);
});
