/**
 * The cleaner works in slices (DESIGN decision 9): while it compacts several megabytes, the event
 * loop keeps turning and appends made between its slices succeed and survive the pass. How long a
 * slice may take is a speed goal, measured by the benchmark (compaction.max-pause), not asserted
 * here: on a loaded machine the operating system alone can stall a process for longer.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import test from 'ava';
import { encodeRecordBatch } from '../../../core/record/record-batch.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import { NOW, openManager, readAllRecords, tableOf } from './cleaner-fixture.js';

test('compacting ~8 MB leaves the event loop turning, and appends made meanwhile are kept', async (t) => {
  const { manager } = await openManager(t, { config: { 'log.cleaner.enable': false } });
  const topic = uniqueTopic('cl-pause');
  manager.createTopic(topic, { config: { 'cleanup.policy': 'compact', 'segment.bytes': 1 << 20 } });
  const log = manager.log(topic, 0);
  const value = Buffer.alloc(100, 7);
  for (let b = 0; b < 600; b++) {
    const records = Array.from({ length: 120 }, (_, i) => ({ key: Buffer.from(`key-${(b * 120 + i) % 10_000}`), value, timestamp: NOW }));
    log.append(encodeRecordBatch({ records, now: NOW }));
  }
  log.rollNow();
  t.true(log.sizeInBytes() > 8_000_000, `${log.sizeInBytes()} bytes`);

  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let done = false;
  const compaction = manager.compactTopic(topic).finally(() => {
    done = true;
  });
  const gaps: number[] = [];
  let appends = 0;
  let last = performance.now();
  while (!done) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const now = performance.now();
    gaps.push(now - last);
    last = now;
    log.append(encodeRecordBatch({ records: [{ key: Buffer.from(`during-${appends}`), value, timestamp: NOW }], now: NOW }));
    appends++;
  }
  const [summary] = await compaction;
  histogram.disable();
  const worst = gaps.reduce((max, gap) => Math.max(max, gap), 0);
  t.log(`${gaps.length} turns, worst gap ${worst.toFixed(1)} ms, event-loop delay max ${(histogram.max / 1e6).toFixed(1)} ms p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms; ${summary?.bytesBefore} → ${summary?.bytesAfter} bytes`);
  t.true(gaps.length > 20, 'the pass spans many turns');
  t.true(appends > 20, 'appends ran between the slices');
  const table = tableOf(readAllRecords(log));
  t.is(table.size, 10_000 + appends);
});
