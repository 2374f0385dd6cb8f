/**
 * The command-line parser of the `eddy` command: a small getopt-style reader driven by a per-command
 * table of options, so help text and validation come from one place.
 *
 * Grammar: `--name value` or `--name=value` for value options (the next word is taken as the value
 * even when it starts with `-`, so `--key-separator -` and `--offset -1` reach validation instead of
 * being mistaken for flags, unless it is `--` followed by one of the command's option names: then the
 * value was forgotten); `--name` for booleans; `-h` for `--help`; `--` ends the options. A value
 * option given twice is an error unless it is declared `multiple`. Every mistake is an EddyError
 * ERR_CLI_USAGE whose message fits on one line.
 */
import { EddyError } from '../core/errors.js';

export type OptionSpec =
  | { type: 'boolean'; description: string }
  | {
      type: 'string';
      /** Shown in help: `--partitions N`. */
      valueName: string;
      description: string;
      /** The option may be repeated; its values are collected in order. */
      multiple?: boolean;
      /** The only accepted values. */
      choices?: readonly string[];
    };

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface PositionalSpec {
  /** Shown in help and errors: `NAME`, `FILE`. */
  name: string;
  required: boolean;
}

export function usageError(message: string): EddyError {
  return new EddyError('ERR_CLI_USAGE', message);
}

/** The options and positionals of one command line, with typed, validating accessors. */
export class ParsedArgs {
  constructor(
    readonly positionals: readonly string[],
    private readonly values: ReadonlyMap<string, string | true | string[]>,
  ) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  flag(name: string): boolean {
    return this.values.get(name) === true;
  }

  string(name: string): string | undefined {
    const value = this.values.get(name);
    return typeof value === 'string' ? value : undefined;
  }

  strings(name: string): string[] {
    const value = this.values.get(name);
    return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  }

  /** An integer option within [min, max]; undefined when absent. */
  int(name: string, range: { min?: number; max?: number } = {}): number | undefined {
    const raw = this.string(name);
    return raw === undefined ? undefined : parseInteger(`--${name}`, raw, range);
  }

  /** `--name key=value` options as an object, in order; a key given twice is an error. */
  keyValues(name: string): Record<string, string> {
    const result: Record<string, string> = {};
    for (const raw of this.strings(name)) {
      const [key, value] = parseKeyValue(`--${name}`, raw);
      if (Object.hasOwn(result, key)) throw usageError(`Option --${name} sets "${key}" more than once`);
      result[key] = value;
    }
    return result;
  }
}

/** A decimal integer in [min, max]; rejects `1.5`, `1e3`, `0x10`, empty strings and unsafe integers. */
export function parseInteger(what: string, raw: string, range: { min?: number; max?: number } = {}): number {
  const min = range.min ?? Number.MIN_SAFE_INTEGER;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const value = /^[+-]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const bounds = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw usageError(`${what} must be an integer ${bounds}, got "${raw}"`);
  }
  return value;
}

/** Splits `key=value` at the first `=`; the value may be empty or contain `=`, the key may not be empty. */
export function parseKeyValue(what: string, raw: string): [string, string] {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw usageError(`${what} expects key=value, got "${raw}"`);
  return [raw.slice(0, eq), raw.slice(eq + 1)];
}

/** True when the words before `--` ask for help. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/** Parses `argv` (the words after the command name) against a command's options and positionals. */
export function parseArgs(argv: readonly string[], options: OptionSpecs, positionals: readonly PositionalSpec[]): ParsedArgs {
  const values = new Map<string, string | true | string[]>();
  const words: string[] = [];
  let optionsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (optionsEnded || arg === '-' || !arg.startsWith('-')) {
      words.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      continue;
    }
    if (!arg.startsWith('--')) throw usageError(`Unknown option ${arg}`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const spec = Object.hasOwn(options, name) ? options[name] : undefined;
    if (spec === undefined) throw usageError(`Unknown option --${name}`);
    if (spec.type === 'boolean') {
      if (eq !== -1) throw usageError(`Option --${name} takes no value`);
      values.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      value = argv[i + 1];
      i++;
    }
    // `--max-messages --data-dir d` forgot the value; a word naming one of our options is never taken as one.
    const forgotten = eq === -1 && value !== undefined && value.startsWith('--') && (value === '--help' || Object.hasOwn(options, value.slice(2).split('=')[0] as string));
    if (value === undefined || forgotten) throw usageError(`Option --${name} needs a value (--${name} ${spec.valueName})`);
    if (spec.choices !== undefined && !spec.choices.includes(value)) {
      throw usageError(`Option --${name} must be one of ${spec.choices.join(', ')}, got "${value}"`);
    }
    const previous = values.get(name);
    if (spec.multiple === true) {
      values.set(name, Array.isArray(previous) ? [...previous, value] : [value]);
    } else if (previous !== undefined) {
      throw usageError(`Option --${name} given more than once`);
    } else {
      values.set(name, value);
    }
  }
  if (words.length > positionals.length) throw usageError(`Unexpected argument "${words[positionals.length] as string}"`);
  const missing = positionals.slice(words.length).find((p) => p.required);
  if (missing !== undefined) throw usageError(`Missing ${missing.name}`);
  return new ParsedArgs(words, values);
}

/** The `Options:` block of a help text, one aligned line per option. */
export function formatOptionsHelp(options: OptionSpecs): string {
  const rows: Array<[string, string]> = Object.entries(options).map(([name, spec]) => [
    spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.valueName}`,
    spec.description + (spec.type === 'string' && spec.multiple === true ? ' (repeatable)' : ''),
  ]);
  rows.push(['-h, --help', 'Show this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
}
