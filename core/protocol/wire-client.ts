/**
 * A bare Kafka protocol connection on Eddy's own codec: requests out, responses decoded and matched
 * by correlation id. No metadata, retries or routing: for tools, tests and benchmarks that talk to
 * one broker and want to see its answers as they are (applications use `Eddy.connect`).
 *
 * @example
 * const wire = await connectWire({ port: 9092 });
 * const versions = await wire.request(API_KEYS.ApiVersions, 3, { clientSoftwareName: 'tool', clientSoftwareVersion: '1' });
 * wire.close();
 */
import net from 'node:net';
import { encodeRequest, FrameDecoder, responseHeaderVersion } from './frame.js';
import { API_MESSAGES, ResponseHeader } from './messages/index.js';
import { Reader } from './primitives.js';
import { decode, type StructValue } from './schema.js';

export interface WireClient {
  /** Sends one request and resolves with the decoded response body. */
  request(apiKey: number, apiVersion: number, body: StructValue): Promise<StructValue>;
  /**
   * Sends a request frame encoded beforehand (encodeRequest, any correlation id: it is replaced in
   * place), so the same bytes can be sent many times without encoding them again.
   */
  requestFrame(apiKey: number, apiVersion: number, frame: Buffer): Promise<StructValue>;
  /** Sends raw bytes (for malformed-input tests). */
  writeRaw(bytes: Buffer): void;
  /** Resolves when the server closes the connection. */
  closed: Promise<void>;
  close(): void;
}

/** Offset of the correlation id in a request frame: after the size prefix, API key and version. */
const CORRELATION_ID_AT = 8;

/** Connects over TCP (`host` defaults to 127.0.0.1) or a Unix socket. */
export async function connectWire(target: { port: number; host?: string } | { path: string }): Promise<WireClient> {
  const socket = 'path' in target ? net.connect(target.path) : net.connect(target.port, target.host ?? '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
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
      try {
        decode(ResponseHeader, responseHeaderVersion(response, w.apiVersion), reader);
        w.resolve(decode(response, w.apiVersion, reader));
      } catch (err) {
        w.reject(err as Error);
      }
    }
  });
  const send = (apiKey: number, apiVersion: number, frame: (correlationId: number) => Buffer): Promise<StructValue> => {
    const correlationId = nextCorrelation++;
    return new Promise((resolve, reject) => {
      waiting.set(correlationId, { apiKey, apiVersion, resolve, reject });
      socket.write(frame(correlationId));
    });
  };
  return {
    request: (apiKey, apiVersion, body) => send(apiKey, apiVersion, (correlationId) => encodeRequest({ apiKey, apiVersion, correlationId, clientId: 'eddy-wire' }, body)),
    requestFrame: (apiKey, apiVersion, frame) => send(apiKey, apiVersion, (correlationId) => {
      frame.writeInt32BE(correlationId, CORRELATION_ID_AT);
      return frame;
    }),
    writeRaw(bytes) {
      socket.write(bytes);
    },
    closed,
    close() {
      socket.destroy();
    },
  };
}
