/**
 * Request framing. On the wire every request and response is `size int32` followed by `size`
 * bytes; a request's bytes are a RequestHeader then the body, a response's a ResponseHeader then
 * the body. The header version follows from the API and its version: flexible versions use request
 * header v2 and response header v1, others v1 and v0 — except that ApiVersions responses always
 * use header v0.
 *
 * {@link FrameDecoder} cuts a byte stream into frames and refuses a frame larger than
 * `socketRequestMaxBytes` as soon as its size prefix arrives, before buffering any of its body.
 * After an error the connection is out of sync and must be closed; the decoder stays failed.
 */

import { EddyError } from '../errors.js';
import { API_KEYS, apiName } from './api-keys.js';
import { API_MESSAGES, RequestHeader, ResponseHeader } from './messages/index.js';
import { protocolError, Reader, Writer } from './primitives.js';
import { decode, encode, inVersions, type Message, type StructValue } from './schema.js';

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest request accepted, in bytes after the size prefix (Kafka's `socket.request.max.bytes`). */
  socketRequestMaxBytes: number;
}

export const DEFAULT_FRAME_DECODER_OPTIONS: Readonly<FrameDecoderOptions> = { socketRequestMaxBytes: 104857600 };

/** Fills in defaults and fails fast with ERR_CONFIG_INVALID on a bad value. */
export function resolveFrameDecoderOptions(options: Partial<FrameDecoderOptions> = {}): FrameDecoderOptions {
  const resolved = { ...DEFAULT_FRAME_DECODER_OPTIONS, ...options };
  const max = resolved.socketRequestMaxBytes;
  if (!Number.isInteger(max) || max < 8 || max > 0x7fffffff) {
    throw new EddyError('ERR_CONFIG_INVALID', `socketRequestMaxBytes must be an integer in [8, 2147483647], got ${String(max)}`, {
      config: 'socketRequestMaxBytes',
      value: max,
    });
  }
  return resolved;
}

/**
 * Cuts a byte stream into size-prefixed frames.
 *
 * @example
 * const frames = new FrameDecoder();
 * socket.on('data', (chunk) => { for (const frame of frames.push(chunk)) handle(decodeRequest(frame)); });
 */
export class FrameDecoder {
  private readonly maxBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being collected, or -1 while its prefix is incomplete. */
  private frameSize = -1;
  private failure: EddyError | null = null;

  constructor(options: Partial<FrameDecoderOptions> = {}) {
    this.maxBytes = resolveFrameDecoderOptions(options).socketRequestMaxBytes;
  }

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Adds `chunk` and returns the frames it completes (without their size prefix). */
  push(chunk: Buffer): Buffer[] {
    if (this.failure !== null) throw this.failure;
    if (chunk.length > 0) this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    while (true) {
      if (this.frameSize === -1) {
        if (this.buffered < 4) break;
        const size = this.take(4).readInt32BE(0);
        if (size < 0 || size > this.maxBytes) {
          this.failure = protocolError(`Request of ${size} bytes refused: the limit is ${this.maxBytes} (socketRequestMaxBytes)`, { size });
          this.chunks = [];
          this.buffered = 0;
          throw this.failure;
        }
        this.frameSize = size;
      }
      if (this.buffered < this.frameSize) break;
      frames.push(this.take(this.frameSize));
      this.frameSize = -1;
    }
    return frames;
  }

  /** Removes the first `n` buffered bytes, copying only when they span chunks. */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks, this.buffered);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.buffered -= n;
    return out;
  }
}

/** A decoded request. */
export interface DecodedRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly header: StructValue;
  readonly body: StructValue;
}

/** Request header version for `version` of `request`. */
export function requestHeaderVersion(request: Message, version: number): number {
  return inVersions(request.flexibleVersions, version) ? 2 : 1;
}

/** Response header version for `version` of `response`. */
export function responseHeaderVersion(response: Message, version: number): number {
  if (response.apiKey === API_KEYS.ApiVersions) return 0;
  return inVersions(response.flexibleVersions, version) ? 1 : 0;
}

function messagesFor(apiKey: number, apiVersion: number, correlationId: number) {
  const context = { apiKey, apiVersion, correlationId };
  const api = API_MESSAGES.get(apiKey);
  if (api === undefined) {
    const name = apiName(apiKey);
    const what = name === undefined ? `Unknown API key ${apiKey}` : `API ${name} (key ${apiKey}) is not supported yet`;
    throw protocolError(what, { ...context, unsupported: 'apiKey' });
  }
  const { min, max } = api.request.validVersions;
  if (!inVersions(api.request.validVersions, apiVersion)) {
    throw protocolError(`${apiName(apiKey)} v${apiVersion} is not supported (versions ${min}–${max})`, { ...context, unsupported: 'apiVersion' });
  }
  return api;
}

/**
 * Decodes one request frame (the bytes after the size prefix). An unknown API key or version is
 * ERR_PROTOCOL_INVALID with `apiKey`, `apiVersion`, `correlationId` and `unsupported` in its
 * context, so a server can still answer; malformed bytes are ERR_PROTOCOL_INVALID too.
 *
 * @example
 * const { apiKey, apiVersion, header, body } = decodeRequest(frame);
 */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const peek = new Reader(frame);
  const apiKey = peek.int16();
  const apiVersion = peek.int16();
  const correlationId = peek.int32();
  const { request } = messagesFor(apiKey, apiVersion, correlationId);
  const reader = new Reader(frame);
  const header = decode(RequestHeader, requestHeaderVersion(request, apiVersion), reader);
  const body = decode(request, apiVersion, reader);
  reader.expectEnd(`${request.name} v${apiVersion}`);
  return { apiKey, apiVersion, header, body };
}

/** The frame `write` produces, size prefix included, as chunks: long byte strings (fetched records) are not copied. */
function sizePrefixedChunks(write: (w: Writer) => void): Buffer[] {
  const w = new Writer();
  w.int32(0);
  write(w);
  const chunks = w.finishChunks();
  (chunks[0] as Buffer).writeInt32BE(w.length - 4, 0);
  return chunks;
}

function sizePrefixed(write: (w: Writer) => void): Buffer {
  const chunks = sizePrefixedChunks(write);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/**
 * Encodes a request frame, size prefix included (for clients and tests).
 *
 * @example
 * encodeRequest({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'eddy' }, { clientSoftwareName: 'eddy', clientSoftwareVersion: '1' });
 */
export function encodeRequest(
  header: { apiKey: number; apiVersion: number; correlationId: number; clientId: string | null },
  body: StructValue,
): Buffer {
  const { request } = messagesFor(header.apiKey, header.apiVersion, header.correlationId);
  return sizePrefixed((w) => {
    const headerValue = {
      requestApiKey: header.apiKey,
      requestApiVersion: header.apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
    };
    encode(RequestHeader, requestHeaderVersion(request, header.apiVersion), headerValue, w);
    encode(request, header.apiVersion, body, w);
  });
}

/**
 * Encodes the response to `apiKey`/`apiVersion`, size prefix included.
 *
 * @example
 * encodeResponse(18, 3, correlationId, { errorCode: 0, apiKeys: [], throttleTimeMs: 0 });
 */
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: StructValue): Buffer {
  const chunks = encodeResponseChunks(apiKey, apiVersion, correlationId, body);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/**
 * {@link encodeResponse} as the chunks of one frame, for a vectored socket write: record batches
 * in the body are referenced, not copied, so they must not change until the chunks are written.
 */
export function encodeResponseChunks(apiKey: number, apiVersion: number, correlationId: number, body: StructValue): Buffer[] {
  const { response } = messagesFor(apiKey, apiVersion, correlationId);
  return sizePrefixedChunks((w) => {
    encode(ResponseHeader, responseHeaderVersion(response, apiVersion), { correlationId }, w);
    encode(response, apiVersion, body, w);
  });
}
