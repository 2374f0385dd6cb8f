/**
 * Which of a partition's oldest segments retention deletes: those past `retention.ms` (by their
 * largest timestamp), those beyond `retention.bytes`, and those wholly below the log start offset
 * (DeleteRecords). The active segment is never deleted. A clock that jumped backwards sees every
 * segment as young, so time deletes nothing then.
 */
import type { LogConfig } from './log-config.js';
import type { LogSegment } from './log-segment.js';

/** How many segments, oldest first, retention deletes now (always fewer than `segments.length`). */
export function expiredSegmentCount(segments: readonly LogSegment[], config: LogConfig, logStartOffset: number, now: number): number {
  if (!config.cleanupPolicy.delete) return 0;
  const { retentionMs, retentionBytes } = config;
  let sizeOver = -1;
  if (retentionBytes >= 0) {
    sizeOver = -retentionBytes;
    for (const segment of segments) sizeOver += segment.size;
  }
  let count = 0;
  while (count < segments.length - 1) {
    const oldest = segments[count] as LogSegment;
    const next = segments[count + 1] as LogSegment;
    const expiredByTime = retentionMs >= 0 && oldest.maxTimestampSoFar >= 0 && now - oldest.maxTimestampSoFar > retentionMs;
    const expiredBySize = retentionBytes >= 0 && sizeOver - oldest.size >= 0;
    const belowStart = next.baseOffset <= logStartOffset;
    if (!expiredByTime && !expiredBySize && !belowStart) break;
    sizeOver -= oldest.size;
    count++;
  }
  return count;
}

