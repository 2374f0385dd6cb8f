/**
 * Snappy as Kafka batches carry it. The Java client writes xerial snappy-java framing:
 *   magic 82 53 4E 41 50 50 59 00 ("\x82SNAPPY\0") | int32 BE version (1) | int32 BE compatible (1)
 *   then repeated: int32 BE chunk length | raw snappy block
 * librdkafka and some other clients write a single raw snappy block instead, so the reader accepts
 * both, telling them apart by the magic. A valid raw block cannot start with it: after the length
 * varint (0x82 0x53) the third byte 'N' (0x4E) would be a copy element, and a block's first element
 * must be a literal because there is nothing yet to copy from.
 *
 * A raw block opens with its uncompressed length; we bound that by the best ratio snappy can reach
 * before letting the library allocate, so a garbage length cannot ask for gigabytes.
 */

import { compressSync, uncompressSync } from 'snappy';
import { EddyError } from '../errors.js';

export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
// snappy-java's SnappyOutputStream default block size, so our chunks match the Java client's.
const XERIAL_CHUNK_SIZE = 32 * 1024;
// A 3-byte copy element emits at most 64 bytes; 32x leaves room above that ratio.
const MAX_SNAPPY_RATIO = 32;

function fail(reason: string, cause?: unknown): EddyError {
  return new EddyError('ERR_COMPRESSION_FAILED', `snappy: ${reason}`, { codec: 'snappy' }, { cause });
}

/** Compresses `data` with xerial framing, in 32 KiB chunks. */
export function snappyCompressXerial(data: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.allocUnsafe(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  for (let start = 0; start < data.length; start += XERIAL_CHUNK_SIZE) {
    const chunk = compressSync(data.subarray(start, Math.min(start + XERIAL_CHUNK_SIZE, data.length)));
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(chunk.length, 0);
    parts.push(length, chunk);
  }
  return Buffer.concat(parts);
}

/** True when `data` starts with the xerial snappy-java magic. */
export function isXerialSnappy(data: Uint8Array): boolean {
  if (data.length < XERIAL_MAGIC.length) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** Decompresses xerial-framed or raw snappy, whichever `data` holds. */
export function snappyDecompress(data: Buffer): Buffer {
  if (!isXerialSnappy(data)) return uncompressRaw(data);
  if (data.length < XERIAL_HEADER_SIZE) throw fail('truncated xerial header');
  const parts: Buffer[] = [];
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw fail(`truncated chunk length at ${pos}`);
    const length = data.readInt32BE(pos);
    pos += 4;
    if (length < 0 || length > data.length - pos) throw fail(`chunk of ${length} bytes at ${pos - 4} runs past the end`);
    parts.push(uncompressRaw(data.subarray(pos, pos + length)));
    pos += length;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function uncompressRaw(block: Buffer): Buffer {
  let declared = 0;
  let i = 0;
  for (let shift = 0; ; shift += 7, i++) {
    if (i >= block.length || i >= 5) throw fail('bad uncompressed length');
    const b = block[i]!;
    declared += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (declared > block.length * MAX_SNAPPY_RATIO) throw fail(`declared length ${declared} is impossible for ${block.length} input bytes`);
  let out: string | Buffer;
  try {
    out = uncompressSync(block, { asBuffer: true });
  } catch (err) {
    throw fail(err instanceof Error ? err.message : String(err), err);
  }
  if (typeof out === 'string') return Buffer.from(out);
  return out;
}
