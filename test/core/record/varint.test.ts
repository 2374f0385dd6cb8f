import test from 'ava';
import fc from 'fast-check';
import { EddyError } from '../../../core/errors.js';
import {
  type Cursor,
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from '../../../core/record/varint.js';

// Reference zigzag varlong over BigInt, written independently of the fast implementation.
function referenceVarlong(value: bigint): Buffer {
  let z = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}

function encodeVarint(value: number): Buffer {
  const buf = Buffer.alloc(10);
  return buf.subarray(0, writeVarint(buf, value, 0));
}

function encodeVarlong(value: number): Buffer {
  const buf = Buffer.alloc(10);
  return buf.subarray(0, writeVarlong(buf, value, 0));
}

test('varint: known zigzag encodings', (t) => {
  t.is(encodeVarint(0).toString('hex'), '00');
  t.is(encodeVarint(-1).toString('hex'), '01');
  t.is(encodeVarint(1).toString('hex'), '02');
  t.is(encodeVarint(63).toString('hex'), '7e');
  t.is(encodeVarint(-64).toString('hex'), '7f');
  t.is(encodeVarint(64).toString('hex'), '8001');
  t.is(encodeVarint(300).toString('hex'), 'd804');
  t.is(encodeVarint(2147483647).toString('hex'), 'feffffff0f');
  t.is(encodeVarint(-2147483648).toString('hex'), 'ffffffff0f');
});

test('varint: int32 round trip, size-of matches bytes written', (t) => {
  t.notThrows(() =>
    fc.assert(
    fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), (value) => {
      const bytes = encodeVarint(value);
      const cursor: Cursor = { pos: 0 };
      return readVarint(bytes, cursor, bytes.length) === value && cursor.pos === bytes.length && sizeOfVarint(value) === bytes.length;
    }),
    ),
  );
});

test('varlong: matches a BigInt reference for every safe integer range', (t) => {
  const safe = fc.oneof(
    fc.integer({ min: -1000, max: 1000 }),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 2, -(2 ** 52)),
  );
  fc.assert(
    fc.property(safe, (value) => {
      const bytes = encodeVarlong(value);
      t.deepEqual(bytes, referenceVarlong(BigInt(value)), `encoding of ${value}`);
      t.is(sizeOfVarlong(value), bytes.length);
      const cursor: Cursor = { pos: 0 };
      t.is(readVarlong(bytes, cursor, bytes.length), value);
      t.is(cursor.pos, bytes.length);
    }),
  );
});

test('varlong: reads at an offset inside a larger buffer and respects end', (t) => {
  const buf = Buffer.from([0xaa, 0xd8, 0x04, 0x03, 0xbb]);
  const cursor: Cursor = { pos: 1 };
  t.is(readVarlong(buf, cursor, 4), 300);
  t.is(readVarlong(buf, cursor, 4), -2);
  t.is(cursor.pos, 4);
  t.throws(() => readVarlong(buf, cursor, 4), { instanceOf: EddyError, code: 'ERR_RECORD_INVALID' });
});

test('varint: rejects truncation, more than 5 bytes and 32-bit overflow', (t) => {
  const truncated = Buffer.from([0x80, 0x80]);
  t.throws(() => readVarint(truncated, { pos: 0 }, truncated.length), { code: 'ERR_RECORD_INVALID' });
  const tooLong = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);
  t.throws(() => readVarint(tooLong, { pos: 0 }, tooLong.length), { code: 'ERR_RECORD_INVALID' });
  const overflow = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f]);
  t.throws(() => readVarint(overflow, { pos: 0 }, overflow.length), { code: 'ERR_RECORD_INVALID' });
  // the buffer has bytes beyond `end`, which must not be read
  const fenced = Buffer.from([0x80, 0x01]);
  t.throws(() => readVarint(fenced, { pos: 0 }, 1), { code: 'ERR_RECORD_INVALID' });
});

test('varlong: rejects 11-byte and 64-bit-overflowing encodings, flags unsafe values', (t) => {
  const eleven = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);
  t.throws(() => readVarlong(eleven, { pos: 0 }, eleven.length), { code: 'ERR_RECORD_INVALID' });
  const overflow = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]);
  t.throws(() => readVarlong(overflow, { pos: 0 }, overflow.length), { code: 'ERR_RECORD_INVALID' });
  const int64Max = referenceVarlong(2n ** 63n - 1n);
  t.is(int64Max.length, 10);
  t.throws(() => readVarlong(int64Max, { pos: 0 }, int64Max.length), { code: 'ERR_INT64_UNSAFE' });
  const justUnsafe = referenceVarlong(-(2n ** 53n));
  t.throws(() => readVarlong(justUnsafe, { pos: 0 }, justUnsafe.length), { code: 'ERR_INT64_UNSAFE' });
});

test('varint/varlong: random bytes only ever produce EddyError', (t) => {
  t.notThrows(() =>
    fc.assert(
    fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
      const buf = Buffer.from(bytes);
      for (const read of [readVarint, readVarlong]) {
        try {
          read(buf, { pos: 0 }, buf.length);
        } catch (err) {
          if (!(err instanceof EddyError)) return false;
        }
      }
      return true;
    }),
    ),
  );
});
