/**
 * Kafka protocol primitives: golden bytes for each type (from the protocol guide), round trips,
 * and the refusals — truncation, over-long varints, counts and lengths larger than the bytes left —
 * all as ERR_PROTOCOL_INVALID.
 */
import test from 'ava';
import fc from 'fast-check';
import { isEddyError } from '../../../core/errors.js';
import { Reader, Writer } from '../../../core/protocol/primitives.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function written(write: (w: Writer) => void): string {
  const w = new Writer(16);
  write(w);
  return w.finish().toString('hex');
}

function refused(t: import('ava').ExecutionContext, read: () => unknown, message?: RegExp): void {
  const err = t.throws(read);
  t.true(isEddyError(err, 'ERR_PROTOCOL_INVALID'), String(err));
  if (message !== undefined) t.regex(err!.message, message);
}

test('fixed-width integers, boolean, float64 and uuid: golden bytes both ways', (t) => {
  const cases: [string, (w: Writer) => void, (r: Reader) => unknown, unknown][] = [
    ['ff', (w) => w.int8(-1), (r) => r.int8(), -1],
    ['8000', (w) => w.int16(-32768), (r) => r.int16(), -32768],
    ['ffff', (w) => w.uint16(65535), (r) => r.uint16(), 65535],
    ['7fffffff', (w) => w.int32(2147483647), (r) => r.int32(), 2147483647],
    ['fffffffe', (w) => w.uint32(4294967294), (r) => r.uint32(), 4294967294],
    ['ffffffffffffffff', (w) => w.int64(-1), (r) => r.int64(), -1],
    ['001fffffffffffff', (w) => w.int64(Number.MAX_SAFE_INTEGER), (r) => r.int64(), Number.MAX_SAFE_INTEGER],
    ['01', (w) => w.bool(true), (r) => r.bool(), true],
    ['00', (w) => w.bool(false), (r) => r.bool(), false],
    // IEEE 754 binary64 of 1.5: sign 0, exponent 0x3ff, fraction 0x8000000000000.
    ['3ff8000000000000', (w) => w.float64(1.5), (r) => r.float64(), 1.5],
    [
      '0123456789abcdef0011223344556677',
      (w) => w.uuid('01234567-89AB-cdef-0011-223344556677'),
      (r) => r.uuid(),
      '01234567-89ab-cdef-0011-223344556677',
    ],
  ];
  for (const [bytes, write, read, value] of cases) {
    t.is(written(write), bytes, String(value));
    const r = new Reader(hex(bytes));
    t.is(read(r), value);
    t.is(r.remaining, 0);
  }
  // Any non-zero byte reads as true, as in Kafka.
  t.true(new Reader(hex('7f')).bool());
});

test('unsigned varints: golden bytes, 5-byte limit', (t) => {
  const cases: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16384, '808001'],
    [4294967295, 'ffffffff0f'],
  ];
  for (const [value, bytes] of cases) {
    t.is(written((w) => w.unsignedVarint(value)), bytes);
    const r = new Reader(hex(bytes));
    t.is(r.unsignedVarint(), value);
    t.is(r.remaining, 0);
  }
  refused(t, () => new Reader(hex('ffffffff10')).unsignedVarint(), /exceeds 32 bits/); // 2^32
  refused(t, () => new Reader(hex('8080808080 01')).unsignedVarint(), /exceeds 32 bits/); // 6 bytes
  refused(t, () => new Reader(hex('8080')).unsignedVarint(), /truncated/);
  refused(t, () => written((w) => w.unsignedVarint(4294967296)));
  refused(t, () => written((w) => w.unsignedVarint(-1)));
});

test('zigzag varint and varlong: golden bytes, 5 and 10-byte limits', (t) => {
  t.is(written((w) => w.varint(-1)), '01');
  t.is(written((w) => w.varint(1)), '02');
  t.is(written((w) => w.varint(-2147483648)), 'ffffffff0f');
  t.is(written((w) => w.varlong(-2)), '03');
  t.is(written((w) => w.varlong(Number.MAX_SAFE_INTEGER)), 'feffffffffffff1f');
  t.is(new Reader(hex('ffffffff0f')).varint(), -2147483648);
  t.is(new Reader(hex('feffffffffffff1f')).varlong(), Number.MAX_SAFE_INTEGER);
  refused(t, () => new Reader(hex('8080808080 00')).varint(), /overflows/); // 6 bytes
  refused(t, () => new Reader(hex('80808080808080808080 00')).varlong(), /overflows/); // 11 bytes
  refused(t, () => new Reader(hex('ffffffffffffffffff01')).varlong()); // 2^64 - 1 zigzagged: unsafe
  refused(t, () => new Reader(hex('80')).varint(), /truncated/);
});

test('int64 outside the safe range is refused, not rounded', (t) => {
  refused(t, () => new Reader(hex('0020000000000000')).int64(), /safe integer/); // 2^53
  refused(t, () => new Reader(hex('8000000000000000')).int64(), /safe integer/); // -2^63
  refused(t, () => written((w) => w.int64(2 ** 53)));
});

test('strings: STRING, NULLABLE_STRING, COMPACT_STRING, COMPACT_NULLABLE_STRING', (t) => {
  t.is(written((w) => w.string('héllo')), '0006' + Buffer.from('héllo').toString('hex'));
  t.is(written((w) => w.string(null)), 'ffff');
  t.is(written((w) => w.compactString('abc')), '04616263'); // length + 1
  t.is(written((w) => w.compactString('')), '01');
  t.is(written((w) => w.compactString(null)), '00');
  t.is(new Reader(hex('0003616263')).string(), 'abc');
  t.is(new Reader(hex('ffff')).nullableString(), null);
  t.is(new Reader(hex('04616263')).compactString(), 'abc');
  t.is(new Reader(hex('00')).compactNullableString(), null);
  refused(t, () => new Reader(hex('ffff')).string(), /non-null/);
  refused(t, () => new Reader(hex('00')).compactString(), /non-null/);
  refused(t, () => new Reader(hex('fffe')).nullableString(), /Invalid string length -2/);
  refused(t, () => new Reader(hex('7fff 6162')).string(), /needs 32767 bytes .* 2 left/);
  refused(t, () => new Reader(hex('ffffffff0f')).compactString(), /Invalid string length/);
  refused(t, () => written((w) => w.string('x'.repeat(32768))), /exceeds 32767/);
});

test('bytes: BYTES, NULLABLE_BYTES, COMPACT_BYTES; reads are views, not copies', (t) => {
  t.is(written((w) => w.bytes(hex('0102'))), '000000020102');
  t.is(written((w) => w.bytes(null)), 'ffffffff');
  t.is(written((w) => w.compactBytes(hex('0102'))), '030102');
  t.is(written((w) => w.compactBytes(null)), '00');
  const input = hex('00000002 0102');
  const view = new Reader(input).bytes();
  t.deepEqual(view, hex('0102'));
  t.is(view.buffer, input.buffer);
  t.is(new Reader(hex('ffffffff')).nullableBytes(), null);
  t.deepEqual(new Reader(hex('030102')).compactBytes(), hex('0102'));
  refused(t, () => new Reader(hex('ffffffff')).bytes(), /non-null/);
  refused(t, () => new Reader(hex('7fffffff 0102')).bytes(), /needs 2147483647 bytes/);
  refused(t, () => new Reader(hex('fffffffe')).nullableBytes(), /Invalid bytes length -2/);
});

test('writer: long byte strings are sent by reference in finishChunks(), short ones copied; finish() joins them', (t) => {
  const long = Buffer.alloc(64 * 1024, 0xab);
  const short = Buffer.alloc(100, 0xcd);
  const w = new Writer(16);
  w.int32(1);
  w.bytes(long);
  w.bytes(short);
  w.int16(2);
  const chunks = w.finishChunks();
  t.is(chunks.length, 3, 'what came before, the long bytes, what came after');
  t.is(chunks[1]!.buffer, long.buffer, 'the long bytes are not copied');
  t.is(chunks[1]!.byteOffset, long.byteOffset);
  t.is(w.length, 4 + 4 + long.length + 4 + short.length + 2);
  const joined = w.finish();
  t.deepEqual(joined, Buffer.concat(chunks));
  t.not(joined.buffer, long.buffer, 'finish() is one buffer of its own');
  t.is(joined.readInt32BE(8 + long.length), short.length);
});

test('array counts: checked against the bytes left before any element is read', (t) => {
  t.is(written((w) => w.arrayCount(2, false)), '00000002');
  t.is(written((w) => w.arrayCount(null, false)), 'ffffffff');
  t.is(written((w) => w.arrayCount(2, true)), '03');
  t.is(written((w) => w.arrayCount(null, true)), '00');
  t.is(new Reader(hex('00000002 0000')).arrayCount(false, false, 1), 2);
  t.is(new Reader(hex('ffffffff')).arrayCount(false, true, 1), null);
  t.is(new Reader(hex('00')).arrayCount(true, true, 1), null);
  refused(t, () => new Reader(hex('ffffffff')).arrayCount(false, false, 1), /non-null array/);
  refused(t, () => new Reader(hex('fffffffe')).arrayCount(false, true, 1), /Invalid array count -2/);
  // A count of 2^31 - 1 with 10 bytes left: refused from the count alone.
  refused(t, () => new Reader(hex('7fffffff' + '00'.repeat(10))).arrayCount(false, false, 1), /2147483647 elements .* 10 bytes left/);
  // Compact: 2^32 - 2 elements announced.
  refused(t, () => new Reader(hex('ffffffff0f' + '00'.repeat(10))).arrayCount(true, false, 1), /does not fit/);
  // The element's minimum size counts: 3 int32s need 12 bytes.
  refused(t, () => new Reader(hex('00000003' + '00'.repeat(10))).arrayCount(false, false, 4), /does not fit/);
  // A zero-size element still counts one byte, as Kafka does.
  refused(t, () => new Reader(hex('00000003' + '00'.repeat(2))).arrayCount(false, false, 0), /does not fit/);
});

test('tagged fields: known ones read from their own bytes, unknown skipped, order enforced', (t) => {
  const w = new Writer();
  w.taggedFields([
    { tag: 0, write: (f) => f.int16(7) },
    { tag: 5, write: (f) => f.compactString('ab') },
  ]);
  // count 2 | tag 0, size 2, 0007 | tag 5, size 3, 03 61 62
  t.is(w.finish().toString('hex'), '02' + '0002' + '0007' + '0503' + '036162');
  const seen: string[] = [];
  const r = new Reader(hex('02 0002 0007 0503 036162 ff'));
  r.taggedFields((tag, field) => {
    if (tag !== 0) return false;
    seen.push(`${tag}=${field.int16()}`);
    return true;
  });
  t.deepEqual(seen, ['0=7']);
  t.is(r.remaining, 1);

  refused(t, () => new Reader(hex('02 0500 0000')).taggedFields(() => false), /not above/);
  refused(t, () => new Reader(hex('02 0300 0300')).taggedFields(() => false), /not above/);
  refused(t, () => new Reader(hex('01 00ffffffff0f 00')).taggedFields(() => false), /needs 4294967295 bytes/);
  refused(t, () => new Reader(hex('ffffffff0f 0000')).taggedFields(() => false), /do not fit/);
  // A known field that leaves bytes unread is malformed.
  refused(t, () => new Reader(hex('01 0003 000700')).taggedFields((_tag, f) => (f.int16(), true)), /unread/);
});

test('truncation anywhere is ERR_PROTOCOL_INVALID', (t) => {
  const reads: ((r: Reader) => unknown)[] = [
    (r) => r.int8(),
    (r) => r.int16(),
    (r) => r.int32(),
    (r) => r.int64(),
    (r) => r.uint32(),
    (r) => r.float64(),
    (r) => r.uuid(),
    (r) => r.bool(),
  ];
  for (const read of reads) refused(t, () => read(new Reader(Buffer.alloc(0))), /needs \d+ bytes/);
  // A reader over part of a buffer stops at its end, not the buffer's.
  refused(t, () => new Reader(hex('00000001'), 0, 2).int32());
});

test('writer refuses values out of range instead of wrapping them', (t) => {
  refused(t, () => written((w) => w.int8(128)));
  refused(t, () => written((w) => w.int16(1.5)));
  refused(t, () => written((w) => w.int32(2 ** 31)));
  refused(t, () => written((w) => w.uint32(-1)));
  refused(t, () => written((w) => w.uuid('not-a-uuid')));
  refused(t, () => written((w) => w.bool(1 as unknown as boolean)));
  refused(t, () => written((w) => w.taggedFields([{ tag: 2, write: () => {} }, { tag: 1, write: () => {} }])), /ascending/);
});

test('round trips: every primitive reads back what was written, growing the buffer as needed', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(
        fc.integer({ min: -2147483648, max: 2147483647 }),
        fc.maxSafeInteger(),
        fc.integer({ min: 0, max: 4294967295 }),
        fc.double({ noNaN: true }),
        fc.option(fc.string({ unit: 'grapheme', maxLength: 40 }), { nil: null }),
        fc.option(fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)), { nil: null }),
        fc.uuid(),
        // Long enough, sometimes, to be attached by reference rather than copied.
        fc.option(fc.integer({ min: 0, max: 40_000 }).map((n) => Buffer.alloc(n, n % 251)), { nil: null }),
        (i32, i64, u32, f64, text, bytes, uuid, long) => {
          const w = new Writer(16);
          w.int32(i32);
          w.varint(i32);
          w.int64(i64);
          w.varlong(i64);
          w.uint32(u32);
          w.unsignedVarint(u32);
          w.float64(f64);
          w.string(text);
          w.compactString(text);
          w.bytes(bytes);
          w.compactBytes(bytes);
          w.uuid(uuid);
          w.bytes(long);
          w.int8(7);
          const chunks = w.finishChunks();
          const whole = Buffer.from(w.finish());
          t.deepEqual(Buffer.concat(chunks), whole);
          t.is(whole.length, w.length);
          const r = new Reader(whole);
          const back = [r.int32(), r.varint(), r.int64(), r.varlong(), r.uint32(), r.unsignedVarint(), r.float64()];
          const rest = [r.nullableString(), r.compactNullableString(), r.nullableBytes(), r.compactNullableBytes(), r.uuid(), r.nullableBytes(), r.int8()];
          t.deepEqual(back, [i32, i32, i64, i64, u32, u32, f64]);
          t.deepEqual(rest, [text, text, bytes, bytes, uuid, long, 7]);
          return r.remaining === 0;
        },
      ),
    ),
  );
});
