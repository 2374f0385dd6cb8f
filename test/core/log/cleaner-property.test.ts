/**
 * A compaction oracle, property-based (fast-check): random keyed appends, tombstones, rolls,
 * cleaning passes (with an offset map big or tiny, so some passes stop early), clock advances and
 * reopenings, in any order. After every step a reader from the start must see
 *   - offsets strictly increasing, each record exactly as appended at that offset;
 *   - the same key → value table as the appended history (a tombstone deletes its key);
 *   - every key's latest record, except a latest tombstone once a pass ran at or after its delete
 *     horizon (the time of the first pass that cleaned it + delete.retention.ms), and never before.
 * At the end, after a roll, a full cleaning, delete.retention.ms and one more pass, exactly the last
 * value of each key remains, in offset order.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import { ManualClock } from '../../../core/clock.js';
import { resolveEddyOptions } from '../../../core/eddy-options.js';
import { LogManager } from '../../../core/log/log-manager.js';
import { describe, NOW, put, readAllRecords, tableOf } from './cleaner-fixture.js';

const RETENTION = 10_000;
const TOPIC = 'prop';

type Command =
  | { kind: 'append'; entries: Array<[number, string | null]> }
  | { kind: 'roll' }
  | { kind: 'clean' }
  | { kind: 'advance'; ms: number }
  | { kind: 'reopen' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), entries: fc.array(fc.tuple(fc.nat(7), fc.option(fc.string({ maxLength: 12 }), { freq: 4 })), { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'roll' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'clean' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 15_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

interface Appended {
  key: string;
  value: string | null;
}

test('property: compaction keeps exactly what a last-value-per-key oracle says, whatever the schedule', async (t) => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), fc.constantFrom(1 << 20, 250), fc.constantFrom(300, 100_000), async (commands, buffer, segmentBytes) => {
      runs++;
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eddy-prop-'));
      const clock = new ManualClock(NOW);
      const open = (): Promise<LogManager> => LogManager.open(resolveEddyOptions({ dataDir, clock, config: { 'log.cleaner.enable': false, 'log.cleaner.dedupe.buffer.size': buffer } }));
      let manager = await open();
      try {
        manager.createTopic(TOPIC, { config: { 'cleanup.policy': 'compact', 'segment.bytes': segmentBytes, 'delete.retention.ms': RETENTION, 'min.cleanable.dirty.ratio': 0.5 } });
        const history: Appended[] = [];
        /** Delete horizon per tombstone offset, from the first pass that cleaned it. */
        const horizons = new Map<number, number>();
        /** Times at which passes ran. */
        const passTimes: number[] = [];

        const clean = async (): Promise<void> => {
          const log = manager.log(TOPIC, 0);
          const active = log.segmentBaseOffsets().at(-1) as number;
          await manager.compactTopic(TOPIC);
          if (log.segmentCount() < 2) return;
          passTimes.push(clock.now());
          history.forEach((r, offset) => {
            if (r.value === null && offset < active && !horizons.has(offset)) horizons.set(offset, clock.now() + RETENTION);
          });
        };

        const check = (where: string): void => {
          const records = readAllRecords(manager.log(TOPIC, 0));
          for (let i = 0; i < records.length; i++) {
            const r = records[i]!;
            const want = history[r.offset];
            if (i > 0 && r.offset <= records[i - 1]!.offset) throw new Error(`${where}: offsets not increasing at ${r.offset}`);
            if (want === undefined || r.key?.toString() !== want.key || (r.value === null ? null : r.value.toString()) !== want.value) throw new Error(`${where}: record at ${r.offset} differs from what was appended`);
          }
          const expectedTable = tableOf(history.map((h) => ({ key: Buffer.from(h.key), value: h.value === null ? null : Buffer.from(h.value) })));
          if (JSON.stringify([...tableOf(records)]) !== JSON.stringify([...expectedTable])) throw new Error(`${where}: table ${JSON.stringify([...tableOf(records)])} != ${JSON.stringify([...expectedTable])}`);
          const present = new Set(records.map((r) => r.offset));
          const latest = new Map<string, number>();
          history.forEach((h, offset) => latest.set(h.key, offset));
          for (const [key, offset] of latest) {
            const isTombstone = history[offset]?.value === null;
            const horizon = horizons.get(offset);
            const expired = isTombstone && horizon !== undefined && passTimes.some((time) => time >= horizon);
            if (!expired && !present.has(offset)) throw new Error(`${where}: latest record of ${key} at ${offset} is missing`);
            if (expired && present.has(offset)) throw new Error(`${where}: tombstone of ${key} at ${offset} outlived its horizon ${horizon}`);
          }
        };

        for (const [i, cmd] of commands.entries()) {
          const log = manager.log(TOPIC, 0);
          if (cmd.kind === 'append') {
            const entries = cmd.entries.map(([k, v]): [string, string | null] => [`key${k}`, v]);
            put(log, entries, clock.now());
            for (const [key, value] of entries) history.push({ key, value });
          } else if (cmd.kind === 'roll') {
            log.rollNow();
          } else if (cmd.kind === 'clean') {
            await clean();
          } else if (cmd.kind === 'advance') {
            clock.advance(cmd.ms);
          } else {
            await manager.close();
            manager = await open();
          }
          check(`after step ${i} (${cmd.kind})`);
        }

        // Finally: everything cleaned, tombstones past their horizon, one more pass.
        manager.log(TOPIC, 0).rollNow();
        await clean();
        clock.advance(RETENTION);
        await clean();
        check('at the end');
        const last = new Map<string, number>();
        history.forEach((h, offset) => last.set(h.key, offset));
        const expected = [...last.values()].filter((o) => history[o]?.value !== null).sort((a, b) => a - b);
        const records = readAllRecords(manager.log(TOPIC, 0));
        if (JSON.stringify(records.map((r) => r.offset)) !== JSON.stringify(expected)) {
          throw new Error(`at the end: offsets ${JSON.stringify(describe(records))}, expected ${JSON.stringify(expected)}`);
        }
      } finally {
        await manager.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }),
    { numRuns: 60 },
  );
  t.is(runs >= 60, true);
});
