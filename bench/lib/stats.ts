/**
 * Small statistics for noisy machines: medians across interleaved rounds, percentiles over latency
 * samples, and an hrtime stopwatch (process.hrtime.bigint is monotonic; Date.now is not).
 */

/** Median of a non-empty list; the mean of the middle two for an even count. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error('median of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Starts a stopwatch; the returned function gives the seconds elapsed since. */
export function stopwatch(): () => number {
  const start = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - start) / 1e9;
}

/** Runs `work` and returns how many records per second it managed. */
export async function recordsPerSecond(records: number, work: () => Promise<void> | void): Promise<number> {
  const elapsed = stopwatch();
  await work();
  return records / elapsed();
}
