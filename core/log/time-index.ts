/**
 * A segment's sparse time index (`<base>.timeindex`), Kafka's format: 12-byte entries of
 * [timestamp int64 BE][relative offset int32 BE]. Each entry records the largest timestamp seen so
 * far in the segment and the last offset of the batch that carried it, so timestamps in the index
 * only increase even when record timestamps do not. Every record at or before an entry's batch has
 * a timestamp <= the entry's timestamp, which is what makes the lookup below sound.
 */
import fs from 'node:fs';

export const TIME_INDEX_ENTRY_SIZE = 12;

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

export class TimeIndex {
  private timestamps: number[] = [];
  private offsets: number[] = [];
  private fd: number;

  private constructor(readonly file: string, readonly baseOffset: number, readonly maxEntries: number, fd: number) {
    this.fd = fd;
  }

  /** Opens (creating if missing) and loads the file. Returns null when the contents are not sane. */
  static open(file: string, baseOffset: number, maxIndexBytes: number, nextOffset: number): TimeIndex | null {
    const fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w+');
    const index = new TimeIndex(file, baseOffset, Math.max(1, Math.floor(maxIndexBytes / TIME_INDEX_ENTRY_SIZE)), fd);
    const bytes = fs.readFileSync(file);
    if (bytes.length % TIME_INDEX_ENTRY_SIZE !== 0) {
      index.close();
      return null;
    }
    let prevTs = -Infinity;
    let prevOffset = -1;
    for (let pos = 0; pos < bytes.length; pos += TIME_INDEX_ENTRY_SIZE) {
      const ts = Number(bytes.readBigInt64BE(pos));
      const rel = bytes.readInt32BE(pos + 8);
      if (ts === 0 && rel === 0 && pos > 0) break;
      const offset = baseOffset + rel;
      if (!Number.isSafeInteger(ts) || ts <= prevTs || offset < prevOffset || rel < 0 || offset >= nextOffset) {
        index.close();
        return null;
      }
      index.timestamps.push(ts);
      index.offsets.push(offset);
      prevTs = ts;
      prevOffset = offset;
    }
    return index;
  }

  get entries(): number {
    return this.timestamps.length;
  }

  isFull(): boolean {
    return this.timestamps.length >= this.maxEntries;
  }

  lastEntry(): TimestampOffset | null {
    const n = this.timestamps.length;
    return n === 0 ? null : { timestamp: this.timestamps[n - 1] as number, offset: this.offsets[n - 1] as number };
  }

  /** Adds an entry when `timestamp` is larger than the last one. */
  maybeAppend(timestamp: number, offset: number): void {
    const last = this.lastEntry();
    if (last !== null && (timestamp <= last.timestamp || offset < last.offset)) return;
    const entry = Buffer.allocUnsafe(TIME_INDEX_ENTRY_SIZE);
    entry.writeBigInt64BE(BigInt(timestamp), 0);
    entry.writeInt32BE(offset - this.baseOffset, 8);
    fs.writeSync(this.fd, entry, 0, TIME_INDEX_ENTRY_SIZE, this.timestamps.length * TIME_INDEX_ENTRY_SIZE);
    this.timestamps.push(timestamp);
    this.offsets.push(offset);
  }

  /** The entry with the largest timestamp < target: every record up to its offset is older than target. */
  lookupBefore(target: number): TimestampOffset | null {
    let lo = 0;
    let hi = this.timestamps.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.timestamps[mid] as number) < target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? null : { timestamp: this.timestamps[found] as number, offset: this.offsets[found] as number };
  }

  /** Drops entries at or after `offset`. */
  truncateToOffset(offset: number): void {
    let n = this.offsets.length;
    while (n > 0 && (this.offsets[n - 1] as number) >= offset) n--;
    this.timestamps.length = n;
    this.offsets.length = n;
    fs.ftruncateSync(this.fd, n * TIME_INDEX_ENTRY_SIZE);
  }

  reset(entries: TimestampOffset[]): void {
    this.timestamps = entries.map((e) => e.timestamp);
    this.offsets = entries.map((e) => e.offset);
    const bytes = Buffer.alloc(entries.length * TIME_INDEX_ENTRY_SIZE);
    entries.forEach((e, i) => {
      bytes.writeBigInt64BE(BigInt(e.timestamp), i * TIME_INDEX_ENTRY_SIZE);
      bytes.writeInt32BE(e.offset - this.baseOffset, i * TIME_INDEX_ENTRY_SIZE + 8);
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
