/**
 * Checking what a read took from a segment before anyone sees it, the timestamp scan built on it,
 * and the lookups reads start from (the segment that may hold an offset, the largest timestamp).
 * Bytes come straight from the file: every batch's framing and offsets are checked on every read,
 * and its CRC when this process has not checked that batch before (LogSegment.isChecked). Damage
 * is an ERR_LOG_CORRUPT naming the file and position, never records.
 */
import { EddyError, isEddyError } from '../errors.js';
import { batchesIn, batchIsControl, decodeRecords, verifyBatch, verifyBatchFraming } from '../record/record-batch.js';
import type { LogSegment } from './log-segment.js';

/** The partition a read is of, and whether its offsets may have gaps (compaction). */
export interface ReadPlace {
  topic: string;
  partition: number;
  /** Without compaction, offsets in a segment are contiguous, which makes the order check exact. */
  contiguous: boolean;
}

/** Where `bytes` were read: the offset asked for, and the segment position of the first batch. */
export interface ReadStart {
  offset: number;
  segment: LogSegment;
  position: number;
  /** The last offset of the batch before `position`, or null when an index entry confirmed it. */
  previousLastOffset: number | null;
}

/**
 * Keeps the whole, valid batches at the start of `bytes`. A damaged first batch is an error; damage
 * later on ends the result early, so the reader gets everything before it and the error on its next
 * read at exactly the damaged offset. Checks the CRC (of batches this process has not checked
 * before) and that offsets only increase, which catches damage to the base offset (the one offset
 * field the CRC does not cover). Batches from `maxOffset` on are left out.
 */
export function readValidPrefix(bytes: Buffer, start: ReadStart, place: ReadPlace, maxOffset = Number.MAX_SAFE_INTEGER): { valid: Buffer; nextOffset: number } {
  const { offset, segment, position, previousLastOffset } = start;
  let end = 0;
  let previousLast = previousLastOffset ?? -1;
  let nextOffset = offset;
  const batches = batchesIn(bytes, 0);
  for (;;) {
    let header;
    let at = end;
    let size = 0;
    let checked = false;
    try {
      const step = batches.next();
      if (step.done === true) break;
      ({ position: at, size } = step.value);
      checked = segment.isChecked(position + at, size);
      header = checked ? verifyBatchFraming(bytes, at, size) : verifyBatch(bytes, at, size);
    } catch (err) {
      if (end === 0) throw corruptRead(place, offset, segment, position + at, err);
      break;
    }
    // Batches from maxOffset on are not part of this read (the LSO falls between batches).
    if (header.baseOffset >= maxOffset) {
      if (end === 0) return { valid: bytes.subarray(0, 0), nextOffset: offset };
      break;
    }
    const last = header.baseOffset + header.lastOffsetDelta;
    const follows = place.contiguous && (end > 0 || previousLastOffset !== null) ? header.baseOffset === previousLast + 1 : header.baseOffset > previousLast;
    const inOrder = follows && header.baseOffset >= segment.baseOffset && last < segment.nextOffset && (end > 0 || last >= offset);
    if (!inOrder) {
      if (end === 0) throw corruptRead(place, offset, segment, position + at);
      break;
    }
    if (!checked) segment.markChecked(position + at, size);
    previousLast = last;
    nextOffset = last + 1;
    end = at + size;
  }
  if (end === 0) throw corruptRead(place, offset, segment, position);
  return { valid: bytes.subarray(0, end), nextOffset };
}

export function corruptRead(place: ReadPlace, offset: number, segment: LogSegment, position: number, cause?: unknown): EddyError {
  const why = isEddyError(cause) ? `: ${cause.message}` : '';
  return new EddyError('ERR_LOG_CORRUPT', `Corrupt data in ${segment.logFile} at position ${position} reading offset ${offset}${why}`, {
    topic: place.topic,
    partition: place.partition,
    offset,
    path: segment.logFile,
    position,
  }, { cause });
}

/**
 * The offset and timestamp of the first record at or after `startOffset` whose timestamp is >=
 * `timestamp` (ListOffsets by time), or null.
 */
export function firstRecordAtOrAfter(segments: readonly LogSegment[], startOffset: number, timestamp: number, place: ReadPlace): { offset: number; timestamp: number } | null {
  for (const segment of segments) {
    // No skipping by the segment's max timestamp: that comes from the time index, which may be short
    // after damage; lookupBefore() keeps the scan per segment small either way.
    if (segment.size === 0) continue;
    let offset = Math.max(segment.scanStartForTimestamp(timestamp), segment.baseOffset, startOffset);
    while (offset < segment.nextOffset) {
      const { position, previousLastOffset } = segment.locate(offset);
      if (position >= segment.size) break;
      const first = segment.batchAt(position);
      if (first === null) throw corruptRead(place, offset, segment, position);
      const bytes = segment.readBytes(position, Math.max(1 << 20, first.size));
      const { valid, nextOffset } = readValidPrefix(bytes, { offset, segment, position, previousLastOffset }, place);
      for (const { position: at, size, header } of batchesIn(valid, 0)) {
        if (header.maxTimestamp < timestamp || batchIsControl(header.attributes)) continue;
        for (const record of decodeRecords(valid.subarray(at, at + size), header)) {
          if (record.offset >= startOffset && record.timestamp >= timestamp) return { offset: record.offset, timestamp: record.timestamp };
        }
      }
      offset = nextOffset;
    }
  }
  return null;
}

/** Index of the segment that may hold `offset`: the last whose base offset is at or below it (0 when none is). */
export function segmentIndexFor(segments: readonly LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((segments[mid] as LogSegment).baseOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * The largest record timestamp in the segments' time tracking whose offset is at or after
 * `logStartOffset`, with that offset; null when none.
 */
export function largestTrackedTimestamp(segments: readonly LogSegment[], logStartOffset: number): { offset: number; timestamp: number } | null {
  let best: { offset: number; timestamp: number } | null = null;
  for (const segment of segments) {
    if (segment.maxTimestampSoFar < 0 || segment.offsetOfMaxTimestampSoFar < logStartOffset) continue;
    if (best === null || segment.maxTimestampSoFar > best.timestamp) best = { offset: segment.offsetOfMaxTimestampSoFar, timestamp: segment.maxTimestampSoFar };
  }
  return best;
}
