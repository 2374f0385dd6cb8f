/**
 * The narrow view of the log that producers and consumers use. The embedded log implements it;
 * keeping clients on this interface is what lets the same clients run over other backends. A
 * producer needs less (ProducerLogAccess, at the end), which core/remote/remote-log.ts also offers.
 */
import type { Clock } from '../clock.js';
import type { TimestampType } from '../record/record.js';
import type { Acks } from './types.js';

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The append time when the topic uses LogAppendTime, else -1. */
  logAppendTime: number;
  timestampType: TimestampType;
  /**
   * True when the log already held this batch (same producer id, epoch and sequence range among the
   * last 5 batches of that producer): nothing was appended and the offsets are the original ones.
   */
  duplicate?: boolean;
}

/** Kafka's isolation levels: what a consumer may read of transactional data. */
export type IsolationLevel = 'read_committed' | 'read_uncommitted';

/** A transaction that ended with an abort marker (an entry of a segment's aborted-transaction index). */
export interface AbortedTransaction {
  producerId: number;
  /** Offset of the transaction's first batch in this partition. */
  firstOffset: number;
  /** Offset of the abort marker. */
  lastOffset: number;
}

/** Identifies the producer of a transaction in calls to the transaction coordinator. */
export interface TransactionIdentity {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

export interface ProducerIdAndEpoch {
  producerId: number;
  producerEpoch: number;
}

/**
 * The transaction coordinator as producers see it (Kafka's InitProducerId, AddPartitionsToTxn,
 * AddOffsetsToTxn, TxnOffsetCommit and EndTxn requests). Every call resolves once what it changed is
 * durable. Errors: ERR_PRODUCER_FENCED (an older epoch), ERR_TRANSACTION_STATE_INVALID,
 * ERR_CONCURRENT_TRANSACTIONS (retriable).
 */
export interface TransactionAccess {
  /**
   * A producer id and epoch. With a transactionalId: the id's producer id with its epoch bumped, which
   * fences every older instance; a transaction the older instance left open is aborted (one left
   * prepared is completed) first. Without: a fresh producer id, epoch 0 (an idempotent producer).
   */
  initProducerId(transactionalId: string | null, transactionTimeoutMs: number): Promise<ProducerIdAndEpoch>;
  /** Adds partitions to the ongoing transaction (starting it); data may be appended to them once this resolves. */
  addPartitionsToTxn(txn: TransactionIdentity, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<void>;
  /** Adds the group's __consumer_offsets partition to the transaction. */
  addOffsetsToTxn(txn: TransactionIdentity, groupId: string): Promise<void>;
  /** Writes offsets for the group as part of the transaction; they become the committed offsets only when it commits. */
  txnOffsetCommit(txn: TransactionIdentity, groupId: string, offsets: ReadonlyArray<{ topic: string; partition: number; offset: number; metadata?: string | null }>): Promise<void>;
  /**
   * Commits or aborts: writes the prepare state, the markers to every partition of the transaction,
   * then the complete state. Resolves with the producer id and epoch for its next transaction (the
   * epoch bumped, as Kafka's KIP-890 does, so a delayed write of this transaction can never land in
   * the next one; a new producer id once the epoch is used up).
   */
  endTxn(txn: TransactionIdentity, commit: boolean): Promise<ProducerIdAndEpoch>;
}

export interface ReadResult {
  /**
   * Whole RecordBatch v2 batches, back to back, as stored. The first batch may begin before the
   * requested offset (a batch is never split); readers skip records below the offset they asked for.
   * Empty when there is nothing at or after the offset yet.
   */
  bytes: Buffer;
  /** The next offset after the last record in `bytes`; equal to the requested offset when empty. */
  nextOffset: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface PartitionLogAccess {
  readonly topic: string;
  readonly partition: number;
  logStartOffset(): number;
  logEndOffset(): number;
  /**
   * Appends one encoded batch (base offset ignored: the log assigns offsets; LogAppendTime applied when
   * the topic says so). Synchronous: when it returns the bytes are in the page cache (acks 1).
   * Throws ERR_RECORD_TOO_LARGE over `max.message.bytes`, ERR_BATCH_* for a malformed batch.
   */
  append(batch: Buffer): AppendResult | Promise<AppendResult>;
  /** Resolves once everything appended before the call is fsynced; concurrent calls share one fdatasync. */
  flush(): Promise<void>;
  /**
   * Reads whole batches from `offset` up to about `maxBytes` (at least one whole batch if any exists),
   * and only batches that start below `maxOffset` when it is given (read_committed reads stop at the
   * last stable offset, which always falls on a batch boundary).
   * Throws ERR_OFFSET_OUT_OF_RANGE when offset < logStartOffset or offset > logEndOffset.
   */
  read(offset: number, maxBytes: number, maxOffset?: number): ReadResult;
  /**
   * The first offset that may still belong to an open transaction (Kafka's LSO): every record below it
   * is decided. Equal to logEndOffset() when no transaction is open on this partition.
   */
  lastStableOffset(): number;
  /**
   * Aborted transactions that may have records in [from, to): those with lastOffset >= from and
   * firstOffset < to, sorted by firstOffset. A read_committed reader skips the transactional batches
   * of `producerId` with firstOffset <= baseOffset < lastOffset.
   */
  abortedTransactions(from: number, to: number): AbortedTransaction[];
  /** The first offset whose record timestamp is >= `timestamp`, or null when there is none. */
  offsetForTimestamp(timestamp: number): number | null;
  /**
   * Resolves when the log end offset passes `offset` (data is available at `offset`; with
   * 'read_committed', when the last stable offset passes it), or when the log
   * is closed or deleted, or when `signal` aborts (which also drops the waiter from the log). Never
   * polls: appends wake the waiters.
   */
  waitForData(offset: number, signal?: AbortSignal, isolationLevel?: IsolationLevel): Promise<void>;
}

export interface LogAccess {
  readonly clock: Clock;
  /**
   * The partition count of a topic. When the topic does not exist and `autoCreate` is true it is
   * created with the default partition count (Kafka's `auto.create.topics.enable`); otherwise throws
   * ERR_TOPIC_NOT_FOUND.
   */
  partitionCount(topic: string, autoCreate: boolean): number;
  /** The log of one partition; throws ERR_TOPIC_NOT_FOUND / ERR_PARTITION_NOT_FOUND. */
  partitionLog(topic: string, partition: number): PartitionLogAccess;
  /** The transaction coordinator (producer ids, transactions). */
  readonly transactions: TransactionAccess;
}

/**
 * What a producer (core/client/producer.ts) needs of its backend: a LogAccess, answering at once, or
 * one over the wire, answering with promises. Everything else of a producer (batching, partitioning,
 * sequence numbers, retries, the transaction state machine) is written once above it.
 */
export interface ProducerLogAccess {
  readonly clock: Clock;
  /**
   * As LogAccess.partitionCount, or a promise of it when the count comes from cluster metadata;
   * `fresh` asks a backend that caches metadata to look again (a partition may have been added).
   */
  partitionCount(topic: string, autoCreate: boolean, fresh?: boolean): number | Promise<number>;
  partitionLog(topic: string, partition: number): ProducerPartitionAccess;
  readonly transactions: TransactionAccess;
}

/** The part of a partition's log a producer writes through. */
export interface ProducerPartitionAccess {
  /**
   * Appends one encoded batch. `acks` is the strongest of its sends: a backend over the wire asks
   * the broker for it; the embedded log appends (acks 1) and leaves durability to flush().
   */
  append(batch: Buffer, acks: Acks): AppendResult | Promise<AppendResult>;
  /** Resolves once everything appended before the call is durable. */
  flush(): Promise<void>;
}
