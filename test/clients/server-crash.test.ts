/**
 * The broker crash test, with real Kafka clients over the wire: `eddy serve` runs as a child process
 * on a fixed loopback port and is killed with SIGKILL and restarted on the same data directory and
 * port {@link CYCLES} times (every fifth restart is killed again as soon as it serves) while
 *
 * - two idempotent producers of two client libraries, KafkaJS (test/fixtures/clients/
 *   crash-kafkajs-writer.ts) and @platformatic/kafka (crash-platformatic-writer.ts), send unique
 *   values with acks all and retry forever,
 * - a transactional KafkaJS producer (crash-kafkajs-txn-writer.ts) commits two transactions of every
 *   three and aborts the third,
 * - kcat (librdkafka) consumes the topic read_committed from the beginning, reconnecting by itself.
 *
 * Each kill comes once every writer has been acknowledged again since the last restart, and one of
 * the idempotent writers a random number of writes more (every other cycle the transactional writer
 * must have moved on too), so kills land anywhere: mid-Produce, mid-fsync, between
 * AddPartitionsToTxn and EndTxn, among the markers. After each kill the newest batches are read
 * from the segment files as the dead broker left them: a batch stored but not yet acknowledged is
 * one whose retry the restarted broker must recognize. At the end the writers stop, kcat catches up,
 * the broker stops cleanly and the data directory is read to its end at both isolation levels by
 * Eddy's own consumer.
 *
 * The history checker (test/helpers/history-checker.ts) then must find no lost acknowledged write,
 * no duplicate, no value seen at two offsets, no aborted or never-committed record read by kcat or
 * by the final read_committed read, no read going backwards. Beside it (test/helpers/wire-history.ts):
 * each writer's values keep its order in every partition; every transaction is all or nothing (also
 * those whose outcome the writer never learnt); each idempotent producer kept one producer id and
 * epoch, its stored sequence numbers have no gap and no repeat, and every value (retried batches
 * that the log already held included) was acknowledged at the offset where the log holds it.
 *
 * Set CRASH_KAFKAJS_DEBUG=1 to have the KafkaJS writers log every request on their stderr, and
 * EDDY_CRASH_CYCLES=N for more than 25 cycles.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Eddy } from '../../core/eddy.js';
import { API_KEYS } from '../../core/protocol/api-keys.js';
import { REPO_ROOT, spawnFixture, type Child } from '../helpers/child-process.js';
import { checkHistory, describeCheck, type HistoryOp, type StoredRecord } from '../helpers/history-checker.js';
import { kcatBroker, startClient, storedBatches, testWithKcat, whenServed, type StoredBatch } from '../helpers/kafka-clients.js';
import { tempDir, uniqueTopic } from '../helpers/temp-dir.js';
import {
  idempotentRetryReport,
  idempotentSequenceReport,
  idempotentWriterOps,
  KCAT_READ_FORMAT,
  type KillPeek,
  newestStoredRecords,
  parseIdempotentWriter,
  parseKcatReads,
  parseTxnWriter,
  readTopicToEnd,
  transactionAtomicityViolations,
  writerOrderViolations,
} from '../helpers/wire-history.js';

/** Kill / restart cycles; EDDY_CRASH_CYCLES raises it for a longer soak by hand. */
const CYCLES = Math.max(25, Number(process.env['EDDY_CRASH_CYCLES'] ?? 0));
const PARTITIONS = 3;
const MESSAGES_PER_SEND = 10;
const MESSAGES_PER_TXN = 6;
/** The idempotent writers, one per client library, and the prefix of their values. */
const IDEMPOTENT_WRITERS = [
  { name: 'w1', fixture: 'clients/crash-kafkajs-writer.ts', library: 'KafkaJS' },
  { name: 'w2', fixture: 'clients/crash-platformatic-writer.ts', library: '@platformatic/kafka' },
];
const TRANSACTIONAL_ID = 'crash-txn';
/** The most acknowledged writes a cycle waits for beyond the first one after a restart. */
const MAX_EXTRA_ACKS = 300;
/** How many of a partition's newest batches are looked at after a kill: more than a send's share. */
const PEEK_BATCHES = 12;
/** Safety bound of every wait; a healthy run never comes near it, and it is never what is asserted. */
const WAIT_LIMIT_MS = 30_000;

/** Rejects with `what` once WAIT_LIMIT_MS have passed, so a stuck client fails the test instead of hanging it. */
async function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up after ${WAIT_LIMIT_MS} ms waiting for ${what}`)), WAIT_LIMIT_MS);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** A loopback port free right now; the broker binds it again after every restart. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The newest modification time of the TypeScript files under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

/**
 * How to run `eddy`: the built CLI (bin/eddy.js, starts in a fraction of a second) when dist/ is
 * newer than every source file it is built from, else the sources through tsx (slower to start,
 * but never a stale build).
 */
function eddyCommand(): { args: string[]; built: boolean } {
  const built = path.join(REPO_ROOT, 'dist', 'bin', 'cli.js');
  const fresh = fs.existsSync(built) && fs.statSync(built).mtimeMs >= Math.max(...['core', 'bin'].map((d) => newestSource(path.join(REPO_ROOT, d))));
  if (fresh) return { args: [path.join(REPO_ROOT, 'bin', 'eddy.js')], built: true };
  const cli = path.join(REPO_ROOT, 'bin', 'cli.ts');
  return { args: ['--import', 'tsx', '-e', `import(${JSON.stringify(cli)}).then(async (m) => { process.exitCode = await m.runCli(process.argv.slice(1)); })`], built: false };
}

interface Broker {
  process: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Starts `eddy serve` on the data directory and port; resolves once it says it is serving. */
async function startBroker(command: string[], dataDir: string, port: number, brokers: Set<Broker>): Promise<Broker> {
  const child = spawn(process.execPath, [...command, 'serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--no-unix-socket'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const serving = new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('Serving ')) resolve();
    });
    child.once('close', () => reject(new Error(`eddy serve exited before serving: ${stderr.slice(-2000)}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const broker: Broker = { process: child, exited, stderr: () => stderr };
  brokers.add(broker);
  void exited.then(() => brokers.delete(broker));
  await bounded(serving, 'eddy serve to start');
  return broker;
}

/** Counts the lines starting with one of `prefixes`, scanning each line once. */
function lineCounter(lines: readonly string[], prefixes: readonly string[]): () => number {
  let scanned = 0;
  let count = 0;
  return () => {
    for (; scanned < lines.length; scanned++) if (prefixes.some((p) => lines[scanned]!.startsWith(p))) count++;
    return count;
  };
}

/** A writer value's place in its writer's sequence: `<writer>-<seq>`, or `t<n>-<i>` of transaction n. */
function orderOf(value: string): { writer: string; position: number } | null {
  const idempotent = /^(w\d+)-(\d+)$/.exec(value);
  if (idempotent !== null) return { writer: idempotent[1]!, position: Number(idempotent[2]) };
  const txn = /^t(\d+)-(\d+)$/.exec(value);
  if (txn !== null) return { writer: TRANSACTIONAL_ID, position: Number(txn[1]) * MESSAGES_PER_TXN + Number(txn[2]) };
  return null;
}

/** A running idempotent writer. */
interface IdempotentWriter {
  name: string;
  library: string;
  child: Child;
  acknowledged: () => number;
  /** Per kill: how many of its lines had arrived when the dead broker's files were read, and its values found there. */
  peeks: KillPeek[];
}

const TXN_APIS = [API_KEYS.InitProducerId, API_KEYS.FindCoordinator, API_KEYS.AddPartitionsToTxn, API_KEYS.EndTxn];

whenServed(testWithKcat, TXN_APIS, 'core/server/handlers/transactions.ts and groups.ts')(
  `eddy serve killed with SIGKILL ${CYCLES} times under KafkaJS, @platformatic/kafka and kcat: no lost write, no duplicate, no aborted read`,
  async (t) => {
    t.timeout(150_000);
    const dataDir = tempDir(t, 'eddy-server-crash-');
    const topic = uniqueTopic('server-crash');
    {
      const eddy = await Eddy.open({ dataDir });
      await eddy.admin.createTopic(topic, { partitions: PARTITIONS });
      await eddy.close();
    }
    const port = await freePort();
    const command = eddyCommand();
    const brokers = new Set<Broker>();
    const children: Child[] = [];
    t.teardown(async () => {
      for (const child of [...children.map((c) => c.process), ...[...brokers].map((b) => b.process)]) child.kill('SIGKILL');
      await Promise.all([...children.map((c) => c.exited), ...[...brokers].map((b) => b.exited)]);
    });

    /** Every broker process of the run, for their stderr. */
    const allBrokers: Broker[] = [];
    const restart = async (): Promise<Broker> => {
      const started = await startBroker(command.args, dataDir, port, brokers);
      allBrokers.push(started);
      return started;
    };
    let broker = await restart();
    const idempotentWriters: IdempotentWriter[] = IDEMPOTENT_WRITERS.map(({ name, fixture, library }) => {
      const child = spawnFixture(fixture, [String(port), topic, String(PARTITIONS), name, String(MESSAGES_PER_SEND)]);
      children.push(child);
      return { name, library, child, acknowledged: lineCounter(child.lines, ['W ']), peeks: [] };
    });
    const transactional = spawnFixture('clients/crash-kafkajs-txn-writer.ts', [String(port), topic, String(PARTITIONS), TRANSACTIONAL_ID, String(MESSAGES_PER_TXN)]);
    children.push(transactional);
    const txnProgress = lineCounter(transactional.lines, ['W ', 'C ', 'A ', 'U ']);
    // librdkafka backs off reconnecting up to 10 s by default; the broker is back within a second.
    const reader = startClient(
      t,
      'kcat',
      ['-E', '-C', ...kcatBroker(port), '-X', 'isolation.level=read_committed', '-X', 'reconnect.backoff.ms=50', '-X', 'reconnect.backoff.max.ms=500', '-t', topic, '-o', 'beginning', '-u', '-f', KCAT_READ_FORMAT],
      { limitMs: 300_000 },
    );

    /** Idempotent writers' values found in the segment files after a kill: value → partition@offset. */
    const storedAtKill = new Map<string, string>();
    const peekAnomalies: string[] = [];
    const killedAt: string[] = [];
    let quickKills = 0;
    const kill = async (cycle: number): Promise<void> => {
      broker.process.kill('SIGKILL');
      const { signal } = await broker.exited;
      t.is(signal, 'SIGKILL', `cycle ${cycle}: the broker died of SIGKILL (stderr: ${broker.stderr().slice(-1000)})`);
      const peeks = idempotentWriters.map((w) => ({ lineIndex: w.child.lines.length, values: new Set<string>() }));
      for (let p = 0; p < PARTITIONS; p++) {
        for (const { offset, value } of newestStoredRecords(dataDir, topic, p, PEEK_BATCHES)) {
          const writer = idempotentWriters.findIndex((w) => value.startsWith(`${w.name}-`));
          if (writer < 0) continue;
          const at = `p${p}@${offset}`;
          const before = storedAtKill.get(value);
          if (before !== undefined && before !== at) peekAnomalies.push(`${value} was stored at ${before} and, after a later kill, at ${at}`);
          storedAtKill.set(value, at);
          peeks[writer]!.values.add(value);
        }
      }
      idempotentWriters.forEach((w, i) => w.peeks.push(peeks[i]!));
    };

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // Every writer past the restart; then a random number of writes more by one of the idempotent ones.
      for (const w of idempotentWriters) {
        const target = w.acknowledged() + 1;
        await bounded(w.child.waitForLines(() => w.acknowledged() >= target, 'a write'), `cycle ${cycle}: a write of ${w.name} (${w.library}) after the restart`);
      }
      const paced = idempotentWriters[cycle % idempotentWriters.length]!;
      const target = paced.acknowledged() + Math.floor(Math.random() * MAX_EXTRA_ACKS);
      await bounded(paced.child.waitForLines(() => paced.acknowledged() >= target, `${target} writes`), `cycle ${cycle}: ${target} acknowledged writes of ${paced.name}`);
      if (cycle % 2 === 1) {
        const moved = txnProgress() + 1;
        await bounded(transactional.waitForLines(() => txnProgress() >= moved, 'progress'), `cycle ${cycle}: the transactional writer to move on`);
      }
      await kill(cycle);
      killedAt.push(idempotentWriters.map((w) => w.acknowledged()).join('/'));
      broker = await restart();
      // Every fifth restart is killed again as soon as it serves: recovery must survive a crash of recovery's result.
      if (cycle % 5 === 4) {
        await kill(cycle);
        quickKills++;
        broker = await restart();
      }
    }

    // After the last restart every writer goes on, then stops at the end of a send / transaction.
    for (const w of idempotentWriters) {
      const target = w.acknowledged() + 1;
      await bounded(w.child.waitForLines(() => w.acknowledged() >= target, 'a write'), `a write of ${w.name} after the last restart`);
    }
    const lastMove = txnProgress() + 1;
    await bounded(transactional.waitForLines(() => txnProgress() >= lastMove, 'progress'), 'the transactional writer after the last restart');
    const writers = [...idempotentWriters.map((w) => [`${w.name} (${w.library})`, w.child] as const), ['the transactional writer', transactional] as const];
    for (const [, child] of writers) child.process.stdin?.write('stop\n');
    for (const [name, child] of writers) {
      const { code } = await bounded(child.exited, `${name} to stop`);
      t.is(code, 0, `${name} stopped cleanly: ${child.stderr().slice(-2000)}`);
      t.true(child.lines.includes('stopped'), `${name} stopped: ${child.lines.slice(-3).join(' | ')}`);
    }

    // Everything acknowledged outside transactions and every committed transaction must reach kcat.
    const sends = idempotentWriters.map((w) => parseIdempotentWriter(w.child.lines, PARTITIONS));
    const txnHistory = parseTxnWriter(transactional.lines);
    const mustRead = new Set<string>();
    for (const writerSends of sends) for (const { acked } of writerSends.values()) for (const value of acked.keys()) mustRead.add(value);
    for (const { outcome, values } of txnHistory.transactions.values()) if (outcome === 'committed') for (const value of values) mustRead.add(value);
    const readValues = new Set<string>();
    let scannedReads = 0;
    const caughtUp = (): boolean => {
      for (; scannedReads < reader.lines.length; scannedReads++) {
        const line = reader.lines[scannedReads]!;
        if (line.startsWith('R ')) readValues.add(line.slice(line.lastIndexOf(' ') + 1));
      }
      return [...mustRead].every((v) => readValues.has(v));
    };
    let readerCaughtUp = true;
    try {
      await bounded(reader.waitForLines(caughtUp, 'every committed value'), 'kcat to read every committed value');
    } catch {
      readerCaughtUp = false; // the checks below say what is missing
    }
    reader.kill();
    await reader.exited;
    broker.process.kill('SIGTERM');
    const stopped = await bounded(broker.exited, 'the broker to stop');
    t.is(stopped.code, 0, `the broker stopped cleanly: ${broker.stderr().slice(-2000)}`);

    // The final reads, by Eddy's own consumer on the data directory.
    const eddy = await Eddy.open({ dataDir });
    let finalCommitted: Map<string, StoredRecord[]>;
    let finalUncommitted: Map<string, StoredRecord[]>;
    /** Per idempotent writer, its stored batches per partition. */
    const writerBatches = idempotentWriters.map(() => new Map<string, StoredBatch[]>());
    try {
      finalCommitted = await readTopicToEnd(eddy, topic, PARTITIONS, 'read_committed');
      finalUncommitted = await readTopicToEnd(eddy, topic, PARTITIONS, 'read_uncommitted');
      for (let p = 0; p < PARTITIONS; p++) {
        const batches = storedBatches(eddy, topic, p);
        idempotentWriters.forEach((w, i) => writerBatches[i]!.set(`p${p}`, batches.filter((b) => b.records.some((r) => r.value?.startsWith(`${w.name}-`) === true))));
      }
    } finally {
      await eddy.close();
    }

    const reads = parseKcatReads(reader.lines, 'kcat', 'read_committed');
    const ops: HistoryOp[] = [...sends.flatMap((s) => idempotentWriterOps(s)), ...txnHistory.ops, ...reads];
    const result = checkHistory({ ops, finalCommitted, finalUncommitted });
    t.deepEqual(result.counts, { lostWrites: 0, duplicates: 0, twoValuesAtOneOffset: 0, abortedReads: 0, nonMonotonicReads: 0 }, describeCheck(result));
    t.deepEqual(writerOrderViolations(finalCommitted, orderOf).slice(0, 5), [], 'each writer keeps its order in every partition');
    t.deepEqual(transactionAtomicityViolations(txnHistory.transactions, finalCommitted).slice(0, 5), [], 'every transaction is all or nothing');
    t.deepEqual(peekAnomalies.slice(0, 5), [], 'a stored value never moves');
    t.true(readerCaughtUp, `kcat read every committed value (${[...mustRead].filter((v) => !readValues.has(v)).length} missing)`);
    t.is(killedAt.length, CYCLES);
    // Not vacuous: records of aborted transactions are in the log, and read_committed readers skipped them.
    const aborted = new Set([...txnHistory.transactions.values()].filter((x) => x.outcome === 'aborted').flatMap((x) => x.acknowledged));
    const abortedStored = [...finalUncommitted.values()].flat().filter((r) => aborted.has(r.value)).length;
    t.true(abortedStored > 0, 'the log holds records of aborted transactions');

    const summaries: string[] = [];
    idempotentWriters.forEach((w, i) => {
      const writerSends = sends[i]!;
      // One producer id and epoch for the whole run, and its sequence numbers without a gap or a repeat.
      const sequences = idempotentSequenceReport(writerBatches[i]!);
      t.is(sequences.producers.length, 1, `${w.name} (${w.library}) kept one producer id and epoch: ${sequences.producers.join(', ')}`);
      t.deepEqual(sequences.violations.slice(0, 5), [], `${w.name} (${w.library}): the stored sequence numbers run without a gap or a repeat`);
      // Every send acknowledged in full, each value where the killed brokers' files held it.
      const retries = idempotentRetryReport(w.child.lines, writerSends, w.peeks, storedAtKill);
      t.deepEqual(retries.incomplete.slice(0, 5), [], `${w.name}: every send acknowledged in full`);
      t.deepEqual(retries.wrongOffsets.slice(0, 5), [], `${w.name}: values are acknowledged where the log holds them, retries of stored batches included`);
      const rejected = [...writerSends.values()].filter((s) => s.rejected).length;
      summaries.push(
        `${w.name} (${w.library}, producer ${sequences.producers.join(', ')}): ${w.acknowledged()} acknowledged writes in ${writerSends.size} sends; ` +
          `${retries.retried} sends sent again after a kill, ${retries.retriedAlreadyStored} of them already stored when the broker died (answered as duplicates); ${rejected} sends rejected and repeated`,
      );
    });

    const outcomes = { committed: 0, aborted: 0, unknown: 0, open: 0 };
    for (const { outcome } of txnHistory.transactions.values()) outcomes[outcome]++;
    const txnErrors = transactional.lines.filter((l) => l.startsWith('E ')).map((l) => l.split(' ').slice(2).join(' '));
    const errorCounts = new Map<string, number>();
    for (const error of txnErrors) errorCounts.set(error, (errorCounts.get(error) ?? 0) + 1);
    const brokerNotes = allBrokers.flatMap((b) => b.stderr().split('\n')).filter((l) => l !== '' && !l.startsWith('Serving ') && l !== 'Stopped');
    const visible = new Set([...finalCommitted.values()].flatMap((records) => records.map((r) => r.value)));
    const unknownCommitted = [...txnHistory.transactions.values()].filter((x) => x.outcome === 'unknown' && x.values.every((v) => visible.has(v))).length;
    t.log(`${CYCLES} kill -9 / restart cycles and ${quickKills} more kills right after a restart (broker run ${command.built ? 'from dist/' : 'through tsx'}); acknowledged writes at each kill: ${killedAt.join(', ')}`);
    for (const summary of summaries) t.log(summary);
    t.log(`transactional writer (KafkaJS): ${outcomes.committed} committed, ${outcomes.aborted} aborted, ${outcomes.unknown} of unknown outcome (${unknownCommitted} of them committed by the final read); errors: ${[...errorCounts].map(([e, n]) => `${n} × ${e}`).join(' / ') || 'none'}`);
    t.log(`kcat read ${reads.length} records read_committed; checked ${JSON.stringify(result.stats)}`);
    if (brokerNotes.length > 0) t.log(`the brokers' stderr: ${brokerNotes.slice(-10).join(' | ')}`);
  },
);
