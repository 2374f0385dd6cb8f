/**
 * Producer options: defaults and validation (ERR_CONFIG_UNKNOWN / ERR_CONFIG_INVALID), with Kafka's
 * rules between them: idempotence is on by default and needs acks 'all' (when acks 0 or 1 is asked
 * for and idempotence is not, idempotence is quietly off, as Kafka 3.x does); a transactionalId
 * implies idempotence; at most 5 appends in flight per partition with idempotence (the log remembers
 * the last 5 batches of a producer).
 */
import { EddyError } from '../errors.js';
import type { CompressionType } from '../record/record.js';
import { isSerde, type Serde } from '../serdes.js';
import { PRODUCER_BATCHES_KEPT } from '../log/producer-state.js';
import type { Acks, ProducerOptions } from './types.js';

export interface ResolvedProducerOptions<K = unknown, V = unknown> {
  acks: Acks;
  lingerMs: number;
  batchSize: number;
  compression: CompressionType;
  keySerde: Serde<K> | undefined;
  valueSerde: Serde<V> | undefined;
  idempotent: boolean;
  transactionalId: string | null;
  transactionTimeoutMs: number;
  retries: number;
  retryBackoffMs: number;
  deliveryTimeoutMs: number;
  maxInFlight: number;
}

export const DEFAULT_PRODUCER_OPTIONS = {
  acks: 'all',
  lingerMs: 0,
  batchSize: 16384,
  compression: 'none',
  keySerde: undefined,
  valueSerde: undefined,
  idempotent: true,
  transactionalId: null,
  transactionTimeoutMs: 60_000,
  retries: Number.MAX_SAFE_INTEGER,
  retryBackoffMs: 100,
  deliveryTimeoutMs: 120_000,
  maxInFlight: 5,
} as const satisfies ResolvedProducerOptions;

const COMPRESSION_TYPES: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const OPTION_NAMES = new Set(Object.keys(DEFAULT_PRODUCER_OPTIONS));
/** Kafka's limit on a transactional id's length is its string encoding; ours is a sane bound. */
const MAX_TRANSACTIONAL_ID_LENGTH = 249;

function invalid(config: string, value: unknown, why: string): EddyError {
  return new EddyError('ERR_CONFIG_INVALID', `Producer option ${config} ${why}`, { config, value });
}

export function checkAcks(acks: unknown, config: string): Acks {
  if (acks === 0 || acks === 1 || acks === -1 || acks === 'all') return acks;
  throw invalid(config, acks, "must be 0, 1, -1 or 'all'");
}

function checkSerde<T>(serde: Serde<T> | undefined, config: string): Serde<T> | undefined {
  if (serde === undefined) return undefined;
  if (!isSerde(serde)) {
    throw invalid(config, serde, 'must be a Serde with serialize() and deserialize()');
  }
  return serde;
}

function checkInt(value: unknown, config: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(config, value, max === Number.MAX_SAFE_INTEGER ? `must be an integer >= ${min}` : `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Fills in defaults and validates; throws ERR_CONFIG_UNKNOWN / ERR_CONFIG_INVALID. */
export function resolveProducerOptions<K, V>(options: ProducerOptions<K, V> = {}): ResolvedProducerOptions<K, V> {
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new EddyError('ERR_CONFIG_UNKNOWN', `Unknown producer option ${name}`, { config: name });
  }
  const d = DEFAULT_PRODUCER_OPTIONS;
  const acks = checkAcks(options.acks ?? d.acks, 'acks');
  const acksAll = acks === 'all' || acks === -1;
  const lingerMs = options.lingerMs ?? d.lingerMs;
  if (typeof lingerMs !== 'number' || !Number.isFinite(lingerMs) || lingerMs < 0) {
    throw invalid('lingerMs', lingerMs, 'must be a finite number >= 0');
  }
  const batchSize = options.batchSize ?? d.batchSize;
  if (!Number.isSafeInteger(batchSize) || batchSize < 0) throw invalid('batchSize', batchSize, 'must be an integer >= 0');
  const compression = options.compression ?? d.compression;
  if (!COMPRESSION_TYPES.includes(compression)) throw invalid('compression', compression, `must be one of ${COMPRESSION_TYPES.join(', ')}`);

  const transactionalId = options.transactionalId ?? null;
  if (transactionalId !== null && (typeof transactionalId !== 'string' || transactionalId.length === 0 || transactionalId.length > MAX_TRANSACTIONAL_ID_LENGTH)) {
    throw new EddyError('ERR_TRANSACTIONAL_ID_INVALID', `transactionalId must be a non-empty string of at most ${MAX_TRANSACTIONAL_ID_LENGTH} characters`, { config: 'transactionalId', value: transactionalId });
  }
  if (options.idempotent !== undefined && typeof options.idempotent !== 'boolean') throw invalid('idempotent', options.idempotent, 'must be true or false');
  const idempotent = options.idempotent ?? (transactionalId !== null || options.acks === undefined || acksAll);
  if (idempotent && !acksAll) throw invalid('acks', acks, "must be 'all' when the producer is idempotent (set idempotent: false for acks 0 or 1)");
  if (transactionalId !== null && !idempotent) throw invalid('idempotent', false, 'cannot be false with a transactionalId (transactions need idempotence)');

  const maxInFlight = checkInt(options.maxInFlight ?? d.maxInFlight, 'maxInFlight', 1, idempotent ? PRODUCER_BATCHES_KEPT : 1000);
  return {
    acks,
    lingerMs,
    batchSize,
    compression,
    keySerde: checkSerde(options.keySerde, 'keySerde'),
    valueSerde: checkSerde(options.valueSerde, 'valueSerde'),
    idempotent,
    transactionalId,
    transactionTimeoutMs: checkInt(options.transactionTimeoutMs ?? d.transactionTimeoutMs, 'transactionTimeoutMs', 1),
    retries: checkInt(options.retries ?? d.retries, 'retries', 0),
    retryBackoffMs: checkInt(options.retryBackoffMs ?? d.retryBackoffMs, 'retryBackoffMs', 0),
    deliveryTimeoutMs: checkInt(options.deliveryTimeoutMs ?? d.deliveryTimeoutMs, 'deliveryTimeoutMs', 1),
    maxInFlight,
  };
}
