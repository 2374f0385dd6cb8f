/**
 * The public shapes of Eddy's producer, consumer and admin calls. Names follow KafkaJS where it
 * has one (`send({ topic, messages })`, `acks`, `lingerMs`), Kafka's words elsewhere.
 */
import type { CompressionType, RecordHeader } from '../record/record.js';
import type { Serde } from '../serdes.js';

export type Acks = 0 | 1 | 'all' | -1;

/** A header as a producer may give it: string or bytes. */
export type HeaderValue = string | Buffer | null;

export interface Message<K = Buffer | string | null, V = Buffer | string | null> {
  key?: K | null;
  value: V | null;
  /** Headers as an object (KafkaJS style) or a list (keeps order and repeated keys). */
  headers?: Record<string, HeaderValue> | Array<{ key: string; value: HeaderValue }>;
  /** CreateTime in ms; defaults to the producer's clock. */
  timestamp?: number;
  /** Explicit partition; otherwise the partitioner decides. */
  partition?: number;
}

export interface ProducerRecord<K = Buffer | string | null, V = Buffer | string | null> {
  topic: string;
  messages: Array<Message<K, V>>;
  /** Overrides the producer's acks for this call. */
  acks?: Acks;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The offset assigned to the record; -1 with acks 0. */
  offset: number;
  /** The record's timestamp as stored (the append time under LogAppendTime). */
  timestamp: number;
}

export interface ProducerOptions<K = unknown, V = unknown> {
  /** 0 = fire-and-forget, 1 = appended (page cache), 'all'/-1 = appended and fsynced. Default 'all'. */
  acks?: Acks;
  /** How long a partition's batch waits for more records before it is appended. Default 0. */
  lingerMs?: number;
  /** A partition's batch is appended once it holds this many bytes. Default 16384. */
  batchSize?: number;
  compression?: CompressionType;
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  /**
   * Retried appends never duplicate and never reorder (Kafka's enable.idempotence): the producer gets
   * a producer id and numbers its batches per partition; the log drops a batch it already holds.
   * Default true; needs acks 'all' (when acks is set to 0 or 1 and this is not given, it is off).
   */
  idempotent?: boolean;
  /** Enables transactions (implies idempotent). One live producer per id: initTransactions() fences older ones. */
  transactionalId?: string;
  /** The coordinator aborts a transaction open longer than this. Default 60000. */
  transactionTimeoutMs?: number;
  /** How often a failed append of a batch is retried when the error is retriable. Default Number.MAX_SAFE_INTEGER (bounded by deliveryTimeoutMs). */
  retries?: number;
  /** Wait before a retry. Default 100. */
  retryBackoffMs?: number;
  /** A batch still not acknowledged this long after it was sealed fails with its last error. Default 120000. */
  deliveryTimeoutMs?: number;
  /** Appends per partition awaiting an acknowledgement at once (1..5 with idempotence). Default 5. */
  maxInFlight?: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

export type AutoOffsetReset = 'earliest' | 'latest' | 'none';

export interface ConsumerOptions<K = unknown, V = unknown> {
  /** Where to start when a position is missing or out of range. Default 'latest' (Kafka's default). */
  autoOffsetReset?: AutoOffsetReset;
  /** Bytes read from a partition per fetch. Default 1 MiB. */
  maxBytes?: number;
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  /** The consumer group: needed by subscribe(), commit() and committed(). */
  groupId?: string;
  /** Static membership: a restart within sessionTimeoutMs gets the same partitions without a rebalance. */
  groupInstanceId?: string;
  /** Shown in group descriptions and used as the prefix of member ids. Default 'eddy-consumer'. */
  clientId?: string;
  /** The member is removed when the coordinator hears nothing for this long. Default 45000. */
  sessionTimeoutMs?: number;
  /** Heartbeat period; below a third of sessionTimeoutMs. Default 3000. */
  heartbeatIntervalMs?: number;
  /** The member leaves when the application does not call poll (or take the next record) for this long; also the rebalance timeout. Default 300000. */
  maxPollIntervalMs?: number;
  /** Assignors in order of preference: 'range', 'roundrobin', 'cooperative-sticky', or your own. Default ['range']. */
  partitionAssignors?: Array<string | PartitionAssignorLike>;
  /** Commit in the background (see autoCommitMode). Default true when groupId is set. */
  autoCommit?: boolean;
  /** How often autoCommit commits (at-least-once). Default 5000. */
  autoCommitIntervalMs?: number;
  /**
   * 'at-least-once' (default): autoCommit commits only records already processed (a record counts as
   * processed once the application asks for more: the next poll(), the next iteration step).
   * 'at-most-once': every poll commits the offsets after its records before it returns them.
   */
  autoCommitMode?: 'at-least-once' | 'at-most-once';
  /**
   * 'read_committed' (default): reads only up to the last stable offset and never returns records of
   * aborted transactions. 'read_uncommitted': every record, open and aborted transactions included.
   * Control batches (transaction markers) are never returned either way.
   */
  isolationLevel?: 'read_committed' | 'read_uncommitted';
}

/** A partition assignor (see core/group/assignors): `name`, `protocol`, `assign()`. */
export interface PartitionAssignorLike {
  readonly name: string;
  readonly protocol: 'eager' | 'cooperative';
  assign(
    members: ReadonlyArray<{ memberId: string; groupInstanceId: string | null; topics: readonly string[]; ownedPartitions: readonly TopicPartition[] }>,
    partitionsPerTopic: ReadonlyMap<string, number>,
  ): Map<string, TopicPartition[]>;
}

/** Called around rebalances, inside poll() (or the iteration step), and awaited. */
export interface RebalanceListener {
  /** New partitions, positioned at their committed offsets (or autoOffsetReset). */
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions about to be given up; the member is still in its generation, so commit() works here. */
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions already owned by someone else (session timeout, fencing, poll timeout): commits would fail. */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

export interface SubscribeOptions {
  /** Topic names, or a pattern every topic name is matched against as a whole (new matching topics join the subscription). */
  topics: string[] | RegExp;
  listener?: RebalanceListener;
}

export interface CommittedOffsetInfo extends TopicPartition {
  /** null when the group has no committed offset for the partition. */
  offset: number | null;
  metadata: string | null;
}

export interface ConsumerRecord<K = Buffer | null, V = Buffer | null> {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: K;
  value: V;
  headers: RecordHeader[];
}

export interface PartitionDescription {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  /** Offsets below it belong to no open transaction (Kafka's LSO); logEndOffset when none is open. */
  lastStableOffset: number;
  bytes: number;
  segments: number;
  /**
   * Compacted topics with a closed segment only: dirty bytes / (clean + dirty bytes) of the cleanable part of the log
   * (closed segments older than min.compaction.lag.ms); the cleaner runs above min.cleanable.dirty.ratio.
   */
  dirtyRatio?: number;
}

export interface TopicDescription {
  name: string;
  partitions: PartitionDescription[];
  /** Every topic config with its effective value, Kafka's dotted names. */
  config: Record<string, string>;
}

export interface CreateTopicOptions {
  /** Default: the data directory's `num.partitions` (1). */
  partitions?: number;
  /** Topic configs by Kafka's dotted names; values as strings or numbers. */
  config?: Record<string, string | number>;
}
