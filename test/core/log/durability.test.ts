/**
 * kill -9 durability: a child produces with acks 'all' and reports every acknowledged record; the
 * parent kills it with SIGKILL at a random point, reopens the data directory and checks that no
 * acknowledged record was lost or moved, that offsets are contiguous, that nothing was duplicated,
 * and that the log takes appends again. The same directory is reused across cycles, so every
 * cycle also recovers from all the kills before it.
 */
import test from 'ava';
import { Eddy } from '../../../core/eddy.js';
import { readAll } from '../../helpers/read-all.js';
import { spawnFixture } from '../../helpers/child-process.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';

const CYCLES = 50;
const MAX_ACKS_BEFORE_KILL = 300;
const PARTITIONS = 2;

interface Ack {
  partition: number;
  offset: number;
  value: string;
}

function parseAck(line: string): Ack {
  const match = /^(\d+) (\d+) (\S+)$/.exec(line);
  if (match === null) throw new Error(`unexpected line from the producer: ${JSON.stringify(line)}`);
  return { partition: Number(match[1]), offset: Number(match[2]), value: match[3] as string };
}

test(`no acknowledged record is lost across ${CYCLES} kill -9 cycles`, async (t) => {
  t.timeout(100_000);
  const dataDir = tempDir(t, 'eddy-kill9-');
  const topic = uniqueTopic('kill9');
  /** partition → offset → value, for everything acknowledged so far (by children or by the checker). */
  const acknowledged: Array<Map<number, string>> = Array.from({ length: PARTITIONS }, () => new Map());
  let totalAcks = 0;
  let checks = 0;

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const target = 1 + Math.floor(Math.random() * MAX_ACKS_BEFORE_KILL);
    const child = spawnFixture('acks-all-producer.ts', [dataDir, topic, `c${cycle}`]);
    await child.waitForLines((lines) => lines.length >= target, `${target} acknowledgements in cycle ${cycle}`);
    child.process.kill('SIGKILL');
    const { signal } = await child.exited;
    t.is(signal, 'SIGKILL', `cycle ${cycle}: the child died of the kill, not on its own (stderr: ${child.stderr()})`);
    // Every complete line the child managed to write before it died is an acknowledgement.
    for (const line of child.lines) {
      const ack = parseAck(line);
      const previous = acknowledged[ack.partition]?.get(ack.offset);
      if (previous !== undefined) t.fail(`cycle ${cycle}: offset ${ack.offset} of partition ${ack.partition} acknowledged twice (${previous}, ${ack.value})`);
      acknowledged[ack.partition]?.set(ack.offset, ack.value);
      totalAcks++;
    }

    // Every third cycle the next child recovers the killed directory itself, under load; its own
    // acknowledgements then show that it appends after recovery, and the next check covers both.
    if (cycle % 3 === 1 && cycle !== CYCLES - 1) continue;

    checks++;
    const eddy = await Eddy.open({ dataDir });
    try {
      t.false(eddy.openedClean, `cycle ${cycle}: a killed owner leaves no clean-shutdown marker`);
      const seen = new Set<string>();
      for (let p = 0; p < PARTITIONS; p++) {
        const log = eddy.partitionLog(topic, p);
        const start = log.logStartOffset();
        const end = log.logEndOffset();
        t.is(start, 0, `cycle ${cycle}: nothing was deleted from partition ${p}`);
        const records = readAll(log);
        // Contiguous offsets from the log start to the log end, each record exactly once.
        const offsets = records.map((r) => r.offset);
        const expectedOffsets = Array.from({ length: end - start }, (_, i) => start + i);
        if (offsets.length !== expectedOffsets.length || offsets.some((o, i) => o !== expectedOffsets[i])) {
          t.fail(`cycle ${cycle}, partition ${p}: offsets are not contiguous from ${start} to ${end}: ${offsets.slice(0, 20).join(',')}…`);
        }
        const byOffset = new Map<number, string>();
        for (const record of records) {
          const value = record.value?.toString() ?? '<null>';
          if (seen.has(value)) t.fail(`cycle ${cycle}: value ${value} is stored twice`);
          seen.add(value);
          byOffset.set(record.offset, value);
        }
        let lost = 0;
        for (const [offset, value] of acknowledged[p] ?? []) {
          if (byOffset.get(offset) !== value) {
            lost++;
            if (lost <= 5) t.fail(`cycle ${cycle}, partition ${p}: acknowledged ${value} at offset ${offset}, found ${byOffset.get(offset) ?? 'nothing'} (log end ${end})`);
          }
        }
        t.is(lost, 0, `cycle ${cycle}, partition ${p}: acknowledged records lost`);
      }
      // The recovered log takes appends at its end.
      const producer = eddy.producer<string, string>({ acks: 'all' });
      for (let p = 0; p < PARTITIONS; p++) {
        const end = eddy.partitionLog(topic, p).logEndOffset();
        const value = `check-${cycle}-${p}`;
        const [meta] = await producer.send({ topic, messages: [{ value, partition: p }] });
        t.is(meta?.offset, end, `cycle ${cycle}: append after recovery lands at the log end`);
        acknowledged[p]?.set(end, value);
      }
    } finally {
      await eddy.close();
    }
  }
  t.true(totalAcks >= CYCLES, `only ${totalAcks} acknowledgements`);
  t.log(`${CYCLES} kills, ${checks} checks, ${totalAcks} acknowledged records`);
});
