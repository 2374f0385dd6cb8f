/**
 * What a goal is and what it reports. Every figure is a ratio to a baseline measured in the same
 * run (DESIGN, Performance), except memory, whose target is absolute (MB of RSS per million
 * records), and figures reported for information only (no target: other clients' rates).
 */

/** `>=`: higher is better (throughput); `<=`: lower is better (latency, memory). */
export type Compare = '>=' | '<=';

/** How a result is judged: its ratio to a baseline, its value against an absolute target, or not at all. */
export type ResultKind = 'ratio' | 'absolute' | 'reported';

export interface GoalResult {
  /** `<goal>.<baseline>`, e.g. `append.redis-xadd`; `--only` matches the part before the dot. */
  goal: string;
  kind: ResultKind;
  /** Eddy's figure; null when it could not be measured (the client driving Eddy is missing, see `missing`). */
  value: number | null;
  baseline: number | null;
  ratio: number | null;
  /** The ratio (ratio kind) or value (absolute kind) to reach; null for a reported figure. */
  target: number | null;
  /** null when there is nothing to judge: a reported figure, or a missing value or baseline. */
  pass: boolean | null;
  unit: string;
  compare: Compare;
  /** Why the value or the baseline is absent (its tool is not installed, an API is not served yet). */
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
  return { goal, kind: 'ratio', value, baseline, ratio, target, pass: meets(ratio, compare, target), unit, compare };
}

/**
 * A ratio goal whose baseline or value may be missing (undefined: its tool is not installed, for
 * the reason given). Nothing is judged then.
 */
export function ratioOrMissing(goal: string, unit: string, compare: Compare, target: number, value: number | undefined, baseline: number | undefined, missing: string): GoalResult {
  if (value !== undefined && baseline !== undefined) return ratioResult(goal, unit, compare, target, value, baseline);
  return { goal, kind: 'ratio', value: value ?? null, baseline: baseline ?? null, ratio: null, target, pass: null, unit, compare, missing };
}

/** A goal judged by the value itself (no baseline exists for it). */
export function absoluteResult(goal: string, unit: string, compare: Compare, target: number, value: number): GoalResult {
  return { goal, kind: 'absolute', value, baseline: null, ratio: null, target, pass: meets(value, compare, target), unit, compare };
}

/**
 * A figure shown for information, with no target (e.g. how fast other Kafka clients go against
 * Eddy); undefined when it could not be measured, for the reason given.
 */
export function reportedResult(goal: string, unit: string, value: number | undefined, missing?: string): GoalResult {
  const result: GoalResult = { goal, kind: 'reported', value: value ?? null, baseline: null, ratio: null, target: null, pass: null, unit, compare: '>=' };
  if (value === undefined) result.missing = missing ?? 'not measured';
  return result;
}

/** A figure shown for information beside its baseline from the same run, with their ratio and no target. */
export function reportedRatio(goal: string, unit: string, value: number | undefined, baseline: number | undefined, missing?: string): GoalResult {
  const result = reportedResult(goal, unit, value, missing);
  result.baseline = baseline ?? null;
  if (value !== undefined && baseline !== undefined && baseline > 0) result.ratio = value / baseline;
  return result;
}

function meets(figure: number, compare: Compare, target: number): boolean {
  return compare === '>=' ? figure >= target : figure <= target;
}
