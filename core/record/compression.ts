/**
 * The compression codecs of a RecordBatch v2, named by Kafka's ids in the low three attribute
 * bits: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. Ids 5-7 are reserved by Kafka and rejected with
 * ERR_COMPRESSION_UNSUPPORTED. The whole records section of a batch is compressed as one block.
 *
 * Everything here is synchronous: the codec runs inside one append or one fetch, and the native
 * libraries are fast enough that an async hop would cost more than it saves. Any library failure
 * surfaces as ERR_COMPRESSION_FAILED with the library's error as `cause`.
 */

import { gunzipSync, gzipSync } from 'node:zlib';
import { compress as zstdCompress, decompress as zstdDecompress } from 'zstd-napi';
import { EddyError } from '../errors.js';
import { COMPRESSION_CODEC_IDS, type CompressionType } from './record.js';
import { lz4CompressFrame, lz4DecompressFrame } from './lz4-frame.js';
import { snappyCompressXerial, snappyDecompress } from './snappy-xerial.js';

// Also exported, with the other attribute bits, by record-batch.ts.
const ATTR_COMPRESSION_MASK = 0x07;

const CODEC_BY_ID: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** The codec named by the low three bits of batch `attributes`. */
export function compressionFromAttributes(attributes: number): CompressionType {
  const id = attributes & ATTR_COMPRESSION_MASK;
  const type = CODEC_BY_ID[id];
  if (type === undefined) {
    throw new EddyError('ERR_COMPRESSION_UNSUPPORTED', `Unsupported compression codec id ${id}`, { codecId: id });
  }
  return type;
}

function checkType(type: CompressionType): void {
  if (!Object.hasOwn(COMPRESSION_CODEC_IDS, type)) {
    throw new EddyError('ERR_COMPRESSION_UNSUPPORTED', `Unsupported compression type ${String(type)}`, { value: type });
  }
}

function mapFailure(type: CompressionType, action: string, err: unknown): EddyError {
  if (err instanceof EddyError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new EddyError('ERR_COMPRESSION_FAILED', `${type} ${action} failed: ${reason}`, { codec: type }, { cause: err });
}

/** Compresses `data` as one block with `type`; `none` returns `data` itself. */
export function compress(type: CompressionType, data: Buffer): Buffer {
  checkType(type);
  try {
    switch (type) {
      case 'none':
        return data;
      case 'gzip':
        return gzipSync(data);
      case 'snappy':
        return snappyCompressXerial(data);
      case 'lz4':
        return lz4CompressFrame(data);
      case 'zstd':
        return zstdCompress(data);
    }
  } catch (err) {
    throw mapFailure(type, 'compression', err);
  }
}

/**
 * The most bytes one batch may decompress to. Batches are limited by `max.message.bytes` compressed;
 * this bound keeps a small malicious batch (a "zip bomb") from exhausting memory. lz4 and snappy
 * bound their output from their own headers.
 */
export const MAX_DECOMPRESSED_BYTES = 128 * 1024 * 1024;

/** Rejects a zstd frame whose header declares more than MAX_DECOMPRESSED_BYTES of content. */
function checkZstdContentSize(data: Buffer): void {
  if (data.length < 6 || data.readUInt32LE(0) !== 0xfd2fb528) return; // not a frame: zstd reports it
  const descriptor = data.readUInt8(4);
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  const dictIdBytes = [0, 1, 2, 4][descriptor & 0x03] as number;
  const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : ([0, 2, 4, 8][fcsFlag] as number);
  const at = 5 + (singleSegment ? 0 : 1) + dictIdBytes;
  if (fcsBytes === 0 || data.length < at + fcsBytes) return;
  let size: number;
  if (fcsBytes === 1) size = data.readUInt8(at);
  else if (fcsBytes === 2) size = data.readUInt16LE(at) + 256;
  else if (fcsBytes === 4) size = data.readUInt32LE(at);
  else size = Number(data.readBigUInt64LE(at));
  if (size > MAX_DECOMPRESSED_BYTES) throw new Error(`zstd frame declares ${size} bytes of content, over the ${MAX_DECOMPRESSED_BYTES}-byte limit`);
}

/** Decompresses one block written by any Kafka client with `type`; `none` returns `data` itself. */
export function decompress(type: CompressionType, data: Buffer): Buffer {
  checkType(type);
  try {
    switch (type) {
      case 'none':
        return data;
      case 'gzip':
        return gunzipSync(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
      case 'snappy':
        return snappyDecompress(data);
      case 'lz4':
        return lz4DecompressFrame(data);
      case 'zstd':
        checkZstdContentSize(data);
        return zstdDecompress(data);
    }
  } catch (err) {
    throw mapFailure(type, 'decompression', err);
  }
}
