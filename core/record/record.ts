/**
 * The shapes of records and batches as the rest of the core sees them. Keys, values and header
 * values are bytes (DESIGN decision 2); offsets and timestamps are JS numbers (decision 3).
 */

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** A record handed to the log for appending, before it has an offset. */
export interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** CreateTime in ms since the epoch; the appender's clock is used when absent. */
  timestamp?: number;
}

/** A record read back from the log. */
export interface LogRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Compression codec ids in the low three attribute bits (Kafka's numbering). */
export const COMPRESSION_CODEC_IDS: Record<CompressionType, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

export type TimestampType = 'CreateTime' | 'LogAppendTime';

/** The fixed 61-byte header of a RecordBatch v2, decoded. */
export interface BatchHeader {
  baseOffset: number;
  /** Bytes after the length field: the whole batch occupies `batchLength + 12` bytes. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}
