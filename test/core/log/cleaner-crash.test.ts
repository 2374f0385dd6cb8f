/**
 * Crash safety of cleaning: a crash is simulated at every step of a pass (the Cleaner's `crashAt`
 * hook copies the data directory as it is on disk at that instant, then throws), and the copy is
 * opened as after a power cut. Whatever the step, every cleaned group's offset range must hold either
 * exactly its old records or exactly its new ones, the key → value table must be the one before
 * cleaning, no `.cleaned`/`.swap`/`.deleted` files may remain, and cleaning the reopened log again
 * must give the same records as a pass that never crashed.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Cleaner, type CleanResult } from '../../../core/log/cleaner/cleaner.js';
import { CleanerManager } from '../../../core/log/cleaner/cleaner-manager.js';
import type { LogRecord } from '../../../core/record/record.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { copyDataDir, describe, NOW, openManager, type Opened, partitionFiles, put, readAllRecords, tableOf } from './cleaner-fixture.js';

const TOPIC = 'crash';
const BUFFER = 1 << 20;

class SimulatedCrash extends Error {}

interface Scenario {
  name: string;
  segmentBytes: number;
  /** Roll after every this many batches (0: only by size). */
  rollEvery: number;
  /** Clean once (no crash) and append more first, so the crashing pass merges cleaned segments. */
  prePass?: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'one group of four small segments', segmentBytes: 100_000, rollEvery: 15 },
  { name: 'several groups', segmentBytes: 700, rollEvery: 0 },
  { name: 'second pass merging cleaned segments into groups', segmentBytes: 700, rollEvery: 0, prePass: true },
];

/** The same log every time: overwrites, a tombstone that shadows older values, a latest tombstone. */
async function build(t: ExecutionContext, scenario: Scenario, dataDir = tempDir(t, 'eddy-crash-')): Promise<Opened> {
  const opened = await openManager(t, { dataDir, config: { 'log.cleaner.enable': false } });
  opened.manager.createTopic(TOPIC, { config: { 'cleanup.policy': 'compact', 'segment.bytes': scenario.segmentBytes, 'delete.retention.ms': 3_600_000 } });
  const log = opened.manager.log(TOPIC, 0);
  for (let i = 0; i < 60; i++) {
    const key = `k${(i * 7) % 8}`;
    const value = (i === 30 && 'k3') || (i === 55 && 'k5') ? null : `v${i}`;
    put(log, [[i === 30 ? 'k3' : i === 55 ? 'k5' : key, value]], NOW);
    if (scenario.rollEvery > 0 && (i + 1) % scenario.rollEvery === 0) log.rollNow();
  }
  log.rollNow();
  if (scenario.prePass === true) {
    await runPass(opened);
    for (let i = 0; i < 20; i++) put(log, [[`k${i % 3}`, `w${i}`]], NOW);
    log.rollNow();
  }
  return opened;
}

async function runPass(opened: Opened, crashAt?: (step: string) => void): Promise<CleanResult> {
  const log = opened.manager.log(TOPIC, 0);
  const manager = new CleanerManager(opened.dataDir, NOW);
  return new Cleaner({ dedupeBufferBytes: BUFFER, crashAt }).clean(log, manager.logToClean(log, NOW), NOW);
}

function inRange(records: LogRecord[], from: number, to: number): string[] {
  return describe(records.filter((r) => r.offset >= from && r.offset < to));
}

for (const scenario of SCENARIOS) {
  test(`a crash at any step of a cleaning pass leaves old or new segments, never a mix (${scenario.name})`, async (t) => {
    // A pass that does not crash: its steps, its groups and the records it leaves.
    const reference = await build(t, scenario);
    const oldRecords = readAllRecords(reference.manager.log(TOPIC, 0));
    const steps: string[] = [];
    const result = await runPass(reference, (step) => steps.push(step));
    const newRecords = readAllRecords(reference.manager.log(TOPIC, 0));
    t.false(result.aborted);
    t.true(newRecords.length < oldRecords.length, 'the pass removed records');
    if (scenario.rollEvery > 0) t.is(result.groups.length, 1);
    else t.true(result.groups.length > 1, `groups: ${result.groups.length}`);
    if (scenario.prePass === true) t.true(steps.includes('swap:old-deleted-2'), 'some group merges several segments');
    t.true(steps.includes('swap:committed') && steps.includes('swap:old-deleted-0'));

    const seen = new Map<string, number>();
    for (const step of steps) {
      const occurrence = (seen.get(step) ?? 0) + 1;
      seen.set(step, occurrence);
      const label = `${step}#${occurrence}`;
      const live = await build(t, scenario);
      const crashDir = tempDir(t, 'eddy-crashed-');
      let count = 0;
      const err = await t.throwsAsync(
        runPass(live, (s) => {
          if (s === step && ++count === occurrence) {
            copyDataDir(live.dataDir, crashDir);
            throw new SimulatedCrash(label);
          }
        }),
        undefined,
        label,
      );
      // Past the commit point the live log stops itself (fail-stop), the crash being its cause.
      t.true(err instanceof SimulatedCrash || (err as Error).cause instanceof SimulatedCrash, `${label}: ${String(err)}`);
      await live.manager.close();

      const reopened = await openManager(t, { dataDir: crashDir, config: { 'log.cleaner.enable': false } });
      const log = reopened.manager.log(TOPIC, 0);
      const files = partitionFiles(crashDir, TOPIC);
      t.deepEqual(files.filter((f) => /\.(cleaned|swap|deleted|tmp)$/.test(f)), [], `${label}: leftover files`);
      const records = readAllRecords(log);
      t.deepEqual(tableOf(records), tableOf(oldRecords), `${label}: key → value table`);
      let covered = 0;
      for (const group of result.groups) {
        const now = inRange(records, group.baseOffset, group.nextOffset);
        const isOld = JSON.stringify(now) === JSON.stringify(inRange(oldRecords, group.baseOffset, group.nextOffset));
        const isNew = JSON.stringify(now) === JSON.stringify(inRange(newRecords, group.baseOffset, group.nextOffset));
        t.true(isOld || isNew, `${label}: group [${group.baseOffset}, ${group.nextOffset}) is neither old nor new: ${now.join(' ')}`);
        covered = group.nextOffset;
      }
      t.deepEqual(inRange(records, covered, Number.MAX_SAFE_INTEGER), inRange(oldRecords, covered, Number.MAX_SAFE_INTEGER), `${label}: past the groups`);
      t.is(log.logEndOffset(), scenario.prePass === true ? 80 : 60, `${label}: log end offset`);

      await reopened.manager.compactTopic(TOPIC);
      t.deepEqual(describe(readAllRecords(log)), describe(newRecords), `${label}: cleaning again gives the uncrashed result`);
      await reopened.manager.close();
    }
    t.log(`${steps.length} crash points: ${[...new Set(steps)].join(', ')}`);
  });
}
