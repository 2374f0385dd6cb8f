/**
 * `eddy groups list|describe|delete|reset-offsets`: consumer-group administration in the spirit of
 * kafka-consumer-groups.sh. Results go to stdout, confirmations to stderr.
 *
 * reset-offsets computes the new offset of every chosen partition and prints `old → new` per
 * partition; only with `--execute` does it commit them. It is refused (ERR_GROUP_NOT_EMPTY) while
 * the group has active members. A `--to-datetime` without a zone is read as UTC, and the output
 * says so.
 */
import type { GroupOffsetsDescription, ResetOffsetsSpec } from '../../core/index.js';
import { parseInteger, usageError, type ParsedArgs } from '../args.js';
import { DATA_DIR_OPTION, note, withEddy, type CliContext, type Command } from '../command.js';
import { formatTable, OutputWriter } from '../output.js';

const GROUP = [{ name: 'GROUP', required: true }] as const;

function groupId(args: ParsedArgs): string {
  return args.positionals[0] as string;
}

async function print(ctx: CliContext, text: string): Promise<void> {
  if (text.length > 0) await new OutputWriter(ctx.stdout).write(text.endsWith('\n') ? text : `${text}\n`);
}

const list: Command = {
  name: 'groups list',
  summary: 'List consumer groups (with members or committed offsets), one per line',
  positionals: [],
  options: { ...DATA_DIR_OPTION },
  async run(args, ctx) {
    const groups = await withEddy(args, ctx, (eddy) => eddy.admin.listGroups());
    await print(ctx, groups.map((g) => g.groupId).join('\n'));
  },
};

const dash = (v: number | null): string => (v === null ? '-' : String(v));

/** kafka-consumer-groups --describe: state and members, then a row per partition. */
export function formatGroupDescription(d: GroupOffsetsDescription): string {
  const owner = new Map<string, string>();
  for (const m of d.members) for (const tp of m.assignment) owner.set(`${tp.topic}\u0000${tp.partition}`, m.memberId);
  const lines = [`Group ${d.group}: state ${d.state}, ${d.members.length} member(s)${d.protocol === null ? '' : `, assignor ${d.protocol}, generation ${d.generationId}`}`];
  for (const m of d.members) {
    lines.push(`  member ${m.memberId}${m.groupInstanceId === null ? '' : ` (instance ${m.groupInstanceId})`} client ${m.clientId}: ${m.assignment.map((tp) => `${tp.topic}-${tp.partition}`).join(', ') || '-'}`);
  }
  lines.push('');
  lines.push(formatTable(
    ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'MEMBER'],
    d.partitions.map((p) => [p.topic, String(p.partition), dash(p.committedOffset), dash(p.logEndOffset), dash(p.lag), owner.get(`${p.topic}\u0000${p.partition}`) ?? '-']),
  ));
  return `${lines.join('\n')}\n`;
}

const describe: Command = {
  name: 'groups describe',
  summary: 'Members, assignment, and per partition the committed offset, log end offset and lag',
  positionals: GROUP,
  options: {
    format: { type: 'string', valueName: 'text|json', choices: ['text', 'json'], description: 'Output format (default: text)' },
    ...DATA_DIR_OPTION,
  },
  notes: 'json: {group, state, members: [{memberId, groupInstanceId, clientId, assignment}], partitions: [{topic, partition, committedOffset, logEndOffset, lag}]}',
  async run(args, ctx) {
    const d = await withEddy(args, ctx, (eddy) => eddy.admin.describeGroup(groupId(args)));
    if (args.string('format') === 'json') {
      await print(ctx, JSON.stringify({ group: d.group, state: d.state, members: d.members, partitions: d.partitions }));
    } else {
      await print(ctx, formatGroupDescription(d));
    }
  },
};

const remove: Command = {
  name: 'groups delete',
  summary: 'Delete a group without members and its committed offsets',
  positionals: GROUP,
  options: { ...DATA_DIR_OPTION },
  async run(args, ctx) {
    await withEddy(args, ctx, (eddy) => eddy.admin.deleteGroup(groupId(args)));
    note(ctx, `Deleted group ${groupId(args)}.`);
  },
};

/** `T` or `T:P,P,...`. */
function parseTopicArg(raw: string): { topic: string; partitions?: number[] } {
  const colon = raw.lastIndexOf(':');
  if (colon === -1) return { topic: raw };
  const topic = raw.slice(0, colon);
  if (topic === '') throw usageError(`--topic expects T or T:P,P,..., got "${raw}"`);
  const partitions = raw.slice(colon + 1).split(',').map((p) => parseInteger('--topic partition', p, { min: 0 }));
  return { topic, partitions };
}

const ISO_DATETIME = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** An ISO-8601 datetime; without a zone it is UTC (`assumedUtc`). */
export function parseDatetime(raw: string): { timestamp: number; assumedUtc: boolean } {
  const match = ISO_DATETIME.exec(raw);
  if (match === null) throw usageError(`--to-datetime expects an ISO-8601 datetime such as 2024-05-01T12:00:00Z, got "${raw}"`);
  const assumedUtc = match[5] === undefined;
  let text = raw;
  if (assumedUtc) text = match[2] === undefined ? `${raw}T00:00:00Z` : `${raw}Z`;
  else if (/[+-]\d{4}$/.test(text)) text = `${text.slice(0, -2)}:${text.slice(-2)}`;
  const timestamp = Date.parse(text);
  if (!Number.isFinite(timestamp)) throw usageError(`--to-datetime "${raw}" is not a valid date and time`);
  return { timestamp, assumedUtc };
}

/** `PnDTnHnMnS` (each part optional, at least one) in milliseconds. */
export function parseDuration(raw: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/.exec(raw);
  if (match === null || raw === 'P' || raw.endsWith('T') || match.slice(1).every((p) => p === undefined)) {
    throw usageError(`--by-duration expects PnDTnHnMnS such as P1DT2H or PT30M, got "${raw}"`);
  }
  const [d, h, m, s] = match.slice(1).map((p) => (p === undefined ? 0 : Number(p))) as [number, number, number, number];
  return Math.round((((d * 24 + h) * 60 + m) * 60 + s) * 1000);
}

const MODES = ['to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'by-duration', 'shift-by'] as const;

const resetOffsets: Command = {
  name: 'groups reset-offsets',
  summary: 'Move the committed offsets of a group without members (dry run unless --execute)',
  positionals: GROUP,
  options: {
    topic: { type: 'string', valueName: 'T[:P,...]', multiple: true, description: 'Topic, optionally only the listed partitions' },
    'to-earliest': { type: 'boolean', description: 'To the log start offset' },
    'to-latest': { type: 'boolean', description: 'To the log end offset' },
    'to-offset': { type: 'string', valueName: 'N', description: 'To offset N (kept within log start..log end)' },
    'to-datetime': { type: 'string', valueName: 'ISO', description: 'To the first record at or after the time (no zone: UTC)' },
    'by-duration': { type: 'string', valueName: 'PnDTnHnMnS', description: 'To the first record at or after now minus the duration' },
    'shift-by': { type: 'string', valueName: 'N', description: 'Committed offset plus N (negative: back), kept within the log' },
    execute: { type: 'boolean', description: 'Commit the new offsets (default: only print the plan)' },
    ...DATA_DIR_OPTION,
  },
  notes: 'Exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --by-duration, --shift-by.\n' +
    'Prints TOPIC PARTITION OLD → NEW per partition; refused while the group has active members.',
  async run(args, ctx) {
    const given = MODES.filter((m) => args.has(m));
    if (given.length !== 1) throw usageError(`reset-offsets needs exactly one of ${MODES.map((m) => `--${m}`).join(', ')}`);
    const topics = args.strings('topic').map(parseTopicArg);
    if (topics.length === 0) throw usageError('reset-offsets needs --topic T[:P,...]');
    let spec: ResetOffsetsSpec;
    let zoneNote: string | null = null;
    switch (given[0]) {
      case 'to-earliest': spec = { type: 'earliest' }; break;
      case 'to-latest': spec = { type: 'latest' }; break;
      case 'to-offset': spec = { type: 'offset', offset: parseInteger('--to-offset', args.string('to-offset') as string, { min: 0 }) }; break;
      case 'to-datetime': {
        const { timestamp, assumedUtc } = parseDatetime(args.string('to-datetime') as string);
        spec = { type: 'datetime', timestamp };
        if (assumedUtc) zoneNote = `--to-datetime has no zone: read as UTC (${new Date(timestamp).toISOString()})`;
        break;
      }
      case 'by-duration': spec = { type: 'duration', durationMs: parseDuration(args.string('by-duration') as string) }; break;
      default: spec = { type: 'shift', shift: parseInteger('--shift-by', args.string('shift-by') as string) }; break;
    }
    const execute = args.flag('execute');
    const result = await withEddy(args, ctx, (eddy) => eddy.admin.resetOffsets({ groupId: groupId(args), topics, spec, execute }));
    const out: string[] = [];
    if (zoneNote !== null) out.push(zoneNote);
    out.push(execute ? `Reset offsets of group ${result.groupId}:` : `Dry run for group ${result.groupId} (nothing changed; add --execute to apply):`);
    out.push(formatTable(['TOPIC', 'PARTITION', 'OLD', '', 'NEW'], result.partitions.map((p) => [p.topic, String(p.partition), dash(p.oldOffset), '→', String(p.newOffset)])));
    await print(ctx, `${out.join('\n')}\n`);
  },
};

export const groupsCommands: readonly Command[] = [list, describe, remove, resetOffsets];
