/**
 * Producer state after a crash (Kafka's idempotence guarantee across a broker crash): a child
 * process appends idempotent batches (fixed producer id, epoch 0, consecutive sequences) to a
 * partition and is killed with SIGKILL — after the batch is acknowledged; between the append and its
 * acknowledgement (right after the append, or while its flush runs); before the append; or at a
 * random point of a stream of appends. The parent then opens the data directory itself, as the
 * restarted broker, and retries the same bytes, as the producer would after losing the answer:
 *
 * - a batch the child reported appended must be answered as a duplicate with its original offsets;
 * - the one batch the child may have been appending when it died (announced, never reported) is
 *   either a duplicate (it survived) or appended now — at the log end either way, never stored
 *   twice. A batch whose append had returned must survive: it was in the page cache, which a
 *   process kill does not lose; one killed before its append cannot have.
 *
 * At the end every batch is in the log exactly once, in sequence order, offsets contiguous. The
 * directory is reused, so every reopen also recovers from every kill before it. Children are
 * started ahead (a child waits for `go` before it opens the directory), so their start-up — most of
 * the run time — overlaps the parent's work and each other's.
 */
import test from 'ava';
import { Eddy } from '../../../core/eddy.js';
import { spawnFixture, type Child } from '../../helpers/child-process.js';
import { readAll } from '../../helpers/read-all.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';
import { idempotentBatch, recordsInBatch } from '../../fixtures/idempotent-batch.js';

const CYCLES = 100;
const PRODUCER_ID = 4242;
/** Children loading ahead of their turn. */
const STARTED_AHEAD = 2;
/** The log remembers the last 5 batches of a producer; the retries stay within them. */
const RETRY_WINDOW = 4;
const MODES = ['acked', 'before-append', 'after-append', 'in-flush', 'endless'] as const;
type Mode = (typeof MODES)[number];

interface Stored {
  baseOffset: number;
  lastOffset: number;
}

interface ChildReport {
  /** Batches the child appended (A lines), with their offsets. */
  appended: Map<number, Stored>;
  /** A batch the child announced (B) but never reported appended: it may or may not be stored. */
  inDoubt: number | null;
  /** The last line before the kill: what the child was doing. */
  lastLine: string;
}

function parseChild(child: Child, cycle: number): ChildReport {
  const appended = new Map<number, Stored>();
  let announced: number | null = null;
  for (const line of child.lines) {
    const [kind, i, base, last, duplicate] = line.split(' ');
    if (kind === 'B') announced = Number(i);
    if (kind === 'A') {
      if (duplicate !== '0') throw new Error(`cycle ${cycle}: the child's own append of batch ${i} was answered as a duplicate`);
      appended.set(Number(i), { baseOffset: Number(base), lastOffset: Number(last) });
    }
  }
  const inDoubt = announced !== null && !appended.has(announced) ? announced : null;
  return { appended, inDoubt, lastLine: child.lines[child.lines.length - 1] ?? '' };
}

function startChild(dataDir: string, topic: string, children: Set<Child>): Child {
  const child = spawnFixture('idempotent-appender.ts', [dataDir, topic, String(PRODUCER_ID)]);
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

test(`idempotent retries after ${CYCLES} kill -9 / reopen cycles store every batch exactly once`, async (t) => {
  t.timeout(110_000);
  const dataDir = tempDir(t, 'eddy-producer-crash-');
  const topic = uniqueTopic('producer-crash');
  const children = new Set<Child>();
  t.teardown(() => {
    for (const child of children) child.process.kill('SIGKILL');
  });
  {
    const eddy = await Eddy.open({ dataDir });
    await eddy.admin.createTopic(topic, { partitions: 1 });
    await eddy.close();
  }

  /** Every batch known to be stored, by index. */
  const stored = new Map<number, Stored>();
  let nextBatch = 0;
  const tally = { duplicateRetries: 0, inDoubtSurvived: 0, inDoubtAppendedByRetry: 0, killedBeforeFlushDone: 0 };
  const ahead: Child[] = [];
  for (let i = 0; i < Math.min(STARTED_AHEAD, CYCLES); i++) ahead.push(startChild(dataDir, topic, children));

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const mode: Mode = MODES[cycle % MODES.length]!;
    const completeFirst = Math.floor(Math.random() * 3);
    const child = ahead.shift()!;
    await child.waitForLines((lines) => lines.includes('ready'), `cycle ${cycle}: the child loaded`);
    child.process.stdin?.write(`go ${nextBatch} ${completeFirst} ${mode}\n`);
    if (mode === 'acked') {
      await child.waitForLines((lines) => lines.includes('waiting'), `cycle ${cycle}: the acknowledgement`);
      child.process.kill('SIGKILL');
    } else if (mode === 'endless') {
      // A random line among the B/A/F lines of the first few batches; the kill lands wherever the child is by then.
      const target = 2 + Math.floor(Math.random() * 12);
      await child.waitForLines((lines) => lines.length >= target, `cycle ${cycle}: ${target} lines`);
      child.process.kill('SIGKILL');
    }
    const { signal } = await child.exited;
    t.is(signal, 'SIGKILL', `cycle ${cycle} (${mode}): the child died of SIGKILL (stderr: ${child.stderr()})`);
    const report = parseChild(child, cycle);
    if (report.lastLine.startsWith('A ') || report.lastLine.startsWith('B ')) tally.killedBeforeFlushDone++;
    for (const [i, offsets] of report.appended) stored.set(i, offsets);

    // Start another child now: it loads while this process holds the directory.
    if (cycle + STARTED_AHEAD < CYCLES) ahead.push(startChild(dataDir, topic, children));

    const eddy = await Eddy.open({ dataDir });
    try {
      const log = eddy.partitionLog(topic, 0);
      // The producer retries its last batches: each is answered as a duplicate with its offsets.
      const known = [...stored.keys()].sort((a, b) => a - b).slice(-RETRY_WINDOW);
      for (const i of known) {
        const result = log.append(idempotentBatch(PRODUCER_ID, i));
        const original = stored.get(i)!;
        if (result.duplicate !== true || result.baseOffset !== original.baseOffset || result.lastOffset !== original.lastOffset) {
          t.fail(`cycle ${cycle} (${mode}): retry of stored batch ${i} got ${JSON.stringify(result)}, expected a duplicate at ${original.baseOffset}-${original.lastOffset}`);
        }
        tally.duplicateRetries++;
      }
      const highest = known.length === 0 ? -1 : known[known.length - 1]!;
      const end = highest < 0 ? 0 : stored.get(highest)!.lastOffset + 1;
      if (report.inDoubt !== null) {
        const i = report.inDoubt;
        t.is(i, highest + 1, `cycle ${cycle}: the batch in doubt follows the last stored one`);
        // Stored before the kill (a duplicate now) or lost with it (appended now): at the log end either way.
        const result = log.append(idempotentBatch(PRODUCER_ID, i));
        t.is(result.baseOffset, end, `cycle ${cycle} (${mode}): retry of batch ${i} in doubt lands at the log end (${JSON.stringify(result)})`);
        t.is(result.lastOffset, end + recordsInBatch(i) - 1);
        if (result.duplicate === true) tally.inDoubtSurvived++;
        else tally.inDoubtAppendedByRetry++;
        if (mode === 'before-append') t.not(result.duplicate, true, `cycle ${cycle}: a batch killed before its append cannot be stored`);
        if (mode === 'after-append' || mode === 'in-flush') t.true(result.duplicate, `cycle ${cycle} (${mode}): a batch appended before the kill survives it`);
        stored.set(i, { baseOffset: result.baseOffset, lastOffset: result.lastOffset });
      } else if (mode !== 'acked' && mode !== 'endless') {
        t.fail(`cycle ${cycle} (${mode}): the child killed itself around an append but left no batch in doubt`);
      }
      nextBatch = Math.max(-1, ...stored.keys()) + 1;
      const expectedEnd = nextBatch === 0 ? 0 : stored.get(nextBatch - 1)!.lastOffset + 1;
      t.is(log.logEndOffset(), expectedEnd, `cycle ${cycle} (${mode}): nothing beyond the known batches is stored`);
    } finally {
      await eddy.close();
    }
  }

  // Every batch exactly once, in order, at the offsets it was acknowledged with.
  const eddy = await Eddy.open({ dataDir });
  try {
    const values = readAll(eddy.partitionLog(topic, 0)).map((r) => ({ offset: r.offset, value: r.value?.toString() ?? '' }));
    const expected: Array<{ offset: number; value: string }> = [];
    for (let i = 0; i < nextBatch; i++) {
      const at = stored.get(i);
      if (at === undefined) {
        t.fail(`batch ${i} was never stored`);
        continue;
      }
      for (let j = 0; j < recordsInBatch(i); j++) expected.push({ offset: at.baseOffset + j, value: `b${i}-r${j}` });
    }
    const duplicates = values.length - new Set(values.map((v) => v.value)).size;
    t.is(duplicates, 0, 'no record is stored twice');
    t.deepEqual(values, expected);
  } finally {
    await eddy.close();
  }
  t.log(`${CYCLES} kills, ${nextBatch} batches; ${JSON.stringify(tally)}`);
});
