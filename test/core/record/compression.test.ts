import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { compressSync } from 'snappy';
import { EddyError } from '../../../core/errors.js';
import { compress, compressionFromAttributes, decompress, MAX_DECOMPRESSED_BYTES } from '../../../core/record/compression.js';
import { gzipSync } from 'node:zlib';
import type { CompressionType } from '../../../core/record/record.js';
import { testWithBinary } from '../../helpers/binaries.js';

const CODECS: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function sample(size: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 7 + (i >> 5)) & 0xff;
  return buf;
}

for (const codec of CODECS) {
  test(`${codec}: round trips small, empty-ish and multi-block inputs`, (t) => {
    for (const input of [Buffer.from('x'), Buffer.from('hello hello hello hello hello'), sample(200_000)]) {
      const packed = compress(codec, input);
      t.deepEqual(decompress(codec, packed), input);
    }
  });
}

test('compressionFromAttributes: ids 0-4 map to names, 5-7 are unsupported and named', (t) => {
  t.deepEqual([0, 1, 2, 3, 4].map(compressionFromAttributes), CODECS);
  t.is(compressionFromAttributes(0x08 | 0x10 | 3), 'lz4');
  for (const id of [5, 6, 7]) {
    const err = t.throws(() => compressionFromAttributes(id), { instanceOf: EddyError, code: 'ERR_COMPRESSION_UNSUPPORTED' });
    t.regex(err?.message ?? '', new RegExp(`\\b${id}\\b`));
  }
});

test('unknown compression type name is ERR_COMPRESSION_UNSUPPORTED', (t) => {
  t.throws(() => compress('brotli' as CompressionType, Buffer.from('x')), { code: 'ERR_COMPRESSION_UNSUPPORTED' });
});

test('snappy: writes xerial framing in 32 KiB chunks', (t) => {
  const input = sample(70_000);
  const packed = compress('snappy', input);
  t.deepEqual([...packed.subarray(0, 8)], [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
  t.is(packed.readInt32BE(8), 1);
  t.is(packed.readInt32BE(12), 1);
  let pos = 16;
  let chunks = 0;
  while (pos < packed.length) {
    pos += 4 + packed.readInt32BE(pos);
    chunks++;
  }
  t.is(pos, packed.length);
  t.is(chunks, 3);
});

test('snappy: raw (librdkafka style) blocks decode too', (t) => {
  const input = Buffer.from('raw snappy from librdkafka, raw snappy from librdkafka');
  t.deepEqual(decompress('snappy', compressSync(input)), input);
});

test('snappy: a garbage length cannot trigger a huge allocation', (t) => {
  // varint 0xffffffff0f claims ~4 GiB from 6 bytes
  const bogus = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
  t.throws(() => decompress('snappy', bogus), { code: 'ERR_COMPRESSION_FAILED' });
  const xerialBadChunk = Buffer.concat([compress('snappy', Buffer.from('abc')).subarray(0, 16), Buffer.from([0x7f, 0, 0, 0, 1])]);
  t.throws(() => decompress('snappy', xerialBadChunk), { code: 'ERR_COMPRESSION_FAILED' });
});

test('lz4: frame header is what Kafka\'s Java client writes (FLG 0x60, BD 0x40, HC 0x82)', (t) => {
  const packed = compress('lz4', Buffer.from('kafka'));
  t.deepEqual([...packed.subarray(0, 7)], [0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
  t.deepEqual([...packed.subarray(packed.length - 4)], [0, 0, 0, 0]);
});

test('garbage input to every codec is ERR_COMPRESSION_FAILED', (t) => {
  const garbage = Buffer.from('this is certainly not compressed data at all');
  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    t.throws(() => decompress(codec, garbage), { instanceOf: EddyError, code: 'ERR_COMPRESSION_FAILED' }, codec);
  }
});

test('lz4: corrupt blocks inside a valid frame header are ERR_COMPRESSION_FAILED', (t) => {
  const packed = compress('lz4', sample(5000));
  // match offset pointing before the start of the output
  const badOffset = Buffer.from([...packed.subarray(0, 7), 4, 0, 0, 0, 0x00, 0xff, 0xff, 0x00, 0, 0, 0, 0]);
  t.throws(() => decompress('lz4', badOffset), { code: 'ERR_COMPRESSION_FAILED' });
  // block longer than the frame
  const truncated = packed.subarray(0, packed.length - 20);
  t.throws(() => decompress('lz4', truncated), { code: 'ERR_COMPRESSION_FAILED' });
  // header checksum mismatch
  const badHc = Buffer.from(packed);
  badHc[6] = badHc[6]! ^ 1;
  t.throws(() => decompress('lz4', badHc), { code: 'ERR_COMPRESSION_FAILED' });
});

// Interop with the reference lz4 tool: our frames decode with it, and its frames (content
// checksum, content size, dependent blocks) decode with ours.
testWithBinary('lz4', 'lz4')('lz4: interoperates with the reference lz4 CLI', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'eddy-lz4-'));
  try {
    const input = sample(300_000);
    const ours = path.join(dir, 'ours.lz4');
    writeFileSync(ours, compress('lz4', input));
    const back = spawnSync('lz4', ['-d', '-c', ours], { maxBuffer: 1 << 24 });
    t.is(back.status, 0, back.stderr.toString());
    t.deepEqual(back.stdout, input);

    const raw = path.join(dir, 'raw.bin');
    writeFileSync(raw, input);
    for (const flags of [[], ['--content-size'], ['-BD'], ['-B4', '--no-frame-crc'], ['-BX']]) {
      const out = path.join(dir, `theirs${flags.join('')}.lz4`);
      const res = spawnSync('lz4', ['-q', '-f', ...flags, raw, out]);
      t.is(res.status, 0, res.stderr.toString());
      t.deepEqual(decompress('lz4', readFileSync(out)), input, flags.join(' '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('decompression bombs are refused, not expanded: gzip and zstd over MAX_DECOMPRESSED_BYTES', (t) => {
  const huge = Buffer.alloc(MAX_DECOMPRESSED_BYTES + 1024);
  t.throws(() => decompress('gzip', gzipSync(huge, { level: 1 })), { code: 'ERR_COMPRESSION_FAILED' });
  t.throws(() => decompress('zstd', compress('zstd', huge)), { code: 'ERR_COMPRESSION_FAILED' });
  const fine = Buffer.alloc(1_000_000, 7);
  t.deepEqual(decompress('gzip', compress('gzip', fine)), fine);
  t.deepEqual(decompress('zstd', compress('zstd', fine)), fine);
});
