/**
 * Data-directory settings of the group coordinator, by Kafka's broker config names. They are given
 * in `Eddy.open({ config })` next to the log's settings; `Eddy.open` takes these names out before the
 * log sees the rest.
 *
 * `offsets.topic.num.partitions` defaults to 10 rather than Kafka's 50: on one node the partitions
 * only spread groups over files, and each one costs open files and a share of the load at open.
 * `group.initial.rebalance.delay.ms` defaults to 0, as in the server.properties Kafka ships (its
 * built-in default is 3000): an embedded group should not wait seconds for its first assignment.
 */
import { EddyError } from '../errors.js';
import { intConfig, takeConfig, type ConfigInput } from '../coordinator-config.js';

export const DEFAULT_GROUP_CONFIG = {
  'offsets.topic.num.partitions': 10,
  'offsets.retention.minutes': 10_080,
  'offsets.retention.check.interval.ms': 600_000,
  'group.min.session.timeout.ms': 6_000,
  'group.max.session.timeout.ms': 1_800_000,
  'group.initial.rebalance.delay.ms': 0,
} as const;

export type GroupConfigName = keyof typeof DEFAULT_GROUP_CONFIG;

export interface ResolvedGroupConfig {
  offsetsTopicPartitions: number;
  offsetsRetentionMs: number;
  offsetsRetentionCheckIntervalMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** How long the first rebalance of an empty group waits for more members (see group-rebalancer.ts). */
  initialRebalanceDelayMs: number;
}

/** Splits `config` into the group settings (validated) and everything else (for the log). */
export function resolveGroupConfig(config: ConfigInput = {}): { group: ResolvedGroupConfig; rest: ConfigInput } {
  const { given, rest } = takeConfig(config, DEFAULT_GROUP_CONFIG);
  const group: ResolvedGroupConfig = {
    offsetsTopicPartitions: intConfig('offsets.topic.num.partitions', given['offsets.topic.num.partitions'], 1),
    offsetsRetentionMs: intConfig('offsets.retention.minutes', given['offsets.retention.minutes'], 1) * 60_000,
    offsetsRetentionCheckIntervalMs: intConfig('offsets.retention.check.interval.ms', given['offsets.retention.check.interval.ms'], 1),
    minSessionTimeoutMs: intConfig('group.min.session.timeout.ms', given['group.min.session.timeout.ms'], 1),
    maxSessionTimeoutMs: intConfig('group.max.session.timeout.ms', given['group.max.session.timeout.ms'], 1),
    initialRebalanceDelayMs: intConfig('group.initial.rebalance.delay.ms', given['group.initial.rebalance.delay.ms'], 0),
  };
  if (group.maxSessionTimeoutMs < group.minSessionTimeoutMs) {
    throw new EddyError('ERR_CONFIG_INVALID', 'group.max.session.timeout.ms must not be below group.min.session.timeout.ms', { config: 'group.max.session.timeout.ms' });
  }
  return { group, rest };
}
