/**
 * Shared setup of the cleaner tests (cleaner*.test.ts): a LogManager on a temp dir with a
 * ManualClock, keyed appends, and the key → value view a reader from the start builds.
 * The tests open LogManager directly (what Eddy.open wraps) so they exercise the storage layer only.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { ManualClock } from '../../../core/clock.js';
import { resolveEddyOptions } from '../../../core/eddy-options.js';
import { LogManager } from '../../../core/log/log-manager.js';
import type { PartitionLog } from '../../../core/log/partition-log.js';
import { decodeRecords, encodeRecordBatch, verifyBatch } from '../../../core/record/record-batch.js';
import type { CompressionType, LogRecord } from '../../../core/record/record.js';
import { copyDataDir, tempDir } from '../../helpers/temp-dir.js';

export const NOW = 1_800_000_000_000;
export const BACKOFF = 1000;

export interface Opened {
  manager: LogManager;
  clock: ManualClock;
  dataDir: string;
}

export async function openManager(t: ExecutionContext, options: { dataDir?: string; clock?: ManualClock; config?: Record<string, string | number | boolean> } = {}): Promise<Opened> {
  const dataDir = options.dataDir ?? tempDir(t, 'eddy-cleaner-');
  const clock = options.clock ?? new ManualClock(NOW);
  const errors: string[] = [];
  const manager = await LogManager.open(
    resolveEddyOptions({ dataDir, clock, config: { 'log.cleaner.backoff.ms': BACKOFF, ...options.config }, onError: (e) => errors.push(`${e.code}: ${e.message}`) }),
  );
  t.teardown(async () => {
    await manager.close();
  });
  return { manager, clock, dataDir };
}

export type Entry = [key: string, value: string | null];

/** Appends one batch holding `entries`, all with timestamp `ts`. Returns its base offset. */
export function put(log: PartitionLog, entries: Entry[], ts: number, compression: CompressionType = 'none'): number {
  const records = entries.map(([key, value]) => ({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp: ts }));
  return log.append(encodeRecordBatch({ records, compression, now: ts })).baseOffset;
}

export function readAllRecords(log: PartitionLog, from = log.logStartOffset()): LogRecord[] {
  const out: LogRecord[] = [];
  let offset = from;
  while (offset < log.logEndOffset()) {
    const result = log.read(offset, 1 << 16);
    if (result.bytes.length === 0) break;
    let at = 0;
    while (at < result.bytes.length) {
      const size = result.bytes.readInt32BE(at + 8) + 12;
      const batch = result.bytes.subarray(at, at + size);
      for (const r of decode(batch)) if (r.offset >= offset) out.push(r);
      at += size;
    }
    offset = result.nextOffset;
  }
  return out;
}

function decode(batch: Buffer): LogRecord[] {
  return decodeRecords(batch, verifyBatch(batch));
}

/** Records as `offset:key=value` (value `null` for a tombstone): easy to compare and to read in a failure. */
export function describe(records: LogRecord[]): string[] {
  return records.map((r) => `${r.offset}:${r.key?.toString() ?? '∅'}=${r.value === null ? 'null' : r.value.toString()}`);
}

/** The table a reader from the start builds: a tombstone deletes its key. Keys in sorted order. */
export function tableOf(records: Array<{ key: Buffer | null; value: Buffer | null }>): Map<string, string> {
  const table = new Map<string, string>();
  for (const r of records) {
    const key = r.key?.toString() ?? '';
    if (r.value === null) table.delete(key);
    else table.set(key, r.value.toString());
  }
  // Sorted, so that tables compare equal whatever order their keys arrived in.
  return new Map([...table].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function partitionFiles(dataDir: string, topic: string, partition = 0): string[] {
  return fs.readdirSync(path.join(dataDir, `${topic}-${partition}`)).sort();
}

/** Files a finished or recovered swap must not leave behind. */
export function leftovers(files: string[]): string[] {
  return files.filter((f) => /\.(cleaned|swap|tmp)$/.test(f));
}

export { copyDataDir };
