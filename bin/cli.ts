/**
 * The `eddy` command: picks the subcommand from the first words, parses the rest against its option
 * table, and turns every failure into ONE stderr line `eddy: CODE: message` (no stack trace unless
 * EDDY_DEBUG is set). Exit codes: 0 success, 1 an error from the library or the system, 2 a usage
 * error (ERR_CLI_USAGE). Help goes to stdout with exit 0.
 *
 * `main` never touches `process`; `runCli` wires it to the real process (signals, stdio, exit code).
 */
import { EddyError } from '../core/errors.js';
import { formatOptionsHelp, parseArgs, usageError, wantsHelp } from './args.js';
import type { CliContext, Command } from './command.js';
import { consumeCommand } from './commands/consume.js';
import { dumpLogCommand } from './commands/dump-log.js';
import { groupsCommands } from './commands/groups.js';
import { produceCommand } from './commands/produce.js';
import { serveCommand } from './commands/serve.js';
import { topicsCommands } from './commands/topics.js';

export const COMMANDS: readonly Command[] = [...topicsCommands, ...groupsCommands, produceCommand, consumeCommand, serveCommand, dumpLogCommand];

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

function commandUsage(command: Command): string {
  const positionals = command.positionals.map((p) => (p.required ? p.name : `[${p.name}]`)).join(' ');
  return [
    `Usage: eddy ${command.name}${positionals === '' ? '' : ` ${positionals}`} [options]`,
    '',
    `${command.summary}.`,
    '',
    'Options:',
    formatOptionsHelp(command.options),
    ...(command.notes === undefined ? [] : ['', command.notes]),
    '',
  ].join('\n');
}

function generalUsage(group?: string): string {
  const commands = COMMANDS.filter((c) => group === undefined || c.name.startsWith(`${group} `));
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `Usage: eddy ${group ?? '<command>'}${group === undefined ? '' : ' <subcommand>'} [options]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --data-dir DIR (default: $EDDY_DATA_DIR, else ./eddy-data) and --help.',
    '',
  ].join('\n');
}

/** The command named by the first one or two words of argv, and the words after it. */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | { help: string } | { error: EddyError } {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return { help: generalUsage() };
  const one = COMMANDS.find((c) => c.name === first);
  if (one !== undefined) return { command: one, rest: argv.slice(1) };
  if (COMMANDS.some((c) => c.name.startsWith(`${first} `))) {
    const two = COMMANDS.find((c) => c.name === `${first} ${second ?? ''}`);
    if (two !== undefined) return { command: two, rest: argv.slice(2) };
    if (second === undefined || second === '--help' || second === '-h') return { help: generalUsage(first) };
    const names = COMMANDS.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name.slice(first.length + 1));
    return { error: usageError(`Unknown subcommand "${first} ${second}" (expected one of: ${names.join(', ')})`) };
  }
  return { error: usageError(`Unknown command "${first}" (try eddy --help)`) };
}

/** One line: `eddy: CODE: message`, for EddyErrors, Node system errors and anything else. */
export function formatError(err: unknown): string {
  let line: string;
  if (err instanceof EddyError) {
    line = `${err.code}: ${err.message}`;
  } else if (err instanceof Error) {
    // Foreign errors are mapped at this boundary: system errors (ENOENT, EACCES…) are storage I/O,
    // anything else is a defect in Eddy.
    const code = (err as { code?: unknown }).code;
    const system = typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
    line = `${system ? 'ERR_STORAGE_IO' : 'ERR_INTERNAL_DEFECT'}: ${err.message}`;
  } else {
    line = `ERR_INTERNAL_DEFECT: ${String(err)}`;
  }
  return `eddy: ${line.replace(/\s*\n\s*/g, ' ')}`;
}

/** Runs one command line; resolves to the exit code. */
export async function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  const found = findCommand(argv);
  if ('help' in found) {
    ctx.stdout.write(found.help);
    return EXIT_OK;
  }
  try {
    if ('error' in found) throw found.error;
    const { command, rest } = found;
    if (wantsHelp(rest)) {
      ctx.stdout.write(commandUsage(command));
      return EXIT_OK;
    }
    const args = parseArgs(rest, command.options, command.positionals);
    return (await command.run(args, ctx)) ?? EXIT_OK;
  } catch (err) {
    ctx.stderr.write(`${formatError(err)}\n`);
    if (ctx.env.EDDY_DEBUG && err instanceof Error && err.stack !== undefined) ctx.stderr.write(`${err.stack}\n`);
    return err instanceof EddyError && err.code === 'ERR_CLI_USAGE' ? EXIT_USAGE : EXIT_ERROR;
  }
}

/**
 * Runs `main` as the process: SIGINT/SIGTERM abort the command (a second one exits at once with 130),
 * a write to a closed stdout/stderr is not fatal, and a ref'd timer keeps the process alive while the
 * command waits on the library's unref'd timers.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    return await main(argv, {
      env: process.env,
      cwd: process.cwd(),
      get stdin() {
        return process.stdin; // created on first use: commands that never read stdin never open it
      },
      stdout: process.stdout,
      stderr: process.stderr,
      signal: controller.signal,
    });
  } finally {
    clearInterval(keepAlive);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
