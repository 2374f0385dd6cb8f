/**
 * One client connection: bytes in, frames cut by the FrameDecoder, each request decoded and handed
 * to its handler as soon as it arrives, responses written in request order (Kafka's guarantee to
 * a client that pipelines). Reading pauses while `maxInFlightPerConnection` requests are unanswered.
 *
 * A frame that cannot be decoded closes the connection (the stream is out of sync or the client
 * speaks something else), except an ApiVersions request of a version this server does not know,
 * which is answered with UNSUPPORTED_VERSION and the supported ranges as Kafka does. A connection
 * silent for `connectionsMaxIdleMs` is closed. With SASL configured, only ApiVersions, SaslHandshake
 * and SaslAuthenticate are accepted until the client has authenticated; a SASL answer with an error
 * before then closes the connection once it is sent (Kafka's behaviour on a failed authentication),
 * and after a v0 SaslHandshake the SASL tokens arrive as bare size-prefixed frames (KIP-43).
 */
import type net from 'node:net';
import { isEddyError } from '../errors.js';
import { API_KEYS } from '../protocol/api-keys.js';
import { decodeRequest, encodeResponseChunks, FrameDecoder } from '../protocol/frame.js';
import { apiVersionsBody } from './handlers/api-versions.js';
import { HANDLERS } from './handlers/index.js';
import { evaluateRawSaslToken, isRawSaslToken } from './handlers/sasl.js';
import type { StructValue } from '../protocol/schema.js';
import type { BrokerContext, ConnectionSession, RequestContext } from './handler.js';
import type { ReadBufferPool } from './read-buffers.js';
import { KAFKA_ERRORS } from './kafka-errors.js';

let nextConnectionId = 1;

const BEFORE_AUTHENTICATION = new Set<number>([API_KEYS.ApiVersions, API_KEYS.SaslHandshake, API_KEYS.SaslAuthenticate]);
const SASL_APIS = new Set<number>([API_KEYS.SaslHandshake, API_KEYS.SaslAuthenticate]);

/** A response being prepared; `closeAfter` closes the connection once it is written. */
interface ResponseSlot {
  /** The response frame in chunks (fetched records are not copied into it), or null for none. */
  bytes: Buffer[] | null;
  /** Buffers from the read pool the response may hold, given back once it is written. */
  leased: Buffer[];
  done: boolean;
  closeAfter: boolean;
}

export class Connection {
  readonly session: ConnectionSession;
  private readonly frames: FrameDecoder;
  private readonly abort = new AbortController();
  /** Responses in request order; a slot's bytes are set when its handler finishes. */
  private readonly pending: ResponseSlot[] = [];
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private paused = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly broker: BrokerContext,
    listener: 'tcp' | 'unix',
    private readonly onClose: (connection: Connection) => void,
    private readonly readBuffers: ReadBufferPool,
  ) {
    this.session = {
      id: nextConnectionId++,
      remoteAddress: listener === 'tcp' ? `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}` : 'unix',
      listener,
      saslMechanism: null,
      saslHandshakeVersion: 1,
      saslState: null,
      principal: null,
      // The Unix socket is guarded by the data directory's file permissions; SASL applies to TCP.
      authenticated: broker.options.sasl === null || listener === 'unix',
    };
    this.frames = new FrameDecoder({ socketRequestMaxBytes: broker.options.socketRequestMaxBytes });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    this.touch();
  }

  private touch(): void {
    if (this.idleTimer !== null) this.idleTimer.refresh();
    else {
      this.idleTimer = setTimeout(() => this.close(), this.broker.options.connectionsMaxIdleMs);
      this.idleTimer.unref();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.touch();
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch {
      this.close();
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      this.dispatch(frame);
    }
  }

  private dispatch(frame: Buffer): void {
    if (isRawSaslToken(this.session, frame)) {
      this.dispatchRawSaslToken(frame);
      return;
    }
    let request;
    try {
      request = decodeRequest(frame);
    } catch (err) {
      const unsupported = isEddyError(err, 'ERR_PROTOCOL_INVALID') ? err.context : null;
      if (unsupported !== null && unsupported.apiKey === API_KEYS.ApiVersions && unsupported.unsupported === 'apiVersion' && typeof unsupported.correlationId === 'number') {
        // Kafka answers an ApiVersions request it cannot parse with a v0 response naming its versions.
        const body = { ...apiVersionsBody(HANDLERS.keys()), errorCode: KAFKA_ERRORS.UNSUPPORTED_VERSION };
        const slot = this.enqueue();
        slot.bytes = encodeResponseChunks(API_KEYS.ApiVersions, 0, unsupported.correlationId, body);
        this.finish(slot);
        return;
      }
      this.close();
      return;
    }
    const { apiKey, apiVersion, header, body } = request;
    const correlationId = header.correlationId as number;
    if (!this.session.authenticated && !BEFORE_AUTHENTICATION.has(apiKey)) {
      this.close();
      return;
    }
    const handler = HANDLERS.get(apiKey);
    if (handler === undefined) {
      this.close();
      return;
    }
    const slot = this.enqueue();
    const ctx: RequestContext = {
      apiKey,
      apiVersion,
      correlationId,
      clientId: (header.clientId as string | null) ?? null,
      body,
      broker: this.broker,
      session: this.session,
      signal: this.abort.signal,
      allocate: (size) => {
        const buf = this.readBuffers.take(size);
        slot.leased.push(buf);
        return buf;
      },
    };
    const answer = (response: StructValue | null): void => {
      if (this.closed) return;
      try {
        slot.bytes = response === null ? null : encodeResponseChunks(apiKey, apiVersion, correlationId, response);
        // Kafka closes a connection whose SASL exchange failed once the error answer is sent.
        slot.closeAfter = !this.session.authenticated && SASL_APIS.has(apiKey) && response !== null && response.errorCode !== 0;
      } catch (err) {
        this.broker.onError(err);
        this.close();
        return;
      }
      this.finish(slot);
    };
    const fail = (err: unknown): void => {
      if (this.closed) return;
      this.broker.onError(err);
      this.close();
    };
    try {
      const result = handler(ctx);
      if (result instanceof Promise) result.then(answer, fail);
      else answer(result);
    } catch (err) {
      fail(err);
    }
    if (this.pending.length >= this.broker.options.maxInFlightPerConnection && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** A bare SASL token after a v0 SaslHandshake: answered with a bare token, or the connection closed on failure. */
  private dispatchRawSaslToken(frame: Buffer): void {
    const slot = this.enqueue();
    evaluateRawSaslToken(this.session, frame).then(
      (token) => {
        if (this.closed) return;
        if (token === null) {
          this.close();
          return;
        }
        const size = Buffer.alloc(4);
        size.writeInt32BE(token.length, 0);
        slot.bytes = [size, token];
        this.finish(slot);
      },
      (err: unknown) => {
        if (this.closed) return;
        this.broker.onError(err);
        this.close();
      },
    );
  }

  private enqueue(): ResponseSlot {
    const slot: ResponseSlot = { bytes: null, leased: [], done: false, closeAfter: false };
    this.pending.push(slot);
    return slot;
  }

  /** Marks `slot` answered and writes every answered response at the head of the queue, in request order. */
  private finish(slot: ResponseSlot): void {
    slot.done = true;
    let closeAfter = false;
    // Corked, so responses finished together leave in one write without being copied together.
    this.socket.cork();
    while (this.pending.length > 0 && this.pending[0]!.done && !closeAfter) {
      const head = this.pending.shift()!;
      const chunks = head.bytes ?? [];
      chunks.forEach((chunk, i) => {
        // The last chunk's write callback runs once every chunk before it is written too.
        const written = i === chunks.length - 1 && head.leased.length > 0 ? () => this.readBuffers.release(head.leased) : undefined;
        this.socket.write(chunk, written);
      });
      closeAfter = head.closeAfter;
    }
    this.socket.uncork();
    if (closeAfter) {
      this.close(true);
      return;
    }
    if (this.paused && this.pending.length < this.broker.options.maxInFlightPerConnection) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /**
   * Closes the connection; requests in progress are abandoned (their long polls end). With `flush`,
   * what was written is sent first.
   */
  close(flush = false): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.abort.abort();
    this.pending.length = 0;
    if (flush) this.socket.end(() => this.socket.destroy());
    else this.socket.destroy();
    this.onClose(this);
  }
}
