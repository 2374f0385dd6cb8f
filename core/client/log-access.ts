/**
 * The narrow view of the log that producers and consumers use. The embedded log implements it;
 * keeping clients on this interface is what lets the same clients later run over other backends.
 */
import type { Clock } from '../clock.js';
import type { TimestampType } from '../record/record.js';

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The append time when the topic uses LogAppendTime, else -1. */
  logAppendTime: number;
  timestampType: TimestampType;
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
  append(batch: Buffer): AppendResult;
  /** Resolves once everything appended before the call is fsynced; concurrent calls share one fdatasync. */
  flush(): Promise<void>;
  /**
   * Reads whole batches from `offset` up to about `maxBytes` (at least one whole batch if any exists).
   * Throws ERR_OFFSET_OUT_OF_RANGE when offset < logStartOffset or offset > logEndOffset.
   */
  read(offset: number, maxBytes: number): ReadResult;
  /** The first offset whose record timestamp is >= `timestamp`, or null when there is none. */
  offsetForTimestamp(timestamp: number): number | null;
  /**
   * Resolves when the log end offset passes `offset` (data is available at `offset`), or when the log
   * is closed or deleted, or when `signal` aborts (which also drops the waiter from the log). Never
   * polls: appends wake the waiters.
   */
  waitForData(offset: number, signal?: AbortSignal): Promise<void>;
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
}
