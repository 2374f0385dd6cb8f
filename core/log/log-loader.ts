/**
 * Loading a partition directory, as Kafka's LogLoader does: complete cleaner swaps that a crash
 * interrupted after their commit point (`<base>.log.swap`, see cleaner/segment-swap.ts), remove
 * leftovers of interrupted work (`*.tmp`, `*.deleted`, `*.cleaned`, other `*.swap`, index files
 * without a log), open the segments in
 * base-offset order, rebuild damaged indexes, and after an unclean shutdown verify every batch from
 * the segment holding the recovery point to the end, cutting at the first invalid byte and dropping
 * any segment after a cut. Below the recovery point nothing is cut: that data was fsynced, and damage
 * there is reported when it is read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EddyError } from '../errors.js';
import { completeInterruptedSwaps } from './cleaner/segment-swap.js';
import { LogSegment, type SegmentOptions } from './log-segment.js';

const LOG_SUFFIX = '.log';
const STRAY_SUFFIXES = ['.tmp', '.deleted', '.cleaned', '.swap'];

/** What opening a log found, for the caller's accounting and for tests. */
export interface LogLoadReport {
  recoveredSegments: number;
  truncatedBytes: number;
  rebuiltIndexes: number;
  deletedSegments: number;
  /** Segment swaps of the cleaner that a crash interrupted and loading completed. */
  completedSwaps: number;
}

export interface LoadOptions {
  dir: string;
  segmentOptions: SegmentOptions;
  /** Offsets are contiguous within a segment (no compaction): checked exactly during recovery. */
  contiguous: boolean;
  now: number;
  recoveryPoint: number;
  logStartOffset: number;
  cleanShutdown: boolean;
}

export interface LoadedLog {
  segments: LogSegment[];
  logStartOffset: number;
  recoveryPoint: number;
  report: LogLoadReport;
  /** Damage found below the recovery point: the log serves what precedes it and takes no appends. */
  damage: EddyError | null;
}

export function loadLog(options: LoadOptions): LoadedLog {
  const { dir, segmentOptions, contiguous, now, recoveryPoint, cleanShutdown } = options;
  const checkpointedStart = options.logStartOffset;
  const report: LogLoadReport = { recoveredSegments: 0, truncatedBytes: 0, rebuiltIndexes: 0, deletedSegments: 0, completedSwaps: 0 };
  const segments: LogSegment[] = [];
  const bases: number[] = [];
  // Before the strays go: a committed `.swap` is the newer state of its segments (segment-swap.ts).
  report.completedSwaps = completeInterruptedSwaps(dir);
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    if (STRAY_SUFFIXES.some((s) => name.endsWith(s))) {
      fs.rmSync(full, { force: true, recursive: true });
      continue;
    }
    if (name.endsWith(LOG_SUFFIX) && /^\d{20}\.log$/.test(name)) bases.push(Number(name.slice(0, 20)));
  }
  // Index files without a log file are leftovers of a deletion interrupted by a crash.
  for (const name of fs.readdirSync(dir)) {
    const m = /^(\d{20})\.(index|timeindex|txnindex)$/.exec(name);
    if (m !== null && !bases.includes(Number(m[1]))) fs.rmSync(path.join(dir, name), { force: true });
  }
  bases.sort((a, b) => a - b);
  const needsIndex = new Set<LogSegment>();
  for (const base of bases) {
    const { segment, indexesRebuilt } = LogSegment.open(dir, base, segmentOptions, now);
    segments.push(segment);
    if (indexesRebuilt) needsIndex.add(segment);
  }
  if (segments.length === 0) {
    segments.push(LogSegment.create(dir, Math.max(0, checkpointedStart, recoveryPoint), segmentOptions, now));
  }

  // After an unclean shutdown, verify from the segment holding the recovery point to the end.
  let recoverFrom = segments.length;
  if (!cleanShutdown) {
    recoverFrom = 0;
    for (let i = 0; i < segments.length; i++) if ((segments[i] as LogSegment).baseOffset <= recoveryPoint) recoverFrom = i;
  }
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as LogSegment;
    const next = segments[i + 1];
    if (i >= recoverFrom) {
      if (needsIndex.has(segment)) report.rebuiltIndexes++;
      const cut = segment.recover({ offsetLimit: next?.baseOffset ?? Number.MAX_SAFE_INTEGER, verifyFrom: recoveryPoint, contiguous });
      report.recoveredSegments++;
      if (segment.damagedBelowRecoveryPoint) break;
      report.truncatedBytes += cut;
      if (cut > 0) {
        segment.markDirty();
        // Anything after a cut segment cannot be trusted to follow on from it.
        for (const later of segments.splice(i + 1)) {
          later.delete();
          report.deletedSegments++;
        }
        break;
      }
    } else if (needsIndex.has(segment)) {
      // Below the recovery point: rebuild the indexes but cut nothing.
      report.rebuiltIndexes++;
      const damaged = segment.recover({ offsetLimit: next?.baseOffset ?? Number.MAX_SAFE_INTEGER, verifyFrom: Number.MAX_SAFE_INTEGER, contiguous, truncate: false });
      if (next !== undefined) segment.nextOffset = next.baseOffset;
      else if (damaged > 0) {
        // The active segment must end on a valid batch, or new appends would follow garbage.
        const cut = segment.recover({ verifyFrom: recoveryPoint, contiguous });
        if (!segment.damagedBelowRecoveryPoint) report.truncatedBytes += cut;
        report.recoveredSegments++;
      }
    } else if (next === undefined) {
      try {
        segment.loadTail();
      } catch {
        // The tail's headers do not chain even though the shutdown was clean: verify the segment.
        const cut = segment.recover({ verifyFrom: recoveryPoint, contiguous });
        if (!segment.damagedBelowRecoveryPoint) report.truncatedBytes += cut;
        report.recoveredSegments++;
      }
    } else {
      segment.nextOffset = next.baseOffset;
      const lastTime = segment.timeIndex.lastEntry();
      segment.maxTimestampSoFar = lastTime?.timestamp ?? -1;
      segment.offsetOfMaxTimestampSoFar = lastTime?.offset ?? -1;
    }
  }
  let damage: EddyError | null = null;
  const damagedAt = segments.findIndex((s) => s.damagedBelowRecoveryPoint);
  if (damagedAt >= 0) {
    const damaged = segments[damagedAt] as LogSegment;
    // Later segments stay on disk untouched; they are not served past the damage.
    for (const later of segments.splice(damagedAt + 1)) later.close();
    damage = new EddyError('ERR_LOG_CORRUPT', `Damaged batch at position ${damaged.size} of ${damaged.logFile}, below the recovery point ${recoveryPoint}; the partition is read-only up to offset ${damaged.nextOffset} and nothing was removed`, {
      path: damaged.logFile,
      offset: damaged.nextOffset,
      position: damaged.size,
    });
  }
  const active = segments[segments.length - 1] as LogSegment;
  let logStartOffset = Math.max(checkpointedStart, (segments[0] as LogSegment).baseOffset);
  if (logStartOffset > active.nextOffset) logStartOffset = active.nextOffset;
  // A damaged log keeps its checkpointed recovery point, so the next open still treats the damage as
  // fsynced data and does not cut it.
  const recoveredTo = damage !== null ? recoveryPoint : cleanShutdown ? active.nextOffset : Math.min(recoveryPoint, active.nextOffset);
  return { segments, logStartOffset, recoveryPoint: recoveredTo, report, damage };
}
