/**
 * The durable home of transaction state: the internal compacted topic `__transaction_state`, keyed
 * by transactionalId with Kafka's schemas (transaction-log.ts). An id's records all go to one
 * partition (`abs(hashCode(id)) % partitions`, as Kafka's partitionFor), so its history is ordered.
 *
 * - `write()` appends one record and resolves only after it is fsynced: the coordinator applies a
 *   state change in memory, and answers the producer, only after that.
 * - `load()` reads every partition from its log start; the last record of an id wins and a
 *   tombstone removes it, so compaction does not change the result.
 * - The topic is created on first use with `transaction.state.log.num.partitions` partitions; an
 *   existing topic keeps its count.
 */
import type { Clock } from '../clock.js';
import { EddyError, isEddyError } from '../errors.js';
import { type CoordinatorPartitionLog, forEachStoredBatch } from '../group/offset-store.js';
import { offsetsPartitionFor } from '../group/offset-commit-record.js';
import { batchIsControl, decodeRecords, encodeRecordBatch } from '../record/record-batch.js';
import { decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue, type TransactionLogValue } from './transaction-log.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** What the store needs of the log: enough to create, find and read its topic. */
export interface TransactionStateTopicAccess {
  readonly clock: Clock;
  /** The partition count of the topic, or null when it does not exist yet. */
  partitionCount(): number | null;
  /** Creates the topic (compacted, internal). */
  createTopic(partitions: number): void;
  partitionLog(partition: number): CoordinatorPartitionLog;
}

export class TransactionStateStore {
  constructor(private readonly access: TransactionStateTopicAccess, private readonly configuredPartitions: number) {}

  private partitions(): number {
    let count = this.access.partitionCount();
    if (count === null) {
      this.access.createTopic(this.configuredPartitions);
      count = this.configuredPartitions;
    }
    return count;
  }

  /** Writes an id's state (null: a tombstone, the id is forgotten) and waits for fsync. */
  async write(transactionalId: string, value: TransactionLogValue | null): Promise<void> {
    const now = this.access.clock.now();
    const batch = encodeRecordBatch({
      records: [{ key: encodeTransactionLogKey(transactionalId), value: value === null ? null : encodeTransactionLogValue(value), timestamp: now }],
      now,
    });
    // The same mapping as __consumer_offsets (Java's String.hashCode).
    const log = this.access.partitionLog(offsetsPartitionFor(transactionalId, this.partitions()));
    await log.append(batch);
    await log.flush();
  }

  /** The last state of every id. A missing topic means none. */
  load(): Map<string, TransactionLogValue> {
    const states = new Map<string, TransactionLogValue>();
    const count = this.access.partitionCount();
    if (count === null) return states;
    for (let p = 0; p < count; p++) {
      forEachStoredBatch(this.access.partitionLog(p), (bytes, header, from) => {
        if (batchIsControl(header.attributes)) return;
        for (const record of decodeRecords(bytes, header)) {
          if (record.offset < from || record.key === null) continue;
          try {
            const id = decodeTransactionLogKey(record.key);
            if (id === null) continue;
            if (record.value === null) states.delete(id);
            else states.set(id, decodeTransactionLogValue(record.value));
          } catch (err) {
            if (!isEddyError(err)) throw err;
            throw new EddyError(err.code, `${err.message} at ${TRANSACTION_STATE_TOPIC}-${p} offset ${record.offset}`, { ...err.context, topic: TRANSACTION_STATE_TOPIC, partition: p, offset: record.offset }, { cause: err });
          }
        }
      });
    }
    return states;
  }
}
