/**
 * Histories of Kafka clients run as child processes against a served Eddy (the broker crash test,
 * test/clients/server-crash.test.ts), for the history checker (history-checker.ts):
 *
 * - parsers turning the stdout lines of the writer fixtures (test/fixtures/clients/crash-*.ts) and
 *   of a kcat consumer into history ops;
 * - the final reads, through Eddy's own consumer on the data directory once the broker is stopped;
 * - checks the checker leaves out because they need to know how values were made: each writer's
 *   order within a partition, and all-or-nothing transactions (including those whose outcome the
 *   writer never learnt, which the checker neither requires nor forbids);
 * - a look at a partition's newest batches straight from its segment files, without opening the
 *   directory, to see what a killed broker had stored (a batch in the log but not acknowledged is
 *   what an idempotent retry must find), and at an idempotent producer's sequence numbers.
 *
 * Partitions are labelled `p<index>`; values are unique strings made by the writers.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IsolationLevel } from '../../core/client/log-access.js';
import type { Eddy } from '../../core/eddy.js';
import { batchesIn, batchIsControl, decodeRecords, type BatchLocation } from '../../core/record/record-batch.js';
import type { HistoryOp, ReadOp, StoredRecord } from './history-checker.js';
import type { StoredBatch } from './kafka-clients.js';

export const partitionLabel = (partition: number | string): string => `p${partition}`;

// ── Parsers ────────────────────────────────────────────────────────────────────────────────────

/** One send of the idempotent writer (crash-kafkajs-writer.ts) and what became of it. */
export interface WriterSend {
  send: number;
  /** Values in send order, with their partitions. */
  values: Array<{ value: string; partition: number }>;
  /** Acknowledged offsets by value; empty until the W lines arrive. */
  acked: Map<string, number>;
  /** KafkaJS retried a Produce of this send (R lines). */
  retried: boolean;
  /** The send was rejected at least once and sent again (E lines). */
  rejected: boolean;
}

/** The sends of the idempotent writer, by send number, from its stdout lines. */
export function parseIdempotentWriter(lines: readonly string[], partitions: number): Map<number, WriterSend> {
  const sends = new Map<number, WriterSend>();
  const get = (send: number): WriterSend => {
    const known = sends.get(send);
    if (known === undefined) throw new Error(`idempotent writer: line about send ${send} before its S line`);
    return known;
  };
  for (const line of lines) {
    const f = line.split(' ');
    switch (f[0]) {
      case 'S': {
        // S <send> <firstValue> <count>; values <writer>-<seq> with consecutive seq, partition seq % partitions.
        const send = Number(f[1]);
        const first = f[2]!;
        const dash = first.lastIndexOf('-');
        const writer = first.slice(0, dash);
        const seq = Number(first.slice(dash + 1));
        const values = Array.from({ length: Number(f[3]) }, (_, i) => ({ value: `${writer}-${seq + i}`, partition: (seq + i) % partitions }));
        sends.set(send, { send, values, acked: new Map(), retried: false, rejected: false });
        break;
      }
      case 'W':
        get(Number(f[1])).acked.set(f[4]!, Number(f[3]));
        break;
      case 'R':
        get(Number(f[1])).retried = true;
        break;
      case 'E':
        get(Number(f[1])).rejected = true;
        break;
      default:
        break;
    }
  }
  return sends;
}

/** The write ops of the idempotent writer's acknowledged values (outside any transaction). */
export function idempotentWriterOps(sends: ReadonlyMap<number, WriterSend>): HistoryOp[] {
  const ops: HistoryOp[] = [];
  for (const { values, acked } of sends.values()) {
    for (const { value, partition } of values) {
      const offset = acked.get(value);
      if (offset !== undefined) ops.push({ type: 'write', partition: partitionLabel(partition), offset, value });
    }
  }
  return ops;
}

export type TxnOutcome = 'committed' | 'aborted' | 'unknown';

/** One transaction of the transactional writer: what it was told, and its values. */
export interface WriterTransaction {
  outcome: TxnOutcome | 'open';
  /** Every value the writer made for it, sent or not. */
  values: string[];
  /** The values whose send was acknowledged. */
  acknowledged: string[];
}

/** The transactional writer's history (crash-kafkajs-txn-writer.ts): its writes and transaction outcomes. */
export interface TxnWriterHistory {
  ops: HistoryOp[];
  transactions: Map<string, WriterTransaction>;
}

export function parseTxnWriter(lines: readonly string[]): TxnWriterHistory {
  const ops: HistoryOp[] = [];
  const transactions = new Map<string, WriterTransaction>();
  const get = (txn: string): WriterTransaction => {
    const known = transactions.get(txn);
    if (known === undefined) throw new Error(`transactional writer: line about ${txn} before its B line`);
    return known;
  };
  for (const line of lines) {
    const f = line.split(' ');
    const txn = f[1]!;
    switch (f[0]) {
      case 'B':
        transactions.set(txn, { outcome: 'open', values: Array.from({ length: Number(f[2]) }, (_, i) => `${txn}-${i}`), acknowledged: [] });
        break;
      case 'W':
        ops.push({ type: 'write', txn, partition: partitionLabel(f[2]!), offset: Number(f[3]), value: f[4]! });
        get(txn).acknowledged.push(f[4]!);
        break;
      case 'C':
      case 'A':
        ops.push({ type: 'txn', txn, outcome: f[0] === 'C' ? 'committed' : 'aborted' });
        get(txn).outcome = f[0] === 'C' ? 'committed' : 'aborted';
        break;
      case 'U':
        get(txn).outcome = 'unknown';
        break;
      default:
        break;
    }
  }
  return { ops, transactions };
}

/** kcat's format for {@link parseKcatReads}: `-f 'R %p %o %s\n'`. */
export const KCAT_READ_FORMAT = 'R %p %o %s\\n';

/** The read ops of one kcat consumer (one consumer session) printing {@link KCAT_READ_FORMAT}. */
export function parseKcatReads(lines: readonly string[], consumer: string, isolation: IsolationLevel): ReadOp[] {
  const reads: ReadOp[] = [];
  for (const line of lines) {
    if (!line.startsWith('R ')) continue;
    const [, partition, offset, value] = line.split(' ');
    reads.push({ type: 'read', consumer, partition: partitionLabel(partition!), offset: Number(offset), value: value!, isolation });
  }
  return reads;
}

// ── Final reads ────────────────────────────────────────────────────────────────────────────────

/** Every record of a partition a consumer at `isolationLevel` reads from offset 0 to the end. */
export async function readPartitionToEnd(eddy: Eddy, topic: string, partition: number, isolationLevel: IsolationLevel): Promise<StoredRecord[]> {
  const consumer = eddy.consumer({ autoOffsetReset: 'earliest', isolationLevel });
  const tp = { topic, partition };
  consumer.assign([tp]);
  const log = eddy.partitionLog(topic, partition);
  const end = isolationLevel === 'read_committed' ? log.lastStableOffset() : log.logEndOffset();
  const out: StoredRecord[] = [];
  try {
    // A poll may return nothing yet move past aborted batches and markers: poll until the position is at the end.
    while (consumer.position(tp) < end) {
      for (const r of await consumer.poll({ maxRecords: 10_000, timeoutMs: 0 })) out.push({ offset: r.offset, value: r.value?.toString() ?? 'null' });
    }
  } finally {
    await consumer.close();
  }
  return out;
}

/** The final read of every partition of `topic`, by partition label. */
export async function readTopicToEnd(eddy: Eddy, topic: string, partitions: number, isolationLevel: IsolationLevel): Promise<Map<string, StoredRecord[]>> {
  const out = new Map<string, StoredRecord[]>();
  for (let p = 0; p < partitions; p++) out.set(partitionLabel(p), await readPartitionToEnd(eddy, topic, p, isolationLevel));
  return out;
}

// ── Checks ─────────────────────────────────────────────────────────────────────────────────────

/**
 * Values of one writer that a partition holds out of the writer's order: `orderOf` gives a value's
 * writer and its position in that writer's sequence (null: not a value this check knows).
 */
export function writerOrderViolations(final: ReadonlyMap<string, readonly StoredRecord[]>, orderOf: (value: string) => { writer: string; position: number } | null): string[] {
  const violations: string[] = [];
  for (const [partition, records] of final) {
    const last = new Map<string, { position: number; value: string; offset: number }>();
    for (const { offset, value } of records) {
      const order = orderOf(value);
      if (order === null) continue;
      const before = last.get(order.writer);
      if (before !== undefined && order.position <= before.position) {
        violations.push(`${partition}@${offset} holds ${value} after ${before.value} at ${partition}@${before.offset}`);
      }
      last.set(order.writer, { position: order.position, value, offset });
    }
  }
  return violations;
}

/**
 * Transactions not all-or-nothing in the final read_committed read, over every value the writer
 * made for them (sent, acknowledged or not): a committed one missing a value, an aborted one with
 * any value visible, one of unknown outcome (or still open when its writer stopped) with some values
 * visible and others not.
 */
export function transactionAtomicityViolations(transactions: TxnWriterHistory['transactions'], final: ReadonlyMap<string, readonly StoredRecord[]>): string[] {
  const visible = new Set<string>();
  for (const records of final.values()) for (const { value } of records) visible.add(value);
  const violations: string[] = [];
  for (const [txn, { outcome, values }] of transactions) {
    const seen = values.filter((v) => visible.has(v));
    const all = seen.length === values.length;
    const none = seen.length === 0;
    if (outcome === 'committed' && !all) violations.push(`${txn} committed, but ${values.length - seen.length} of its ${values.length} values are not visible`);
    if (outcome === 'aborted' && !none) violations.push(`${txn} aborted, but ${seen.join(', ')} visible`);
    if ((outcome === 'unknown' || outcome === 'open') && !all && !none) violations.push(`${txn} (${outcome}) is partly visible: ${seen.length} of ${values.length} values`);
  }
  return violations;
}

// ── Looking at a stopped broker's files ───────────────────────────────────────────────────────

/**
 * The data records of the last `batches` data batches of a partition's newest segment, read from
 * the file as the killed broker left it (nothing is opened or recovered; a batch cut short at the
 * end of the file is left out). Control batches (transaction markers) are skipped.
 */
export function newestStoredRecords(dataDir: string, topic: string, partition: number, batches: number): StoredRecord[] {
  const dir = path.join(dataDir, `${topic}-${partition}`);
  const segments = fs.readdirSync(dir).filter((f) => /^\d{20}\.log$/.test(f)).sort();
  const newest = segments[segments.length - 1];
  if (newest === undefined) return [];
  const bytes = fs.readFileSync(path.join(dir, newest));
  const tail: BatchLocation[] = [];
  try {
    for (const location of batchesIn(bytes)) {
      if (batchIsControl(location.header.attributes)) continue;
      tail.push(location);
      if (tail.length > batches) tail.shift();
    }
  } catch {
    // Bytes past the last whole batch that do not start one: what is before them is all there is.
  }
  return tail.flatMap(({ position, size, header }) =>
    decodeRecords(bytes.subarray(position, position + size), header).map((r) => ({ offset: r.offset, value: r.value?.toString() ?? 'null' })),
  );
}

/**
 * What the stored batches of one idempotent producer say about its retries, per partition (batches
 * in offset order, chosen by the caller): the producer ids and epochs they carry (one, when the
 * producer kept its id across every reconnect), and every place where a batch's base sequence is
 * not the one after the previous batch's last (a gap: a batch lost; a repeat: a retry stored twice).
 */
export function idempotentSequenceReport(byPartition: ReadonlyMap<string, readonly StoredBatch[]>): { producers: string[]; violations: string[] } {
  const producers = new Set<string>();
  const violations: string[] = [];
  for (const [partition, batches] of byPartition) {
    let next = 0;
    for (const { header } of batches) {
      producers.add(`${header.producerId}/${header.producerEpoch}`);
      if (header.baseSequence !== next) violations.push(`${partition}@${header.baseOffset}: base sequence ${header.baseSequence}, expected ${next}`);
      next = header.baseSequence + header.recordCount;
    }
  }
  return { producers: [...producers], violations };
}

/** What the broker's files held when it was killed, as seen by {@link newestStoredRecords}. */
export interface KillPeek {
  /** How many of the writer's stdout lines had arrived when the files were read. */
  lineIndex: number;
  /** The writer's values found among the newest batches. */
  values: Set<string>;
}

/**
 * An idempotent writer's sends against what the killed brokers' files held (`storedAtKill`: value
 * → `p<partition>@<offset>`, over every kill):
 *
 * - `incomplete`: sends not acknowledged in full (the writer stops only after an acknowledgement);
 * - `wrongOffsets`: values acknowledged at another offset than the files held them at;
 * - `retried`: sends the client sent again (an R line), and `retriedAlreadyStored`: those of them
 *   whose values the files held at the kill just before the first retry, which the restarted
 *   broker therefore answered as duplicates (a retry needs the restarted broker, so its R line
 *   arrives after that kill's look at the files).
 */
export function idempotentRetryReport(lines: readonly string[], sends: ReadonlyMap<number, WriterSend>, peeks: readonly KillPeek[], storedAtKill: ReadonlyMap<string, string>): {
  incomplete: string[];
  wrongOffsets: string[];
  retried: number;
  retriedAlreadyStored: number;
} {
  const firstRetryLine = new Map<number, number>();
  lines.forEach((line, index) => {
    const send = Number(line.split(' ')[1]);
    if (line.startsWith('R ') && !firstRetryLine.has(send)) firstRetryLine.set(send, index);
  });
  const report = { incomplete: [] as string[], wrongOffsets: [] as string[], retried: 0, retriedAlreadyStored: 0 };
  for (const send of sends.values()) {
    if (send.acked.size !== send.values.length) report.incomplete.push(`send ${send.send}: ${send.acked.size} of ${send.values.length} values acknowledged`);
    for (const { value, partition } of send.values) {
      const at = storedAtKill.get(value);
      const acked = `${partitionLabel(partition)}@${send.acked.get(value)}`;
      if (at !== undefined && at !== acked) report.wrongOffsets.push(`${value}: stored at ${at} when a broker died, acknowledged at ${acked}`);
    }
    const firstRetry = firstRetryLine.get(send.send);
    if (firstRetry === undefined) continue;
    report.retried++;
    const peek = peeks.filter((p) => p.lineIndex <= firstRetry).pop();
    if (peek !== undefined && send.values.some(({ value }) => peek.values.has(value))) report.retriedAlreadyStored++;
  }
  return report;
}
