/**
 * Options of `Eddy.open()`. Data-directory-wide settings use the names of Kafka's broker configs
 * (`num.partitions`, `log.retention.check.interval.ms`, and `log.*` defaults for topic configs).
 */
import path from 'node:path';
import { systemClock, type Clock } from './clock.js';
import { EddyError } from './errors.js';
import { validateConfigValue, type TopicConfigName } from './log/log-config.js';
import type { ServerOptions } from './server/server-options.js';

export interface EddyOptions {
  /** The data directory; created if missing. */
  dataDir: string;
  /** Time source for retention, rolling and flushing; tests pass a ManualClock. */
  clock?: Clock;
  /** Broker-level settings by Kafka's names; see DEFAULT_EDDY_CONFIG. */
  config?: Record<string, string | number | boolean>;
  /**
   * Called with errors of background work (retention, checkpoints, background flushes) that have no
   * caller to reject. Default: one line on stderr. The process keeps running either way.
   */
  onError?: (error: EddyError) => void;
  /**
   * How this owner serves the Kafka protocol to other processes (Eddy processes and the CLI that
   * find the data directory in use connect through it, see Eddy.attach). Default: a free port on
   * 127.0.0.1 and the Unix socket `<data-dir>/eddy.sock`. `false`: not served (other processes then
   * get ERR_DATA_DIR_LOCKED). See ServerOptions.
   */
  serve?: ServerOptions | false;
}

export const DEFAULT_EDDY_CONFIG = {
  'num.partitions': 1,
  'auto.create.topics.enable': true,
  'log.retention.check.interval.ms': 300_000,
  'log.flush.offset.checkpoint.interval.ms': 60_000,
  'log.cleaner.enable': true,
  'log.cleaner.backoff.ms': 15_000,
  'log.cleaner.dedupe.buffer.size': 134_217_728,
} as const;

/** Broker names of topic-config defaults, as Kafka spells them. */
export const BROKER_TOPIC_DEFAULTS: Record<string, TopicConfigName> = {
  'log.cleanup.policy': 'cleanup.policy',
  'log.retention.ms': 'retention.ms',
  'log.retention.bytes': 'retention.bytes',
  'log.segment.bytes': 'segment.bytes',
  'log.roll.ms': 'segment.ms',
  'log.index.interval.bytes': 'index.interval.bytes',
  'log.index.size.max.bytes': 'segment.index.bytes',
  'message.max.bytes': 'max.message.bytes',
  'log.message.timestamp.type': 'message.timestamp.type',
  'log.flush.interval.messages': 'flush.messages',
  'log.flush.interval.ms': 'flush.ms',
  'log.cleaner.min.cleanable.ratio': 'min.cleanable.dirty.ratio',
  'log.cleaner.delete.retention.ms': 'delete.retention.ms',
  'log.cleaner.min.compaction.lag.ms': 'min.compaction.lag.ms',
  'log.cleaner.max.compaction.lag.ms': 'max.compaction.lag.ms',
  'compression.type': 'compression.type',
};

export interface ResolvedEddyOptions {
  dataDir: string;
  clock: Clock;
  numPartitions: number;
  autoCreateTopics: boolean;
  retentionCheckIntervalMs: number;
  checkpointIntervalMs: number;
  /** Whether the background log cleaner runs (manual compaction works either way). */
  cleanerEnable: boolean;
  /** How often the cleaner looks for a log to clean. */
  cleanerBackoffMs: number;
  /** Memory budget of the cleaner's offset map. */
  cleanerDedupeBufferBytes: number;
  /** Topic config defaults given at the data-directory level. */
  topicDefaults: Record<string, string>;
  onError: (error: EddyError) => void;
}

function logToStderr(error: EddyError): void {
  process.stderr.write(`eddy: ${error.code}: ${error.message}\n`);
}

function positiveInt(name: string, value: unknown, min: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
    throw new EddyError('ERR_CONFIG_INVALID', `Invalid value ${JSON.stringify(value)} for "${name}": expected an integer >= ${min}`, { config: name, value });
  }
  return n;
}

export function resolveEddyOptions(options: EddyOptions): ResolvedEddyOptions {
  if (options === null || typeof options !== 'object' || typeof options.dataDir !== 'string' || options.dataDir === '') {
    throw new EddyError('ERR_CONFIG_INVALID', 'Eddy.open() needs { dataDir: string }', { config: 'dataDir' });
  }
  const config = { ...DEFAULT_EDDY_CONFIG, ...(options.config ?? {}) } as Record<string, unknown>;
  const topicDefaults: Record<string, string> = {};
  for (const [name, value] of Object.entries(config)) {
    if (name in DEFAULT_EDDY_CONFIG) continue;
    const topicName = BROKER_TOPIC_DEFAULTS[name];
    if (topicName === undefined) throw new EddyError('ERR_CONFIG_UNKNOWN', `Unknown Eddy config "${name}"`, { config: name });
    topicDefaults[topicName] = validateConfigValue(topicName, value);
  }
  const bool = (name: string): boolean => {
    const value = config[name];
    if (value !== true && value !== false && value !== 'true' && value !== 'false') {
      throw new EddyError('ERR_CONFIG_INVALID', `${name} must be true or false`, { config: name, value });
    }
    return value === true || value === 'true';
  };
  const autoCreate = bool('auto.create.topics.enable');
  const cleanerEnable = bool('log.cleaner.enable');
  return {
    dataDir: path.resolve(options.dataDir),
    clock: options.clock ?? systemClock,
    numPartitions: positiveInt('num.partitions', config['num.partitions'], 1),
    autoCreateTopics: autoCreate,
    retentionCheckIntervalMs: positiveInt('log.retention.check.interval.ms', config['log.retention.check.interval.ms'], 1),
    checkpointIntervalMs: positiveInt('log.flush.offset.checkpoint.interval.ms', config['log.flush.offset.checkpoint.interval.ms'], 1),
    cleanerEnable,
    cleanerBackoffMs: positiveInt('log.cleaner.backoff.ms', config['log.cleaner.backoff.ms'], 1),
    cleanerDedupeBufferBytes: positiveInt('log.cleaner.dedupe.buffer.size', config['log.cleaner.dedupe.buffer.size'], 1),
    topicDefaults,
    onError: typeof options.onError === 'function' ? options.onError : logToStderr,
  };
}
