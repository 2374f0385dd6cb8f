/**
 * Topic names and the paths built from them. A user topic name is 1–249 characters of
 * `[a-zA-Z0-9._-]`, not `.` or `..`, and does not start with `__` (reserved for internal topics such as
 * `__consumer_offsets`). Every partition directory is `<data-dir>/<topic>-<partition>`, and every
 * path is checked to stay inside the data directory even if a rule above were loosened.
 */
import path from 'node:path';
import { EddyError } from '../errors.js';

const LEGAL = /^[a-zA-Z0-9._-]+$/;
export const MAX_TOPIC_NAME_LENGTH = 249;

/** Names Eddy itself uses for internal topics. */
export const INTERNAL_TOPICS: readonly string[] = ['__consumer_offsets', '__transaction_state', '__eddy_connect_offsets'];

export function isInternalTopic(name: string): boolean {
  return name.startsWith('__');
}

/** Validates any topic name (user or internal) against the character and length rules. */
export function validateTopicNameSyntax(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new EddyError('ERR_TOPIC_NAME_INVALID', 'Topic name must be a non-empty string', { topic: String(name) });
  }
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    throw new EddyError('ERR_TOPIC_NAME_INVALID', `Topic name is ${name.length} characters; the limit is ${MAX_TOPIC_NAME_LENGTH}`, { topic: name });
  }
  if (name === '.' || name === '..') {
    throw new EddyError('ERR_TOPIC_NAME_INVALID', `Topic name cannot be "${name}"`, { topic: name });
  }
  if (!LEGAL.test(name)) {
    throw new EddyError('ERR_TOPIC_NAME_INVALID', `Topic name "${name}" may contain only ASCII letters, digits, '.', '_' and '-'`, { topic: name });
  }
}

/** Validates a name a user may create: syntax, and not in the reserved `__` namespace. */
export function validateUserTopicName(name: unknown): asserts name is string {
  validateTopicNameSyntax(name);
  if (isInternalTopic(name)) {
    throw new EddyError('ERR_TOPIC_RESERVED', `Topic names starting with "__" are reserved for internal topics: "${name}"`, { topic: name });
  }
}

/** Resolves `relative` under `dataDir`, refusing anything that would land outside it. */
export function pathInside(dataDir: string, relative: string): string {
  const root = path.resolve(dataDir);
  const full = path.resolve(root, relative);
  if (full !== root && !full.startsWith(root + path.sep)) {
    throw new EddyError('ERR_PATH_OUTSIDE_DATA_DIR', `Path "${relative}" escapes the data directory`, { path: relative });
  }
  return full;
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Parses `<topic>-<partition>` (Kafka's directory naming); null for anything else. */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | null {
  const match = /^(.+)-(\d+)$/.exec(name);
  if (match === null) return null;
  const partition = Number(match[2]);
  if (!Number.isSafeInteger(partition)) return null;
  return { topic: match[1] as string, partition };
}
