/**
 * TEST DOUBLE: a LogAccess in front of a real one that behaves like a network between a producer and
 * its log. Appends are asynchronous with random delays before and after the real append (so batches
 * can reach the log out of order), and a share of them fail with ERR_REQUEST_TIMED_OUT either before
 * the append (a lost request) or after it (a lost acknowledgement: the batch is stored, the producer
 * does not know). Everything else goes straight through.
 */
import type { AppendResult, LogAccess, PartitionLogAccess } from '../../core/client/log-access.js';
import { EddyError } from '../../core/errors.js';

export interface FlakyOptions {
  /** Share of appends whose acknowledgement is lost after the batch is stored. */
  dropAck: number;
  /** Share of appends lost before they reach the log. */
  loseRequest: number;
  /** Deterministic randomness for the test. */
  random: () => number;
}

export interface FlakyCounts {
  appends: number;
  droppedAcks: number;
  lostRequests: number;
}

function delay(random: () => number): Promise<void> {
  // Mostly the next turn, sometimes a millisecond or two: enough to reorder batches in flight.
  const roll = random();
  return new Promise((resolve) => (roll < 0.7 ? setImmediate(resolve) : setTimeout(resolve, roll < 0.95 ? 1 : 2)));
}

export function flakyLog(inner: LogAccess, options: FlakyOptions): { access: LogAccess; counts: FlakyCounts } {
  const counts: FlakyCounts = { appends: 0, droppedAcks: 0, lostRequests: 0 };
  const timeout = (what: string): EddyError => new EddyError('ERR_REQUEST_TIMED_OUT', `simulated: ${what}`);
  const wrap = (log: PartitionLogAccess): PartitionLogAccess => ({
    topic: log.topic,
    partition: log.partition,
    logStartOffset: () => log.logStartOffset(),
    logEndOffset: () => log.logEndOffset(),
    lastStableOffset: () => log.lastStableOffset(),
    abortedTransactions: (from, to) => log.abortedTransactions(from, to),
    flush: () => log.flush(),
    read: (offset, maxBytes, maxOffset) => log.read(offset, maxBytes, maxOffset),
    offsetForTimestamp: (timestamp) => log.offsetForTimestamp(timestamp),
    waitForData: (offset, signal, isolationLevel) => log.waitForData(offset, signal, isolationLevel),
    async append(batch: Buffer): Promise<AppendResult> {
        counts.appends++;
        const roll = options.random();
        await delay(options.random);
        if (roll < options.loseRequest) {
          counts.lostRequests++;
          throw timeout('request lost');
        }
        const result = await log.append(batch);
        await delay(options.random);
        if (roll < options.loseRequest + options.dropAck) {
          counts.droppedAcks++;
          throw timeout('acknowledgement lost');
        }
        return result;
    },
  });
  const access: LogAccess = {
    clock: inner.clock,
    transactions: inner.transactions,
    partitionCount: (topic, autoCreate) => inner.partitionCount(topic, autoCreate),
    partitionLog: (topic, partition) => wrap(inner.partitionLog(topic, partition)),
  };
  return { access, counts };
}

/** A small seeded PRNG (mulberry32) so failures replay. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
