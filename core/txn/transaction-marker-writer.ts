/**
 * Ends transactions in the partitions (Kafka's TransactionMarkerChannelManager, without a network):
 * writes the commit or abort marker of a producer to each partition of its transaction, fsyncs the
 * logs it touched (concurrently, so they share the wait), and only then tells the group
 * coordinator about the `__consumer_offsets` partitions among them, so pending offsets become
 * visible only once their marker is durable.
 *
 * - A partition that no longer exists is skipped: its data went with it.
 * - A log that knows a newer epoch of the producer refuses the marker (ERR_PRODUCER_FENCED); as in
 *   Kafka the marker is dropped (reported through onError): whoever bumped the epoch ended the
 *   transaction there.
 * - Any other failure (a failed or damaged log) rejects; the caller keeps the transaction prepared
 *   and writes the markers again later. A second marker for a transaction already ended is
 *   harmless: it closes nothing.
 *
 * `abortHanging()` is the safety net after recovery: a transaction still open in a partition log
 * once the coordinator has completed everything it knows (a producer wrote before its partition
 * was recorded, or the coordinator's state was lost) would hold that partition's last stable offset
 * back forever, so it gets an abort marker.
 */
import type { AppendResult } from '../client/log-access.js';
import type { TopicPartition } from '../client/types.js';
import { EddyError, isEddyError } from '../errors.js';
import type { OffsetsToCommit, TxnCommitMember } from '../group/group-coordinator.js';
import { OFFSETS_TOPIC } from '../group/offset-store.js';

/** Kafka's coordinator epoch: one coordinator per data directory, so always 0. */
export const COORDINATOR_EPOCH = 0;

/** What the coordinator needs of a partition log. */
export interface TransactionPartitionLog {
  appendControl(type: 'commit' | 'abort', producerId: number, producerEpoch: number, coordinatorEpoch: number): AppendResult | Promise<AppendResult>;
  /** Transactions open in this partition. */
  ongoingTransactions(): ReadonlyArray<{ producerId: number; producerEpoch: number; firstOffset: number }>;
  /** The epoch this log knows for a producer id, or null. */
  producerEpoch(producerId: number): number | null;
  flush(): Promise<void>;
}

export interface TransactionLogsAccess {
  /** Throws ERR_TOPIC_NOT_FOUND / ERR_PARTITION_NOT_FOUND. */
  partitionLog(topic: string, partition: number): TransactionPartitionLog;
  /** Every partition of every topic, internal ones included. */
  allPartitions(): TopicPartition[];
}

/** The group coordinator as the transaction coordinator uses it (TxnOffsetCommit and its markers). */
export interface TransactionalOffsets {
  /** The group's __consumer_offsets partition; creates the topic on first use. */
  offsetsPartitionFor(groupId: string): number;
  txnOffsetCommit(groupId: string, producerId: number, producerEpoch: number, offsets: OffsetsToCommit, member?: TxnCommitMember): Promise<void>;
  /** The producer's marker is durable in that __consumer_offsets partition. */
  completeTransaction(offsetsPartition: number, producerId: number, commit: boolean): void;
  /** Producers with offsets still pending, per __consumer_offsets partition. */
  pendingTransactions(): Array<{ offsetsPartition: number; producerId: number }>;
}

export interface TransactionMarkerWriterDeps {
  logs: TransactionLogsAccess;
  offsets: TransactionalOffsets;
  onError(err: EddyError): void;
}

export class TransactionMarkerWriter {
  constructor(private readonly deps: TransactionMarkerWriterDeps) {}

  /** Writes and fsyncs the markers; resolves once every partition's marker is durable (or skipped). */
  async writeMarkers(producerId: number, producerEpoch: number, commit: boolean, partitions: readonly TopicPartition[]): Promise<void> {
    const written: Array<{ tp: TopicPartition; log: TransactionPartitionLog }> = [];
    for (const tp of partitions) {
      try {
        const log = this.deps.logs.partitionLog(tp.topic, tp.partition);
        await log.appendControl(commit ? 'commit' : 'abort', producerId, producerEpoch, COORDINATOR_EPOCH);
        written.push({ tp, log });
      } catch (err) {
        if (isEddyError(err, 'ERR_TOPIC_NOT_FOUND') || isEddyError(err, 'ERR_PARTITION_NOT_FOUND')) continue;
        if (isEddyError(err, 'ERR_PRODUCER_FENCED')) {
          this.deps.onError(new EddyError('ERR_PRODUCER_FENCED', `Dropped the ${commit ? 'commit' : 'abort'} marker of producer ${producerId} for ${tp.topic}-${tp.partition}: ${err.message}`, { ...err.context, topic: tp.topic, partition: tp.partition, producerId }, { cause: err }));
          continue;
        }
        throw err;
      }
    }
    await Promise.all(written.map(({ log }) => log.flush()));
    for (const { tp } of written) if (tp.topic === OFFSETS_TOPIC) this.deps.offsets.completeTransaction(tp.partition, producerId, commit);
  }

  /**
   * Aborts every transaction still open in any partition log, and any producer's offsets still
   * pending in the group coordinator, with an epoch no log can refuse (the larger of the log's and
   * the coordinator's, `epochOf`), except those of `unresolved` producers (transactions the
   * coordinator still has to complete its own way). Failures are reported and skipped. Resolves with
   * the number of (partition, producer) transactions aborted.
   */
  async abortHanging(epochOf: (producerId: number) => number | undefined, unresolved: ReadonlySet<number>): Promise<number> {
    const pendingOffsets = new Map<number, Set<number>>();
    for (const { offsetsPartition, producerId } of this.deps.offsets.pendingTransactions()) {
      let ids = pendingOffsets.get(offsetsPartition);
      if (ids === undefined) pendingOffsets.set(offsetsPartition, (ids = new Set()));
      ids.add(producerId);
    }
    let aborted = 0;
    for (const tp of this.deps.logs.allPartitions()) {
      try {
        const log = this.deps.logs.partitionLog(tp.topic, tp.partition);
        const producerIds = new Set(log.ongoingTransactions().map((t) => t.producerId));
        if (tp.topic === OFFSETS_TOPIC) for (const id of pendingOffsets.get(tp.partition) ?? []) producerIds.add(id);
        for (const producerId of producerIds) {
          if (unresolved.has(producerId)) continue;
          const epoch = Math.max(log.producerEpoch(producerId) ?? 0, epochOf(producerId) ?? 0);
          await this.writeMarkers(producerId, epoch, false, [tp]);
          aborted++;
        }
      } catch (err) {
        this.deps.onError(isEddyError(err) ? err : new EddyError('ERR_STORAGE_IO', `Cannot abort open transactions of ${tp.topic}-${tp.partition}: ${String(err)}`, { topic: tp.topic, partition: tp.partition }, { cause: err }));
      }
    }
    return aborted;
  }
}
