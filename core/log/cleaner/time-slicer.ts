/**
 * Cuts background work into slices of the event loop (DESIGN decision 9): the worker calls
 * `maybeYield()` between units of work (one batch), and once the current slice has used `sliceMs`
 * of wall time it gives the loop a turn (setImmediate) before going on. Appends, reads and timers
 * queued meanwhile run in that turn, so none waits longer than about one slice.
 *
 * Sharing a busy loop: if foreground work (appends, counted by `activity`) ran while we were away,
 * we keep yielding turns until the others have had `(1 - share) / share` times the time our slice
 * took, so under load the background work gets about `share` of the loop and appends the rest. As
 * soon as a turn comes back with no foreground work done, the loop is idle and we go on at full speed.
 *
 * Wall time (performance.now), not the injected clock: this bounds real pauses, which a ManualClock
 * cannot measure.
 */
import { performance } from 'node:perf_hooks';

export interface TimeSlicerOptions {
  sliceMs: number;
  /** Share of a busy event loop the background work may take. Default 0.2. */
  share?: number;
  /** A counter of foreground work that only grows (default: never busy). */
  activity?: () => number;
}

export class TimeSlicer {
  private sliceStart = performance.now();
  private readonly sliceMs: number;
  private readonly share: number;
  private readonly activity: () => number;
  /** Turns given back to the event loop so far. */
  yields = 0;

  constructor(options: TimeSlicerOptions) {
    this.sliceMs = options.sliceMs;
    this.share = options.share ?? 0.2;
    this.activity = options.activity ?? (() => 0);
  }

  /** Whether the current slice has used its time. */
  get due(): boolean {
    return performance.now() - this.sliceStart >= this.sliceMs;
  }

  async maybeYield(): Promise<void> {
    if (this.due) await this.yieldNow();
  }

  async yieldNow(): Promise<void> {
    const worked = performance.now() - this.sliceStart;
    let owed = (worked * (1 - this.share)) / this.share;
    for (;;) {
      const before = this.activity();
      const left = performance.now();
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.yields++;
      if (this.activity() === before) break; // idle: nothing else wants the loop
      owed -= performance.now() - left;
      if (owed <= 0) break;
    }
    this.sliceStart = performance.now();
  }
}
