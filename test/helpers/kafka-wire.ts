/**
 * A minimal Kafka protocol client for server tests: sends requests encoded by Eddy's codec over TCP
 * or a Unix socket and decodes the responses, matched by correlation id.
 */
import net from 'node:net';
import type { ExecutionContext } from 'ava';
import { Eddy } from '../../core/eddy.js';
import type { KafkaServer } from '../../core/server/kafka-server.js';
import type { ServerOptions } from '../../core/server/server-options.js';
import { encodeRequest, FrameDecoder, responseHeaderVersion } from '../../core/protocol/frame.js';
import { API_MESSAGES } from '../../core/protocol/messages/index.js';
import { ResponseHeader } from '../../core/protocol/messages/index.js';
import { Reader } from '../../core/protocol/primitives.js';
import { decode, type StructValue } from '../../core/protocol/schema.js';
import type { EddyOptions } from '../../core/eddy-options.js';
import { tempDir } from './temp-dir.js';

export interface WireClient {
  /** Sends one request and resolves with the decoded response body. */
  request(apiKey: number, apiVersion: number, body: StructValue): Promise<StructValue>;
  /** Sends raw bytes (for malformed-input tests). */
  writeRaw(bytes: Buffer): void;
  /** Resolves when the server closes the connection. */
  closed: Promise<void>;
  close(): void;
}

export async function connectWire(target: { port: number; host?: string } | { path: string }): Promise<WireClient> {
  const socket = 'path' in target ? net.connect(target.path) : net.connect(target.port, target.host ?? '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const frames = new FrameDecoder({ socketRequestMaxBytes: 0x7fffffff });
  const waiting = new Map<number, { apiKey: number; apiVersion: number; resolve: (v: StructValue) => void; reject: (e: Error) => void }>();
  let nextCorrelation = 1;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    for (const w of waiting.values()) w.reject(new Error('connection closed'));
    waiting.clear();
  });
  socket.on('data', (chunk: Buffer) => {
    for (const frame of frames.push(chunk)) {
      const correlationId = frame.readInt32BE(0);
      const w = waiting.get(correlationId);
      if (w === undefined) continue;
      waiting.delete(correlationId);
      const { response } = API_MESSAGES.get(w.apiKey)!;
      const reader = new Reader(frame);
      decode(ResponseHeader, responseHeaderVersion(response, w.apiVersion), reader);
      try {
        w.resolve(decode(response, w.apiVersion, reader));
      } catch (err) {
        w.reject(err as Error);
      }
    }
  });
  return {
    request(apiKey, apiVersion, body) {
      const correlationId = nextCorrelation++;
      return new Promise((resolve, reject) => {
        waiting.set(correlationId, { apiKey, apiVersion, resolve, reject });
        socket.write(encodeRequest({ apiKey, apiVersion, correlationId, clientId: 'eddy-test' }, body));
      });
    },
    writeRaw(bytes) {
      socket.write(bytes);
    },
    closed,
    close() {
      socket.destroy();
    },
  };
}

/** An Eddy on a temp data directory serving on a free loopback port; closed when the test ends. */
export async function servedEddy(
  t: ExecutionContext,
  options: { eddy?: Partial<EddyOptions>; server?: ServerOptions } = {},
): Promise<{ eddy: Eddy; server: KafkaServer; port: number; dataDir: string }> {
  const dataDir = tempDir(t, 'eddy-wire-');
  const eddy = await Eddy.open({ dataDir, serve: false, ...options.eddy });
  t.teardown(() => eddy.close());
  const server = await eddy.serve({ listen: '127.0.0.1:0', unixSocket: false, ...options.server });
  return { eddy, server, port: server.addresses.tcp!.port, dataDir };
}
