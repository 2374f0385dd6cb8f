/**
 * `npm run bench [-- --quick] [--json] [--only NAME[,NAME]]`: runs the benchmark goals one after
 * another (never in parallel: they would measure each other on 2 cores) and prints a table, or one
 * JSON object per line per goal with --json. Progress goes to stderr so stdout stays parseable.
 * Exits non-zero only when the harness itself fails; a missed target is a finding, not a crash.
 */
import { appendGoal } from './goals/append.js';
import { compactionGoal } from './goals/compaction.js';
import { durableAppendGoal } from './goals/durable-append.js';
import { groupConsumeGoal } from './goals/group-consume.js';
import { idempotentAppendGoal } from './goals/idempotent-append.js';
import { memoryGoal } from './goals/memory.js';
import { sequentialReadGoal } from './goals/sequential-read.js';
import { tailLatencyGoal } from './goals/tail-latency.js';
import { transactionalCopyGoal } from './goals/transactional-copy.js';
import { wireClientsGoal } from './goals/wire-clients.js';
import { wireConsumeGoal } from './goals/wire-consume.js';
import { wireProduceGoal } from './goals/wire-produce.js';
import type { Goal, GoalResult } from './lib/goal.js';
import { resolveBenchOptions } from './lib/options.js';
import { jsonLine, table } from './lib/report.js';

const GOALS: Goal[] = [
  appendGoal,
  durableAppendGoal,
  idempotentAppendGoal,
  sequentialReadGoal,
  tailLatencyGoal,
  groupConsumeGoal,
  transactionalCopyGoal,
  compactionGoal,
  memoryGoal,
  wireProduceGoal,
  wireConsumeGoal,
  wireClientsGoal,
];

// Ctrl-C or a kill still runs the 'exit' handlers, which stop any redis-server the bench started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const options = resolveBenchOptions(process.argv.slice(2), GOALS.map((goal) => goal.name));
const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
const results: GoalResult[] = [];
for (const goal of GOALS) {
  if (options.only.length > 0 && !options.only.includes(goal.name)) continue;
  log(`${goal.name}…`);
  for (const result of await goal.run({ quick: options.quick, log })) {
    results.push(result);
    if (options.json) console.log(jsonLine(result));
  }
}
if (!options.json) console.log(table(results));
