/**
 * `eddy produce TOPIC`: one record per stdin line, like kafka-console-producer.
 *
 * Lines are split as bytes (see LineSplitter), so any byte sequence other than `\n` reaches the log
 * unchanged; an empty line is a record with an empty value. With `--key-separator SEP` the key is the
 * bytes before the first SEP and the value the bytes after it; a line without SEP is an error (as with
 * kafka-console-producer's parse.key): the records before it are kept, the command stops with
 * ERR_CLI_INPUT naming the line number and exits non-zero. With `--null-marker S`, a line whose value
 * (after the key, if any) is exactly S becomes a record with a null value: a tombstone.
 *
 * Streaming: each chunk read from stdin becomes one `send` (in slices of SEND_SLICE records) that is
 * awaited before the next chunk is read, so memory holds one chunk and a slow log slows the reader
 * (interactive input is sent line by line as it is typed). SIGINT/SIGTERM end the input like EOF.
 */
import { addAbortSignal } from 'node:stream';
import type { Acks, Message } from '../../core/client/types.js';
import { EddyError } from '../../core/errors.js';
import { parseKeyValue, usageError } from '../args.js';
import { DATA_DIR_OPTION, note, withEddy, type CliContext, type Command } from '../command.js';
import { LineSplitter } from '../line-splitter.js';

const SEND_SLICE = 1000;
const PROGRESS_INTERVAL_MS = 1000;

type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const ACKS: Record<string, Acks> = { '0': 0, '1': 1, all: 'all', '-1': 'all' };

/** Turns stdin lines into messages; throws on a line without the key separator. */
export class LineParser {
  private lineNumber = 0;

  constructor(
    private readonly separator: Buffer | null,
    private readonly headers: Array<{ key: string; value: string }>,
    private readonly partition: number | undefined,
    private readonly nullMarker: Buffer | null = null,
  ) {}

  parse(line: Buffer): Message {
    this.lineNumber++;
    const message: Message = { key: null, value: line };
    if (this.separator !== null) {
      const at = line.indexOf(this.separator);
      if (at === -1) {
        throw new EddyError('ERR_CLI_INPUT', `Line ${this.lineNumber} has no key separator "${this.separator.toString()}"`, { line: this.lineNumber });
      }
      message.key = line.subarray(0, at);
      message.value = line.subarray(at + this.separator.length);
    }
    if (this.nullMarker !== null && message.value !== null && (message.value as Buffer).equals(this.nullMarker)) message.value = null;
    if (this.headers.length > 0) message.headers = this.headers;
    if (this.partition !== undefined) message.partition = this.partition;
    return message;
  }
}

/** Redraws `N records (R/s)` on a terminal's stderr once the input has run for a while. */
class Progress {
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(private readonly ctx: CliContext, private readonly count: () => number) {
    if (ctx.stderr.isTTY !== true) return;
    this.timer = setInterval(() => this.draw(), PROGRESS_INTERVAL_MS);
    this.timer.unref();
  }

  private draw(): void {
    const seconds = (Date.now() - this.started) / 1000;
    const rate = Math.round(this.count() / seconds);
    this.ctx.stderr.write(`\r\x1b[K${this.count()} records (${rate} records/s)`);
    this.drawn = true;
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.drawn) this.ctx.stderr.write('\r\x1b[K');
  }
}

export const produceCommand: Command = {
  name: 'produce',
  summary: 'Write one record per stdin line to a topic',
  positionals: [{ name: 'TOPIC', required: true }],
  options: {
    'key-separator': { type: 'string', valueName: 'SEP', description: 'Split each line at the first SEP into key and value; a line without SEP is an error' },
    header: { type: 'string', valueName: 'KEY=VALUE', multiple: true, description: 'Header added to every record' },
    partition: { type: 'string', valueName: 'N', description: 'Write every record to partition N (default: the partitioner decides)' },
    acks: { type: 'string', valueName: '0|1|all', choices: ['0', '1', 'all', '-1'], description: 'Durability per send (default: all = appended and fsynced)' },
    compression: { type: 'string', valueName: 'CODEC', choices: COMPRESSIONS, description: 'none|gzip|snappy|lz4|zstd (default: none)' },
    'null-marker': { type: 'string', valueName: 'S', description: 'A line whose value is exactly S is written with a null value (a tombstone)' },
    ...DATA_DIR_OPTION,
  },
  notes: 'Lines end at LF (a CR before it is dropped); an empty line is a record with an empty value.\n' +
    'Prints "N records produced" on stderr when the input ends.',
  async run(args, ctx) {
    const topic = args.positionals[0] as string;
    const sep = args.string('key-separator');
    if (sep === '') throw usageError('--key-separator must not be empty');
    const headers = args.strings('header').map((raw) => {
      const [key, value] = parseKeyValue('--header', raw);
      return { key, value };
    });
    const partition = args.int('partition', { min: 0 });
    const acks = ACKS[args.string('acks') ?? 'all'] ?? 'all';
    const compression = (args.string('compression') ?? 'none') as Compression;
    const nullMarker = args.string('null-marker');
    const parser = new LineParser(sep === undefined ? null : Buffer.from(sep, 'utf8'), headers, partition, nullMarker === undefined ? null : Buffer.from(nullMarker, 'utf8'));

    return withEddy(args, ctx, async (eddy) => {
      // Fail before reading any input when the topic or partition does not exist.
      const description = await eddy.admin.describeTopic(topic);
      if (partition !== undefined && partition >= description.partitions.length) {
        throw new EddyError('ERR_PARTITION_NOT_FOUND', `Partition ${partition} of topic "${topic}" does not exist (the topic has ${description.partitions.length})`, { topic, partition });
      }
      const producer = eddy.producer({ acks, compression });
      let produced = 0;
      const progress = new Progress(ctx, () => produced);
      const send = async (messages: Message[]): Promise<void> => {
        for (let i = 0; i < messages.length; i += SEND_SLICE) {
          const slice = messages.slice(i, i + SEND_SLICE);
          await producer.send({ topic, messages: slice });
          produced += slice.length;
        }
      };
      const splitter = new LineSplitter();
      const input = addAbortSignal(ctx.signal, ctx.stdin);
      let failure: unknown;
      try {
        try {
          for await (const chunk of input as AsyncIterable<Buffer | string>) {
            const lines = splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
            await sendLines(lines, parser, send);
          }
        } catch (err) {
          if (!(err instanceof Error && err.name === 'AbortError')) throw err;
        }
        const last = splitter.end();
        if (last !== null) await sendLines([last], parser, send);
        await producer.flush();
      } catch (err) {
        failure = err;
      } finally {
        progress.stop();
        await producer.close();
      }
      if (failure instanceof EddyError && failure.code === 'ERR_CLI_INPUT') {
        failure.message += ` (${produced} records produced before it)`;
      }
      if (failure !== undefined) throw failure;
      note(ctx, `${produced} records produced`);
    });
  },
};

/** Sends the records of the lines before a bad line, then rethrows the bad line's error. */
async function sendLines(lines: readonly Buffer[], parser: LineParser, send: (m: Message[]) => Promise<void>): Promise<void> {
  const messages: Message[] = [];
  try {
    for (const line of lines) messages.push(parser.parse(line));
  } finally {
    await send(messages);
  }
}
