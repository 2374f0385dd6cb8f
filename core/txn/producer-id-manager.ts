/**
 * Hands out producer ids that are unique for the life of a data directory, across restarts (Kafka's
 * ProducerIdManager, which takes blocks of ids from the controller). Ids come in blocks of
 * {@link PRODUCER_ID_BLOCK_SIZE}; the end of the newest block is written to
 *
 *     <data-dir>/producer-id-block     "0\n<blockEnd>\n"  (format version, first id of the next block)
 *
 * with temp file → fsync → rename → fsync(dir) *before* the first id of the block is handed out.
 * After a restart allocation resumes at the stored end, so a crash can skip the unused rest of a
 * block but never hand out an id twice. A file that does not parse is a coded error naming it:
 * resetting it could reuse ids that producers' state in the logs still remembers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EddyError } from '../errors.js';
import { writeFileAtomicSync } from '../log/atomic-file.js';

export const PRODUCER_ID_BLOCK_FILE = 'producer-id-block';
export const PRODUCER_ID_BLOCK_SIZE = 1000;

const FORMAT = /^0\n(\d{1,16})\n$/;

export class ProducerIdManager {
  private next: number;
  private blockEnd: number;
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, PRODUCER_ID_BLOCK_FILE);
    this.blockEnd = readBlockEnd(this.file);
    this.next = this.blockEnd;
  }

  /** A producer id never handed out before in this data directory. */
  generate(): number {
    if (this.next >= this.blockEnd) this.allocate(this.blockEnd);
    return this.next++;
  }

  /**
   * Makes sure every later id is above `id` (one seen in the logs). Only matters if the block file
   * was removed by hand while state naming producer ids survived.
   */
  reserveAbove(id: number): void {
    if (id >= this.next) this.allocate(id + 1);
  }

  private allocate(start: number): void {
    const end = start + PRODUCER_ID_BLOCK_SIZE;
    if (!Number.isSafeInteger(end)) throw new EddyError('ERR_INTERNAL_DEFECT', 'Producer ids are exhausted', { path: this.file });
    try {
      writeFileAtomicSync(this.file, `0\n${end}\n`);
    } catch (err) {
      throw new EddyError('ERR_STORAGE_IO', `Cannot write ${this.file}: ${(err as Error).message}`, { path: this.file }, { cause: err });
    }
    this.next = start;
    this.blockEnd = end;
  }
}

/** The stored end of the newest block; 0 when none was ever allocated (no file). */
function readBlockEnd(file: string): number {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new EddyError('ERR_STORAGE_IO', `Cannot read ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
  }
  const match = FORMAT.exec(text);
  const end = match === null ? NaN : Number(match[1]);
  if (!Number.isSafeInteger(end)) {
    throw new EddyError('ERR_DATA_DIR_INVALID', `${file} is not a producer-id block file (expected "0\\n<next id>\\n"); refusing to reset it, which could hand out producer ids the logs still know`, { path: file });
  }
  return end;
}
