/**
 * Transactional offsets of the group coordinator, on behalf of the transaction coordinator
 * (core/txn/): TxnOffsetCommit, the KIP-447 member check, and the end of a transaction.
 *
 * - A TxnOffsetCommit is written as a transactional batch of the producer and kept pending per
 *   producer id, invisible to fetches, until the transaction coordinator has written the producer's
 *   marker to the group's __consumer_offsets partition and calls `completeTransaction()`: a commit
 *   makes them the committed offsets (unless a commit recorded later in the log already replaced
 *   one), an abort drops them. A pending offset does not expire.
 * - The pending offsets live in each Group (group-model.ts); this part keeps the index from a
 *   producer id to the groups holding its offsets, which is what a transaction's end looks up.
 */
import type { Clock } from '../clock.js';
import { tpKey } from './assignors/assignor.js';
import { currentMember } from './group-fencing.js';
import type { Group, PendingTxnOffset } from './group-model.js';
import { toEntries, validateOffsets, type OffsetsToCommit } from './group-offsets.js';
import { validateGroupId, type GroupRegistry } from './group-registry.js';
import type { OffsetStore, PendingTransactionOffsets } from './offset-store.js';

/** The consumer's group metadata a transactional offset commit carries (Kafka's ConsumerGroupMetadata), for KIP-447's check. */
export interface TxnCommitMember {
  memberId: string;
  generationId: number;
  groupInstanceId?: string | null;
}

export interface GroupTxnOffsetsDeps {
  clock: Clock;
  store: OffsetStore;
  registry: GroupRegistry;
}

export class GroupTxnOffsets {
  /** Producer id → ids of the groups holding pending transactional offsets of it. */
  private readonly txnGroups = new Map<number, Set<string>>();

  constructor(private readonly deps: GroupTxnOffsetsDeps) {}

  /**
   * Keeps the offsets of transactions without a marker in the log yet pending: the transaction
   * coordinator's recovery ends those transactions and reports each through `completeTransaction()`.
   */
  loadPending(pending: PendingTransactionOffsets[]): void {
    for (const txn of pending) {
      for (const [groupId, entries] of txn.groups) {
        const pendingOffsets = new Map<string, PendingTxnOffset>();
        for (const [key, e] of entries) pendingOffsets.set(key, { topic: e.topic, partition: e.partition, value: e.value, seq: e.logOffset });
        this.addPending(this.deps.registry.groupFor(groupId), txn.producerId, pendingOffsets);
      }
    }
  }

  /** The __consumer_offsets partition of a group (Kafka's partitionFor); creates the topic on first use. */
  offsetsPartitionFor(groupId: string): number {
    validateGroupId(groupId);
    return this.deps.store.partitionFor(groupId);
  }

  /**
   * Writes offsets of `producerId`'s open transaction (the transaction coordinator has checked the
   * producer and that the group's partition is in its transaction). Resolves once they are fsynced;
   * they stay pending until `completeTransaction()`.
   */
  async txnOffsetCommit(groupId: string, producerId: number, producerEpoch: number, offsets: OffsetsToCommit, member?: TxnCommitMember): Promise<void> {
    this.deps.registry.checkOpen();
    validateGroupId(groupId);
    validateOffsets(groupId, offsets);
    if (member !== undefined) this.checkTxnCommitMember(groupId, member);
    const entries = toEntries(offsets, this.deps.clock.now());
    const seq = await this.deps.store.writeTransactional(groupId, producerId, producerEpoch, entries);
    const pending = new Map<string, PendingTxnOffset>();
    for (const e of entries) pending.set(tpKey(e), { topic: e.topic, partition: e.partition, value: e.value, seq });
    this.addPending(this.deps.registry.groupFor(groupId), producerId, pending);
  }

  /**
   * KIP-447: a transactional commit that names a member (a generation >= 0, a member id or a static
   * instance id, as Kafka clients send from TxnOffsetCommit v3 with the consumer's group metadata)
   * is accepted only from a current member of the current generation, so a zombie that lost its
   * partitions in a rebalance cannot commit offsets for them. One naming no member is not checked
   * (older clients). Unlike a plain commit, a rebalance in progress does not refuse it, as in Kafka.
   */
  private checkTxnCommitMember(groupId: string, { memberId, generationId, groupInstanceId }: TxnCommitMember): void {
    if (generationId < 0 && memberId === '' && groupInstanceId == null) return;
    currentMember(this.deps.registry.existingGroup(groupId), memberId, generationId, groupInstanceId);
  }

  private addPending(group: Group, producerId: number, entries: Map<string, PendingTxnOffset>): void {
    group.addPendingTxnOffsets(producerId, entries);
    let groups = this.txnGroups.get(producerId);
    if (groups === undefined) this.txnGroups.set(producerId, (groups = new Set()));
    groups.add(group.groupId);
  }

  /**
   * The transaction coordinator has written (and fsynced) `producerId`'s commit or abort marker to
   * __consumer_offsets partition `offsetsPartition`: its pending offsets of the groups there become
   * committed offsets or are dropped, as a load would find them after a restart.
   */
  completeTransaction(offsetsPartition: number, producerId: number, commit: boolean): void {
    const groupIds = this.txnGroups.get(producerId);
    if (groupIds === undefined) return;
    for (const groupId of [...groupIds]) {
      if (this.deps.store.partitionFor(groupId) !== offsetsPartition) continue;
      groupIds.delete(groupId);
      this.deps.registry.get(groupId)?.completePendingTxnOffsets(producerId, commit);
    }
    if (groupIds.size === 0) this.txnGroups.delete(producerId);
  }

  /** Producers with pending transactional offsets, per __consumer_offsets partition (for recovery). */
  pendingTransactions(): Array<{ offsetsPartition: number; producerId: number }> {
    const out: Array<{ offsetsPartition: number; producerId: number }> = [];
    for (const [producerId, groupIds] of this.txnGroups) {
      const partitions = new Set([...groupIds].map((g) => this.deps.store.partitionFor(g)));
      for (const offsetsPartition of partitions) out.push({ offsetsPartition, producerId });
    }
    return out;
  }

  /** Whether a transaction holds a pending offset of the group for the partition (OffsetFetch's requireStable). */
  hasPendingTxnOffset(groupId: string, topic: string, partition: number): boolean {
    const group = this.deps.registry.get(groupId);
    if (group === undefined) return false;
    const key = tpKey({ topic, partition });
    for (const entries of group.pendingTxnOffsets.values()) if (entries.has(key)) return true;
    return false;
  }
}
