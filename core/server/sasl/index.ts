/**
 * Server-side SASL for the Kafka protocol server: PLAIN and SCRAM-SHA-256/512 exchanges over the
 * users of the broker's `sasl` option. handlers/sasl.ts drives them from SaslHandshake and
 * SaslAuthenticate requests.
 */
import { PlainExchange } from './plain-exchange.js';
import type { SaslCredentials } from './sasl-credentials.js';
import type { SaslExchange, SaslMechanismName } from './sasl-exchange.js';
import { ScramExchange, type ScramExchangeOptions } from './scram-exchange.js';

export { SaslCredentials, saslCredentialsFor } from './sasl-credentials.js';
export { isSaslMechanismName, SASL_MECHANISM_NAMES, type SaslExchange, type SaslMechanismName, type SaslStep } from './sasl-exchange.js';

/** A new exchange of `mechanism` for one connection. */
export function startSaslExchange(mechanism: SaslMechanismName, credentials: SaslCredentials, options: ScramExchangeOptions = {}): SaslExchange {
  return mechanism === 'PLAIN' ? new PlainExchange(credentials) : new ScramExchange(mechanism, credentials, options);
}
