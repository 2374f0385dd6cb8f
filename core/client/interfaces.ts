/**
 * The client API every Eddy backend offers: the embedded log (`Eddy.open({ dataDir })`) and a Kafka
 * cluster or `eddy serve` reached over the wire (`Eddy.connect({ brokers })`). Code written against
 * these interfaces moves between the two by changing the line that opens the backend.
 *
 * The interfaces hold the calls that mean the same thing on both. Embedded-only calls (compactTopic,
 * cleanerMetrics, runRetention, simulateCrash, partitionLog…) stay on the embedded classes.
 *
 * Where the embedded answer is synchronous only because the log is in the same process (a position
 * that may need a ListOffsets round trip), the interface returns {@link MaybePromise}: `await` it and
 * the code runs on either backend.
 *
 * @example
 * ```ts
 * async function copy(eddy: EddyClient, from: string, to: string): Promise<void> {
 *   const consumer = eddy.consumer({ groupId: 'copier', autoOffsetReset: 'earliest' });
 *   const producer = eddy.producer();
 *   consumer.subscribe({ topics: [from] });
 *   for await (const r of consumer) await producer.send({ topic: to, messages: [{ key: r.key, value: r.value }] });
 * }
 * ```
 */
import type { Observable } from 'rxjs';
import type { GroupListing, GroupOffsetsDescription, ResetOffsetsPlan, ResetOffsetsResult } from '../group/group-admin.js';
import type { PollOptions } from './consumer-options.js';
import type { ProducerMetrics, TransactionOffsets } from './producer.js';
import type {
  CommittedOffsetInfo,
  ConsumerOptions,
  ConsumerRecord,
  CreateTopicOptions,
  PartitionDescription,
  ProducerOptions,
  ProducerRecord,
  RecordMetadata,
  SubscribeOptions,
  TopicPartition,
  TopicPartitionOffset,
} from './types.js';

/** A value, or a promise of it: `await` works on both. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * A partition as both backends describe it. Storage details (bytes, segments, the cleaner's dirty
 * ratio) come from the embedded log only: Kafka's protocol has no per-partition segment count.
 */
export type EddyPartitionDescription = Omit<PartitionDescription, 'bytes' | 'segments' | 'dirtyRatio'> &
  Partial<Pick<PartitionDescription, 'bytes' | 'segments' | 'dirtyRatio'>>;

/** A topic as both backends describe it: partitions and every config with its effective value. */
export interface EddyTopicDescription {
  name: string;
  partitions: EddyPartitionDescription[];
  config: Record<string, string>;
}

/** The producer: see core/client/producer.ts for the embedded one and its guarantees. */
export interface EddyProducer<K = Buffer | string | null, V = Buffer | string | null> {
  /** Resolves with one RecordMetadata per message, in message order, once acknowledged per `acks`. */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata[]>;
  /** Sends everything queued and waits until it is acknowledged (or failed). */
  flush(): Promise<void>;
  /** Aborts an open transaction, flushes, then rejects later sends with ERR_PRODUCER_CLOSED. */
  close(): Promise<void>;
  metrics(): ProducerMetrics;
  /** The producer id and epoch in use (-1 before one is obtained or without idempotence). */
  readonly producerIdAndEpoch: { producerId: number; producerEpoch: number };
  /** Registers the transactionalId, fencing older producers with the same id. */
  initTransactions(): Promise<void>;
  beginTransaction(): void;
  /** Commits consumed offsets as part of the transaction. */
  sendOffsets(offsets: TransactionOffsets): Promise<void>;
  commitTransaction(): Promise<void>;
  abortTransaction(): Promise<void>;
}

/** The consumer: see core/client/consumer.ts for the embedded one and its guarantees. */
export interface EddyConsumer<K = Buffer | null, V = Buffer | null> extends AsyncIterable<ConsumerRecord<K, V>> {
  assign(tps: readonly TopicPartition[]): void;
  assignment(): TopicPartition[];
  subscribe(options: SubscribeOptions): void;
  /** The member id and generation in the group; null before the first join. */
  groupMembership(): { memberId: string; generationId: number } | null;
  seek(tpo: TopicPartitionOffset): void;
  seekToBeginning(tps?: readonly TopicPartition[]): void;
  seekToEnd(tps?: readonly TopicPartition[]): void;
  seekToTimestamp(timestamp: number, tps?: readonly TopicPartition[]): void;
  /** The offset of the next record poll() returns for `tp`. */
  position(tp: TopicPartition): MaybePromise<number>;
  /** How far `tp`'s position is behind the end (the LSO with read_committed, the log end otherwise). */
  currentLag(tp: TopicPartition): MaybePromise<number>;
  poll(options?: PollOptions): Promise<Array<ConsumerRecord<K, V>>>;
  observe(options?: Pick<PollOptions, 'maxRecords'>): Observable<ConsumerRecord<K, V>>;
  commit(offsets?: ReadonlyArray<TopicPartitionOffset & { metadata?: string }>): Promise<void>;
  committed(tps?: readonly TopicPartition[]): Promise<CommittedOffsetInfo[]>;
  close(): Promise<void>;
}

/** Topic and consumer-group administration: see core/admin.ts for the embedded one. */
export interface EddyAdmin {
  createTopic(name: string, options?: CreateTopicOptions): Promise<EddyTopicDescription>;
  listTopics(options?: { includeInternal?: boolean }): Promise<string[]>;
  describeTopic(name: string): Promise<EddyTopicDescription>;
  deleteTopic(name: string): Promise<void>;
  /** Sets config overrides; `null` resets one to its default. */
  alterTopicConfig(name: string, config: Record<string, string | number | null>): Promise<void>;
  /** Raises the partition count to `totalCount`. */
  addPartitions(name: string, totalCount: number): Promise<void>;
  listGroups(): Promise<GroupListing[]>;
  describeGroup(groupId: string): Promise<GroupOffsetsDescription>;
  deleteGroup(groupId: string): Promise<void>;
  resetOffsets(plan: ResetOffsetsPlan): Promise<ResetOffsetsResult>;
}

/** A backend: `Eddy.open({ dataDir })` or `Eddy.connect({ brokers })`. */
export interface EddyClient {
  readonly admin: EddyAdmin;
  producer<K = Buffer | string | null, V = Buffer | string | null>(options?: ProducerOptions<K, V>): EddyProducer<K, V>;
  consumer<K = Buffer | null, V = Buffer | null>(options?: ConsumerOptions<K, V>): EddyConsumer<K, V>;
  /** Closes every client it handed out, then itself. */
  close(): Promise<void>;
}
