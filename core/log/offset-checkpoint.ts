/**
 * Kafka's offset checkpoint files (`recovery-point-offset-checkpoint`, `log-start-offset-checkpoint`):
 *
 *     0                 version
 *     2                 entry count
 *     orders 0 1500     topic partition offset
 *     orders 1 1200
 *
 * Written atomically. A file that does not parse is treated as absent (the caller then recovers
 * from scratch, which is always safe), never as data.
 */
import fs from 'node:fs';
import { writeFileAtomicSync } from './atomic-file.js';

export type CheckpointEntries = Map<string, number>;

export function checkpointKey(topic: string, partition: number): string {
  return `${topic} ${partition}`;
}

export function writeOffsetCheckpoint(file: string, entries: CheckpointEntries): void {
  const lines = ['0', String(entries.size)];
  for (const [key, offset] of entries) lines.push(`${key} ${offset}`);
  writeFileAtomicSync(file, lines.join('\n') + '\n');
}

export function readOffsetCheckpoint(file: string): CheckpointEntries | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines[0] !== '0') return null;
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || lines.length !== count + 2) return null;
  const entries: CheckpointEntries = new Map();
  for (const line of lines.slice(2)) {
    const parts = line.split(' ');
    if (parts.length !== 3) return null;
    const partition = Number(parts[1]);
    const offset = Number(parts[2]);
    if (!Number.isSafeInteger(partition) || !Number.isSafeInteger(offset) || offset < 0) return null;
    entries.set(checkpointKey(parts[0] as string, partition), offset);
  }
  return entries;
}
