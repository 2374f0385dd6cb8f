/**
 * Options of `Eddy.connect()`: where the cluster is and how to reach it. Defaults in
 * DEFAULT_REMOTE_EDDY_OPTIONS, validated by resolveRemoteEddyOptions (ERR_CONFIG_UNKNOWN /
 * ERR_CONFIG_INVALID). Producer and consumer options are the embedded ones (core/client/types.ts).
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { SASLOptions } from '@platformatic/kafka';
import { EddyError } from '../errors.js';

export interface RemoteEddyOptions {
  /** Bootstrap brokers as `host:port` (`host` alone means port 9092). At least one. */
  brokers: string[];
  /** Sent to the brokers with every request (logs, quotas). Default 'eddy'. */
  clientId?: string;
  /** SASL authentication: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER (the library's SASL options). */
  sasl?: SASLOptions;
  /** TLS: true for Node's defaults, or Node's tls.connect options (ca, cert, key, servername…). */
  tls?: boolean | TlsConnectionOptions;
  /** How long establishing a connection may take. Default 10000 (Kafka's socket.connection.setup.timeout.max.ms is 30 s). */
  connectTimeoutMs?: number;
  /** How long a request may wait for its response. Default 30000 (Kafka's request.timeout.ms). */
  requestTimeoutMs?: number;
  /** How long cached topic metadata (partition counts, leaders) is used before it is asked for again. Default 5000. */
  metadataMaxAgeMs?: number;
  /** Retries of a produce or admin request that failed with a retriable error. Default 5. */
  retries?: number;
  /** Wait before such a retry. Default 100. */
  retryBackoffMs?: number;
}

export interface ResolvedRemoteEddyOptions {
  brokers: string[];
  clientId: string;
  sasl: SASLOptions | undefined;
  tls: TlsConnectionOptions | undefined;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  metadataMaxAgeMs: number;
  retries: number;
  retryBackoffMs: number;
}

export const DEFAULT_REMOTE_EDDY_OPTIONS = {
  clientId: 'eddy',
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  metadataMaxAgeMs: 5_000,
  retries: 5,
  retryBackoffMs: 100,
} as const;

const OPTION_NAMES = new Set(['brokers', 'sasl', 'tls', ...Object.keys(DEFAULT_REMOTE_EDDY_OPTIONS)]);
const BROKER = /^[^\s:]+(:\d{1,5})?$|^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/;
const SASL_MECHANISMS = new Set(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'GSSAPI']);

function invalid(config: string, value: unknown, why: string): EddyError {
  return new EddyError('ERR_CONFIG_INVALID', `Eddy.connect option ${config} ${why}`, { config, value });
}

/** Fills in defaults and validates; throws ERR_CONFIG_UNKNOWN / ERR_CONFIG_INVALID. */
export function resolveRemoteEddyOptions(options: RemoteEddyOptions): ResolvedRemoteEddyOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', options, 'must be an object with brokers');
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new EddyError('ERR_CONFIG_UNKNOWN', `Unknown Eddy.connect option ${name}`, { config: name });
  }
  const { brokers } = options;
  if (!Array.isArray(brokers) || brokers.length === 0 || !brokers.every((b) => typeof b === 'string' && BROKER.test(b))) {
    throw invalid('brokers', brokers, "must be a non-empty list of 'host:port' strings");
  }
  const d = DEFAULT_REMOTE_EDDY_OPTIONS;
  const int = (name: 'connectTimeoutMs' | 'requestTimeoutMs' | 'metadataMaxAgeMs' | 'retries' | 'retryBackoffMs', min: number): number => {
    const value = options[name] ?? d[name];
    if (!Number.isSafeInteger(value) || value < min) throw invalid(name, value, `must be an integer >= ${min}`);
    return value;
  };
  const clientId = options.clientId ?? d.clientId;
  if (typeof clientId !== 'string' || clientId.length === 0) throw invalid('clientId', clientId, 'must be a non-empty string');
  const sasl = options.sasl;
  if (sasl !== undefined && (typeof sasl !== 'object' || sasl === null || !SASL_MECHANISMS.has(sasl.mechanism))) {
    throw invalid('sasl', sasl === undefined || sasl === null ? sasl : { mechanism: sasl.mechanism }, `must name a mechanism (${[...SASL_MECHANISMS].join(', ')})`);
  }
  const tls = options.tls === true ? {} : options.tls === false || options.tls === undefined ? undefined : options.tls;
  if (tls !== undefined && (typeof tls !== 'object' || tls === null)) throw invalid('tls', tls, 'must be true, false or tls.connect options');
  return {
    brokers: [...brokers],
    clientId,
    sasl,
    tls,
    connectTimeoutMs: int('connectTimeoutMs', 1),
    requestTimeoutMs: int('requestTimeoutMs', 1),
    metadataMaxAgeMs: int('metadataMaxAgeMs', 0),
    retries: int('retries', 0),
    retryBackoffMs: int('retryBackoffMs', 0),
  };
}

/** The library's connection options for these settings. */
export function connectionOptions(options: ResolvedRemoteEddyOptions, requestTimeoutMs = options.requestTimeoutMs): {
  connectTimeout: number;
  requestTimeout: number;
  tls?: TlsConnectionOptions;
  sasl?: SASLOptions;
} {
  return {
    connectTimeout: options.connectTimeoutMs,
    requestTimeout: requestTimeoutMs,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
  };
}
