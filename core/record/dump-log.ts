/**
 * A kafka-dump-log style listing of a `.log` segment's batches. It never throws on garbage: it
 * walks batches until the bytes stop making sense and reports how far the data was valid, which
 * is what a crash-recovery truncation or an operator inspecting a damaged file needs to know.
 * `validBytes` ends after the last batch that passed {@link verifyBatch}; a batch with a bad CRC
 * is listed (isvalid: false) and ends the walk, since nothing after it can be trusted to be aligned.
 */

import { isEddyError } from '../errors.js';
import { compressionFromAttributes } from './compression.js';
import type { CompressionType, TimestampType } from './record.js';
import {
  ATTR_COMPRESSION_MASK,
  type BatchLocation,
  type BatchScanEnd,
  batchIsControl,
  batchIsTransactional,
  batchesIn,
  batchTimestampType,
  computeBatchCrc,
  verifyBatch,
} from './record-batch.js';

export interface DumpedBatch {
  position: number;
  baseOffset: number;
  lastOffset: number;
  count: number;
  sizeInBytes: number;
  compression: CompressionType | string;
  timestampType: TimestampType;
  maxTimestamp: number;
  isTransactional: boolean;
  isControl: boolean;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastSequence: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  crcValid: boolean;
}

export interface LogFileDescription {
  batches: DumpedBatch[];
  /** Bytes from the start of the file up to the end of the last valid batch. */
  validBytes: number;
  trailingBytes: number;
  /** Why the walk stopped before the end of the file, if it did. */
  error?: string;
}

// Kafka's DefaultRecordBatch.incrementSequence: sequences wrap at Integer.MAX_VALUE.
function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  if (baseSequence < 0) return -1;
  if (baseSequence > 0x7fffffff - lastOffsetDelta) return lastOffsetDelta - (0x7fffffff - baseSequence) - 1;
  return baseSequence + lastOffsetDelta;
}

function codecName(attributes: number): CompressionType | string {
  try {
    return compressionFromAttributes(attributes);
  } catch {
    return `unknown(${attributes & ATTR_COMPRESSION_MASK})`;
  }
}

function reason(err: unknown): string {
  if (isEddyError(err)) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** Lists every batch of a segment file's bytes and where valid data stops. */
export function describeLogFile(bytes: Buffer): LogFileDescription {
  const batches: DumpedBatch[] = [];
  let validBytes = 0;
  let error: string | undefined;
  const walk = batchesIn(bytes, 0);
  for (;;) {
    let step: IteratorResult<BatchLocation, BatchScanEnd>;
    try {
      step = walk.next();
    } catch (err) {
      error = reason(err);
      break;
    }
    if (step.done === true) {
      if (step.value.partial) {
        error = `Incomplete batch at position ${step.value.position}: ${bytes.length - step.value.position} bytes`;
      }
      break;
    }
    const { position, size, header } = step.value;
    const crcValid = computeBatchCrc(bytes, position, header.batchLength) === header.crc;
    batches.push({
      position,
      baseOffset: header.baseOffset,
      lastOffset: header.baseOffset + header.lastOffsetDelta,
      count: header.recordCount,
      sizeInBytes: size,
      compression: codecName(header.attributes),
      timestampType: batchTimestampType(header.attributes),
      maxTimestamp: header.maxTimestamp,
      isTransactional: batchIsTransactional(header.attributes),
      isControl: batchIsControl(header.attributes),
      producerId: header.producerId,
      producerEpoch: header.producerEpoch,
      baseSequence: header.baseSequence,
      lastSequence: lastSequenceOf(header.baseSequence, header.lastOffsetDelta),
      partitionLeaderEpoch: header.partitionLeaderEpoch,
      magic: header.magic,
      crc: header.crc,
      crcValid,
    });
    try {
      verifyBatch(bytes, position, size);
      compressionFromAttributes(header.attributes);
    } catch (err) {
      error = reason(err);
      break;
    }
    validBytes = position + size;
  }
  const result: LogFileDescription = { batches, validBytes, trailingBytes: bytes.length - validBytes };
  if (error !== undefined) result.error = error;
  return result;
}

function textLine(b: DumpedBatch): string {
  return (
    `baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.count} ` +
    `baseSequence: ${b.baseSequence} lastSequence: ${b.lastSequence} producerId: ${b.producerId} ` +
    `producerEpoch: ${b.producerEpoch} partitionLeaderEpoch: ${b.partitionLeaderEpoch} ` +
    `isTransactional: ${b.isTransactional} isControl: ${b.isControl} position: ${b.position} ` +
    `${b.timestampType}: ${b.maxTimestamp} size: ${b.sizeInBytes} magic: ${b.magic} ` +
    `compresscodec: ${b.compression} crc: ${b.crc} isvalid: ${b.crcValid}`
  );
}

/**
 * Text: one kafka-dump-log style line per batch, then a line about any bytes past the valid data.
 * JSON: one object per batch per line, then (only when the file does not end cleanly) one
 * `{"validBytes","trailingBytes","error"}` object.
 */
export function formatDumpLog(result: LogFileDescription, format: 'text' | 'json'): string {
  const lines: string[] = [];
  const clean = result.trailingBytes === 0 && result.error === undefined;
  if (format === 'json') {
    for (const b of result.batches) lines.push(JSON.stringify(b));
    if (!clean) lines.push(JSON.stringify({ validBytes: result.validBytes, trailingBytes: result.trailingBytes, error: result.error ?? null }));
  } else {
    for (const b of result.batches) lines.push(textLine(b));
    if (!clean) {
      lines.push(`Found ${result.trailingBytes} invalid bytes at position ${result.validBytes}${result.error === undefined ? '' : `: ${result.error}`}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
