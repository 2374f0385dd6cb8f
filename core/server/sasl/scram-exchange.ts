/**
 * SASL SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677), server side, in Kafka's two rounds:
 *
 *   client-first → server-first (the client's nonce with the server's appended, the user's salt and
 *   iteration count); client-final → server-final (the server signature), after checking the
 *   client's proof: H(ClientProof XOR HMAC(StoredKey, AuthMessage)) must equal StoredKey, compared
 *   in constant time.
 *
 * The client-final nonce must be the server-first one, or (for librdkafka before 2.6.1) the
 * client's nonce followed by it. An unknown user gets a stand-in credential and fails at the proof
 * like a wrong password. The server nonce comes from `options.serverNonce`, so a test can replay
 * RFC 7677's example.
 */
import crypto from 'node:crypto';
import { failed, SaslFailure, type SaslExchange, type SaslStep } from './sasl-exchange.js';
import { scramHash, scramHmac, SCRAM_HASHES, type ScramCredential, type ScramMechanism } from './scram-credential.js';
import { formatServerFinal, formatServerFirst, parseClientFinal, parseClientFirst, type ClientFirstMessage } from './scram-messages.js';

/** Where the exchange finds credentials: null for a user that does not exist. */
export interface ScramCredentialSource {
  scramCredential(mechanism: ScramMechanism, user: string): Promise<ScramCredential> | null;
  standInScramCredential(mechanism: ScramMechanism, user: string): ScramCredential;
}

export interface ScramExchangeOptions {
  /** The server's part of the nonce; default 24 random bytes in base64url. */
  serverNonce?: () => string;
}

const INVALID_CREDENTIALS = (mechanism: ScramMechanism): string => `Authentication failed: invalid username or password (${mechanism})`;

function randomServerNonce(): string {
  return crypto.randomBytes(24).toString('base64url');
}

type State =
  | { step: 'client-first' }
  | { step: 'client-final'; first: ClientFirstMessage; serverFirst: string; nonce: string; credential: ScramCredential; known: boolean }
  | { step: 'done' };

export class ScramExchange implements SaslExchange {
  private state: State = { step: 'client-first' };
  private busy = false;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly credentials: ScramCredentialSource,
    private readonly options: ScramExchangeOptions = {},
  ) {}

  get finished(): boolean {
    return this.state.step === 'done';
  }

  async evaluate(token: Uint8Array): Promise<SaslStep> {
    // Tokens are evaluated one at a time; one sent before the last is answered ends the exchange.
    if (this.busy || this.state.step === 'done') {
      this.state = { step: 'done' };
      return failed(`Authentication failed: unexpected ${this.mechanism} message`);
    }
    this.busy = true;
    try {
      const text = Buffer.from(token.buffer, token.byteOffset, token.byteLength).toString('utf8');
      return this.state.step === 'client-first' ? await this.clientFirst(text) : this.clientFinal(text, this.state);
    } catch (err) {
      this.state = { step: 'done' };
      if (err instanceof SaslFailure) return failed(err.message);
      throw err;
    } finally {
      this.busy = false;
    }
  }

  private async clientFirst(text: string): Promise<SaslStep> {
    const first = parseClientFirst(text);
    if (first.authzid !== '' && first.authzid !== first.username) {
      throw new SaslFailure('Authentication failed: the authorization id must be empty or equal to the username');
    }
    const pending = this.credentials.scramCredential(this.mechanism, first.username);
    const credential = pending === null ? this.credentials.standInScramCredential(this.mechanism, first.username) : await pending;
    const nonce = first.nonce + (this.options.serverNonce ?? randomServerNonce)();
    const serverFirst = formatServerFirst(nonce, credential.salt, credential.iterations);
    this.state = { step: 'client-final', first, serverFirst, nonce, credential, known: pending !== null };
    return { outcome: 'challenge', token: Buffer.from(serverFirst, 'utf8') };
  }

  private clientFinal(text: string, state: Extract<State, { step: 'client-final' }>): SaslStep {
    this.state = { step: 'done' };
    const final = parseClientFinal(text);
    if (final.channelBinding !== Buffer.from(state.first.gs2Header, 'utf8').toString('base64')) {
      throw new SaslFailure('Authentication failed: the SCRAM channel binding does not match the gs2 header');
    }
    // librdkafka before 2.6.1 sends its own nonce again in front of the combined one (librdkafka
    // #4895); Kafka 3.8.1–3.9 accept that, so Eddy accepts exactly that form too.
    if (final.nonce !== state.nonce && final.nonce !== state.first.nonce + state.nonce) {
      throw new SaslFailure('Authentication failed: invalid nonce in the SCRAM client-final message');
    }
    if (final.proof.length !== SCRAM_HASHES[this.mechanism].length) throw new SaslFailure(INVALID_CREDENTIALS(this.mechanism));
    const authMessage = `${state.first.bare},${state.serverFirst},${final.withoutProof}`;
    const { storedKey, serverKey } = state.credential;
    const clientSignature = scramHmac(this.mechanism, storedKey, authMessage);
    const clientKey = Buffer.alloc(clientSignature.length);
    for (let i = 0; i < clientKey.length; i++) clientKey[i] = final.proof[i]! ^ clientSignature[i]!;
    const proofMatches = crypto.timingSafeEqual(scramHash(this.mechanism, clientKey), storedKey);
    if (!proofMatches || !state.known) throw new SaslFailure(INVALID_CREDENTIALS(this.mechanism));
    const serverSignature = scramHmac(this.mechanism, serverKey, authMessage);
    return { outcome: 'authenticated', token: Buffer.from(formatServerFinal(serverSignature), 'utf8'), principal: state.first.username };
  }
}
