/**
 * One server-side SASL exchange: the broker feeds it each token the client sends (the authBytes of
 * a SaslAuthenticate request, or a bare token after a v0 SaslHandshake) and answers with the step
 * it returns. An exchange is single-use: once it has authenticated or failed, every further token
 * fails. Failing is an answer, not an exception: the broker turns it into
 * SASL_AUTHENTICATION_FAILED with the step's message and closes the connection, as Kafka does.
 */

/** The mechanisms Eddy's broker can offer (Kafka's names). */
export type SaslMechanismName = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export const SASL_MECHANISM_NAMES: readonly SaslMechanismName[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

export function isSaslMechanismName(name: string): name is SaslMechanismName {
  return (SASL_MECHANISM_NAMES as readonly string[]).includes(name);
}

/** What the server answers to one client token. */
export type SaslStep =
  /** More rounds follow: send `token` (the challenge) and wait for the client's next token. */
  | { readonly outcome: 'challenge'; readonly token: Buffer }
  /** The client is `principal`; send `token` (possibly empty) as the last server message. */
  | { readonly outcome: 'authenticated'; readonly token: Buffer; readonly principal: string }
  /** Authentication failed; `message` says why without revealing which part of the credentials was wrong. */
  | { readonly outcome: 'failed'; readonly message: string };

export interface SaslExchange {
  readonly mechanism: SaslMechanismName;
  /** True once the exchange has authenticated or failed. */
  readonly finished: boolean;
  /** Evaluates the client's next token. Never rejects: a malformed token is a failed step. */
  evaluate(token: Uint8Array): Promise<SaslStep>;
}

/**
 * Thrown inside a mechanism to abandon the exchange with a message for the client; caught by the
 * exchange's `evaluate` and turned into a failed step, so it never leaves this folder.
 */
export class SaslFailure extends Error {
  override readonly name = 'SaslFailure';
}

export function failed(message: string): SaslStep {
  return { outcome: 'failed', message };
}
