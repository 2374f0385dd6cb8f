/**
 * A checker for histories of log workloads, after Jepsen's Kafka checker (jepsen.tests.kafka): a
 * history is what clients were told (acknowledged writes, transaction outcomes, records polled)
 * plus a final read of every partition, and the checker counts the anomalies it can prove:
 *
 * - lostWrites: a write that must be in the log (acknowledged outside a transaction, or in a
 *   transaction known to have committed) that the final read_committed read does not hold — at its
 *   acknowledged offset when it has one, anywhere in its partition otherwise (expected writes, such
 *   as "the copy of input record x", have no offset).
 * - duplicates: extra copies of a value in the final read_committed read (values are unique by
 *   construction in a workload; a value stored n times counts n - 1).
 * - twoValuesAtOneOffset: (partition, offset) pairs for which two different values were seen,
 *   across acknowledgements, reads at both isolation levels and the final reads.
 * - abortedReads: records a read_committed reader saw (a poll, or the final read) that belong to an
 *   aborted transaction, or (polls only) that are not in the final read_committed read: a record that
 *   never became committed was seen before its transaction ended. Jepsen's G1a/G1b.
 * - nonMonotonicReads: polls of one consumer session whose offset on a partition is not above the
 *   previous one, with no seek (including a new assignment) in between.
 *
 * Writes in transactions with no recorded outcome (the writer was killed mid-commit) are neither
 * required nor forbidden: the final read decides. A value may be written again after its
 * transaction aborted (a copier re-reads its input), so aborted writes are known by their offset: an
 * aborted write without one cannot be told from its committed rewrite and is ignored. The final reads must start at offset 0 and cover
 * every offset a client saw: the checker assumes nothing was deleted (no retention or compaction ran
 * during the workload). Partitions are plain labels (e.g. `out-2`); values are strings.
 */

export type Isolation = 'read_committed' | 'read_uncommitted';

/** An acknowledged write; `txn` names its transaction when it was written in one. */
export interface WriteOp {
  type: 'write';
  partition: string;
  /** The acknowledged offset; absent for writes known only by value (expected copies). */
  offset?: number;
  value: string;
  txn?: string;
}

/** A transaction whose outcome the client was told. */
export interface TxnOp {
  type: 'txn';
  txn: string;
  outcome: 'committed' | 'aborted';
}

/** One record a consumer session returned to its application. */
export interface ReadOp {
  type: 'read';
  /** A consumer session: a new consumer instance or a restarted process is a new session. */
  consumer: string;
  partition: string;
  offset: number;
  value: string;
  isolation: Isolation;
}

/** The consumer's position on a partition was set (seek, reset, a new assignment). */
export interface SeekOp {
  type: 'seek';
  consumer: string;
  partition: string;
  offset: number;
}

export type HistoryOp = WriteOp | TxnOp | ReadOp | SeekOp;

export interface StoredRecord {
  offset: number;
  value: string;
}

export interface History {
  /** In the order they happened (only the order of one consumer's ops matters). */
  ops: Iterable<HistoryOp>;
  /** Per partition, every record a read_committed reader reads from offset 0 at the end. */
  finalCommitted: ReadonlyMap<string, readonly StoredRecord[]>;
  /** Per partition, the same read with read_uncommitted; optional, adds offsets to compare. */
  finalUncommitted?: ReadonlyMap<string, readonly StoredRecord[]>;
}

export interface AnomalyCounts {
  lostWrites: number;
  duplicates: number;
  twoValuesAtOneOffset: number;
  abortedReads: number;
  nonMonotonicReads: number;
}

export interface CheckResult {
  counts: AnomalyCounts;
  /** The first few anomalies of each kind, described for a test failure message. */
  examples: Record<keyof AnomalyCounts, string[]>;
  /** How much the history held, so a test can show it checked something. */
  stats: { writes: number; reads: number; txnsCommitted: number; txnsAborted: number; finalRecords: number };
}

const MAX_EXAMPLES = 5;

export function checkHistory(history: History): CheckResult {
  const counts: AnomalyCounts = { lostWrites: 0, duplicates: 0, twoValuesAtOneOffset: 0, abortedReads: 0, nonMonotonicReads: 0 };
  const examples: CheckResult['examples'] = { lostWrites: [], duplicates: [], twoValuesAtOneOffset: [], abortedReads: [], nonMonotonicReads: [] };
  const flag = (kind: keyof AnomalyCounts, describe: () => string): void => {
    counts[kind]++;
    if (examples[kind].length < MAX_EXAMPLES) examples[kind].push(describe());
  };

  // Every value seen at each (partition, offset), by whoever saw it.
  const seenAt = new Map<string, Map<number, Set<string>>>();
  const see = (partition: string, offset: number, value: string): void => {
    let byOffset = seenAt.get(partition);
    if (byOffset === undefined) seenAt.set(partition, (byOffset = new Map()));
    let values = byOffset.get(offset);
    if (values === undefined) byOffset.set(offset, (values = new Set()));
    values.add(value);
  };

  const committedAt = new Map<string, Map<number, string>>();
  const committedValues = new Map<string, Set<string>>();
  let finalRecords = 0;
  for (const [partition, records] of history.finalCommitted) {
    const byOffset = new Map<number, string>();
    const values = new Set<string>();
    for (const { offset, value } of records) {
      finalRecords++;
      see(partition, offset, value);
      byOffset.set(offset, value);
      values.add(value);
    }
    committedAt.set(partition, byOffset);
    committedValues.set(partition, values);
  }
  for (const [partition, records] of history.finalUncommitted ?? []) {
    for (const { offset, value } of records) see(partition, offset, value);
  }

  const ops = [...history.ops];
  const outcomes = new Map<string, TxnOp['outcome']>();
  for (const op of ops) if (op.type === 'txn') outcomes.set(op.txn, op.outcome);
  /** partition → offset → value, of writes in transactions known to have aborted. */
  const abortedAt = new Map<string, Map<number, string>>();
  for (const op of ops) {
    if (op.type !== 'write' || op.txn === undefined || op.offset === undefined || outcomes.get(op.txn) !== 'aborted') continue;
    let byOffset = abortedAt.get(op.partition);
    if (byOffset === undefined) abortedAt.set(op.partition, (byOffset = new Map()));
    byOffset.set(op.offset, op.value);
  }
  const isAborted = (partition: string, offset: number, value: string): boolean => abortedAt.get(partition)?.get(offset) === value;

  let writes = 0;
  let reads = 0;
  const lastRead = new Map<string, number>();
  const sessionKey = (consumer: string, partition: string): string => `${consumer}\u0000${partition}`;
  for (const op of ops) {
    switch (op.type) {
      case 'write': {
        writes++;
        if (op.offset !== undefined) see(op.partition, op.offset, op.value);
        const outcome = op.txn === undefined ? 'committed' : outcomes.get(op.txn);
        if (outcome !== 'committed') break;
        const found = op.offset === undefined ? committedValues.get(op.partition)?.has(op.value) === true : committedAt.get(op.partition)?.get(op.offset) === op.value;
        if (!found) {
          const at = op.offset === undefined ? '' : ` at offset ${op.offset}`;
          flag('lostWrites', () => `${op.value} written to ${op.partition}${at}${op.txn === undefined ? '' : ` (txn ${op.txn}, committed)`} is not in the final read`);
        }
        break;
      }
      case 'read': {
        reads++;
        see(op.partition, op.offset, op.value);
        const key = sessionKey(op.consumer, op.partition);
        const last = lastRead.get(key);
        if (last !== undefined && op.offset <= last) {
          flag('nonMonotonicReads', () => `${op.consumer} read ${op.partition}@${op.offset} after ${op.partition}@${last} without a seek`);
        }
        lastRead.set(key, op.offset);
        if (op.isolation === 'read_committed') {
          const final = committedAt.get(op.partition);
          if (isAborted(op.partition, op.offset, op.value)) {
            flag('abortedReads', () => `${op.consumer} (read_committed) read ${op.value} at ${op.partition}@${op.offset}, written in an aborted transaction`);
          } else if (final !== undefined && final.get(op.offset) !== op.value) {
            flag('abortedReads', () => `${op.consumer} (read_committed) read ${op.value} at ${op.partition}@${op.offset}, which never became committed (final read holds ${final.get(op.offset) ?? 'no record'} there)`);
          }
        }
        break;
      }
      case 'seek':
        lastRead.delete(sessionKey(op.consumer, op.partition));
        break;
      case 'txn':
        break;
    }
  }

  // The final read_committed read is a read_committed read too.
  for (const [partition, records] of history.finalCommitted) {
    if (!abortedAt.has(partition)) continue;
    for (const { offset, value } of records) {
      if (isAborted(partition, offset, value)) flag('abortedReads', () => `the final read_committed read holds ${value} at ${partition}@${offset}, written in an aborted transaction`);
    }
  }

  const copies = new Map<string, number>();
  for (const [partition, records] of history.finalCommitted) {
    for (const { offset, value } of records) {
      const n = (copies.get(value) ?? 0) + 1;
      copies.set(value, n);
      if (n > 1) flag('duplicates', () => `${value} is stored ${n} times (again at ${partition}@${offset})`);
    }
  }

  for (const [partition, byOffset] of seenAt) {
    for (const [offset, values] of byOffset) {
      if (values.size > 1) flag('twoValuesAtOneOffset', () => `${partition}@${offset} was seen holding ${[...values].join(', ')}`);
    }
  }

  let txnsCommitted = 0;
  let txnsAborted = 0;
  for (const outcome of outcomes.values()) {
    if (outcome === 'committed') txnsCommitted++;
    else txnsAborted++;
  }
  return { counts, examples, stats: { writes, reads, txnsCommitted, txnsAborted, finalRecords } };
}

/** The counts and, when any is not 0, the examples: for a test's failure message. */
export function describeCheck(result: CheckResult): string {
  const lines = [`counts ${JSON.stringify(result.counts)}, checked ${JSON.stringify(result.stats)}`];
  for (const [kind, list] of Object.entries(result.examples)) {
    for (const example of list) lines.push(`  ${kind}: ${example}`);
  }
  return lines.join('\n');
}
