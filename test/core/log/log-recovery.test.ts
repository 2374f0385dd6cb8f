/**
 * Randomized recovery: a log is written once, then for hundreds of iterations a copy of it is
 * damaged the way crashes and disks damage files, reopened, and read back against what was written.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import { Eddy } from '../../../core/eddy.js';
import { isEddyError } from '../../../core/errors.js';
import { batchesIn, decodeRecords, encodeRecordBatch } from '../../../core/record/record-batch.js';
import type { LogRecord, RecordInput } from '../../../core/record/record.js';
import { readAll } from '../../helpers/read-all.js';
import { copyDataDir } from '../../helpers/temp-dir.js';

const TOPIC = 'recovery';
const ITERATIONS = 120;

interface Written {
  dir: string;
  records: Array<{ offset: number; key: string | null; value: string | null; timestamp: number }>;
  /** Per segment file: byte positions where batches end, and the record count up to each. */
  segmentFiles: string[];
}

function randomRecords(rand: () => number, count: number, timestamp: number): RecordInput[] {
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const key = rand() < 0.2 ? null : Buffer.from(`key-${Math.floor(rand() * 1000)}`);
    const value = rand() < 0.1 ? null : Buffer.from('x'.repeat(Math.floor(rand() * 200)) + String(rand()));
    records.push({ key, value, timestamp });
  }
  return records;
}

async function writeBase(root: string): Promise<Written> {
  const dir = path.join(root, 'base');
  const eddy = await Eddy.open({ dataDir: dir });
  await eddy.admin.createTopic(TOPIC, { config: { 'segment.bytes': 3000, 'index.interval.bytes': 256 } });
  const log = eddy.partitionLog(TOPIC, 0);
  let seed = 42;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const records: Written['records'] = [];
  for (let b = 0; b < 80; b++) {
    const batchRecords = randomRecords(rand, 1 + Math.floor(rand() * 5), 1_000_000 + b * 1000);
    const result = log.append(encodeRecordBatch({ records: batchRecords, compression: b % 4 === 0 ? 'gzip' : 'none' }));
    batchRecords.forEach((r, i) => records.push({ offset: result.baseOffset + i, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: r.timestamp as number }));
  }
  await eddy.close();
  const segmentFiles = fs.readdirSync(path.join(dir, `${TOPIC}-0`)).filter((f) => f.endsWith('.log')).sort();
  return { dir, records, segmentFiles };
}

function copyOf(base: Written, root: string, name: string): string {
  const dir = path.join(root, name);
  copyDataDir(base.dir, dir);
  return dir;
}

/** Makes the next open treat the directory as crashed with nothing known durable. */
function markUnclean(dir: string): void {
  fs.rmSync(path.join(dir, '.kafka_cleanshutdown'), { force: true });
  fs.writeFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), `0\n1\n${TOPIC} 0 0\n`);
}

function plain(records: LogRecord[]): Written['records'] {
  return records.map((r) => ({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: r.timestamp }));
}

/** Byte positions where batches end in a segment file (walks the length fields of a known-good file). */
function batchEnds(file: string): number[] {
  const bytes = fs.readFileSync(file);
  const ends: number[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    pos += bytes.readInt32BE(pos + 8) + 12;
    ends.push(pos);
  }
  return ends;
}

let base: Written;
let root: string;
test.before(async () => {
  root = fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'eddy-recovery-'));
  base = await writeBase(root);
});
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));

test('the base log spans several segments', (t) => {
  t.true(base.segmentFiles.length >= 5);
  t.is(base.records.length, base.records[base.records.length - 1]!.offset + 1);
});

test('a torn tail at a random byte is cut back to the last whole batch', async (t) => {
  const last = base.segmentFiles[base.segmentFiles.length - 1] as string;
  const lastSize = fs.statSync(path.join(base.dir, `${TOPIC}-0`, last)).size;
  const firstOffsetOfLast = Number(last.slice(0, 20));
  const ends = batchEnds(path.join(base.dir, `${TOPIC}-0`, last));
  for (let i = 0; i < ITERATIONS; i++) {
    const dir = copyOf(base, root, `torn-${i}`);
    const cut = Math.floor(Math.random() * lastSize);
    fs.truncateSync(path.join(dir, `${TOPIC}-0`, last), cut);
    markUnclean(dir);
    const eddy = await Eddy.open({ dataDir: dir });
    const log = eddy.partitionLog(TOPIC, 0);
    const got = plain(readAll(log));
    // Whole batches before the cut survive; count their records from the original data.
    const keptBytes = ends.filter((e) => e <= cut).pop() ?? 0;
    t.is(fs.statSync(path.join(dir, `${TOPIC}-0`, last)).size, keptBytes);
    const expected = base.records.filter((r) => r.offset < log.logEndOffset());
    t.deepEqual(got, expected);
    t.true(log.logEndOffset() >= firstOffsetOfLast);
    // The log keeps going with contiguous offsets.
    const appended = log.append(encodeRecordBatch({ records: [{ key: null, value: Buffer.from('after') }] }));
    t.is(appended.baseOffset, expected.length);
    await eddy.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('1–1024 garbage bytes after the last batch are removed and nothing else is lost', async (t) => {
  const last = base.segmentFiles[base.segmentFiles.length - 1] as string;
  for (let i = 0; i < ITERATIONS; i++) {
    const dir = copyOf(base, root, `garbage-${i}`);
    const garbage = Buffer.alloc(1 + Math.floor(Math.random() * 1024));
    for (let j = 0; j < garbage.length; j++) garbage[j] = Math.floor(Math.random() * 256);
    fs.appendFileSync(path.join(dir, `${TOPIC}-0`, last), garbage);
    markUnclean(dir);
    const eddy = await Eddy.open({ dataDir: dir });
    const log = eddy.partitionLog(TOPIC, 0);
    t.is(log.loadReport.truncatedBytes, garbage.length);
    t.deepEqual(plain(readAll(log)), base.records);
    await eddy.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('deleted or truncated indexes are rebuilt, after clean and unclean shutdowns', async (t) => {
  const partitionDir = (dir: string): string => path.join(dir, `${TOPIC}-0`);
  const indexFiles = fs.readdirSync(partitionDir(base.dir)).filter((f) => f.endsWith('index'));
  for (let i = 0; i < ITERATIONS; i++) {
    const dir = copyOf(base, root, `index-${i}`);
    const victim = indexFiles[Math.floor(Math.random() * indexFiles.length)] as string;
    const file = path.join(partitionDir(dir), victim);
    const mode = i % 3;
    if (mode === 0) fs.rmSync(file);
    else fs.truncateSync(file, Math.floor(Math.random() * fs.statSync(file).size));
    if (i % 2 === 0) markUnclean(dir);
    const eddy = await Eddy.open({ dataDir: dir });
    const log = eddy.partitionLog(TOPIC, 0);
    t.deepEqual(plain(readAll(log)), base.records);
    const probe = base.records[Math.floor(Math.random() * base.records.length)]!;
    t.is(readAll(log, probe.offset)[0]?.offset, probe.offset);
    const expectedByTime = base.records.find((r) => r.timestamp >= probe.timestamp)!.offset;
    t.is(log.offsetForTimestamp(probe.timestamp), expectedByTime);
    await eddy.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a single bit flip in a sealed segment is reported as ERR_LOG_CORRUPT, never returned as data', async (t) => {
  const sealed = base.segmentFiles.slice(0, -1);
  let detected = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const dir = copyOf(base, root, `flip-${i}`);
    const victim = path.join(dir, `${TOPIC}-0`, sealed[Math.floor(Math.random() * sealed.length)] as string);
    const bytes = fs.readFileSync(victim);
    const at = Math.floor(Math.random() * bytes.length);
    bytes.writeUInt8(bytes.readUInt8(at) ^ (1 << Math.floor(Math.random() * 8)), at);
    fs.writeFileSync(victim, bytes);
    const eddy = await Eddy.open({ dataDir: dir });
    const log = eddy.partitionLog(TOPIC, 0);
    const expected = new Map(base.records.map((r) => [r.offset, r]));
    // Read from every offset: whatever comes back must be exactly what was written at that offset.
    // Twice: batches a read found intact are not CRC-checked again, which must never let the
    // damaged one through on the second pass.
    const failures = [0, 0];
    for (const pass of [0, 1]) {
      for (let offset = 0; offset < log.logEndOffset(); offset++) {
        try {
          const result = log.read(offset, 1024);
          for (const { position, size, header } of batchesIn(result.bytes)) {
            for (const record of plain(decodeRecords(result.bytes.subarray(position, position + size), header))) t.deepEqual(record, expected.get(record.offset));
          }
        } catch (err) {
          if (!isEddyError(err) || (err.code !== 'ERR_LOG_CORRUPT' && !err.code.startsWith('ERR_BATCH') && err.code !== 'ERR_RECORD_INVALID' && err.code !== 'ERR_COMPRESSION_FAILED')) throw err;
          failures[pass]!++;
        }
      }
    }
    t.is(failures[1], failures[0], 'the second pass finds the damage where the first did');
    if (failures[0]! > 0) detected++;
    await eddy.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // Most flips land in CRC-covered bytes; a few hit fields that do not change the data (leader epoch).
  t.true(detected > ITERATIONS * 0.8, `detected ${detected} of ${ITERATIONS}`);
});

test('random damage never crashes open or read (fast-check)', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64 }), async (where, junk) => {
      const dir = copyOf(base, root, `fc-${where}-${junk.length}-${Math.random()}`);
      const files = fs.readdirSync(path.join(dir, `${TOPIC}-0`)).sort();
      const victim = path.join(dir, `${TOPIC}-0`, files[where % files.length] as string);
      const bytes = fs.readFileSync(victim);
      Buffer.from(junk).copy(bytes, bytes.length > 0 ? where % bytes.length : 0);
      fs.writeFileSync(victim, bytes);
      if (where % 2 === 0) markUnclean(dir);
      const eddy = await Eddy.open({ dataDir: dir });
      const log = eddy.partitionLog(TOPIC, 0);
      const expected = new Map(base.records.map((r) => [r.offset, r]));
      try {
        for (const record of plain(readAll(log))) t.deepEqual(record, expected.get(record.offset));
      } catch (err) {
        if (!isEddyError(err)) throw err;
      }
      await eddy.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }),
    { numRuns: 60 },
  );
});

/** Marks the directory crashed with every offset known durable (the recovery point at the log end). */
function markUncleanAllDurable(dir: string): void {
  fs.rmSync(path.join(dir, '.kafka_cleanshutdown'), { force: true });
  fs.writeFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), `0\n1\n${TOPIC} 0 ${base.records.length}\n`);
}

function filesAndSizes(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of fs.readdirSync(path.join(dir, `${TOPIC}-0`))) if (name.endsWith('.log')) out[name] = fs.statSync(path.join(dir, `${TOPIC}-0`, name)).size;
  return out;
}

test('damage below the recovery point is never cut: the partition turns read-only and keeps every byte', async (t) => {
  for (let i = 0; i < ITERATIONS; i++) {
    const dir = copyOf(base, root, `below-${i}`);
    const clean = i % 2 === 0;
    if (!clean) markUncleanAllDurable(dir);
    // Damage the magic byte or the length of one batch in the last (active) segment.
    const last = path.join(dir, `${TOPIC}-0`, base.segmentFiles[base.segmentFiles.length - 1] as string);
    const ends = [0, ...batchEnds(last)];
    const victim = ends[Math.floor(Math.random() * (ends.length - 1))] as number;
    const bytes = fs.readFileSync(last);
    if (i % 4 < 2) bytes.writeInt8(bytes.readInt8(victim + 16) ^ 0x40, victim + 16);
    else bytes.writeInt32BE(bytes.readInt32BE(victim + 8) + 1 + Math.floor(Math.random() * 1_000_000), victim + 8);
    fs.writeFileSync(last, bytes);
    const before = filesAndSizes(dir);
    for (let open = 0; open < 2; open++) {
      const eddy = await Eddy.open({ dataDir: dir });
      const log = eddy.partitionLog(TOPIC, 0);
      t.deepEqual(filesAndSizes(dir), before, 'no segment file was cut or removed');
      const got = plain(readAll(log));
      t.deepEqual(got, base.records.slice(0, got.length), 'records before the damage are exact');
      t.true(log.loadDamage !== null || clean, 'an unclean open detects the damage');
      if (log.loadDamage !== null) {
        t.throws(() => log.append(encodeRecordBatch({ records: [{ key: null, value: Buffer.from('x') }] })), { code: 'ERR_LOG_CORRUPT' } as never);
      }
      await eddy.close();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
