/** Command-line options of `npm run bench`. Unknown flags fail fast rather than being ignored. */

export interface BenchOptions {
  /** Tiny sizes for the smoke test (< 20 s); the figures mean nothing. */
  quick: boolean;
  /** One JSON object per line per goal instead of the table. */
  json: boolean;
  /** Run only the goals with these names. */
  only: string[];
}

export const DEFAULT_BENCH_OPTIONS: BenchOptions = { quick: false, json: false, only: [] };

export function resolveBenchOptions(argv: readonly string[], goalNames: readonly string[]): BenchOptions {
  const options: BenchOptions = { ...DEFAULT_BENCH_OPTIONS, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') options.quick = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (value === undefined || value === '') throw new Error('--only needs a goal name');
      for (const name of value.split(',')) {
        if (!goalNames.includes(name)) throw new Error(`unknown goal '${name}' (goals: ${goalNames.join(', ')})`);
        options.only.push(name);
      }
    } else throw new Error(`unknown option '${arg}' (options: --quick, --json, --only NAME[,NAME])`);
  }
  return options;
}
