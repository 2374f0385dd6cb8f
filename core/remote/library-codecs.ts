/**
 * Fills two gaps in @platformatic/kafka's compression codecs with Eddy's own (core/record), so a
 * remote client reads every batch an embedded producer or a Kafka client writes:
 *
 * - snappy: the library decodes raw snappy blocks only, while Kafka's Java client and Eddy write
 *   xerial-framed snappy (the library's wasm decoder traps on it). Eddy's decoder reads both.
 * - zstd: the library uses node:zlib's zstd, which Node has only from 22.15; on older Nodes Eddy's
 *   zstd (zstd-napi) compresses and decompresses instead.
 *
 * The library keeps one table of codecs per process, so this changes it for every user of the library
 * in the process; it only ever adds what was missing, never replaces a working codec's output.
 */
import zlib from 'node:zlib';
import { compressionsAlgorithms } from '@platformatic/kafka';
import { compress, decompress } from '../record/compression.js';
import { snappyDecompress } from '../record/snappy-xerial.js';

interface Codec {
  compressSync: (data: Buffer) => Buffer;
  decompressSync: (data: Buffer) => Buffer;
  available: boolean;
}

/** The library hands codecs a Buffer or its own growable buffer (which exposes `.buffer`). */
function bytesOf(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  const inner = (data as { buffer?: unknown }).buffer;
  if (Buffer.isBuffer(inner)) return inner;
  throw new TypeError('Expected a Buffer');
}

let installed = false;

/** Installs the codecs once per process. */
export function installLibraryCodecs(): void {
  if (installed) return;
  installed = true;
  const codecs = compressionsAlgorithms as unknown as Record<'snappy' | 'zstd', Codec>;
  codecs.snappy.decompressSync = (data) => snappyDecompress(bytesOf(data));
  if (typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync !== 'function') {
    codecs.zstd.compressSync = (data) => compress('zstd', bytesOf(data));
    codecs.zstd.decompressSync = (data) => decompress('zstd', bytesOf(data));
    codecs.zstd.available = true;
  }
}
