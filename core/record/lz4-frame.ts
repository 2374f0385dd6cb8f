/**
 * LZ4 frame format (lz4_Frame_format.md), as Kafka's magic-2 batches carry it:
 *   magic 0x184D2204 (LE) | FLG | BD | [contentSize u64 LE] | [dictId u32] | HC
 *   blocks: u32 LE size (high bit = stored uncompressed) | data | [block checksum u32]
 *   end mark u32 0 | [content checksum u32]
 * We write what Kafka's Java client writes: FLG 0x60 (version 1, independent blocks, no
 * checksums), BD 0x40 (64 KiB blocks), HC = second byte of xxh32(FLG, BD). Block compression is
 * lz4js's; framing and decoding are ours because lz4js's decoder trusts its input (it reads and
 * writes out of bounds and sizes its output from unchecked header fields).
 *
 * Decoding is bounded: the output buffer is sized from the input (an LZ4 sequence expands at most
 * ~255x), every copy is range-checked, and a bad frame is an ERR_COMPRESSION_FAILED, not a crash.
 * Checksums are not verified: the batch CRC-32C already covers the compressed bytes.
 */

import { createRequire } from 'node:module';
import { EddyError } from '../errors.js';

interface Lz4Js {
  compressBound(n: number): number;
  compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
}
type Xxh32 = (seed: number, src: Uint8Array, index: number, length: number) => number;

const require = createRequire(import.meta.url);
const lz4js = require('lz4js') as Lz4Js;
const xxh32 = (require('lz4js/xxh32.js') as { hash: Xxh32 }).hash;

const MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_1 = 0x40;
const FLG_BLOCK_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const BLOCK_UNCOMPRESSED = 0x80000000;
const BLOCK_SIZE_ID = 4;
const BLOCK_SIZE = 64 * 1024;
const BLOCK_SIZES: Record<number, number> = { 4: 0x10000, 5: 0x40000, 6: 0x100000, 7: 0x400000 };
const MIN_MATCH = 4;
const MAX_EXPANSION = 256;

// Reused across calls: compression is synchronous, so one scratch area per process is safe.
const hashTable = new Uint32Array(1 << 16);
const blockScratch = new Uint8Array(lz4js.compressBound(BLOCK_SIZE));

function fail(reason: string): EddyError {
  return new EddyError('ERR_COMPRESSION_FAILED', `LZ4: ${reason}`, { codec: 'lz4' });
}

/** Compresses `data` into one LZ4 frame with independent 64 KiB blocks. */
export function lz4CompressFrame(data: Uint8Array): Buffer {
  const blocks = Math.ceil(data.length / BLOCK_SIZE);
  const out = Buffer.allocUnsafe(7 + blocks * (4 + BLOCK_SIZE) + 4);
  out.writeUInt32LE(MAGIC, 0);
  out[4] = FLG_VERSION_1 | FLG_BLOCK_INDEPENDENT;
  out[5] = BLOCK_SIZE_ID << 4;
  out[6] = (xxh32(0, out, 4, 2) >>> 8) & 0xff;
  let pos = 7;
  for (let start = 0; start < data.length; start += BLOCK_SIZE) {
    const block = data.subarray(start, Math.min(start + BLOCK_SIZE, data.length));
    // A fresh table per block keeps blocks independent, as FLG announces.
    hashTable.fill(0);
    const size = lz4js.compressBlock(block, blockScratch, 0, block.length, hashTable);
    if (size > 0 && size < block.length) {
      out.writeUInt32LE(size, pos);
      out.set(blockScratch.subarray(0, size), pos + 4);
      pos += 4 + size;
    } else {
      out.writeUInt32LE((BLOCK_UNCOMPRESSED | block.length) >>> 0, pos);
      out.set(block, pos + 4);
      pos += 4 + block.length;
    }
  }
  out.writeUInt32LE(0, pos);
  return out.subarray(0, pos + 4);
}

interface FrameLayout {
  flags: number;
  maxBlockSize: number;
  contentSize: number;
  firstBlock: number;
}

function readFrameHeader(src: Buffer): FrameLayout {
  if (src.length < 7 || src.readUInt32LE(0) !== MAGIC) throw fail('missing frame magic');
  const flags = src[4]!;
  if ((flags & FLG_VERSION_MASK) !== FLG_VERSION_1) throw fail(`unsupported frame version in FLG 0x${flags.toString(16)}`);
  const maxBlockSize = BLOCK_SIZES[(src[5]! >> 4) & 0x07];
  if (maxBlockSize === undefined) throw fail(`invalid block size in BD 0x${src[5]!.toString(16)}`);
  let pos = 6;
  let contentSize = -1;
  if ((flags & FLG_CONTENT_SIZE) !== 0) {
    if (src.length < pos + 8) throw fail('truncated frame descriptor');
    const high = src.readUInt32LE(pos + 4);
    // Anything at or above 2^32 cannot be a record section; reject before it sizes an allocation.
    if (high !== 0) throw fail('content size too large');
    contentSize = src.readUInt32LE(pos);
    pos += 8;
  }
  if ((flags & FLG_DICT_ID) !== 0) throw fail('dictionaries are not supported');
  if (src.length < pos + 1) throw fail('truncated frame descriptor');
  const expected = (xxh32(0, src, 4, pos - 4) >>> 8) & 0xff;
  if (src[pos] !== expected) throw fail('frame descriptor checksum mismatch');
  return { flags, maxBlockSize, contentSize, firstBlock: pos + 1 };
}

/** Decodes one LZ4 frame; bytes after the end mark are ignored, as Kafka's reader does. */
export function lz4DecompressFrame(src: Buffer): Buffer {
  const { flags, maxBlockSize, contentSize, firstBlock } = readFrameHeader(src);
  const blockChecksum = (flags & FLG_BLOCK_CHECKSUM) !== 0 ? 4 : 0;

  // First pass: walk the block headers to bound the output size before allocating.
  let bound = 0;
  let pos = firstBlock;
  for (;;) {
    if (pos + 4 > src.length) throw fail('truncated block header');
    const word = src.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = (word & ~BLOCK_UNCOMPRESSED) >>> 0;
    if (size > maxBlockSize) throw fail(`block of ${size} bytes exceeds the ${maxBlockSize}-byte maximum`);
    if (pos + size + blockChecksum > src.length) throw fail('truncated block');
    // Each block gets exactly this share of the output, so no block can eat a later one's room.
    bound += (word & BLOCK_UNCOMPRESSED) !== 0 ? size : Math.min(maxBlockSize, size * MAX_EXPANSION);
    pos += size + blockChecksum;
  }
  if ((flags & FLG_CONTENT_CHECKSUM) !== 0 && pos + 4 > src.length) throw fail('truncated content checksum');
  if (contentSize > bound) throw fail(`content size ${contentSize} exceeds what the blocks can hold`);

  const out = Buffer.allocUnsafe(bound);
  let outPos = 0;
  pos = firstBlock;
  for (;;) {
    const word = src.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = (word & ~BLOCK_UNCOMPRESSED) >>> 0;
    if ((word & BLOCK_UNCOMPRESSED) !== 0) {
      src.copy(out, outPos, pos, pos + size);
      outPos += size;
    } else {
      outPos = decodeBlock(src, pos, pos + size, out, outPos, outPos + Math.min(maxBlockSize, size * MAX_EXPANSION));
    }
    pos += size + blockChecksum;
  }
  if (contentSize >= 0 && contentSize !== outPos) throw fail(`content size ${contentSize} but decoded ${outPos} bytes`);
  return out.subarray(0, outPos);
}

/**
 * Decodes one LZ4 block into `dst` from `dPos`, never writing at or past `dEnd`. Matches may
 * reach back into earlier blocks of the same frame, so frames with dependent blocks decode too.
 */
function decodeBlock(src: Buffer, sPos: number, sEnd: number, dst: Buffer, dPos: number, dEnd: number): number {
  while (sPos < sEnd) {
    const token = src[sPos++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (sPos >= sEnd) throw fail('truncated literal length');
        b = src[sPos++]!;
        literals += b;
      } while (b === 255);
    }
    if (literals > sEnd - sPos || literals > dEnd - dPos) throw fail('literal run out of bounds');
    src.copy(dst, dPos, sPos, sPos + literals);
    sPos += literals;
    dPos += literals;
    if (sPos === sEnd) break; // the last sequence carries literals only
    if (sEnd - sPos < 2) throw fail('truncated match offset');
    const offset = src[sPos]! | (src[sPos + 1]! << 8);
    sPos += 2;
    if (offset === 0 || offset > dPos) throw fail(`match offset ${offset} out of bounds`);
    let length = token & 0x0f;
    if (length === 15) {
      let b: number;
      do {
        if (sPos >= sEnd) throw fail('truncated match length');
        b = src[sPos++]!;
        length += b;
      } while (b === 255);
    }
    length += MIN_MATCH;
    if (length > dEnd - dPos) throw fail('match runs past the block');
    let from = dPos - offset;
    if (offset >= length) {
      dst.copy(dst, dPos, from, from + length);
      dPos += length;
    } else {
      // Overlapping match: a short repeating pattern, copied byte by byte on purpose.
      const stop = dPos + length;
      while (dPos < stop) dst[dPos++] = dst[from++]!;
    }
  }
  return dPos;
}
