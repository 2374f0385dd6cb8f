/**
 * A segment's aborted-transaction index, `<base>.txnindex`, in Kafka's format: one 34-byte entry per
 * transaction whose abort marker is in the segment, appended when the marker is written:
 *
 *     int16 version (0) | int64 producerId | int64 firstOffset | int64 lastOffset | int64 lastStableOffset
 *
 * `lastOffset` is the marker's offset; `lastStableOffset` the partition's LSO right after the marker.
 * A read_committed reader asks for the entries overlapping what it fetched and skips those
 * transactions' batches. The file is created with its first entry (most segments never have one);
 * entries are kept in memory too, as they are few. A torn trailing entry (a crash mid-write) is
 * ignored on load; recovery rewrites the entries of the part of the log it replays.
 */
import fs from 'node:fs';
import type { AbortedTransaction } from '../client/log-access.js';
import { EddyError } from '../errors.js';
import { readInt64BE, writeInt64BE } from '../record/int64.js';

export const TXN_ENTRY_SIZE = 34;

export interface AbortedTxnEntry extends AbortedTransaction {
  lastStableOffset: number;
}

export class TxnIndex {
  private fd = -1;
  private dirty = false;

  private constructor(readonly file: string, readonly entries: AbortedTxnEntry[]) {}

  /** Loads the index file if there is one; an absent file is an empty index. */
  static open(file: string): TxnIndex {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new TxnIndex(file, []);
      throw new EddyError('ERR_STORAGE_IO', `Cannot read ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
    }
    const entries: AbortedTxnEntry[] = [];
    for (let at = 0; at + TXN_ENTRY_SIZE <= bytes.length; at += TXN_ENTRY_SIZE) {
      const entry = decodeEntry(bytes, at);
      if (entry === null) break;
      const previous = entries[entries.length - 1];
      // Entries are appended in marker order; anything else is damage, and what follows is dropped.
      if (entry.firstOffset > entry.lastOffset || (previous !== undefined && entry.lastOffset <= previous.lastOffset)) break;
      entries.push(entry);
    }
    const index = new TxnIndex(file, entries);
    if (entries.length * TXN_ENTRY_SIZE !== bytes.length) index.rewrite();
    return index;
  }

  /** An empty index for a new segment (no file until the first entry). */
  static empty(file: string): TxnIndex {
    return new TxnIndex(file, []);
  }

  append(entry: AbortedTxnEntry): void {
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && entry.lastOffset <= last.lastOffset) {
      throw new EddyError('ERR_INTERNAL_DEFECT', `Aborted transaction at ${entry.lastOffset} is not after the last one at ${last.lastOffset}`, { path: this.file });
    }
    this.entries.push(entry);
    this.writeAt(this.entries.length - 1, encodeEntry(entry));
  }

  /** Drops the entries whose marker is at or after `offset`. */
  truncateTo(offset: number): void {
    const keep = this.entries.findIndex((e) => e.lastOffset >= offset);
    if (keep < 0) return;
    this.entries.length = keep;
    this.rewrite();
  }

  /** Entries overlapping [from, to): marker at or after `from`, first offset before `to`. */
  collect(from: number, to: number, into: AbortedTransaction[]): void {
    for (const e of this.entries) {
      if (e.lastOffset >= from && e.firstOffset < to) into.push({ producerId: e.producerId, firstOffset: e.firstOffset, lastOffset: e.lastOffset });
    }
  }

  private writeAt(index: number, bytes: Buffer): void {
    if (this.fd < 0) this.fd = fs.openSync(this.file, 'a+');
    fs.writeSync(this.fd, bytes, 0, bytes.length, index * TXN_ENTRY_SIZE);
    this.dirty = true;
  }

  private rewrite(): void {
    this.closeFile();
    if (this.entries.length === 0) {
      fs.rmSync(this.file, { force: true });
      return;
    }
    fs.writeFileSync(this.file, Buffer.concat(this.entries.map(encodeEntry)));
    this.dirty = true;
  }

  /** fsync of the file when entries were written since the last one. */
  async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const handle = await fs.promises.open(this.file, 'r+').catch(() => null);
    if (handle === null) return;
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  private closeFile(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  close(): void {
    this.closeFile();
  }
}

function decodeEntry(bytes: Buffer, at: number): AbortedTxnEntry | null {
  if (bytes.readInt16BE(at) !== 0) return null;
  try {
    return {
      producerId: readInt64BE(bytes, at + 2, 'producerId'),
      firstOffset: readInt64BE(bytes, at + 10, 'firstOffset'),
      lastOffset: readInt64BE(bytes, at + 18, 'lastOffset'),
      lastStableOffset: readInt64BE(bytes, at + 26, 'lastStableOffset'),
    };
  } catch {
    return null;
  }
}

export function encodeEntry(entry: AbortedTxnEntry): Buffer {
  const bytes = Buffer.alloc(TXN_ENTRY_SIZE);
  bytes.writeInt16BE(0, 0);
  writeInt64BE(bytes, entry.producerId, 2);
  writeInt64BE(bytes, entry.firstOffset, 10);
  writeInt64BE(bytes, entry.lastOffset, 18);
  writeInt64BE(bytes, entry.lastStableOffset, 26);
  return bytes;
}
