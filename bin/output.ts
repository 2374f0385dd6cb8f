/**
 * Writing to stdout the way a pipeline stage should: every write waits for `drain` when the stream's
 * buffer is full (so a slow reader slows the command instead of growing its memory), and a reader that
 * goes away (EPIPE from `| head`) ends output quietly instead of crashing the process.
 */
import type { Writable } from 'node:stream';

export class OutputWriter {
  private broken = false;

  constructor(private readonly stream: Writable) {
    stream.on('error', () => {
      this.broken = true;
    });
  }

  /** False once the reader has gone away; callers stop producing output then. */
  get open(): boolean {
    return !this.broken && !this.stream.destroyed;
  }

  /** Writes a chunk; resolves when the stream can take more. Resolves false when the reader is gone. */
  async write(chunk: string | Uint8Array): Promise<boolean> {
    if (!this.open) return false;
    if (this.stream.write(chunk)) return this.open;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
    return this.open;
  }
}

/** A plain-text table: a header row and left-aligned columns separated by two spaces. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
