/**
 * The consumer's options: `ConsumerOptions` (in types.ts) resolved against one
 * `DEFAULT_CONSUMER_OPTIONS`, failing fast with ERR_CONFIG_INVALID / ERR_CONFIG_UNKNOWN, and the
 * per-call poll options.
 */
import { EddyError } from '../errors.js';
import type { PartitionAssignor } from '../group/assignors/assignor.js';
import { BUILTIN_ASSIGNORS } from '../group/assignors/index.js';
import { validateGroupId } from '../group/group-coordinator.js';
import { isSerde, type Serde } from '../serdes.js';
import type { IsolationLevel } from './log-access.js';
import type { AutoOffsetReset, ConsumerOptions, PartitionAssignorLike } from './types.js';

export interface ResolvedConsumerOptions<K = unknown, V = unknown> {
  autoOffsetReset: AutoOffsetReset;
  maxBytes: number;
  keySerde: Serde<K> | undefined;
  valueSerde: Serde<V> | undefined;
  groupId: string | undefined;
  groupInstanceId: string | undefined;
  clientId: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  partitionAssignors: readonly PartitionAssignor[];
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  autoCommitMode: 'at-least-once' | 'at-most-once';
  isolationLevel: IsolationLevel;
}

export const DEFAULT_CONSUMER_OPTIONS = {
  autoOffsetReset: 'latest',
  maxBytes: 1024 * 1024,
  keySerde: undefined,
  valueSerde: undefined,
  groupId: undefined,
  groupInstanceId: undefined,
  clientId: 'eddy-consumer',
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 3_000,
  maxPollIntervalMs: 300_000,
  partitionAssignors: [BUILTIN_ASSIGNORS.get('range')!],
  autoCommit: true,
  autoCommitIntervalMs: 5_000,
  autoCommitMode: 'at-least-once',
  isolationLevel: 'read_committed',
} as const satisfies ResolvedConsumerOptions;

export interface PollOptions {
  /** Most records one poll returns. Default 500 (Kafka's max.poll.records). */
  maxRecords?: number;
  /** How long to wait, on the log's clock, when no record is available. 0 = do not wait; Infinity = until data or close. Default 1000. */
  timeoutMs?: number;
}

export const DEFAULT_POLL_OPTIONS = { maxRecords: 500, timeoutMs: 1000 } as const satisfies Required<PollOptions>;

const OPTION_NAMES = new Set(Object.keys(DEFAULT_CONSUMER_OPTIONS));
const RESET_POLICIES: readonly AutoOffsetReset[] = ['earliest', 'latest', 'none'];

export function invalidConsumerOption(config: string, value: unknown, why: string): EddyError {
  return new EddyError('ERR_CONFIG_INVALID', `Consumer option ${config} ${why}`, { config, value });
}

function checkSerde<T>(serde: Serde<T> | undefined, config: string): Serde<T> | undefined {
  if (serde === undefined) return undefined;
  if (!isSerde(serde)) {
    throw invalidConsumerOption(config, serde, 'must be a Serde with serialize() and deserialize()');
  }
  return serde;
}

/** Fills in defaults and validates; throws ERR_CONFIG_UNKNOWN / ERR_CONFIG_INVALID. */
export function resolveConsumerOptions<K, V>(options: ConsumerOptions<K, V> = {}): ResolvedConsumerOptions<K, V> {
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new EddyError('ERR_CONFIG_UNKNOWN', `Unknown consumer option ${name}`, { config: name });
  }
  const autoOffsetReset = options.autoOffsetReset ?? DEFAULT_CONSUMER_OPTIONS.autoOffsetReset;
  if (!RESET_POLICIES.includes(autoOffsetReset)) throw invalidConsumerOption('autoOffsetReset', autoOffsetReset, "must be 'earliest', 'latest' or 'none'");
  const maxBytes = options.maxBytes ?? DEFAULT_CONSUMER_OPTIONS.maxBytes;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw invalidConsumerOption('maxBytes', maxBytes, 'must be an integer >= 1');
  const d = DEFAULT_CONSUMER_OPTIONS;
  if (options.groupId !== undefined) {
    try {
      validateGroupId(options.groupId);
    } catch {
      throw invalidConsumerOption('groupId', options.groupId, 'must be a non-empty string');
    }
  }
  const optionalString = (name: 'groupInstanceId' | 'clientId'): string | undefined => {
    const v = options[name];
    if (v !== undefined && (typeof v !== 'string' || v === '')) throw invalidConsumerOption(name, v, 'must be a non-empty string');
    return v;
  };
  const int = (name: 'sessionTimeoutMs' | 'heartbeatIntervalMs' | 'maxPollIntervalMs' | 'autoCommitIntervalMs'): number => {
    const v = options[name] ?? d[name];
    if (!Number.isSafeInteger(v) || v < 1) throw invalidConsumerOption(name, v, 'must be an integer >= 1');
    return v;
  };
  const sessionTimeoutMs = int('sessionTimeoutMs');
  const heartbeatIntervalMs = int('heartbeatIntervalMs');
  if (heartbeatIntervalMs >= sessionTimeoutMs) throw invalidConsumerOption('heartbeatIntervalMs', heartbeatIntervalMs, 'must be below sessionTimeoutMs');
  const assignors = (options.partitionAssignors ?? d.partitionAssignors).map((a: string | PartitionAssignorLike) => {
    if (typeof a === 'string') {
      const found = BUILTIN_ASSIGNORS.get(a);
      if (found === undefined) throw invalidConsumerOption('partitionAssignors', a, `names an unknown assignor (known: ${[...BUILTIN_ASSIGNORS.keys()].join(', ')})`);
      return found;
    }
    if (typeof a !== 'object' || a === null || typeof a.name !== 'string' || typeof a.assign !== 'function' || (a.protocol !== 'eager' && a.protocol !== 'cooperative')) {
      throw invalidConsumerOption('partitionAssignors', a, 'must hold assignor names or { name, protocol, assign() } objects');
    }
    return a as PartitionAssignor;
  });
  if (assignors.length === 0) throw invalidConsumerOption('partitionAssignors', [], 'must name at least one assignor');
  const autoCommitMode = options.autoCommitMode ?? d.autoCommitMode;
  if (autoCommitMode !== 'at-least-once' && autoCommitMode !== 'at-most-once') throw invalidConsumerOption('autoCommitMode', autoCommitMode, "must be 'at-least-once' or 'at-most-once'");
  const isolationLevel = options.isolationLevel ?? d.isolationLevel;
  if (isolationLevel !== 'read_committed' && isolationLevel !== 'read_uncommitted') {
    throw invalidConsumerOption('isolationLevel', isolationLevel, "must be 'read_committed' or 'read_uncommitted'");
  }
  const autoCommit = options.autoCommit ?? d.autoCommit;
  if (typeof autoCommit !== 'boolean') throw invalidConsumerOption('autoCommit', autoCommit, 'must be true or false');
  return {
    autoOffsetReset,
    maxBytes,
    keySerde: checkSerde(options.keySerde, 'keySerde'),
    valueSerde: checkSerde(options.valueSerde, 'valueSerde'),
    groupId: options.groupId,
    groupInstanceId: optionalString('groupInstanceId'),
    clientId: optionalString('clientId') ?? d.clientId,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    maxPollIntervalMs: int('maxPollIntervalMs'),
    partitionAssignors: assignors,
    autoCommit,
    autoCommitIntervalMs: int('autoCommitIntervalMs'),
    autoCommitMode,
    isolationLevel,
  };
}

export function resolvePollOptions(options: PollOptions): Required<PollOptions> {
  const maxRecords = options.maxRecords ?? DEFAULT_POLL_OPTIONS.maxRecords;
  if (!Number.isSafeInteger(maxRecords) || maxRecords < 1) throw invalidConsumerOption('maxRecords', maxRecords, 'must be an integer >= 1');
  const timeoutMs = options.timeoutMs ?? DEFAULT_POLL_OPTIONS.timeoutMs;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) throw invalidConsumerOption('timeoutMs', timeoutMs, 'must be a number >= 0');
  return { maxRecords, timeoutMs };
}

