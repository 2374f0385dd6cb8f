/**
 * Replacing a group of segments with their cleaned version, crash-safely (Kafka's
 * `LocalLog.replaceSegments` and the swap rules of its LogLoader). The files of one swap:
 *
 *     <base>.log.cleaned  (+ .index.cleaned, .timeindex.cleaned, [.txnindex.cleaned])   written and fsynced by the Cleaner
 *     <base>.log.swap     (+ .index.swap, .timeindex.swap, [.txnindex.swap])         renamed: the commit point
 *     <old>.log.deleted   ...                                                        each old segment of the group
 *     <base>.log          (+ .index, .timeindex, [.txnindex])                        the new segment under its final name
 *
 * The aborted-transaction index `.txnindex` is optional (absent for most segments) and, unlike the
 * other two indexes, cannot be rebuilt from the segment, so it must never be lost, nor may the old
 * `<base>.txnindex` stay beside the new `<base>.log`. Hence: when the old `<base>.txnindex` exists,
 * the new segment always has one (empty if need be) to replace it, so after the commit point a
 * `<base>.txnindex.swap` exists exactly until the new index has taken the final name.
 *
 * Steps, each durable before the next (directory fsync where a rename must not be reordered):
 *   1. indexes `.cleaned` → `.swap`, then the log `.cleaned` → `.swap`; fsync the directory.
 *      Once `<base>.log.swap` exists, the new segment is complete on disk and wins.
 *   2. every old segment of the group → `*.deleted`; then `<base>.txnindex.swap` → `<base>.txnindex`;
 *      fsync the directory. (While `<base>.log.swap` exists, recovery finishes this step whatever
 *      order the renames reached the disk in.)
 *   3. `<base>.log.swap` → `<base>.log`, then the other index `.swap` files; fsync the directory.
 *      An empty `<base>.txnindex` left by step 1 is removed afterwards.
 *
 * Recovery ({@link completeInterruptedSwaps}, run by LogLoader before anything else):
 *   - `*.cleaned` files are deleted (the swap never committed: the old segments are all there);
 *   - a `<base>.log.swap` is completed: every segment whose base offset lies in [base, end of the
 *     swap's last batch] is deleted (those are the old segments it replaces; the cleaner always keeps
 *     the group's last batch, if need be as an empty batch, so this range covers the whole group),
 *     then the swap files are renamed to their final names;
 *   - index `.swap` files without a `.log.swap` are deleted (either the swap never committed, or the
 *     log already has its final name and they are the offset and time indexes, which are rebuilt on
 *     open: the `.txnindex` was renamed in step 2); `*.deleted` files are deleted.
 * So a crash at any point leaves either every old segment of the group or the new one, never both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BATCH_HEADER_SIZE, LOG_OVERHEAD } from '../../record/record-batch.js';
import { readInt64BE } from '../../record/int64.js';
import { fsyncDir, fsyncDirSync } from '../atomic-file.js';
import { LogSegment, SEGMENT_FILE_SUFFIXES, segmentFileName, type SegmentOptions } from '../log-segment.js';
import type { PartitionLog } from '../partition-log.js';

export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';

/** A test hook called between the steps of a swap (and of a cleaning pass); a throw simulates a crash there. */
export type CrashHook = (step: string) => void;

function rename(from: string, to: string): void {
  fs.renameSync(from, to);
}

/** Removes the `.cleaned` files of a segment the cleaner wrote but will not swap in. */
export function discardCleaned(dir: string, baseOffset: number): void {
  for (const suffix of SEGMENT_FILE_SUFFIXES) fs.rmSync(path.join(dir, segmentFileName(baseOffset, suffix) + CLEANED_SUFFIX), { force: true });
}


/**
 * Swaps the closed, fsynced `.cleaned` segment at `group[0].baseOffset` in for `group`. The part
 * that changes the log (deleting the old segments, renaming the new one into place, installing it)
 * runs in one synchronous turn, so no read or append sees it half done; the directory fsyncs run on
 * the thread pool around it. Returns false (and removes the new files) when the group is no longer
 * in the log (retention or a topic deletion removed part of it meanwhile). A failure after the old
 * segments start going stops the log (the next open completes the swap).
 */
export async function swapSegments(log: PartitionLog, group: readonly LogSegment[], nextOffset: number, options: SegmentOptions, now: number, crashAt?: CrashHook): Promise<boolean> {
  const dir = log.dir;
  const base = (group[0] as LogSegment).baseOffset;
  if (!log.holdsSegments(group)) {
    discardCleaned(dir, base);
    return false;
  }
  const file = (suffix: string, extra: string): string => path.join(dir, segmentFileName(base, suffix) + extra);
  // The old segment's aborted-transaction index must be replaced, even by an empty one (see above).
  if (!fs.existsSync(file('.txnindex', CLEANED_SUFFIX)) && fs.existsSync(file('.txnindex', ''))) fs.writeFileSync(file('.txnindex', CLEANED_SUFFIX), Buffer.alloc(0));
  const hasTxnIndex = fs.existsSync(file('.txnindex', CLEANED_SUFFIX));
  rename(file('.index', CLEANED_SUFFIX), file('.index', SWAP_SUFFIX));
  rename(file('.timeindex', CLEANED_SUFFIX), file('.timeindex', SWAP_SUFFIX));
  if (hasTxnIndex) rename(file('.txnindex', CLEANED_SUFFIX), file('.txnindex', SWAP_SUFFIX));
  crashAt?.('swap:indexes-renamed');
  rename(file('.log', CLEANED_SUFFIX), file('.log', SWAP_SUFFIX));
  await fsyncDir(dir);
  if (!log.holdsSegments(group)) {
    // Retention (compact,delete) or a close got there during the fsync: un-commit, log file first.
    for (const suffix of SEGMENT_FILE_SUFFIXES) fs.rmSync(file(suffix, SWAP_SUFFIX), { force: true });
    return false;
  }
  try {
    crashAt?.('swap:committed');
    const deleted: string[] = [];
    group.forEach((old, i) => {
      deleted.push(...old.markDeleted());
      crashAt?.(`swap:old-deleted-${i}`);
    });
    // Before the log's rename, so that a `.txnindex.swap` never outlives `<base>.log.swap`.
    if (hasTxnIndex) {
      rename(file('.txnindex', SWAP_SUFFIX), file('.txnindex', ''));
      crashAt?.('swap:txnindex-renamed');
    }
    // The old names must be gone on disk before the new segment takes its final name, or a crash
    // could keep the second rename and lose the first: a mix of old and new. Synchronous because this
    // whole step runs in one turn; it happens once per swapped group.
    fsyncDirSync(dir);
    rename(file('.log', SWAP_SUFFIX), file('.log', ''));
    crashAt?.('swap:log-renamed');
    rename(file('.index', SWAP_SUFFIX), file('.index', ''));
    rename(file('.timeindex', SWAP_SUFFIX), file('.timeindex', ''));
    crashAt?.('swap:indexes-final');
    const { segment } = LogSegment.open(dir, base, options, now);
    // An empty index reads like none; drop the file so most segments keep having none.
    if (hasTxnIndex && segment.txnIndex.entries.length === 0) fs.rmSync(file('.txnindex', ''), { force: true });
    segment.loadTail();
    // Like a closed segment loaded at open: it spans up to the next segment's base offset.
    segment.nextOffset = nextOffset;
    log.replaceSegments(group, segment, deleted);
  } catch (err) {
    // Past the commit point the in-memory log no longer matches the files: stop it; reopening
    // completes the swap from what is on disk.
    throw log.failStorage(err);
  }
  // Until this fsync a crash may show the `.swap` names again, which recovery completes the same way.
  await fsyncDir(dir);
  return true;
}

/** One past the last offset of the batches in a segment file (`base` when it holds none). */
function nextOffsetOfFile(file: string, base: number): number {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const header = Buffer.alloc(BATCH_HEADER_SIZE);
    let position = 0;
    let next = base;
    while (position + BATCH_HEADER_SIZE <= size) {
      if (fs.readSync(fd, header, 0, BATCH_HEADER_SIZE, position) !== BATCH_HEADER_SIZE) break;
      const batchLength = header.readInt32BE(8);
      if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) break;
      next = readInt64BE(header, 0, 'baseOffset') + header.readInt32BE(23) + 1;
      position += batchLength + LOG_OVERHEAD;
    }
    return next;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Completes swaps a crash interrupted (rules above). Call before removing stray files. Returns the
 * number of swaps completed.
 */
export function completeInterruptedSwaps(dir: string): number {
  const names = fs.readdirSync(dir);
  const logBases = names.filter((n) => /^\d{20}\.log$/.test(n)).map((n) => Number(n.slice(0, 20)));
  let completed = 0;
  for (const name of names) {
    const m = /^(\d{20})\.log\.swap$/.exec(name);
    if (m === null) continue;
    const base = Number(m[1]);
    const end = nextOffsetOfFile(path.join(dir, name), base);
    for (const old of logBases) {
      if (old < base || old >= Math.max(end, base + 1)) continue;
      for (const suffix of SEGMENT_FILE_SUFFIXES) fs.rmSync(path.join(dir, segmentFileName(old, suffix)), { force: true });
    }
    for (const suffix of SEGMENT_FILE_SUFFIXES) {
      const swap = path.join(dir, segmentFileName(base, suffix) + SWAP_SUFFIX);
      if (fs.existsSync(swap)) rename(swap, path.join(dir, segmentFileName(base, suffix)));
    }
    completed++;
  }
  if (completed > 0) fsyncDirSync(dir);
  return completed;
}
