/**
 * What the transaction coordinator keeps per transactionalId (Kafka's TransactionMetadata): the
 * producer id and epoch currently allowed to use it, the state of its transaction, the partitions
 * in it and its timestamps. Every change is computed as the next TransactionLogValue, written to
 * `__transaction_state`, and only then applied here with `apply()`, so memory never runs ahead of
 * what a restart would load.
 *
 * Epochs (KIP-890): the epoch is bumped at every InitProducerId and at every EndTxn, and markers
 * carry the bumped one, so a write of the old epoch arriving late is fenced by the log. An epoch in
 * use stays at most {@link MAX_USABLE_EPOCH}, leaving one bump for the markers that end its
 * transaction; when that bump reaches {@link MAX_EPOCH} the producer continues under a new id.
 */
import type { TopicPartition } from '../client/types.js';
import { tpKey } from '../group/assignors/assignor.js';
import type { TransactionLogValue, TransactionState } from './transaction-log.js';

/** Kafka's DescribeTransactions answer for one id. */
export interface TransactionDescription {
  transactionalId: string;
  state: TransactionState;
  producerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  /** When the open transaction started; -1 when none is open. */
  transactionStartTimeMs: number;
  lastUpdateTimeMs: number;
  topicPartitions: TopicPartition[];
}

/** Kafka's Short.MaxValue: the largest producer epoch. */
export const MAX_EPOCH = 0x7fff;
/** The largest epoch handed to a producer (Kafka's isProducerEpochExhausted threshold). */
export const MAX_USABLE_EPOCH = MAX_EPOCH - 1;

export function isPrepareState(state: TransactionState): state is 'PrepareCommit' | 'PrepareAbort' {
  return state === 'PrepareCommit' || state === 'PrepareAbort';
}

/** No transaction open: a new one may start. */
export function isIdleState(state: TransactionState): state is 'Empty' | 'CompleteCommit' | 'CompleteAbort' {
  return state === 'Empty' || state === 'CompleteCommit' || state === 'CompleteAbort';
}

export class TransactionMetadata {
  producerId = -1;
  producerEpoch = -1;
  /**
   * The producer id and epoch of the EndTxn that moved this id to Prepare*, Complete*, so that a retry
   * of it (the producer never saw the answer with the bumped epoch) is recognised; -1 when the last
   * transaction was ended by someone else (timeout, a newer instance), whose old epoch is fenced.
   * Memory only, as Kafka's lastProducerEpoch: a retry cannot outlive this process.
   */
  lastProducerId = -1;
  lastProducerEpoch = -1;
  timeoutMs = 0;
  state: TransactionState = 'Empty';
  readonly partitions = new Map<string, TopicPartition>();
  startTimestamp = -1;
  lastUpdateTimestamp = -1;

  constructor(readonly transactionalId: string, value: TransactionLogValue) {
    this.apply(value);
  }

  /** This id's current state as a record value. */
  toValue(): TransactionLogValue {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of this.partitions.values()) {
      let ids = byTopic.get(topic);
      if (ids === undefined) byTopic.set(topic, (ids = []));
      ids.push(partition);
    }
    return {
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      transactionTimeoutMs: this.timeoutMs,
      state: this.state,
      partitions: [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds: partitionIds.sort((a, b) => a - b) })),
      lastUpdateTimestampMs: this.lastUpdateTimestamp,
      startTimestampMs: this.startTimestamp,
    };
  }

  /** The value after a transition: the current one with `changes`, partitions cleared unless kept or given. */
  next(changes: Partial<Omit<TransactionLogValue, 'partitions'>> & { partitions?: TopicPartition[] }, now: number): TransactionLogValue {
    const { partitions, ...fields } = changes;
    const base = this.toValue();
    const value: TransactionLogValue = { ...base, ...fields, lastUpdateTimestampMs: now };
    if (partitions !== undefined) {
      const byTopic = new Map<string, Set<number>>();
      for (const { topic, partition } of partitions) {
        let ids = byTopic.get(topic);
        if (ids === undefined) byTopic.set(topic, (ids = new Set()));
        ids.add(partition);
      }
      value.partitions = [...byTopic].map(([topic, ids]) => ({ topic, partitionIds: [...ids].sort((a, b) => a - b) }));
    } else if (!isPrepareState(value.state) && value.state !== 'Ongoing') {
      value.partitions = [];
    }
    return value;
  }

  /** Takes over a value once it is durable. */
  apply(value: TransactionLogValue): void {
    this.producerId = value.producerId;
    this.producerEpoch = value.producerEpoch;
    this.timeoutMs = value.transactionTimeoutMs;
    this.state = value.state;
    this.startTimestamp = value.startTimestampMs;
    this.lastUpdateTimestamp = value.lastUpdateTimestampMs;
    this.partitions.clear();
    for (const { topic, partitionIds } of value.partitions) for (const partition of partitionIds) this.partitions.set(tpKey({ topic, partition }), { topic, partition });
  }

  topicPartitions(): TopicPartition[] {
    return [...this.partitions.values()];
  }

  describe(): TransactionDescription {
    return {
      transactionalId: this.transactionalId,
      state: this.state,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      transactionTimeoutMs: this.timeoutMs,
      transactionStartTimeMs: isIdleState(this.state) ? -1 : this.startTimestamp,
      lastUpdateTimeMs: this.lastUpdateTimestamp,
      topicPartitions: this.topicPartitions().sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition)),
    };
  }

  /** Whether (producerId, producerEpoch) is the EndTxn that ended the last transaction. */
  isLastEndTxn(producerId: number, producerEpoch: number): boolean {
    return this.lastProducerId >= 0 && producerId === this.lastProducerId && producerEpoch === this.lastProducerEpoch;
  }
}
