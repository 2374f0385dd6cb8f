/**
 * Topic configuration under Kafka's dotted names (DESIGN decision 4). Values are stored as the
 * strings a user gave (so `describe` shows them as written) and parsed into a typed `LogConfig` that
 * the log reads. Kafka's "Long.MAX_VALUE" defaults (flush.messages, flush.ms, max.compaction.lag.ms)
 * are held as Number.MAX_SAFE_INTEGER: effectively never.
 */
import { EddyError } from '../errors.js';

export const LONG_MAX = '9223372036854775807';

type Kind =
  | { type: 'long'; min?: number }
  | { type: 'int'; min?: number; max?: number }
  | { type: 'double'; min: number; max: number }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'list'; values: readonly string[] }
  | { type: 'boolean' };

interface ConfigDef {
  default: string;
  kind: Kind;
  doc: string;
}

export const TOPIC_CONFIG_DEFS = {
  'cleanup.policy': { default: 'delete', kind: { type: 'list', values: ['delete', 'compact'] }, doc: 'delete old segments, compact by key, or both' },
  'retention.ms': { default: '604800000', kind: { type: 'long', min: -1 }, doc: 'delete closed segments older than this (-1: no limit)' },
  'retention.bytes': { default: '-1', kind: { type: 'long', min: -1 }, doc: 'delete oldest closed segments while the partition is larger (-1: no limit)' },
  'segment.bytes': { default: '1073741824', kind: { type: 'int', min: 14 }, doc: 'roll a new segment at this size' },
  'segment.ms': { default: '604800000', kind: { type: 'long', min: 1 }, doc: 'roll a new segment after this age' },
  'segment.index.bytes': { default: '10485760', kind: { type: 'int', min: 8 }, doc: 'maximum size of a segment index' },
  'index.interval.bytes': { default: '4096', kind: { type: 'int', min: 0 }, doc: 'bytes of log between index entries' },
  'max.message.bytes': { default: '1048588', kind: { type: 'int', min: 0 }, doc: 'largest record batch accepted' },
  'message.timestamp.type': { default: 'CreateTime', kind: { type: 'enum', values: ['CreateTime', 'LogAppendTime'] }, doc: 'which time records carry' },
  'flush.messages': { default: LONG_MAX, kind: { type: 'long', min: 1 }, doc: 'fsync after this many appended records' },
  'flush.ms': { default: LONG_MAX, kind: { type: 'long', min: 0 }, doc: 'fsync at least this often' },
  'compression.type': { default: 'producer', kind: { type: 'enum', values: ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'] }, doc: 'codec of stored batches (producer: as sent)' },
  'min.insync.replicas': { default: '1', kind: { type: 'int', min: 1, max: 1 }, doc: 'one node: always 1' },
  'min.cleanable.dirty.ratio': { default: '0.5', kind: { type: 'double', min: 0, max: 1 }, doc: 'compaction starts above this dirty ratio' },
  'min.compaction.lag.ms': { default: '0', kind: { type: 'long', min: 0 }, doc: 'records younger than this are not compacted' },
  'max.compaction.lag.ms': { default: LONG_MAX, kind: { type: 'long', min: 1 }, doc: 'records older than this are compacted regardless of ratio' },
  'delete.retention.ms': { default: '86400000', kind: { type: 'long', min: 0 }, doc: 'how long tombstones survive compaction' },
  'file.delete.delay.ms': { default: '60000', kind: { type: 'long', min: 0 }, doc: 'delay before a deleted segment file is removed' },
  'segment.jitter.ms': { default: '0', kind: { type: 'long', min: 0 }, doc: 'random jitter subtracted from segment.ms' },
  'preallocate': { default: 'false', kind: { type: 'boolean' }, doc: 'accepted for compatibility; Eddy does not preallocate' },
} as const satisfies Record<string, ConfigDef>;

export type TopicConfigName = keyof typeof TOPIC_CONFIG_DEFS;

/** The parsed form the log works with. */
export interface LogConfig {
  cleanupPolicy: { delete: boolean; compact: boolean };
  retentionMs: number;
  retentionBytes: number;
  segmentBytes: number;
  segmentMs: number;
  segmentJitterMs: number;
  segmentIndexBytes: number;
  indexIntervalBytes: number;
  maxMessageBytes: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  flushMessages: number;
  flushMs: number;
  compressionType: string;
  minCleanableDirtyRatio: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
  deleteRetentionMs: number;
  fileDeleteDelayMs: number;
}

export function isTopicConfigName(name: string): name is TopicConfigName {
  return Object.prototype.hasOwnProperty.call(TOPIC_CONFIG_DEFS, name);
}

/** Checks one value and returns its canonical string form. */
export function validateConfigValue(name: string, raw: unknown): string {
  if (!isTopicConfigName(name)) {
    throw new EddyError('ERR_CONFIG_UNKNOWN', `Unknown topic config "${name}"`, { config: name });
  }
  const def: ConfigDef = TOPIC_CONFIG_DEFS[name];
  const value = typeof raw === 'number' ? String(raw) : raw;
  const bad = (why: string): never => {
    throw new EddyError('ERR_CONFIG_INVALID', `Invalid value ${JSON.stringify(raw)} for "${name}": ${why}`, { config: name, value: raw });
  };
  if (typeof value !== 'string') return bad('expected a string or number');
  const text = value.trim();
  const kind: Kind = def.kind;
  switch (kind.type) {
    case 'long':
    case 'int': {
      if (!/^-?\d+$/.test(text)) return bad('expected an integer');
      const big = BigInt(text);
      const max = kind.type === 'int' ? 2147483647n : 9223372036854775807n;
      const min = BigInt(kind.min ?? (kind.type === 'int' ? -2147483648 : 0));
      if (big < min) return bad(`must be at least ${min}`);
      if (big > max) return bad(`must be at most ${max}`);
      if (kind.type === 'int' && kind.max !== undefined && big > BigInt(kind.max)) return bad(`must be at most ${kind.max}`);
      return big.toString();
    }
    case 'double': {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n)) return bad('expected a number');
      if (n < kind.min || n > kind.max) return bad(`must be between ${kind.min} and ${kind.max}`);
      return String(n);
    }
    case 'enum': {
      if (!kind.values.includes(text)) return bad(`expected one of ${kind.values.join(', ')}`);
      return text;
    }
    case 'list': {
      const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (items.length === 0) return bad(`expected a list of ${kind.values.join(', ')}`);
      for (const item of items) if (!kind.values.includes(item)) return bad(`unknown item "${item}"; expected ${kind.values.join(', ')}`);
      return [...new Set(items)].join(',');
    }
    case 'boolean': {
      if (text !== 'true' && text !== 'false') return bad('expected true or false');
      return text;
    }
  }
}

/** Validates a set of overrides; returns the canonical strings. Throws before anything is applied. */
export function validateTopicConfig(overrides: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(overrides)) out[name] = validateConfigValue(name, raw);
  const segmentBytes = Number(out['segment.bytes'] ?? TOPIC_CONFIG_DEFS['segment.bytes'].default);
  if (segmentBytes < 14) throw new EddyError('ERR_CONFIG_INVALID', 'segment.bytes is too small', { config: 'segment.bytes' });
  return out;
}

/** Every config with its effective value: overrides over defaults. */
export function effectiveTopicConfig(overrides: Record<string, string>, defaults: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(TOPIC_CONFIG_DEFS) as TopicConfigName[]) {
    out[name] = overrides[name] ?? defaults[name] ?? TOPIC_CONFIG_DEFS[name].default;
  }
  return out;
}

function long(text: string): number {
  const n = BigInt(text);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

export function parseLogConfig(effective: Record<string, string>): LogConfig {
  const get = (name: TopicConfigName): string => effective[name] ?? TOPIC_CONFIG_DEFS[name].default;
  const policy = get('cleanup.policy').split(',');
  return {
    cleanupPolicy: { delete: policy.includes('delete'), compact: policy.includes('compact') },
    retentionMs: long(get('retention.ms')),
    retentionBytes: long(get('retention.bytes')),
    segmentBytes: long(get('segment.bytes')),
    segmentMs: long(get('segment.ms')),
    segmentJitterMs: long(get('segment.jitter.ms')),
    segmentIndexBytes: long(get('segment.index.bytes')),
    indexIntervalBytes: long(get('index.interval.bytes')),
    maxMessageBytes: long(get('max.message.bytes')),
    timestampType: get('message.timestamp.type') === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
    flushMessages: long(get('flush.messages')),
    flushMs: long(get('flush.ms')),
    compressionType: get('compression.type'),
    minCleanableDirtyRatio: Number(get('min.cleanable.dirty.ratio')),
    minCompactionLagMs: long(get('min.compaction.lag.ms')),
    maxCompactionLagMs: long(get('max.compaction.lag.ms')),
    deleteRetentionMs: long(get('delete.retention.ms')),
    fileDeleteDelayMs: long(get('file.delete.delay.ms')),
  };
}
