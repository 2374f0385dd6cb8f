/**
 * What the cleaner knows about transactions while it walks a log in offset order, from the log
 * start, during one pass (Kafka's `CleanedTransactionMetadata`). It answers two questions:
 *
 * - Is this transactional data batch aborted? Exactly the read_committed reader's rule: a batch of
 *   producer P is aborted when an aborted transaction {P, firstOffset, lastOffset} of the log's
 *   aborted-transaction indexes has firstOffset <= baseOffset < lastOffset. The cleaner removes only
 *   batches a read_committed reader skips, so that view of the log is the same after cleaning.
 * - May this marker go? Only once no data of its transaction is left: while a committed batch
 *   remains, its commit marker stays (a replay of the log from its start, when a producer snapshot
 *   is lost, and a coordinator loading `__consumer_offsets`, need the marker to see the transaction
 *   end). A transaction's batches all precede its marker, and a pass walks the log from its start,
 *   so by the time the pass reaches a marker it has seen every batch of that transaction still in
 *   the log, and knows whether it kept any of them.
 *
 * Invariants the callers keep: batches are reported in increasing offset order; aborted transactions
 * are added before the batches they cover (adding one twice is harmless). A producer has at most one
 * open transaction per partition, so its aborted transactions never overlap.
 */
import type { AbortedTransaction } from '../../client/log-access.js';

export class CleanedTransactionMetadata {
  /** Per producer, the aborted transactions not yet passed, by first offset. */
  private readonly aborted = new Map<number, AbortedTransaction[]>();
  /** Marker offsets of the aborted transactions added (an offset identifies one marker). */
  private readonly added = new Set<number>();
  /** Producers whose current transaction still has data after this pass. */
  private readonly withData = new Set<number>();

  addAbortedTransactions(transactions: readonly AbortedTransaction[]): void {
    for (const txn of transactions) {
      if (this.added.has(txn.lastOffset)) continue;
      this.added.add(txn.lastOffset);
      let list = this.aborted.get(txn.producerId);
      if (list === undefined) {
        list = [];
        this.aborted.set(txn.producerId, list);
      }
      list.push(txn);
      list.sort((a, b) => a.firstOffset - b.firstOffset);
    }
  }

  /** Whether the transactional data batch of `producerId` at `baseOffset` belongs to an aborted transaction. */
  isAborted(producerId: number, baseOffset: number): boolean {
    const list = this.aborted.get(producerId);
    if (list === undefined) return false;
    // Batches come in offset order: transactions that ended at or before this one cannot match again.
    while (list.length > 0 && (list[0] as AbortedTransaction).lastOffset <= baseOffset) list.shift();
    const next = list[0];
    return next !== undefined && next.firstOffset <= baseOffset;
  }

  /** A transactional data batch of `producerId` keeps records (or is kept as it is). */
  onDataKept(producerId: number): void {
    this.withData.add(producerId);
  }

  /**
   * A marker of `producerId` ends its transaction. Returns whether data of that transaction is still
   * in the log (the marker must stay, and an abort marker keeps its index entry).
   */
  onMarker(producerId: number): boolean {
    const hadData = this.withData.has(producerId);
    this.withData.delete(producerId);
    return hadData;
  }
}
