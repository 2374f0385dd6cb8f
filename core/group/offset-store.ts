/**
 * The durable home of committed offsets: the internal compacted topic `__consumer_offsets`, keyed
 * by (group, topic, partition) with Kafka's record schemas (offset-commit-record.ts). A group's
 * records all go to one partition (Kafka's `abs(hashCode(group)) % partitions`), so one group's
 * history is ordered.
 *
 * - `write()` appends one batch for all entries of a call (a batch survives a crash whole or not at
 *   all) and resolves only after the batch is fsynced (acks all). The caller updates its cache
 *   after that, so no reader ever sees an offset a crash could take back.
 * - `writeTransactional()` does the same for a TxnOffsetCommit: the batch carries the producer id
 *   and epoch and the transactional bit (no sequence: the log only checks the epoch), and its
 *   offsets count only once the transaction coordinator writes the producer's commit marker to the
 *   same partition; an abort marker drops them.
 * - `load()` reads every partition from its log start, as Kafka's GroupMetadataManager does: the
 *   last record of a key (by log offset) wins and a tombstone removes it; a transactional record
 *   takes effect at its producer's commit marker (unless a later record of the key came first) and
 *   is dropped at an abort marker; transactions still open at the end are returned as pending.
 *   Compaction keeps the last record per key, so the result is the same whether or not the cleaner
 *   has run.
 * - The topic is created on first use (as Kafka creates it on the first FindCoordinator), with
 *   `offsets.topic.num.partitions` partitions; an existing topic keeps the count it was created with.
 */
import { tpKey } from './assignors/assignor.js';
import type { AppendResult, PartitionLogAccess } from '../client/log-access.js';
import type { Clock } from '../clock.js';
import { isEddyError } from '../errors.js';
import { decodeControlRecord } from '../record/control-record.js';
import { batchesIn, batchIsControl, batchIsTransactional, decodeRecords, encodeRecordBatch, verifyBatch } from '../record/record-batch.js';
import type { BatchHeader, LogRecord } from '../record/record.js';
import { decodeOffsetCommitKey, decodeOffsetCommitValue, encodeOffsetCommitKey, encodeOffsetCommitValue, offsetsPartitionFor, type OffsetAndMetadata } from './offset-commit-record.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** A partition log as the coordinators write to it: `origin` 'coordinator' marks their transactional writes. */
export interface CoordinatorPartitionLog extends PartitionLogAccess {
  append(batch: Buffer, origin?: 'client' | 'coordinator'): AppendResult | Promise<AppendResult>;
}

/** What the store needs of the log: enough to create, find and read its topic. */
export interface OffsetsTopicAccess {
  readonly clock: Clock;
  /** The partition count of the offsets topic, or null when it does not exist yet. */
  offsetsPartitionCount(): number | null;
  /** Creates the offsets topic (compacted, internal). */
  createOffsetsTopic(partitions: number): void;
  partitionLog(topic: string, partition: number): CoordinatorPartitionLog;
}

export interface OffsetEntry {
  topic: string;
  partition: number;
  /** null writes a tombstone (delete or expiry). */
  value: OffsetAndMetadata | null;
}

/** A loaded offset with the log offset of the record that set it (later records win). */
export interface LoadedOffset {
  topic: string;
  partition: number;
  value: OffsetAndMetadata;
  logOffset: number;
}

/** group → `topic\0partition` → committed offset. */
export type LoadedOffsets = Map<string, Map<string, LoadedOffset>>;

/** Offsets of a transaction whose marker was not in the log yet: group → key → entry. */
export interface PendingTransactionOffsets {
  offsetsPartition: number;
  producerId: number;
  producerEpoch: number;
  groups: Map<string, Map<string, PendingOffset>>;
}

export interface PendingOffset {
  topic: string;
  partition: number;
  value: OffsetAndMetadata | null;
  logOffset: number;
}

export interface LoadResult {
  committed: LoadedOffsets;
  pending: PendingTransactionOffsets[];
}

/**
 * Calls `visit` for every batch of `log` from its start to its end, verified, with the offset the
 * read asked for (a compacted log's first batch may begin before it; records below it were seen).
 */
export function forEachStoredBatch(log: PartitionLogAccess, visit: (bytes: Buffer, header: BatchHeader, from: number) => void): void {
  let offset = log.logStartOffset();
  while (offset < log.logEndOffset()) {
    let result;
    try {
      result = log.read(offset, 1024 * 1024);
    } catch (err) {
      // Retention may have moved the start meanwhile; start again from it.
      if (isEddyError(err, 'ERR_OFFSET_OUT_OF_RANGE') && offset < log.logStartOffset()) {
        offset = log.logStartOffset();
        continue;
      }
      throw err;
    }
    if (result.bytes.length === 0) break;
    for (const { position, size, header } of batchesIn(result.bytes)) {
      verifyBatch(result.bytes, position, size);
      visit(result.bytes.subarray(position, position + size), header, offset);
    }
    offset = result.nextOffset;
  }
}

export class OffsetStore {
  constructor(private readonly access: OffsetsTopicAccess, private readonly configuredPartitions: number) {}

  private partitions(): number {
    let count = this.access.offsetsPartitionCount();
    if (count === null) {
      this.access.createOffsetsTopic(this.configuredPartitions);
      count = this.configuredPartitions;
    }
    return count;
  }

  /** The __consumer_offsets partition of a group; creates the topic on first use. */
  partitionFor(group: string): number {
    return offsetsPartitionFor(group, this.partitions());
  }

  private encode(entries: readonly OffsetEntry[], group: string, now: number) {
    return entries.map((e) => ({
      key: encodeOffsetCommitKey({ group, topic: e.topic, partition: e.partition }),
      value: e.value === null ? null : encodeOffsetCommitValue(e.value),
      timestamp: now,
    }));
  }

  /** Appends the entries as one batch and waits for fsync; resolves with the batch's base offset (-1 for none). */
  async write(group: string, entries: readonly OffsetEntry[]): Promise<number> {
    if (entries.length === 0) return -1;
    const now = this.access.clock.now();
    const log = this.access.partitionLog(OFFSETS_TOPIC, this.partitionFor(group));
    const { baseOffset } = await log.append(encodeRecordBatch({ records: this.encode(entries, group, now), now }));
    await log.flush();
    return baseOffset;
  }

  /**
   * Appends a transaction's offsets as one transactional batch of `producerId` at `producerEpoch`
   * and waits for fsync; resolves with the batch's base offset. ERR_PRODUCER_FENCED when the log
   * knows a newer epoch of the producer.
   */
  async writeTransactional(group: string, producerId: number, producerEpoch: number, entries: readonly OffsetEntry[]): Promise<number> {
    if (entries.length === 0) return -1;
    const now = this.access.clock.now();
    const batch = encodeRecordBatch({ records: this.encode(entries, group, now), producerId, producerEpoch, baseSequence: -1, isTransactional: true, now });
    const log = this.access.partitionLog(OFFSETS_TOPIC, this.partitionFor(group));
    const { baseOffset } = await log.append(batch, 'coordinator');
    await log.flush();
    return baseOffset;
  }

  /** Every committed offset by group, and the transactional offsets still pending. A missing offsets topic means none. */
  load(): LoadResult {
    const committed: LoadedOffsets = new Map();
    const pending: PendingTransactionOffsets[] = [];
    const count = this.access.offsetsPartitionCount();
    if (count === null) return { committed, pending };
    for (let p = 0; p < count; p++) {
      // producer id → its open transaction's offsets in this partition
      const open = new Map<number, PendingTransactionOffsets>();
      forEachStoredBatch(this.access.partitionLog(OFFSETS_TOPIC, p), (bytes, header, from) => {
        const records = decodeRecords(bytes, header).filter((r) => r.offset >= from);
        if (batchIsControl(header.attributes)) {
          const txn = open.get(header.producerId);
          const marker = records[0] === undefined ? null : decodeControlRecord(records[0]);
          if (txn === undefined || marker === null || marker.type === 'unknown') return;
          open.delete(header.producerId);
          if (marker.type === 'commit') for (const [g, entries] of txn.groups) for (const entry of entries.values()) applyIfNewer(committed, g, entry);
          return;
        }
        if (!batchIsTransactional(header.attributes)) {
          for (const { group: g, entry } of decodeOffsets(records)) applyIfNewer(committed, g, entry);
          return;
        }
        let txn = open.get(header.producerId);
        if (txn === undefined) open.set(header.producerId, (txn = { offsetsPartition: p, producerId: header.producerId, producerEpoch: header.producerEpoch, groups: new Map() }));
        txn.producerEpoch = Math.max(txn.producerEpoch, header.producerEpoch);
        for (const { group: g, entry } of decodeOffsets(records)) {
          let entries = txn.groups.get(g);
          if (entries === undefined) txn.groups.set(g, (entries = new Map()));
          entries.set(tpKey(entry), entry);
        }
      });
      pending.push(...open.values());
    }
    return { committed, pending };
  }
}

function decodeOffsets(records: LogRecord[]): Array<{ group: string; entry: PendingOffset }> {
  const out: Array<{ group: string; entry: PendingOffset }> = [];
  for (const record of records) {
    if (record.key === null) continue;
    const key = decodeOffsetCommitKey(record.key);
    if (key === null) continue;
    const value = record.value === null ? null : decodeOffsetCommitValue(record.value);
    out.push({ group: key.group, entry: { topic: key.topic, partition: key.partition, value, logOffset: record.offset } });
  }
  return out;
}

/** Applies a record unless a record of the same key at a later log offset already did (Kafka's olderThan check). */
function applyIfNewer(committed: LoadedOffsets, groupId: string, entry: PendingOffset): void {
  const key = tpKey(entry);
  let offsets = committed.get(groupId);
  const current = offsets?.get(key);
  if (current !== undefined && current.logOffset > entry.logOffset) return;
  if (entry.value === null) {
    offsets?.delete(key);
    if (offsets?.size === 0) committed.delete(groupId);
    return;
  }
  if (offsets === undefined) committed.set(groupId, (offsets = new Map()));
  offsets.set(key, { topic: entry.topic, partition: entry.partition, value: entry.value, logOffset: entry.logOffset });
}
