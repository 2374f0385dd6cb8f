/**
 * `eddy dump-log FILE.log`: lists the batches of one segment file, like kafka-dump-log.sh. It reads the
 * file directly and takes no data-directory lock, so it works beside a running owner (the owner may be
 * appending: a batch cut short at the end shows up as such in the listing).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describeLogFile, formatDumpLog } from '../../core/record/dump-log.js';
import type { Command } from '../command.js';
import { OutputWriter } from '../output.js';

export const dumpLogCommand: Command = {
  name: 'dump-log',
  summary: 'List the record batches of a segment file',
  positionals: [{ name: 'FILE', required: true }],
  options: {
    format: { type: 'string', valueName: 'text|json', choices: ['text', 'json'], description: 'Output format (default: text)' },
    'data-dir': { type: 'string', valueName: 'DIR', description: 'Accepted for uniformity; FILE is read directly' },
  },
  notes: 'Prints per batch: base offset, last offset, record count, sizes, compression codec, whether the CRC is valid.',
  async run(args, ctx) {
    const bytes = await readFile(path.resolve(ctx.cwd, args.positionals[0] as string));
    const format = args.string('format') === 'json' ? 'json' : 'text';
    const text = formatDumpLog(describeLogFile(bytes), format);
    await new OutputWriter(ctx.stdout).write(text.endsWith('\n') ? text : `${text}\n`);
  },
};
