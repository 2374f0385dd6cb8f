/**
 * The users a broker accepts, as its SASL mechanisms need them: a keyed digest of each password for
 * PLAIN (compared in constant time) and, per SCRAM mechanism, a credential derived once with a random
 * salt of its own and kept for the broker's life. Credentials are derived on first use rather than
 * all at start, so a broker with many users starts at once; each is derived at most once.
 *
 * Unknown users get a stand-in SCRAM credential (a salt that is a keyed hash of the name, keys that
 * match no password) so the exchange runs to its last step and fails there like a wrong password,
 * without telling the client which names exist (RFC 5802 §5.1).
 */
import crypto from 'node:crypto';
import { SCRAM_HASHES, SCRAM_ITERATIONS, deriveScramCredential, type ScramCredential, type ScramMechanism } from './scram-credential.js';

const SALT_BYTES = 16;

export class SaslCredentials {
  /** Key of the password digests and of the stand-in salts; random per broker. */
  private readonly secret = crypto.randomBytes(32);
  private readonly passwordDigests = new Map<string, Buffer>();
  private readonly scram = new Map<string, Promise<ScramCredential>>();
  /** Compared against when the user is unknown, so both paths do the same work. */
  private readonly unknownUserDigest: Buffer;

  constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly iterations = SCRAM_ITERATIONS,
  ) {
    for (const [user, password] of users) this.passwordDigests.set(user, this.digest(password));
    this.unknownUserDigest = this.digest(crypto.randomBytes(32).toString('hex'));
  }

  private digest(text: string): Buffer {
    return crypto.createHmac('sha256', this.secret).update(text, 'utf8').digest();
  }

  /** True when `password` is `user`'s; takes the same time whatever the user, the password or their lengths. */
  checkPassword(user: string, password: string): boolean {
    const expected = this.passwordDigests.get(user);
    const matches = crypto.timingSafeEqual(this.digest(password), expected ?? this.unknownUserDigest);
    return matches && expected !== undefined;
  }

  /** `user`'s credential for `mechanism`, or null for a user that does not exist. */
  scramCredential(mechanism: ScramMechanism, user: string): Promise<ScramCredential> | null {
    const password = this.users.get(user);
    if (password === undefined) return null;
    const key = `${mechanism}\0${user}`;
    let credential = this.scram.get(key);
    if (credential === undefined) {
      credential = deriveScramCredential(mechanism, password, crypto.randomBytes(SALT_BYTES), this.iterations);
      this.scram.set(key, credential);
    }
    return credential;
  }

  /** A credential for an unknown user: a stable salt per name, keys no proof can match. */
  standInScramCredential(mechanism: ScramMechanism, user: string): ScramCredential {
    const salt = crypto.createHmac('sha256', this.secret).update(`salt\0${mechanism}\0${user}`, 'utf8').digest().subarray(0, SALT_BYTES);
    const { length } = SCRAM_HASHES[mechanism];
    return { salt, iterations: this.iterations, storedKey: crypto.randomBytes(length), serverKey: crypto.randomBytes(length) };
  }
}

const BY_OPTIONS = new WeakMap<object, SaslCredentials>();

/** The credentials of a broker's resolved `sasl` option, made once per options object. */
export function saslCredentialsFor(sasl: { users: ReadonlyMap<string, string> }): SaslCredentials {
  let credentials = BY_OPTIONS.get(sasl);
  if (credentials === undefined) {
    credentials = new SaslCredentials(sasl.users);
    BY_OPTIONS.set(sasl, credentials);
  }
  return credentials;
}
