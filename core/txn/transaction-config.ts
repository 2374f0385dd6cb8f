/**
 * Data-directory settings of the transaction coordinator, by Kafka's broker config names. Like the
 * group settings (group-config.ts) they are given in `Eddy.open({ config })` and taken out before
 * the log sees the rest, so unknown names still fail there with ERR_CONFIG_UNKNOWN.
 *
 * `transaction.state.log.num.partitions` defaults to 10 rather than Kafka's 50, for the reason
 * `offsets.topic.num.partitions` does: on one node partitions only spread ids over files.
 */
import { intConfig, takeConfig, type ConfigInput } from '../coordinator-config.js';

export const DEFAULT_TRANSACTION_CONFIG = {
  'transaction.state.log.num.partitions': 10,
  'transaction.max.timeout.ms': 900_000,
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': 10_000,
  'transactional.id.expiration.ms': 604_800_000,
  'transaction.remove.expired.transaction.cleanup.interval.ms': 3_600_000,
} as const;

export type TransactionConfigName = keyof typeof DEFAULT_TRANSACTION_CONFIG;

export interface ResolvedTransactionConfig {
  /** Partitions of __transaction_state when it is created; an existing topic keeps its count. */
  stateLogPartitions: number;
  /** The largest transactionTimeoutMs a producer may ask for. */
  maxTimeoutMs: number;
  /** How often transactions open longer than their timeout are aborted. */
  abortTimedOutIntervalMs: number;
  /** A transactionalId without a transaction for this long is forgotten (tombstoned). */
  idExpirationMs: number;
  /** How often expired transactionalIds are removed. */
  removeExpiredIntervalMs: number;
}

/** Splits `config` into the transaction settings (validated) and everything else. */
export function resolveTransactionConfig(config: ConfigInput = {}): { transaction: ResolvedTransactionConfig; rest: ConfigInput } {
  const { given, rest } = takeConfig(config, DEFAULT_TRANSACTION_CONFIG);
  const transaction: ResolvedTransactionConfig = {
    stateLogPartitions: intConfig('transaction.state.log.num.partitions', given['transaction.state.log.num.partitions'], 1, 10_000),
    // The timeout travels as an int32 in TransactionLogValue.
    maxTimeoutMs: intConfig('transaction.max.timeout.ms', given['transaction.max.timeout.ms'], 1, 0x7fffffff),
    abortTimedOutIntervalMs: intConfig('transaction.abort.timed.out.transaction.cleanup.interval.ms', given['transaction.abort.timed.out.transaction.cleanup.interval.ms'], 1),
    idExpirationMs: intConfig('transactional.id.expiration.ms', given['transactional.id.expiration.ms'], 1),
    removeExpiredIntervalMs: intConfig('transaction.remove.expired.transaction.cleanup.interval.ms', given['transaction.remove.expired.transaction.cleanup.interval.ms'], 1),
  };
  return { transaction, rest };
}
