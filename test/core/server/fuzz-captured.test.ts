/**
 * Fuzzing the broker with mutations of real client traffic: a recording proxy captures the request
 * frames kcat (librdkafka) and KafkaJS send through it (the metadata advertises the proxy, so every
 * connection of the clients goes through it); each captured frame is then mutated (bit flips, byte
 * overwrites, truncation, extension, a corrupted size or count) and sent to the broker. Whatever
 * arrives, the broker must answer or close the connection: never crash, never report an internal
 * defect, and keep serving — after every round a fresh connection's ApiVersions and Metadata work.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import test from 'ava';
import fc from 'fast-check';
import { Kafka, logLevel } from 'kafkajs';
import type { EddyError } from '../../../core/errors.js';
import { API_KEYS } from '../../../core/protocol/api-keys.js';
import { FrameDecoder } from '../../../core/protocol/frame.js';
import { findBinary } from '../../helpers/binaries.js';
import { connectWire, servedEddy } from '../../helpers/kafka-wire.js';

/** A TCP proxy to `port` that keeps every client → broker frame (size prefix included). */
async function recordingProxy(target: () => number): Promise<{ port: number; frames: Buffer[]; close(): void }> {
  const frames: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target(), '127.0.0.1');
    sockets.add(client).add(upstream);
    const decoder = new FrameDecoder({ socketRequestMaxBytes: 0x7fffffff });
    client.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        const whole = Buffer.alloc(frame.length + 4);
        whole.writeInt32BE(frame.length, 0);
        frame.copy(whole, 4);
        frames.push(whole);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    frames,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

function run(cmd: string, args: string[], input?: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
    child.stdin.end(input ?? '');
  });
}

/** Sends `frame` on a fresh connection and waits until the broker answers or closes it. */
async function sendOne(port: number, frame: Buffer): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => {
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    socket.on('connect', () => socket.write(frame));
    // Any answer is fine; a request waiting (a long poll, an incomplete frame) is ended by us.
    socket.on('data', () => socket.destroy());
    setTimeout(() => socket.destroy(), 200).unref();
  });
}

async function stillServes(port: number): Promise<boolean> {
  const wire = await connectWire({ port });
  try {
    const versions = await wire.request(API_KEYS.ApiVersions, 3, { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' });
    const metadata = await wire.request(API_KEYS.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    return versions.errorCode === 0 && Array.isArray(metadata.topics);
  } finally {
    wire.close();
  }
}

const mutation = (length: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(length - 1), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('byte' as const), at: fc.nat(length - 1), value: fc.nat(255) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(length - 1) }),
    fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
    // Big-endian int32 / int16 overwrites hit the sizes and counts the codec must bound.
    fc.record({ kind: fc.constant('int32' as const), at: fc.nat(Math.max(0, length - 4)), value: fc.constantFrom(-1, 0x7fffffff, 0x10000, -2147483648, 1 << 20) }),
    fc.record({ kind: fc.constant('int16' as const), at: fc.nat(Math.max(0, length - 2)), value: fc.constantFrom(-1, 0x7fff, 1000) }),
  );

type Mutation = ReturnType<ReturnType<typeof mutation>['generate']>['value'];

function apply(frame: Buffer, m: Mutation, keepSize: boolean): Buffer {
  const out = Buffer.from(frame);
  let result: Buffer;
  switch (m.kind) {
    case 'flip':
      out[m.at]! ^= 1 << m.bit;
      result = out;
      break;
    case 'byte':
      out[m.at] = m.value;
      result = out;
      break;
    case 'truncate':
      result = out.subarray(0, m.at);
      break;
    case 'extend':
      result = Buffer.concat([out, Buffer.from(m.extra)]);
      break;
    case 'int32':
      if (m.at + 4 <= out.length) out.writeInt32BE(m.value, m.at);
      result = out;
      break;
    case 'int16':
      if (m.at + 2 <= out.length) out.writeInt16BE(m.value, m.at);
      result = out;
      break;
  }
  // Usually keep the size prefix true to the bytes, so the mutation reaches the decoders.
  if (keepSize && result.length >= 4) result.writeInt32BE(result.length - 4, 0);
  return result;
}

const kcat = findBinary('kcat');

test('mutated captures of kcat and KafkaJS requests never crash the broker or hit a defect', async (t) => {
  const defects: EddyError[] = [];
  const { eddy, port } = await servedEddy(t, { eddy: { onError: (err) => void (err.code === 'ERR_INTERNAL_DEFECT' && defects.push(err)) } });
  await eddy.admin.createTopic('fuzz', { partitions: 2 });
  // A listener that advertises the proxy in front of it, so clients bootstrapped there stay on the proxy.
  let behind = 0;
  const recorder = await recordingProxy(() => behind);
  t.teardown(() => recorder.close());
  const advertising = await eddy.serve({ listen: '127.0.0.1:0', unixSocket: false, advertisedListener: `127.0.0.1:${recorder.port}` });
  behind = advertising.addresses.tcp!.port;

  const bootstrap = `127.0.0.1:${recorder.port}`;
  if (kcat !== null) {
    await run(kcat, ['-b', bootstrap, '-L']);
    await run(kcat, ['-b', bootstrap, '-P', '-t', 'fuzz', '-K', ':', '-z', 'lz4'], 'a:1\nb:2\nc:3\n');
    await run(kcat, ['-b', bootstrap, '-C', '-t', 'fuzz', '-o', 'beginning', '-e', '-q']);
  }
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'fuzz', logLevel: logLevel.NOTHING, retry: { retries: 1 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.fetchTopicMetadata({ topics: ['fuzz'] }).catch(() => undefined);
  await admin.fetchTopicOffsets('fuzz').catch(() => undefined);
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'fuzz', messages: [{ key: 'k', value: 'v', headers: { h: 'x' } }] }).catch(() => undefined);
  await producer.disconnect();

  const captured = recorder.frames.filter((f) => f.length > 8);
  const apis = new Set(captured.map((f) => f.readInt16BE(4)));
  t.true(apis.has(API_KEYS.ApiVersions) && apis.has(API_KEYS.Metadata) && apis.has(API_KEYS.Produce), `captured APIs: ${[...apis].join(',')}`);
  t.log(`captured ${captured.length} request frames of APIs ${[...apis].sort((a, b) => a - b).join(', ')}`);

  // The captures themselves are answered.
  for (const frame of captured) await sendOne(port, frame);
  t.true(await stillServes(port));

  await fc.assert(
    fc.asyncProperty(
      fc.nat(captured.length - 1).chain((i) => fc.tuple(fc.constant(i), fc.array(mutation(captured[i]!.length), { minLength: 1, maxLength: 3 }), fc.boolean())),
      async ([i, mutations, keepSize]) => {
        let frame = captured[i]!;
        for (const m of mutations) if (frame.length > 0) frame = apply(frame, m, keepSize);
        await sendOne(port, frame);
        return defects.length === 0;
      },
    ),
    { numRuns: 400 },
  );
  t.true(await stillServes(port));
  t.deepEqual(defects.map((d) => d.message), []);
  // What clients stored is still readable.
  const records = await (async () => {
    const consumer = eddy.consumer({ autoOffsetReset: 'earliest' });
    consumer.assign([{ topic: 'fuzz', partition: 0 }, { topic: 'fuzz', partition: 1 }]);
    const out = await consumer.poll({ timeoutMs: 100 });
    await consumer.close();
    return out;
  })();
  t.true(records.length >= 1);
});
