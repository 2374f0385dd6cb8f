/**
 * What a partition log remembers about the producers that write to it (Kafka's
 * ProducerStateManager): per producer id its epoch, its last 5 batches (sequence range → offsets) and
 * the first offset of its open transaction, if any.
 *
 * - Idempotence: a batch whose (epoch, first and last sequence) match a remembered batch is a retry;
 *   the log answers it with the original offsets and appends nothing. Otherwise its first sequence
 *   must follow the last one (0 after a new epoch); a gap is ERR_OUT_OF_ORDER_SEQUENCE. A producer the
 *   log does not know yet may start anywhere (its earlier batches may be gone with retention).
 * - Fencing: an epoch below the one the log knows is refused (ERR_PRODUCER_FENCED for transactional
 *   writes, ERR_PRODUCER_EPOCH_INVALID otherwise). Markers carry the bumped epoch (KIP-890), so a
 *   delayed write of a finished transaction is refused too.
 * - Transactions: the first transactional batch of a producer opens its transaction here; the
 *   commit/abort marker closes it. The last stable offset is the first offset of the oldest open one.
 *
 * State survives restarts through snapshots (`<offset>.snapshot`: the state after every batch below
 * that offset) taken at segment roll and clean shutdown, plus a replay of the log after the newest
 * usable snapshot.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { EddyError } from '../errors.js';
import { batchIsTransactional } from '../record/record-batch.js';
import type { BatchHeader } from '../record/record.js';
import { segmentFileName } from './log-segment.js';

/** Batches remembered per producer for duplicate detection (Kafka's max.in.flight limit for idempotence). */
export const PRODUCER_BATCHES_KEPT = 5;
const MAX_INT32 = 0x7fffffff;
const SNAPSHOT_SUFFIX = '.snapshot';
const SNAPSHOT_VERSION = 1;
/** Snapshots kept per partition: the newest may be unusable after a crash cut the log below it. */
const SNAPSHOTS_KEPT = 2;

export interface ProducerBatchMeta {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  /** The last batches with a sequence, oldest first, at most PRODUCER_BATCHES_KEPT. */
  batches: ProducerBatchMeta[];
  /** First offset of the producer's open transaction in this partition, or -1. */
  txnFirstOffset: number;
  coordinatorEpoch: number;
  lastTimestamp: number;
}

export interface OngoingTransaction {
  producerId: number;
  producerEpoch: number;
  firstOffset: number;
}

/** The sequence `n` records after `seq`, wrapping at int32 max as Kafka's does. */
export function addSequence(seq: number, n: number): number {
  return seq > MAX_INT32 - n ? n - (MAX_INT32 - seq) - 1 : seq + n;
}

export interface LogPosition {
  topic: string;
  partition: number;
}

export class ProducerStateManager {
  private readonly entries = new Map<number, ProducerEntry>();
  /** Producers with an open transaction here (kept apart so the LSO is cheap when there are none). */
  private readonly ongoing = new Set<ProducerEntry>();

  constructor(private readonly dir: string, private readonly where: LogPosition) {}

  get producerCount(): number {
    return this.entries.size;
  }

  entry(producerId: number): ProducerEntry | undefined {
    return this.entries.get(producerId);
  }

  /**
   * Checks a batch with a producer id before it is appended. Returns the remembered batch when this
   * one is a retry of it (nothing must be appended), else null. `origin` 'coordinator' writes
   * (transactional offset commits) carry no sequence and are only checked for fencing.
   */
  check(header: BatchHeader, origin: 'client' | 'coordinator'): ProducerBatchMeta | null {
    const { producerId, producerEpoch: epoch, baseSequence } = header;
    const transactional = batchIsTransactional(header.attributes);
    const entry = this.entries.get(producerId);
    if (epoch < 0) throw this.invalid(`Batch of producer ${producerId} has no producer epoch`, producerId);
    if (entry !== undefined && epoch < entry.epoch) throw this.fenced(producerId, epoch, entry.epoch, transactional);
    if (entry !== undefined && entry.txnFirstOffset >= 0 && !transactional) {
      throw new EddyError('ERR_TRANSACTION_STATE_INVALID', `Producer ${producerId} wrote a non-transactional batch to ${this.name()} while its transaction is open here`, {
        ...this.where,
        producerId,
      });
    }
    if (origin === 'coordinator' && baseSequence < 0) return null;
    if (baseSequence < 0) throw this.invalid(`Batch of producer ${producerId} has no sequence number`, producerId);
    const lastSeq = addSequence(baseSequence, header.lastOffsetDelta);
    if (entry === undefined) return null;
    if (epoch === entry.epoch) {
      for (const batch of entry.batches) if (batch.firstSeq === baseSequence && batch.lastSeq === lastSeq) return batch;
      const last = entry.batches[entry.batches.length - 1];
      const expected = last === undefined ? 0 : addSequence(last.lastSeq, 1);
      if (baseSequence !== expected) throw this.outOfOrder(producerId, epoch, baseSequence, expected);
    } else if (baseSequence !== 0) {
      throw this.outOfOrder(producerId, epoch, baseSequence, 0);
    }
    return null;
  }

  /** Records an appended batch (also used when replaying the log, without checks). */
  onBatch(header: BatchHeader, firstOffset: number, lastOffset: number): void {
    const { producerId, producerEpoch: epoch, baseSequence } = header;
    let entry = this.entries.get(producerId);
    if (entry === undefined) {
      entry = { producerId, epoch, batches: [], txnFirstOffset: -1, coordinatorEpoch: -1, lastTimestamp: -1 };
      this.entries.set(producerId, entry);
    } else if (epoch > entry.epoch) {
      entry.epoch = epoch;
      entry.batches = [];
    }
    if (baseSequence >= 0) {
      entry.batches.push({ firstSeq: baseSequence, lastSeq: addSequence(baseSequence, header.lastOffsetDelta), firstOffset, lastOffset });
      if (entry.batches.length > PRODUCER_BATCHES_KEPT) entry.batches.shift();
    }
    if (batchIsTransactional(header.attributes) && entry.txnFirstOffset < 0) {
      entry.txnFirstOffset = firstOffset;
      this.ongoing.add(entry);
    }
    entry.lastTimestamp = Math.max(entry.lastTimestamp, header.maxTimestamp);
  }

  /** Checks a marker before it is appended: its epoch may not be below the producer's. */
  checkMarker(producerId: number, epoch: number): void {
    const entry = this.entries.get(producerId);
    if (entry !== undefined && epoch < entry.epoch) throw this.fenced(producerId, epoch, entry.epoch, true);
  }

  /**
   * Records a commit/abort marker: closes the producer's open transaction and returns its
   * first offset, or -1 when none was open here.
   */
  onMarker(producerId: number, epoch: number, coordinatorEpoch: number, timestamp: number): number {
    let entry = this.entries.get(producerId);
    if (entry === undefined) {
      entry = { producerId, epoch, batches: [], txnFirstOffset: -1, coordinatorEpoch, lastTimestamp: timestamp };
      this.entries.set(producerId, entry);
    }
    if (epoch > entry.epoch) {
      entry.epoch = epoch;
      entry.batches = [];
    }
    entry.coordinatorEpoch = Math.max(entry.coordinatorEpoch, coordinatorEpoch);
    entry.lastTimestamp = Math.max(entry.lastTimestamp, timestamp);
    const first = entry.txnFirstOffset;
    entry.txnFirstOffset = -1;
    this.ongoing.delete(entry);
    return first;
  }

  /** The first offset of the oldest open transaction, or null when none is open. */
  firstUnstableOffset(): number | null {
    let first: number | null = null;
    for (const entry of this.ongoing) {
      if (entry.txnFirstOffset >= 0 && (first === null || entry.txnFirstOffset < first)) first = entry.txnFirstOffset;
    }
    return first;
  }

  ongoingTransactions(): OngoingTransaction[] {
    const out: OngoingTransaction[] = [];
    for (const e of this.ongoing) out.push({ producerId: e.producerId, producerEpoch: e.epoch, firstOffset: e.txnFirstOffset });
    return out.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** Forgets everything (before a replay from the log start). */
  clear(): void {
    this.entries.clear();
    this.ongoing.clear();
  }

  /**
   * Forgets producers not heard from for `expirationMs` (Kafka's producer.id.expiration.ms) that have
   * no open transaction here; a producer that comes back later is treated as new.
   */
  expire(now: number, expirationMs: number): number {
    let removed = 0;
    for (const [id, entry] of this.entries) {
      if (entry.txnFirstOffset < 0 && entry.lastTimestamp >= 0 && now - entry.lastTimestamp > expirationMs) {
        this.entries.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /** Drops open transactions that start at or after `offset` (the log was cut there). */
  truncateTo(offset: number): void {
    for (const entry of this.entries.values()) {
      entry.batches = entry.batches.filter((b) => b.lastOffset < offset);
      if (entry.txnFirstOffset >= offset) {
        entry.txnFirstOffset = -1;
        this.ongoing.delete(entry);
      }
    }
  }

  // ---- snapshots --------------------------------------------------------------------------------

  private snapshotFile(offset: number): string {
    return path.join(this.dir, segmentFileName(offset, SNAPSHOT_SUFFIX));
  }

  /** Offsets of the snapshot files present, ascending. */
  snapshotOffsets(): number[] {
    const offsets: number[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      const m = /^(\d{20})\.snapshot$/.exec(name);
      if (m !== null) offsets.push(Number(m[1]));
    }
    return offsets.sort((a, b) => a - b);
  }

  /**
   * Writes the state as of `offset` (every batch below it applied) and removes older snapshots beyond
   * the newest two. Written to a temporary name and renamed, without fsync (Kafka does not sync them
   * either): a snapshot that does not survive a crash intact is ignored at load (its checksum fails)
   * and the log is replayed from an older one.
   */
  takeSnapshot(offset: number): void {
    const producers = [...this.entries.values()].map((e) => [e.producerId, e.epoch, e.txnFirstOffset, e.coordinatorEpoch, e.lastTimestamp, e.batches.map((b) => [b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset])]);
    const body = JSON.stringify({ version: SNAPSHOT_VERSION, offset, producers });
    const text = `${crc32c(Buffer.from(body)).toString(16).padStart(8, '0')} ${body}\n`;
    const file = this.snapshotFile(offset);
    fs.writeFileSync(`${file}.tmp`, text);
    fs.renameSync(`${file}.tmp`, file);
    const offsets = this.snapshotOffsets();
    for (const old of offsets.slice(0, Math.max(0, offsets.length - SNAPSHOTS_KEPT))) fs.rmSync(this.snapshotFile(old), { force: true });
  }

  /**
   * Loads the newest snapshot at or below `maxOffset` that reads back intact, removing the ones above
   * it and unreadable ones. Returns its offset, or null when there is none (state left empty).
   */
  loadSnapshot(maxOffset: number): number | null {
    this.clear();
    const offsets = this.snapshotOffsets().reverse();
    for (const offset of offsets) {
      const file = this.snapshotFile(offset);
      if (offset > maxOffset || !this.readSnapshot(file, offset)) {
        fs.rmSync(file, { force: true });
        this.clear();
        continue;
      }
      return offset;
    }
    return null;
  }

  private readSnapshot(file: string, offset: number): boolean {
    try {
      const text = fs.readFileSync(file, 'utf8');
      const space = text.indexOf(' ');
      const body = text.slice(space + 1).trimEnd();
      if (space !== 8 || Number.parseInt(text.slice(0, 8), 16) !== crc32c(Buffer.from(body))) return false;
      const parsed = JSON.parse(body) as { version: number; offset: number; producers: Array<[number, number, number, number, number, Array<[number, number, number, number]>]> };
      if (parsed.version !== SNAPSHOT_VERSION || parsed.offset !== offset || !Array.isArray(parsed.producers)) return false;
      for (const [producerId, epoch, txnFirstOffset, coordinatorEpoch, lastTimestamp, batches] of parsed.producers) {
        const entry: ProducerEntry = {
          producerId,
          epoch,
          txnFirstOffset,
          coordinatorEpoch,
          lastTimestamp,
          batches: batches.map(([firstSeq, lastSeq, firstOffset, lastOffset]) => ({ firstSeq, lastSeq, firstOffset, lastOffset })),
        };
        if (![producerId, epoch, txnFirstOffset, coordinatorEpoch, lastTimestamp].every(Number.isSafeInteger)) return false;
        this.entries.set(producerId, entry);
        if (txnFirstOffset >= 0) this.ongoing.add(entry);
      }
      return true;
    } catch {
      return false;
    }
  }

  private name(): string {
    return `${this.where.topic}-${this.where.partition}`;
  }

  private invalid(message: string, producerId: number): EddyError {
    return new EddyError('ERR_BATCH_INVALID', `${message} (${this.name()})`, { ...this.where, producerId });
  }

  private fenced(producerId: number, epoch: number, current: number, transactional: boolean): EddyError {
    const context = { ...this.where, producerId, producerEpoch: epoch, currentEpoch: current };
    return transactional
      ? new EddyError('ERR_PRODUCER_FENCED', `Producer ${producerId} with epoch ${epoch} is fenced: ${this.name()} knows epoch ${current} (a newer producer with the same transactionalId, or its transaction was aborted)`, context)
      : new EddyError('ERR_PRODUCER_EPOCH_INVALID', `Producer ${producerId} with epoch ${epoch} is older than epoch ${current} known by ${this.name()}`, context);
  }

  private outOfOrder(producerId: number, epoch: number, got: number, expected: number): EddyError {
    return new EddyError('ERR_OUT_OF_ORDER_SEQUENCE', `Producer ${producerId} (epoch ${epoch}) sent sequence ${got} to ${this.name()}, expected ${expected}`, {
      ...this.where,
      producerId,
      producerEpoch: epoch,
      sequence: got,
      expectedSequence: expected,
    });
  }
}
