/**
 * Splits a byte stream into lines without decoding it, so values that are not UTF-8 pass through
 * `eddy produce` unchanged. A line ends at `\n`; one `\r` before it is dropped (CRLF input); a last
 * line without a newline is still a line; input ending in a newline has no extra empty line after it.
 * Only the unfinished line is held between chunks.
 */

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private partial: Buffer[] = [];

  /** The lines completed by `chunk`. */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(LF, start); nl !== -1; nl = chunk.indexOf(LF, start)) {
      const piece = chunk.subarray(start, nl);
      if (this.partial.length === 0) {
        lines.push(stripCR(piece));
      } else {
        this.partial.push(piece);
        lines.push(stripCR(Buffer.concat(this.partial)));
        this.partial = [];
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.partial.push(chunk.subarray(start));
    return lines;
  }

  /** The last line when the input did not end with a newline, else null. */
  end(): Buffer | null {
    if (this.partial.length === 0) return null;
    const line = stripCR(Buffer.concat(this.partial));
    this.partial = [];
    return line;
  }
}

function stripCR(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
}
