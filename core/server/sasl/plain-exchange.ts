/**
 * SASL PLAIN (RFC 4616), server side: one client message `[authzid] NUL authcid NUL passwd` in UTF-8,
 * answered with an empty token on success. As in Kafka, the authorization id must be empty or the
 * user's own name (no acting on behalf of another user), and neither name nor password may be empty.
 * Messages never say whether the name or the password was wrong.
 */
import { failed, type SaslExchange, type SaslStep } from './sasl-exchange.js';
import type { SaslCredentials } from './sasl-credentials.js';

const INVALID_CREDENTIALS = 'Authentication failed: invalid username or password (PLAIN)';

export class PlainExchange implements SaslExchange {
  readonly mechanism = 'PLAIN';
  private done = false;

  constructor(private readonly credentials: Pick<SaslCredentials, 'checkPassword'>) {}

  get finished(): boolean {
    return this.done;
  }

  evaluate(token: Uint8Array): Promise<SaslStep> {
    return Promise.resolve(this.evaluateNow(token));
  }

  private evaluateNow(token: Uint8Array): SaslStep {
    if (this.done) return failed('Authentication failed: the PLAIN exchange is already complete');
    this.done = true;
    const text = Buffer.from(token.buffer, token.byteOffset, token.byteLength).toString('utf8');
    const parts = text.split('\0');
    if (parts.length !== 3) return failed('Authentication failed: a PLAIN message is authzid NUL username NUL password');
    const [authzid, user, password] = parts as [string, string, string];
    if (user.length === 0) return failed('Authentication failed: PLAIN username not specified');
    if (password.length === 0) return failed('Authentication failed: PLAIN password not specified');
    if (authzid.length > 0 && authzid !== user) return failed('Authentication failed: the authorization id must be empty or equal to the username');
    if (!this.credentials.checkPassword(user, password)) return failed(INVALID_CREDENTIALS);
    return { outcome: 'authenticated', token: Buffer.alloc(0), principal: user };
  }
}
