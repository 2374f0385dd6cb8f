/**
 * SaslHandshake (key 17) and SaslAuthenticate (key 36): SASL authentication of a connection when the
 * broker has a `sasl` option (KIP-43, KIP-152). The client names a mechanism in SaslHandshake; the
 * mechanism's tokens then travel in SaslAuthenticate requests (after a v1 handshake, and after a v0
 * one when the client sends them so) or, after a v0 handshake, as bare size-prefixed frames, which
 * the connection hands to `evaluateRawSaslToken`. On success the session gets its principal and may
 * send any request.
 *
 * As Kafka: a mechanism the broker does not enable is UNSUPPORTED_SASL_MECHANISM with the enabled
 * list; a wrong password, an unknown user or a malformed token is SASL_AUTHENTICATION_FAILED with a
 * message; a request out of turn is ILLEGAL_SASL_STATE. Each of these ends the exchange, and the
 * connection is closed once the answer is sent. Without a `sasl` option (a PLAINTEXT listener, in
 * Kafka's words) both APIs answer ILLEGAL_SASL_STATE and the connection stays open. Sessions never
 * expire (sessionLifetimeMs 0), so clients do not re-authenticate.
 */
import { API_KEYS } from '../../protocol/api-keys.js';
import type { StructValue } from '../../protocol/schema.js';
import type { ConnectionSession, Handler } from '../handler.js';
import { KAFKA_ERRORS } from '../kafka-errors.js';
import { isSaslMechanismName, saslCredentialsFor, startSaslExchange, type SaslExchange } from '../sasl/index.js';

/** What a session keeps between SaslAuthenticate rounds (in `session.saslState`). */
class SaslSessionState {
  constructor(readonly exchange: SaslExchange) {}
}

const EMPTY = Buffer.alloc(0);

function exchangeOf(session: ConnectionSession): SaslExchange | null {
  return session.saslState instanceof SaslSessionState ? session.saslState.exchange : null;
}

/** Evaluates one client token; on success the session is authenticated. */
async function evaluate(session: ConnectionSession, exchange: SaslExchange, token: Uint8Array): Promise<{ token: Buffer } | { error: string }> {
  const step = await exchange.evaluate(token);
  if (step.outcome === 'failed') return { error: step.message };
  if (step.outcome === 'authenticated') {
    session.principal = step.principal;
    session.authenticated = true;
    session.saslState = null;
  }
  return { token: step.token };
}

export const handleSaslHandshake: Handler = ({ body, broker, session, apiVersion }) => {
  const sasl = broker.options.sasl;
  if (sasl === null || session.authenticated) return { errorCode: KAFKA_ERRORS.ILLEGAL_SASL_STATE, mechanisms: [] };
  const mechanisms = [...sasl.mechanisms];
  if (session.saslMechanism !== null) return { errorCode: KAFKA_ERRORS.ILLEGAL_SASL_STATE, mechanisms };
  const mechanism = body.mechanism as string;
  if (!mechanisms.includes(mechanism) || !isSaslMechanismName(mechanism)) return { errorCode: KAFKA_ERRORS.UNSUPPORTED_SASL_MECHANISM, mechanisms };
  session.saslMechanism = mechanism;
  session.saslHandshakeVersion = apiVersion;
  session.saslState = new SaslSessionState(startSaslExchange(mechanism, saslCredentialsFor(sasl)));
  return { errorCode: KAFKA_ERRORS.NONE, mechanisms };
};

function authenticateResponse(errorCode: number, errorMessage: string | null, authBytes: Uint8Array = EMPTY): StructValue {
  return { errorCode, errorMessage, authBytes, sessionLifetimeMs: 0 };
}

export const handleSaslAuthenticate: Handler = async ({ body, broker, session }) => {
  if (broker.options.sasl === null) return authenticateResponse(KAFKA_ERRORS.ILLEGAL_SASL_STATE, 'SASL authentication is not enabled on this listener');
  if (session.authenticated) return authenticateResponse(KAFKA_ERRORS.ILLEGAL_SASL_STATE, 'SaslAuthenticate request received after successful authentication');
  const exchange = exchangeOf(session);
  if (exchange === null) return authenticateResponse(KAFKA_ERRORS.ILLEGAL_SASL_STATE, 'SaslAuthenticate request received before a successful SaslHandshake');
  const result = await evaluate(session, exchange, body.authBytes as Uint8Array);
  if ('error' in result) return authenticateResponse(KAFKA_ERRORS.SASL_AUTHENTICATION_FAILED, result.error);
  return authenticateResponse(KAFKA_ERRORS.NONE, null, result.token);
};

/**
 * True when `frame` (a frame without its size prefix) is a bare SASL token: the session chose its
 * mechanism with a v0 SaslHandshake and has not authenticated yet. A frame that starts like a
 * SaslAuthenticate request header (api key 36, a version 0–2) is taken as a request instead, so
 * clients that follow a v0 handshake with SaslAuthenticate work too; neither a PLAIN nor a SCRAM
 * token of real credentials starts with those bytes.
 */
export function isRawSaslToken(session: ConnectionSession, frame: Buffer): boolean {
  if (session.authenticated || session.saslHandshakeVersion !== 0 || exchangeOf(session) === null) return false;
  const looksLikeRequest = frame.length >= 8 && frame.readInt16BE(0) === API_KEYS.SaslAuthenticate && frame.readInt16BE(2) >= 0 && frame.readInt16BE(2) <= 2;
  return !looksLikeRequest;
}

/**
 * Evaluates a bare SASL token (see isRawSaslToken) and resolves with the bare token to send back
 * (size-prefixed by the caller; empty after PLAIN), or null when authentication failed: Kafka then
 * closes the connection without an answer, since a bare token has no room for an error.
 */
export async function evaluateRawSaslToken(session: ConnectionSession, frame: Buffer): Promise<Buffer | null> {
  const exchange = exchangeOf(session);
  if (exchange === null || session.authenticated) return null;
  const result = await evaluate(session, exchange, frame);
  return 'error' in result ? null : result.token;
}

export const SASL_HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [API_KEYS.SaslHandshake, handleSaslHandshake],
  [API_KEYS.SaslAuthenticate, handleSaslAuthenticate],
]);
