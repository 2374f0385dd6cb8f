/**
 * `eddy consume TOPIC`: prints records, like kafka-console-consumer without a group.
 *
 * It assigns every partition of TOPIC (or only `--partition N`) and starts at the log end, at the log
 * start with `--from-beginning`, or at `--offset O` of `--partition N`. It stops after
 * `--max-messages N` records, after `--timeout-ms T` without a record, on SIGINT/SIGTERM (closing Eddy,
 * exit 0), or quietly when stdout's reader goes away (EPIPE). Output waits for stdout to drain, so
 * a slow reader slows the polling. The formats are described in record-format.ts. At the end it prints
 * "N records consumed" on stderr.
 *
 * With `--group G` it joins consumer group G instead of assigning partitions: it reads the partitions
 * the group gives it, from the group's committed offsets (partitions without one start at the log
 * end, or the log start with `--from-beginning`), and after each batch is written to stdout it
 * commits the offsets after the printed records (awaited), so a later run with the same group
 * continues after what was printed.
 *
 * `--isolation-level` is the consumer's: read_committed (the default) prints only records of
 * committed transactions and stops at the last stable offset, which is also where "the log end"
 * is; read_uncommitted prints every record, open and aborted transactions included.
 */
import { EddyError } from '../../core/errors.js';
import type { IsolationLevel } from '../../core/client/log-access.js';
import type { TopicPartition } from '../../core/client/types.js';
import { parseInteger, usageError } from '../args.js';
import { DATA_DIR_OPTION, note, withEddy, type Command } from '../command.js';
import { OutputWriter } from '../output.js';
import { formatRecord } from '../record-format.js';

const MAX_POLL_RECORDS = 500;
/** How long one poll waits in tail mode; the loop simply polls again. */
const TAIL_POLL_MS = 60_000;

export const consumeCommand: Command = {
  name: 'consume',
  summary: 'Print the records of a topic',
  positionals: [{ name: 'TOPIC', required: true }],
  options: {
    'from-beginning': { type: 'boolean', description: 'Start at the log start of each partition (default: the log end)' },
    partition: { type: 'string', valueName: 'N', description: 'Read only partition N' },
    offset: { type: 'string', valueName: 'O', description: 'Start at offset O (a number, earliest or latest); needs --partition' },
    'max-messages': { type: 'string', valueName: 'N', description: 'Exit after N records' },
    'timeout-ms': { type: 'string', valueName: 'T', description: 'Exit when no record arrived for T ms (default: wait until SIGINT/SIGTERM)' },
    format: { type: 'string', valueName: 'text|json', choices: ['text', 'json'], description: 'Output format (default: text)' },
    'print-key': { type: 'boolean', description: 'text format: print key, TAB, value' },
    group: { type: 'string', valueName: 'G', description: 'Join consumer group G and commit what was printed (not with --partition/--offset)' },
    'isolation-level': {
      type: 'string',
      valueName: 'LEVEL',
      choices: ['read_committed', 'read_uncommitted'],
      description: 'read_committed (default): only committed transactions, up to the last stable offset; read_uncommitted: every record',
    },
    ...DATA_DIR_OPTION,
  },
  notes: [
    'text: the value bytes per line (with --print-key: key TAB value); null prints as "null".',
    'json: one object per line {topic, partition, offset, timestamp, key, value, headers}; key and value',
    '  are UTF-8 strings or null; bytes that are not UTF-8 are base64 with keyEncoding/valueEncoding',
    '  "base64". headers: an array of {key, value} (same rule, per-header valueEncoding).',
  ].join('\n'),
  async run(args, ctx) {
    const topic = args.positionals[0] as string;
    const fromBeginning = args.flag('from-beginning');
    const partition = args.int('partition', { min: 0 });
    const offsetRaw = args.string('offset');
    if (offsetRaw !== undefined && partition === undefined) throw usageError('--offset needs --partition');
    if (offsetRaw !== undefined && fromBeginning) throw usageError('--offset and --from-beginning exclude each other');
    const offset = offsetRaw === undefined || offsetRaw === 'earliest' || offsetRaw === 'latest'
      ? offsetRaw
      : parseInteger('--offset', offsetRaw, { min: 0 });
    const maxMessages = args.int('max-messages', { min: 1 });
    const timeoutMs = args.int('timeout-ms', { min: 0 });
    const format = args.string('format') === 'json' ? 'json' : 'text';
    const printKey = args.flag('print-key');
    const group = args.string('group');
    if (group !== undefined && (partition !== undefined || offsetRaw !== undefined)) throw usageError('--group reads the partitions the group assigns; it excludes --partition and --offset');
    if (group === '') throw usageError('--group must not be empty');
    const isolationLevel: IsolationLevel = args.string('isolation-level') === 'read_uncommitted' ? 'read_uncommitted' : 'read_committed';

    await withEddy(args, ctx, async (eddy) => {
      const description = await eddy.admin.describeTopic(topic);
      const partitions = description.partitions;
      if (partition !== undefined && partition >= partitions.length) {
        throw new EddyError('ERR_PARTITION_NOT_FOUND', `Partition ${partition} of topic "${topic}" does not exist (the topic has ${partitions.length})`, { topic, partition });
      }
      if (typeof offset === 'number') {
        const p = partitions[partition as number];
        if (p !== undefined && (offset < p.logStartOffset || offset > p.logEndOffset)) {
          throw new EddyError('ERR_OFFSET_OUT_OF_RANGE', `Offset ${offset} is outside partition ${topic}-${p.partition} (log start ${p.logStartOffset}, log end ${p.logEndOffset})`, { topic, partition, offset });
        }
      }
      const assignment: TopicPartition[] = partition === undefined
        ? partitions.map((p) => ({ topic, partition: p.partition }))
        : [{ topic, partition }];
      const earliest = fromBeginning || offset === 'earliest';
      const autoOffsetReset = earliest ? 'earliest' : 'latest';
      const consumer = group === undefined
        ? eddy.consumer({ autoOffsetReset, isolationLevel })
        : eddy.consumer({ autoOffsetReset, isolationLevel, groupId: group, autoCommit: false, clientId: 'eddy-cli' });
      const writer = new OutputWriter(ctx.stdout);
      let consumed = 0;
      try {
        if (group !== undefined) {
          consumer.subscribe({ topics: [topic] });
        } else {
          consumer.assign(assignment);
          if (typeof offset === 'number') consumer.seek({ topic, partition: partition as number, offset });
          else if (earliest) consumer.seekToBeginning();
          else consumer.seekToEnd();
        }

        const stopped = new Promise<null>((resolve) => {
          if (ctx.signal.aborted) resolve(null);
          else ctx.signal.addEventListener('abort', () => resolve(null), { once: true });
        });
        let lastArrival = Date.now();
        while (!ctx.signal.aborted && writer.open) {
          const want = maxMessages === undefined ? MAX_POLL_RECORDS : Math.min(MAX_POLL_RECORDS, maxMessages - consumed);
          if (want <= 0) break;
          const wait = timeoutMs === undefined ? TAIL_POLL_MS : Math.max(0, timeoutMs - (Date.now() - lastArrival));
          const poll = consumer.poll({ maxRecords: want, timeoutMs: wait });
          poll.catch(() => undefined); // a poll outrun by a signal may reject once the consumer closes
          const records = await Promise.race([poll, stopped]);
          if (records === null) break;
          if (records.length === 0) {
            if (timeoutMs !== undefined && Date.now() - lastArrival >= timeoutMs) break;
            continue;
          }
          lastArrival = Date.now();
          const batch = records.slice(0, want);
          consumed += batch.length;
          await writer.write(Buffer.concat(batch.map((r) => formatRecord(r, format, printKey))));
          if (group !== undefined && writer.open) {
            const ends = new Map<number, number>();
            for (const r of batch) ends.set(r.partition, r.offset + 1);
            await consumer.commit([...ends].map(([p, o]) => ({ topic, partition: p, offset: o })));
          }
        }
      } finally {
        await consumer.close();
      }
      if (writer.open) note(ctx, `${consumed} records consumed`);
    });
  },
};
