/**
 * Runs contenders in alternating rounds so that drift on a noisy machine (other jobs, thermal
 * throttling, page-cache state) hits every contender alike. The order rotates each round so no one
 * always goes first (first runs pay for JIT warm-up and cold caches). A full collection before each
 * measurement keeps one contender's garbage off the next one's bill.
 *
 * Goals whose heavy work runs in other processes (the wire-* goals: kcat and Kafka clients against
 * a served Eddy) turn that collection off: a forced full collection resets V8's heap limits to the
 * small live heap, so a broker that then moves 100 MB in 1 MB buffers spends its run in collections
 * it would not otherwise make (measured: GC from under 10% to over a third of the broker's CPU, the
 * run 30–50% slower), which is the harness's cost, not Eddy's. group-consume turns it off too: there
 * it made a round's cost depend on which contender ran before (see that goal).
 */
import { collectGarbage } from './gc.js';
import { median } from './stats.js';

/** One measurement of a contender in a round: a number such as records/s or a p99 in ms. */
export type Contender = (round: number) => Promise<number>;

export interface InterleaveOptions {
  /** Collect garbage before each measurement (default true). */
  collectGarbage?: boolean;
}

/** Runs every contender once per round, rotating the order, and returns each one's median. */
export async function interleave(rounds: number, contenders: Record<string, Contender>, options: InterleaveOptions = {}): Promise<Record<string, number>> {
  const names = Object.keys(contenders);
  const samples = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length]!;
      if (options.collectGarbage !== false) collectGarbage();
      samples.get(name)!.push(await contenders[name]!(round));
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(samples.get(name)!)]));
}
