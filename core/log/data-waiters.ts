/**
 * Readers of a partition waiting for data (long polls): each waits for the log end, or for the last
 * stable offset (read_committed), to pass an offset. Appends wake them; nothing polls. A waiter whose
 * AbortSignal fires is dropped at once, and its abort listener goes as soon as it is woken, so a
 * long-lived signal does not collect one listener per wait.
 */
interface Waiter {
  offset: number;
  /** Waits for the last stable offset rather than the log end. */
  stable: boolean;
  resolve: () => void;
}

export class DataWaiters {
  private waiters: Waiter[] = [];

  get count(): number {
    return this.waiters.length;
  }

  /** Resolves when `wake()` reports the offset available (or on abort, or `wakeAll()`). */
  add(offset: number, stable: boolean, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      const waiter: Waiter = {
        offset,
        stable,
        resolve: (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Wakes the waiters whose offset is now below the log end (or the last stable offset). */
  wake(logEndOffset: number, lastStableOffset: () => number): void {
    if (this.waiters.length === 0) return;
    const stable = lastStableOffset();
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (waiter.offset < (waiter.stable ? stable : logEndOffset)) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }

  wakeAll(): void {
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }
}
