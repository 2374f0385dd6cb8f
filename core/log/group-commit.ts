/**
 * Group commit for one partition log (DESIGN decision 5): every `flush()` waiting when an fdatasync
 * round starts is satisfied by that one round, so many producers' `acks: 'all'` appends share a
 * single sync. Rounds run one at a time; a waiter that arrives during a round is covered by the next.
 *
 * The first round of a burst waits one turn of the event loop, and so does each following round,
 * so the producers that appended in that turn (or were just released by the previous round) join it
 * instead of each getting a round of their own.
 */

interface FlushWaiter {
  target: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** What a group commit needs from its log. */
export interface GroupCommitLog {
  /** The offset every append so far stays below. */
  logEndOffset(): number;
  /** Syncs everything appended so far; rejects on a storage failure. */
  syncAll(): Promise<void>;
  /** Everything below `offset` is on disk. */
  markDurable(offset: number): void;
  /** A storage failure stopped the log: no more rounds. */
  failed(): boolean;
}

/** Two hops: appends of producers released by a round run in a setImmediate queued after ours. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

export class GroupCommit {
  private waiters: FlushWaiter[] = [];
  private running = false;
  /** fdatasync rounds run so far; far below the number of flush() calls when commits are grouped. */
  rounds = 0;

  constructor(private readonly log: GroupCommitLog) {}

  /** Resolves once everything below `target` is durable. */
  waitFor(target: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ target, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  /** Rejects every waiter (the log failed or closed). */
  rejectAll(err: unknown): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(err);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      await nextTurn();
      while (this.waiters.length > 0 && !this.log.failed()) {
        const upTo = this.log.logEndOffset();
        this.rounds++;
        try {
          await this.log.syncAll();
        } catch (err) {
          this.rejectAll(err);
          return;
        }
        this.log.markDurable(upTo);
        const still: FlushWaiter[] = [];
        for (const waiter of this.waiters) {
          if (waiter.target <= upTo) waiter.resolve();
          else still.push(waiter);
        }
        this.waiters = still;
        if (this.waiters.length > 0) await nextTurn();
      }
    } finally {
      this.running = false;
    }
  }
}
