/**
 * The durable home of committed offsets: the internal compacted topic `__consumer_offsets`, keyed
 * by (group, topic, partition) with Kafka's record schemas (offset-commit-record.ts). A group's
 * records all go to one partition (Kafka's `abs(hashCode(group)) % partitions`), so one group's
 * history is ordered.
 *
 * - `write()` appends one batch for all entries of a call (a batch survives a crash whole or not at
 *   all) and resolves only after the batch is fsynced (acks all). The caller updates its cache
 *   after that, so no reader ever sees an offset a crash could take back.
 * - `load()` reads every partition from its log start; the last record of a key wins and a
 *   tombstone removes it. Compaction keeps the last record per key, so the result is the same
 *   whether or not the cleaner has run.
 * - The topic is created on first use (as Kafka creates it on the first FindCoordinator), with
 *   `offsets.topic.num.partitions` partitions; an existing topic keeps the count it was created with.
 */
import { tpKey } from './assignors/assignor.js';
import type { PartitionLogAccess } from '../client/log-access.js';
import type { Clock } from '../clock.js';
import { isEddyError } from '../errors.js';
import { batchesIn, batchIsControl, decodeRecords, encodeRecordBatch, verifyBatch } from '../record/record-batch.js';
import { decodeOffsetCommitKey, decodeOffsetCommitValue, encodeOffsetCommitKey, encodeOffsetCommitValue, offsetsPartitionFor, type OffsetAndMetadata } from './offset-commit-record.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** What the store needs of the log: enough to create, find and read its topic. */
export interface OffsetsTopicAccess {
  readonly clock: Clock;
  /** The partition count of the offsets topic, or null when it does not exist yet. */
  offsetsPartitionCount(): number | null;
  /** Creates the offsets topic (compacted, internal). */
  createOffsetsTopic(partitions: number): void;
  partitionLog(topic: string, partition: number): PartitionLogAccess;
}

export interface OffsetEntry {
  topic: string;
  partition: number;
  /** null writes a tombstone (delete or expiry). */
  value: OffsetAndMetadata | null;
}

/** group → `topic\0partition` → committed offset. */
export type LoadedOffsets = Map<string, Map<string, { topic: string; partition: number; value: OffsetAndMetadata }>>;

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

  /** Appends the entries as one batch and waits for fsync. */
  async write(group: string, entries: readonly OffsetEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const now = this.access.clock.now();
    const batch = encodeRecordBatch({
      records: entries.map((e) => ({
        key: encodeOffsetCommitKey({ group, topic: e.topic, partition: e.partition }),
        value: e.value === null ? null : encodeOffsetCommitValue(e.value),
        timestamp: now,
      })),
      now,
    });
    const log = this.access.partitionLog(OFFSETS_TOPIC, offsetsPartitionFor(group, this.partitions()));
    log.append(batch);
    await log.flush();
  }

  /** Every committed offset, by group. A missing offsets topic means none. */
  load(): LoadedOffsets {
    const groups: LoadedOffsets = new Map();
    const count = this.access.offsetsPartitionCount();
    if (count === null) return groups;
    for (let p = 0; p < count; p++) {
      const log = this.access.partitionLog(OFFSETS_TOPIC, p);
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
          if (batchIsControl(header.attributes)) continue;
          for (const record of decodeRecords(result.bytes.subarray(position, position + size), header)) {
            if (record.offset < offset || record.key === null) continue;
            const key = decodeOffsetCommitKey(record.key);
            if (key === null) continue;
            let group = groups.get(key.group);
            if (record.value === null) {
              group?.delete(tpKey(key));
              if (group?.size === 0) groups.delete(key.group);
              continue;
            }
            if (group === undefined) groups.set(key.group, (group = new Map()));
            group.set(tpKey(key), { topic: key.topic, partition: key.partition, value: decodeOffsetCommitValue(record.value) });
          }
        }
        offset = result.nextOffset;
      }
    }
    return groups;
  }
}
