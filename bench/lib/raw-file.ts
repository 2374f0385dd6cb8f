/**
 * The raw-`fs` baselines' writer: records' key and value bytes copied back to back into one buffer,
 * written with a single writeSync when the next record would not fit (and, for the durable
 * baseline, fdatasynced after each write). This is the least any append path must do, so Eddy's
 * figures against it say how much its format, CRCs and bookkeeping cost.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';

export class BatchedFileWriter {
  private readonly fd: number;
  private readonly buffer: Buffer;
  private filled = 0;

  constructor(path: string, bufferBytes: number, private readonly syncEachWrite = false) {
    this.fd = openSync(path, 'a');
    this.buffer = Buffer.allocUnsafe(bufferBytes);
  }

  append(key: Buffer, value: Buffer): void {
    if (this.filled + key.length + value.length > this.buffer.length) this.write();
    this.filled += key.copy(this.buffer, this.filled);
    this.filled += value.copy(this.buffer, this.filled);
  }

  /** Writes what is buffered and closes the file. */
  close(): void {
    this.write();
    closeSync(this.fd);
  }

  private write(): void {
    if (this.filled === 0) return;
    writeSync(this.fd, this.buffer, 0, this.filled);
    if (this.syncEachWrite) fdatasyncSync(this.fd);
    this.filled = 0;
  }
}
