/**
 * SCRAM credentials (RFC 5802 §3): what a server keeps for a user instead of the password.
 *
 *   SaltedPassword = PBKDF2(HMAC-H, password, salt, iterations)
 *   ClientKey      = HMAC(SaltedPassword, "Client Key")     StoredKey = H(ClientKey)
 *   ServerKey      = HMAC(SaltedPassword, "Server Key")
 *
 * The password is used as its UTF-8 bytes without SASLprep, as Kafka and librdkafka do. PBKDF2 runs
 * on libuv's thread pool so deriving a credential never stalls the event loop.
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** Kafka's default (and minimum) iteration count for SCRAM credentials. */
export const SCRAM_ITERATIONS = 4096;

const pbkdf2 = promisify(crypto.pbkdf2);

/** Digest name and output length of each mechanism's hash. */
export const SCRAM_HASHES: Readonly<Record<ScramMechanism, { digest: 'sha256' | 'sha512'; length: number }>> = {
  'SCRAM-SHA-256': { digest: 'sha256', length: 32 },
  'SCRAM-SHA-512': { digest: 'sha512', length: 64 },
};

export interface ScramCredential {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

export function scramHmac(mechanism: ScramMechanism, key: Uint8Array, data: string | Uint8Array): Buffer {
  return crypto.createHmac(SCRAM_HASHES[mechanism].digest, key).update(data).digest();
}

export function scramHash(mechanism: ScramMechanism, data: Uint8Array): Buffer {
  return crypto.createHash(SCRAM_HASHES[mechanism].digest).update(data).digest();
}

/** Derives the credential of `password` with the given salt (random per user in the broker; fixed in tests). */
export async function deriveScramCredential(mechanism: ScramMechanism, password: string, salt: Buffer, iterations = SCRAM_ITERATIONS): Promise<ScramCredential> {
  const { digest, length } = SCRAM_HASHES[mechanism];
  const saltedPassword = await pbkdf2(Buffer.from(password, 'utf8'), salt, iterations, length, digest);
  const clientKey = scramHmac(mechanism, saltedPassword, 'Client Key');
  return { salt, iterations, storedKey: scramHash(mechanism, clientKey), serverKey: scramHmac(mechanism, saltedPassword, 'Server Key') };
}
