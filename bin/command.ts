/**
 * What every `eddy` subcommand is: a name, its options and positionals (from which the parser and the
 * help text are derived), and a `run` that receives the parsed words and the process's I/O. Commands
 * never touch `process` directly, which keeps them runnable in-process by tests.
 */
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Eddy, type EddyClient } from '../core/index.js';
import type { OptionSpecs, ParsedArgs, PositionalSpec } from './args.js';

export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  /** Aborted on SIGINT/SIGTERM: long-running commands finish cleanly and exit 0. */
  signal: AbortSignal;
}

export interface Command {
  /** The words that select it: `topics create`. */
  name: string;
  summary: string;
  positionals: readonly PositionalSpec[];
  options: OptionSpecs;
  /** Extra help text after the options. */
  notes?: string;
  /** Resolves to the exit code (0 when void). */
  run(args: ParsedArgs, ctx: CliContext): Promise<number | void>;
}

export const DATA_DIR_OPTION = {
  'data-dir': { type: 'string', valueName: 'DIR', description: 'Data directory (default: $EDDY_DATA_DIR, else ./eddy-data)' },
} as const satisfies OptionSpecs;

export function resolveDataDir(args: ParsedArgs, ctx: CliContext): string {
  const dir = args.string('data-dir') ?? (ctx.env.EDDY_DATA_DIR || undefined) ?? 'eddy-data';
  return path.resolve(ctx.cwd, dir);
}

/**
 * Opens the data directory — or, when a running process owns it (an application, `eddy serve`,
 * another `eddy` command), connects to that owner over the Kafka protocol — runs `fn`, and closes
 * whatever it opened.
 */
export async function withEddy<T>(args: ParsedArgs, ctx: CliContext, fn: (eddy: EddyClient) => Promise<T>): Promise<T> {
  const eddy = await Eddy.attach({ dataDir: resolveDataDir(args, ctx) });
  try {
    return await fn(eddy);
  } finally {
    await eddy.close();
  }
}

/** Like withEddy, but for commands that work on the files themselves: this process must own the directory. */
export async function withOwnedEddy<T>(args: ParsedArgs, ctx: CliContext, fn: (eddy: Eddy) => Promise<T>): Promise<T> {
  const eddy = await Eddy.open({ dataDir: resolveDataDir(args, ctx), serve: false });
  try {
    return await fn(eddy);
  } finally {
    await eddy.close();
  }
}

/** Writes one message line to stderr (counts, confirmations); never fails the command. */
export function note(ctx: CliContext, message: string): void {
  if (!ctx.stderr.destroyed) ctx.stderr.write(`${message}\n`);
}
