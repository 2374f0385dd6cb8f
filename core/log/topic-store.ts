/**
 * The topic catalogue of a data directory: `<data-dir>/eddy-topics.json`, one JSON document listing
 * each topic's partition count and config overrides, replaced atomically on every change. It is
 * written before partition directories are created and after they are removed, so a crash leaves
 * either a topic whose missing directories are recreated empty on open, or stray directories of a
 * topic that no longer exists, which open removes.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EddyError } from '../errors.js';
import { writeFileAtomicSync } from './atomic-file.js';

export const TOPICS_FILE = 'eddy-topics.json';

export interface TopicMetadata {
  name: string;
  partitions: number;
  /** Overrides only, canonical strings. */
  config: Record<string, string>;
  createdAt: number;
  /** Kafka's topic id: a random UUID given at creation, new for every topic created under a name. */
  id: string;
}

/** A new topic id (never Kafka's reserved all-zero id). */
export function newTopicId(): string {
  return randomUUID();
}

/** The id of a topic recorded before topic ids existed: fixed by its name and creation time. */
function legacyTopicId(name: string, createdAt: number): string {
  const hex = createHash('sha256').update(`${name}\0${createdAt}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class TopicStore {
  private topics = new Map<string, TopicMetadata>();
  /** Whether the catalogue file existed when loaded. */
  existsOnDisk = false;

  private constructor(private readonly file: string) {}

  static load(dataDir: string): TopicStore {
    const store = new TopicStore(path.join(dataDir, TOPICS_FILE));
    let text: string;
    try {
      text = fs.readFileSync(store.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return store;
      throw new EddyError('ERR_DATA_DIR_INVALID', `Cannot read ${store.file}`, { path: store.file }, { cause: err });
    }
    store.existsOnDisk = true;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new EddyError('ERR_DATA_DIR_INVALID', `${store.file} is not valid JSON; refusing to guess the topics`, { path: store.file }, { cause: err });
    }
    const topics = (doc as { topics?: unknown }).topics;
    if (typeof topics !== 'object' || topics === null) {
      throw new EddyError('ERR_DATA_DIR_INVALID', `${store.file} has no topics object`, { path: store.file });
    }
    for (const [name, raw] of Object.entries(topics as Record<string, unknown>)) {
      const meta = raw as Partial<TopicMetadata>;
      if (!Number.isSafeInteger(meta.partitions) || (meta.partitions as number) < 1 || typeof meta.config !== 'object' || meta.config === null) {
        throw new EddyError('ERR_DATA_DIR_INVALID', `${store.file}: bad entry for topic "${name}"`, { path: store.file, topic: name });
      }
      const createdAt = meta.createdAt ?? 0;
      const id = typeof meta.id === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(meta.id) ? meta.id : legacyTopicId(name, createdAt);
      store.topics.set(name, { name, partitions: meta.partitions as number, config: { ...meta.config }, createdAt, id });
    }
    return store;
  }

  /** Writes the empty catalogue that marks a directory as an Eddy data directory. */
  initialize(): void {
    this.save();
    this.existsOnDisk = true;
  }

  get(name: string): TopicMetadata | undefined {
    return this.topics.get(name);
  }

  names(): string[] {
    return [...this.topics.keys()].sort();
  }

  /** Applies a change and persists it; on a write failure the in-memory state is rolled back. */
  update(name: string, meta: TopicMetadata | null): void {
    const before = this.topics.get(name);
    if (meta === null) this.topics.delete(name);
    else this.topics.set(name, meta);
    try {
      this.save();
    } catch (err) {
      if (before === undefined) this.topics.delete(name);
      else this.topics.set(name, before);
      throw new EddyError('ERR_STORAGE_IO', `Cannot write ${this.file}`, { path: this.file }, { cause: err });
    }
  }

  private save(): void {
    const topics: Record<string, Omit<TopicMetadata, 'name'>> = {};
    for (const [name, meta] of [...this.topics].sort(([a], [b]) => (a < b ? -1 : 1))) {
      topics[name] = { partitions: meta.partitions, config: meta.config, createdAt: meta.createdAt, id: meta.id };
    }
    writeFileAtomicSync(this.file, JSON.stringify({ version: 1, topics }, null, 2) + '\n');
  }
}
