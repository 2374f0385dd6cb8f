/**
 * What a goal is and what it reports. Every figure is a ratio to a baseline measured in the same
 * run (DESIGN, Performance), except memory, whose target is absolute (MB of RSS per million records).
 */

/** `>=`: higher is better (throughput); `<=`: lower is better (latency, memory). */
export type Compare = '>=' | '<=';

export interface GoalResult {
  /** `<goal>.<baseline>`, e.g. `append.redis-xadd`; `--only` matches the part before the dot. */
  goal: string;
  value: number;
  baseline: number | null;
  ratio: number | null;
  target: number;
  pass: boolean | null;
  unit: string;
  compare: Compare;
  /** Why the baseline is absent (its tool is not installed). */
  missing?: string;
}

export interface BenchContext {
  /** Tiny sizes so the smoke test finishes in seconds; figures are meaningless. */
  quick: boolean;
  /** Progress notes; stderr so that stdout stays a clean table or JSON stream. */
  log: (line: string) => void;
}

export interface Goal {
  name: string;
  run(context: BenchContext): Promise<GoalResult[]>;
}

/** A goal judged by value / baseline against the target. */
export function ratioResult(goal: string, unit: string, compare: Compare, target: number, value: number, baseline: number): GoalResult {
  const ratio = value / baseline;
  return { goal, value, baseline, ratio, target, pass: meets(ratio, compare, target), unit, compare };
}

/** A ratio goal whose baseline may be missing (undefined: its tool is not installed, for the reason given). */
export function ratioOrMissing(goal: string, unit: string, compare: Compare, target: number, value: number, baseline: number | undefined, missing: string): GoalResult {
  if (baseline !== undefined) return ratioResult(goal, unit, compare, target, value, baseline);
  return { goal, value, baseline: null, ratio: null, target, pass: null, unit, compare, missing };
}

/** A goal judged by the value itself (no baseline exists for it). */
export function absoluteResult(goal: string, unit: string, compare: Compare, target: number, value: number): GoalResult {
  return { goal, value, baseline: null, ratio: null, target, pass: meets(value, compare, target), unit, compare };
}

function meets(figure: number, compare: Compare, target: number): boolean {
  return compare === '>=' ? figure >= target : figure <= target;
}
