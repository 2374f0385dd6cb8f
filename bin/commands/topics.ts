/**
 * `eddy topics create|list|describe|alter|add-partitions|delete|compact`: the admin calls, in the
 * spirit of kafka-topics.sh. Results go to stdout; confirmations ("Created topic x.") and the
 * progress of `compact` to stderr.
 */
import type { EddyTopicDescription } from '../../core/client/interfaces.js';
import { validateTopicConfig, validateUserTopicName } from '../../core/index.js';
import { usageError, type ParsedArgs } from '../args.js';
import { DATA_DIR_OPTION, note, withEddy, withOwnedEddy, type Command } from '../command.js';
import { formatTable, OutputWriter } from '../output.js';

const NAME = [{ name: 'NAME', required: true }] as const;
const MAX_PARTITIONS = 1_000_000;

function topicName(args: ParsedArgs): string {
  return args.positionals[0] as string;
}

const create: Command = {
  name: 'topics create',
  summary: 'Create a topic',
  positionals: NAME,
  options: {
    partitions: { type: 'string', valueName: 'N', description: "Number of partitions (default: the data directory's num.partitions)" },
    config: { type: 'string', valueName: 'KEY=VALUE', multiple: true, description: 'Topic config, e.g. retention.ms=86400000' },
    ...DATA_DIR_OPTION,
  },
  async run(args, ctx) {
    const partitions = args.int('partitions', { min: 1, max: MAX_PARTITIONS });
    const config = args.keyValues('config');
    // Check what can be checked before opening, so bad input does not even create a data directory.
    validateUserTopicName(topicName(args));
    validateTopicConfig(config);
    await withEddy(args, ctx, (eddy) =>
      eddy.admin.createTopic(topicName(args), { ...(partitions === undefined ? {} : { partitions }), config }),
    );
    note(ctx, `Created topic ${topicName(args)}.`);
  },
};

const list: Command = {
  name: 'topics list',
  summary: 'List user topics, one per line',
  positionals: [],
  options: { ...DATA_DIR_OPTION },
  async run(args, ctx) {
    const names = await withEddy(args, ctx, (eddy) => eddy.admin.listTopics());
    if (names.length > 0) await new OutputWriter(ctx.stdout).write(`${names.join('\n')}\n`);
  },
};

/** kafka-topics --describe, as a header, the config and a table of partitions. */
export function formatTopicDescription(d: EddyTopicDescription): string {
  const configs = Object.entries(d.config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Compacted topics get a DIRTY-RATIO column (what the cleaner compares to min.cleanable.dirty.ratio).
  const compacted = d.partitions.some((p) => p.dirtyRatio !== undefined);
  const table = formatTable(
    ['PARTITION', 'LOG-START-OFFSET', 'LOG-END-OFFSET', 'LAST-STABLE-OFFSET', 'SIZE', 'SEGMENTS', ...(compacted ? ['DIRTY-RATIO'] : [])],
    d.partitions.map((p) => [
      ...[p.partition, p.logStartOffset, p.logEndOffset, p.lastStableOffset, p.bytes ?? '-', p.segments ?? '-'].map(String),
      ...(compacted ? [p.dirtyRatio === undefined ? '-' : p.dirtyRatio.toFixed(2)] : []),
    ]),
  );
  return [
    `Topic: ${d.name}\tPartitionCount: ${d.partitions.length}`,
    'Configs:',
    ...configs.map(([k, v]) => `  ${k}=${v}`),
    '',
    table,
    '',
  ].join('\n');
}

const describe: Command = {
  name: 'topics describe',
  summary: 'Show partitions (offsets, last stable offset, size, segments) and effective config of a topic',
  positionals: NAME,
  options: {
    format: { type: 'string', valueName: 'text|json', choices: ['text', 'json'], description: 'Output format (default: text)' },
    ...DATA_DIR_OPTION,
  },
  notes: [
    'json: {"name", "partitions": [{"partition", "logStartOffset", "logEndOffset", "lastStableOffset", "bytes", "segments", "dirtyRatio"}], "config": {...}};',
    '  dirtyRatio only for compacted topics. lastStableOffset: below it no transaction is open (= logEndOffset when none is).',
  ].join('\n'),
  async run(args, ctx) {
    const d = await withEddy(args, ctx, (eddy) => eddy.admin.describeTopic(topicName(args)));
    const json = {
      name: d.name,
      partitions: d.partitions.map((p) => ({
        partition: p.partition,
        logStartOffset: p.logStartOffset,
        logEndOffset: p.logEndOffset,
        lastStableOffset: p.lastStableOffset,
        ...(p.bytes === undefined ? {} : { bytes: p.bytes }),
        ...(p.segments === undefined ? {} : { segments: p.segments }),
        ...(p.dirtyRatio === undefined ? {} : { dirtyRatio: p.dirtyRatio }),
      })),
      config: d.config,
    };
    const text = args.string('format') === 'json' ? `${JSON.stringify(json)}\n` : formatTopicDescription(d);
    await new OutputWriter(ctx.stdout).write(text);
  },
};

const alter: Command = {
  name: 'topics alter',
  summary: 'Set or reset topic configs',
  positionals: NAME,
  options: {
    config: { type: 'string', valueName: 'KEY=VALUE', multiple: true, description: 'Config to set' },
    'delete-config': { type: 'string', valueName: 'KEY', multiple: true, description: 'Config to reset to its default' },
    ...DATA_DIR_OPTION,
  },
  async run(args, ctx) {
    const changes: Record<string, string | null> = { ...args.keyValues('config') };
    for (const key of args.strings('delete-config')) {
      if (key === '' || key.includes('=')) throw usageError(`--delete-config expects a config name, got "${key}"`);
      if (Object.hasOwn(changes, key)) throw usageError(`Config "${key}" is both set and deleted`);
      changes[key] = null;
    }
    if (Object.keys(changes).length === 0) throw usageError('topics alter needs --config KEY=VALUE or --delete-config KEY');
    await withEddy(args, ctx, (eddy) => eddy.admin.alterTopicConfig(topicName(args), changes));
    note(ctx, `Altered config of topic ${topicName(args)}.`);
  },
};

const addPartitions: Command = {
  name: 'topics add-partitions',
  summary: 'Raise the partition count of a topic',
  positionals: NAME,
  options: {
    partitions: { type: 'string', valueName: 'N', description: 'The new total number of partitions (required)' },
    ...DATA_DIR_OPTION,
  },
  async run(args, ctx) {
    const total = args.int('partitions', { min: 1, max: MAX_PARTITIONS });
    if (total === undefined) throw usageError('topics add-partitions needs --partitions N (the new total)');
    await withEddy(args, ctx, (eddy) => eddy.admin.addPartitions(topicName(args), total));
    note(ctx, `Topic ${topicName(args)} now has ${total} partitions.`);
  },
};

const remove: Command = {
  name: 'topics delete',
  summary: 'Delete a topic and its data',
  positionals: NAME,
  options: { ...DATA_DIR_OPTION },
  async run(args, ctx) {
    await withEddy(args, ctx, (eddy) => eddy.admin.deleteTopic(topicName(args)));
    note(ctx, `Deleted topic ${topicName(args)}.`);
  },
};

/** Progress lines at most this often (and at each phase change), so a big log does not flood stderr. */
const PROGRESS_INTERVAL_MS = 200;

const compact: Command = {
  name: 'topics compact',
  summary: 'Compact a compacted topic now, whatever its dirty ratio',
  positionals: NAME,
  options: { ...DATA_DIR_OPTION },
  notes: 'Progress and a final summary go to stderr. min.compaction.lag.ms and delete.retention.ms still apply.',
  async run(args, ctx) {
    const name = topicName(args);
    const started = Date.now();
    let lastLine = 0;
    let lastKey = '';
    // Compaction works on the segment files, so it needs to own the data directory.
    const results = await withOwnedEddy(args, ctx, (eddy) =>
      eddy.admin.compactTopic(name, (p) => {
        const key = `${p.partition} ${p.pass} ${p.phase}`;
        const now = Date.now();
        if (key === lastKey && now - lastLine < PROGRESS_INTERVAL_MS && p.bytesDone < p.bytesTotal) return;
        lastKey = key;
        lastLine = now;
        const percent = p.bytesTotal === 0 ? 100 : Math.floor((100 * p.bytesDone) / p.bytesTotal);
        const phase = p.phase === 'map' ? 'reading keys' : 'cleaning';
        note(ctx, `partition ${p.partition} pass ${p.pass}: ${phase} ${percent}% (${p.bytesDone} of ${p.bytesTotal} bytes)`);
      }),
    );
    const before = results.reduce((sum, r) => sum + r.bytesBefore, 0);
    const after = results.reduce((sum, r) => sum + r.bytesAfter, 0);
    const removed = results.reduce((sum, r) => sum + r.recordsRemoved, 0);
    note(ctx, `Compacted topic ${name}: ${results.length} partitions, ${before} → ${after} bytes, ${removed} records removed in ${Date.now() - started} ms.`);
  },
};

export const topicsCommands: readonly Command[] = [create, list, describe, alter, addPartitions, remove, compact];
