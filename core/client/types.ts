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
  bytes: number;
  segments: number;
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
