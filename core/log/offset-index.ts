/**
 * A segment's sparse offset index (`<base>.index`), Kafka's format: 8-byte entries of
 * [relative offset int32 BE][file position int32 BE], relative to the segment's base offset.
 * An entry maps the LAST offset of a batch to the position where that batch starts, so the batch
 * at a looked-up position can be checked against the entry (its last offset must equal it).
 * Entries strictly increase in both fields. The index is held in memory and appended to the file as
 * entries are added; a file that fails the sanity check is rebuilt from the log by the caller.
 */
import fs from 'node:fs';

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export interface OffsetPosition {
  offset: number;
  position: number;
}

export class OffsetIndex {
  private offsets: number[] = [];
  private positions: number[] = [];
  private fd: number;

  private constructor(readonly file: string, readonly baseOffset: number, readonly maxEntries: number, fd: number) {
    this.fd = fd;
  }

  /** Opens (creating if missing) and loads the file. Returns null when the contents are not sane. */
  static open(file: string, baseOffset: number, maxIndexBytes: number, logSize: number): OffsetIndex | null {
    const fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w+');
    const index = new OffsetIndex(file, baseOffset, Math.max(1, Math.floor(maxIndexBytes / OFFSET_INDEX_ENTRY_SIZE)), fd);
    const bytes = fs.readFileSync(file);
    if (bytes.length % OFFSET_INDEX_ENTRY_SIZE !== 0) {
      index.close();
      return null;
    }
    let prevRel = -1;
    let prevPos = -1;
    for (let pos = 0; pos < bytes.length; pos += OFFSET_INDEX_ENTRY_SIZE) {
      const rel = bytes.readInt32BE(pos);
      const position = bytes.readInt32BE(pos + 4);
      // Kafka preallocates index files with zeros; a zero entry after the first marks the end.
      if (rel === 0 && position === 0 && pos > 0) break;
      if (rel <= prevRel || position <= prevPos || rel < 0 || position < 0 || position >= logSize) {
        index.close();
        return null;
      }
      index.offsets.push(baseOffset + rel);
      index.positions.push(position);
      prevRel = rel;
      prevPos = position;
    }
    return index;
  }

  get entries(): number {
    return this.offsets.length;
  }

  isFull(): boolean {
    return this.offsets.length >= this.maxEntries;
  }

  lastEntry(): OffsetPosition | null {
    const n = this.offsets.length;
    return n === 0 ? null : { offset: this.offsets[n - 1] as number, position: this.positions[n - 1] as number };
  }

  append(offset: number, position: number): void {
    const last = this.lastEntry();
    if (last !== null && (offset <= last.offset || position <= last.position)) return;
    const entry = Buffer.allocUnsafe(OFFSET_INDEX_ENTRY_SIZE);
    entry.writeInt32BE(offset - this.baseOffset, 0);
    entry.writeInt32BE(position, 4);
    fs.writeSync(this.fd, entry, 0, OFFSET_INDEX_ENTRY_SIZE, this.offsets.length * OFFSET_INDEX_ENTRY_SIZE);
    this.offsets.push(offset);
    this.positions.push(position);
  }

  /** The entry with the largest offset <= target, or null when target precedes every entry. */
  lookup(target: number): OffsetPosition | null {
    let lo = 0;
    let hi = this.offsets.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.offsets[mid] as number) <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? null : { offset: this.offsets[found] as number, position: this.positions[found] as number };
  }

  /** Drops entries whose position is at or past `position` (the log was truncated there). */
  truncateToPosition(position: number): void {
    let n = this.offsets.length;
    while (n > 0 && (this.positions[n - 1] as number) >= position) n--;
    this.offsets.length = n;
    this.positions.length = n;
    fs.ftruncateSync(this.fd, n * OFFSET_INDEX_ENTRY_SIZE);
  }

  /** Rewrites the whole file from memory (after a rebuild). */
  reset(entries: OffsetPosition[]): void {
    this.offsets = entries.map((e) => e.offset);
    this.positions = entries.map((e) => e.position);
    const bytes = Buffer.alloc(entries.length * OFFSET_INDEX_ENTRY_SIZE);
    entries.forEach((e, i) => {
      bytes.writeInt32BE(e.offset - this.baseOffset, i * OFFSET_INDEX_ENTRY_SIZE);
      bytes.writeInt32BE(e.position, i * OFFSET_INDEX_ENTRY_SIZE + 4);
    });
    fs.ftruncateSync(this.fd, 0);
    fs.writeSync(this.fd, bytes, 0, bytes.length, 0);
  }

  flush(): void {
    if (this.fd >= 0) fs.fsyncSync(this.fd);
  }

  /** fsync on the thread pool, so a sync of the index never blocks the event loop. */
  flushAsync(): Promise<void> {
    const fd = this.fd;
    if (fd < 0) return Promise.resolve();
    return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}
