/**
 * What a partition log checks and changes in a producer's batch before writing it, all before any
 * byte reaches the file: the size limit, the batch itself (magic, CRC, framing), that producers
 * send neither control batches nor transactional batches without a producer id, that a compacted
 * topic gets keys, and the topic's `compression.type` (Kafka's broker-side recompression).
 */
import { EddyError } from '../errors.js';
import { firstKeylessRecord, recompressBatch } from '../record/batch-rewrite.js';
import { batchIsControl, batchIsTransactional, verifyBatch } from '../record/record-batch.js';
import type { BatchHeader, CompressionType } from '../record/record.js';
import type { LogConfig } from './log-config.js';

/** The partition a batch is appended to, for errors. */
export interface AppendPlace {
  topic: string;
  partition: number;
}

/** Checks a producer's batch (everything but its producer state) and returns its header. */
export function admitProducerBatch(batch: Buffer, config: LogConfig, place: AppendPlace): BatchHeader {
  const { topic, partition } = place;
  if (batch.length > config.maxMessageBytes) {
    throw new EddyError('ERR_RECORD_TOO_LARGE', `Batch of ${batch.length} bytes exceeds max.message.bytes ${config.maxMessageBytes}`, { topic, partition, size: batch.length });
  }
  const header = verifyBatch(batch, 0, batch.length);
  if (batchIsControl(header.attributes)) {
    throw new EddyError('ERR_BATCH_INVALID', `Control batches are written by the transaction coordinator, not appended by producers (${topic}-${partition})`, { topic, partition });
  }
  if (header.producerId < 0 && batchIsTransactional(header.attributes)) {
    throw new EddyError('ERR_BATCH_INVALID', `A transactional batch needs a producer id (${topic}-${partition})`, { topic, partition });
  }
  return header;
}

function policyName(config: LogConfig): string {
  const { compact, delete: del } = config.cleanupPolicy;
  return [compact ? 'compact' : '', del ? 'delete' : ''].filter((p) => p !== '').join(',');
}

/**
 * A compacted topic keeps the latest record per key, so a record without a key has no meaning
 * there; Kafka's broker refuses such batches, and so does Eddy. Uncompressed batches are checked by
 * walking record framing only (no record objects); compressed ones are decoded.
 */
export function requireKeysWhenCompacted(batch: Buffer, header: BatchHeader, config: LogConfig, place: AppendPlace): void {
  if (!config.cleanupPolicy.compact) return;
  const keyless = firstKeylessRecord(batch, header);
  if (keyless >= 0) {
    throw new EddyError('ERR_RECORD_INVALID', `Record ${keyless} of the batch has no key; topic ${place.topic} is compacted (cleanup.policy=${policyName(config)}) and keeps records by key`, {
      topic: place.topic,
      partition: place.partition,
      record: keyless,
    });
  }
}

/**
 * The batch as the topic's `compression.type` stores it: `producer` keeps it as sent; a codec name
 * re-encodes batches that use another codec, keeping producer id, epoch, sequence, transactional
 * flag and timestamps.
 */
export function recompressForTopic(batch: Buffer, header: BatchHeader, config: LogConfig): Buffer {
  const wanted = config.compressionType;
  if (wanted === 'producer') return batch;
  return recompressBatch(batch, header, wanted === 'uncompressed' ? 'none' : (wanted as CompressionType));
}
