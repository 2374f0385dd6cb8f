import { crc32c } from '@node-rs/crc32';
import test from 'ava';
import fc from 'fast-check';
import { EddyError } from '../../../core/errors.js';
import { decodeControlRecord, encodeControlRecord } from '../../../core/record/control-record.js';
import type { CompressionType, RecordInput } from '../../../core/record/record.js';
import {
  BATCH_HEADER_SIZE,
  type BatchLocation,
  type BatchScanEnd,
  batchesIn,
  batchIsControl,
  batchIsTransactional,
  decodeRecords,
  encodeRecordBatch,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  verifyBatch,
  forEachRecordKey,
} from '../../../core/record/record-batch.js';

const CODECS: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const T0 = 1_700_000_000_000;

/** Runs `fn`, failing the property if it throws anything but an EddyError. */
function onlyEddyErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    return err instanceof EddyError;
  }
}

test('crc32c check vector: crc32c("123456789") = 0xe3069283', (t) => {
  t.is(crc32c('123456789'), 0xe3069283);
});

test('golden bytes: one record, key "k", value "v", CreateTime', (t) => {
  const batch = encodeRecordBatch({
    records: [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: T0 }],
    partitionLeaderEpoch: 0,
  });
  // Built by hand from the RecordBatch v2 grammar.
  const record = [
    0x10, // length 8, zigzag
    0x00, // attributes
    0x00, // timestampDelta 0
    0x00, // offsetDelta 0
    0x02, 0x6b, // key length 1, "k"
    0x02, 0x76, // value length 1, "v"
    0x00, // header count 0
  ];
  const ts = [0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00]; // 1700000000000
  const afterCrc = [
    0x00, 0x00, // attributes
    0x00, 0x00, 0x00, 0x00, // lastOffsetDelta
    ...ts, // baseTimestamp
    ...ts, // maxTimestamp
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // producerId -1
    0xff, 0xff, // producerEpoch -1
    0xff, 0xff, 0xff, 0xff, // baseSequence -1
    0x00, 0x00, 0x00, 0x01, // recordCount
    ...record,
  ];
  const crc = crc32c(Buffer.from(afterCrc));
  t.is(crc, 0xe99b8dd8);
  const expected = Buffer.from([
    0, 0, 0, 0, 0, 0, 0, 0, // baseOffset
    0x00, 0x00, 0x00, 0x3a, // batchLength 58
    0x00, 0x00, 0x00, 0x00, // partitionLeaderEpoch
    0x02, // magic
    (crc >>> 24) & 0xff, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff,
    ...afterCrc,
  ]);
  t.is(batch.length, 70);
  t.is(batch.toString('hex'), expected.toString('hex'));
  t.deepEqual(verifyBatch(batch), readBatchHeader(expected));
});

test('golden bytes: null key, negative timestamp delta, header with null value, offsets', (t) => {
  const batch = encodeRecordBatch({
    records: [
      { key: null, value: Buffer.from('a'), timestamp: 1000 },
      { key: null, value: null, timestamp: 999, headers: [{ key: 'h', value: null }] },
    ],
    baseOffset: 5,
  });
  const records = batch.subarray(BATCH_HEADER_SIZE).toString('hex');
  // record 0: len 7 | attr | tsΔ 0 | offΔ 0 | key -1 | value 1 "a" | 0 headers
  // record 1: len 9 | attr | tsΔ -1 | offΔ 1 | key -1 | value -1 | 1 header: key 1 "h", value -1
  t.is(records, '0e' + '00' + '00' + '00' + '01' + '0261' + '00' + '12' + '00' + '01' + '02' + '01' + '01' + '02' + '0268' + '01');
  t.is(batch.readInt32BE(23), 1); // lastOffsetDelta
  t.is(Number(batch.readBigInt64BE(35)), 1000); // maxTimestamp
  t.is(Number(batch.readBigInt64BE(0)), 5);
  t.is(batch.readInt32BE(12), -1); // default partitionLeaderEpoch
});

for (const compression of CODECS) {
  test(`round trip with ${compression}: null keys/values/headers, empty headers`, (t) => {
    const records: RecordInput[] = [
      { key: Buffer.from('key'), value: Buffer.from('value'), timestamp: T0, headers: [] },
      { key: null, value: Buffer.from('no key'), timestamp: T0 + 5 },
      { key: Buffer.from('tombstone'), value: null, timestamp: T0 - 3 },
      { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: T0, headers: [{ key: 'a', value: null }, { key: 'ü€', value: Buffer.from([0, 1, 2]) }, { key: '', value: Buffer.alloc(0) }] },
    ];
    const batch = encodeRecordBatch({ records, compression, baseOffset: 100, producerId: 7, producerEpoch: 2, baseSequence: 40, isTransactional: true });
    const header = verifyBatch(batch);
    t.is(header.attributes & 0x07, ['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(compression));
    t.is(header.recordCount, 4);
    t.is(header.lastOffsetDelta, 3);
    t.is(header.baseTimestamp, T0);
    t.is(header.maxTimestamp, T0 + 5);
    t.is(header.producerId, 7);
    t.is(header.producerEpoch, 2);
    t.is(header.baseSequence, 40);
    t.true(batchIsTransactional(header.attributes));
    t.false(batchIsControl(header.attributes));
    const decoded = decodeRecords(batch, header);
    t.deepEqual(
      decoded.map((r) => r.offset),
      [100, 101, 102, 103],
    );
    decoded.forEach((r, i) => {
      const input = records[i]!;
      t.is(r.timestamp, input.timestamp ?? Number.NaN);
      t.deepEqual(r.key, input.key);
      t.deepEqual(r.value, input.value);
      t.deepEqual(r.headers, input.headers ?? []);
    });
  });
}

test('uncompressed decode returns views into the batch, not copies', (t) => {
  const batch = encodeRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v'), headers: [{ key: 'h', value: Buffer.from('x') }], timestamp: 1 }] });
  const [record] = decodeRecords(batch);
  t.is(record?.key?.buffer, batch.buffer);
  t.is(record?.value?.buffer, batch.buffer);
  t.is(record?.headers[0]?.value?.buffer, batch.buffer);
});

test('records without a timestamp get `now`; baseTimestamp option is honoured', (t) => {
  const batch = encodeRecordBatch({ records: [{ key: null, value: null }, { key: null, value: null, timestamp: 50 }], now: 40, baseTimestamp: 30 });
  const header = readBatchHeader(batch);
  t.is(header.baseTimestamp, 30);
  t.is(header.maxTimestamp, 50);
  t.deepEqual(decodeRecords(batch).map((r) => r.timestamp), [40, 50]);
});

test('LogAppendTime: encoded directly and set afterwards both report the append time for every record', (t) => {
  const records = [{ key: null, value: Buffer.from('a'), timestamp: 10 }, { key: null, value: Buffer.from('b'), timestamp: 20 }];
  const direct = encodeRecordBatch({ records, timestampType: 'LogAppendTime', now: 99 });
  t.is(readBatchHeader(direct).attributes & 0x08, 0x08);
  t.deepEqual(decodeRecords(verifyBatch(direct) && direct).map((r) => r.timestamp), [99, 99]);

  for (const compression of CODECS) {
    const batch = encodeRecordBatch({ records, compression });
    const before = batch.readUInt32BE(17);
    setLogAppendTime(batch, 12345);
    const header = verifyBatch(batch); // CRC recomputed
    t.not(header.crc, before);
    t.is(header.maxTimestamp, 12345);
    t.is(header.attributes & 0x07, CODECS.indexOf(compression));
    t.deepEqual(decodeRecords(batch, header).map((r) => r.timestamp), [12345, 12345]);
  }
});

test('setBaseOffset and setPartitionLeaderEpoch rewrite bytes outside the CRC', (t) => {
  const batch = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('a'), timestamp: 1 }, { key: null, value: null, timestamp: 1 }] });
  const crc = batch.readUInt32BE(17);
  setBaseOffset(batch, 2 ** 40 + 3);
  setPartitionLeaderEpoch(batch, 17);
  const header = verifyBatch(batch);
  t.is(header.crc, crc);
  t.is(header.baseOffset, 2 ** 40 + 3);
  t.is(header.partitionLeaderEpoch, 17);
  t.deepEqual(decodeRecords(batch).map((r) => r.offset), [2 ** 40 + 3, 2 ** 40 + 4]);
  t.throws(() => setBaseOffset(batch, -1), { code: 'ERR_BATCH_INVALID' });
  t.throws(() => setBaseOffset(batch, 2 ** 53), { code: 'ERR_BATCH_INVALID' });
});

test('control batch with a commit marker', (t) => {
  const marker = encodeControlRecord('commit', 3);
  t.is(marker.key.toString('hex'), '00000001');
  t.is(marker.value.toString('hex'), '0000' + '00000003');
  const batch = encodeRecordBatch({ records: [{ ...marker, timestamp: 5 }], isControl: true, isTransactional: true, producerId: 9, producerEpoch: 1 });
  const header = verifyBatch(batch);
  t.true(batchIsControl(header.attributes));
  t.true(batchIsTransactional(header.attributes));
  const [record] = decodeRecords(batch);
  t.deepEqual(decodeControlRecord(record!), { type: 'commit', typeId: 1, version: 0, coordinatorEpoch: 3 });
  t.is(decodeControlRecord({ ...encodeControlRecord('abort', 0) }).type, 'abort');
  t.is(decodeControlRecord({ key: Buffer.from([0, 0, 0, 3]), value: null }).type, 'unknown');
  t.throws(() => decodeControlRecord({ key: Buffer.from([0]), value: null }), { code: 'ERR_RECORD_INVALID' });
});

test('encode validates its input with coded errors', (t) => {
  t.throws(() => encodeRecordBatch({ records: [] }), { code: 'ERR_RECORD_INVALID' });
  t.throws(() => encodeRecordBatch({ records: [{ key: null, value: null, timestamp: -2 }] }), { code: 'ERR_TIMESTAMP_INVALID' });
  t.throws(() => encodeRecordBatch({ records: [{ key: null, value: null, timestamp: 1.5 }] }), { code: 'ERR_TIMESTAMP_INVALID' });
  t.throws(() => encodeRecordBatch({ records: [{ key: null, value: null, timestamp: 2 ** 53 }] }), { code: 'ERR_TIMESTAMP_INVALID' });
  t.throws(() => encodeRecordBatch({ records: [{ key: 'str' as unknown as Buffer, value: null, timestamp: 1 }] }), { code: 'ERR_RECORD_INVALID' });
  t.throws(() => encodeRecordBatch({ records: [{ key: null, value: null }], producerEpoch: 40000 }), { code: 'ERR_BATCH_INVALID' });
  t.throws(() => encodeRecordBatch({ records: [{ key: null, value: null }], compression: 'lzma' as CompressionType }), {
    code: 'ERR_COMPRESSION_UNSUPPORTED',
  });
  t.throws(() => encodeRecordBatch({ records: [{ key: null, value: null, timestamp: -1 }, { key: null, value: null, timestamp: Number.MAX_SAFE_INTEGER }] }), {
    code: 'ERR_TIMESTAMP_INVALID',
  });
  const minusOne = encodeRecordBatch({ records: [{ key: null, value: null, timestamp: -1 }] });
  t.is(decodeRecords(minusOne)[0]?.timestamp, -1);
});

test('verifyBatch: header too short, bad length, wrong magic, bad CRC', (t) => {
  const batch = encodeRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: T0 }] });
  t.throws(() => verifyBatch(batch.subarray(0, 60)), { code: 'ERR_BATCH_INVALID' });
  t.throws(() => verifyBatch(batch.subarray(0, 69)), { code: 'ERR_BATCH_INVALID' });
  t.throws(() => verifyBatch(batch, 0, 69), { code: 'ERR_BATCH_INVALID' });
  const shortLength = Buffer.from(batch);
  shortLength.writeInt32BE(48, 8);
  t.throws(() => verifyBatch(shortLength), { code: 'ERR_BATCH_INVALID' });
  const magic1 = Buffer.from(batch);
  magic1[16] = 1;
  const err = t.throws(() => verifyBatch(magic1), { code: 'ERR_BATCH_INVALID' });
  t.regex(err?.message ?? '', /magic 1/);
  const flipped = Buffer.from(batch);
  flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0x01;
  t.throws(() => verifyBatch(flipped), { code: 'ERR_BATCH_CRC' });
  // a batch in the middle of a larger buffer
  const framed = Buffer.concat([Buffer.alloc(3), batch, Buffer.alloc(5)]);
  t.is(verifyBatch(framed, 3, batch.length).recordCount, 1);
});

test('decodeRecords: malformed records are coded errors with context', (t) => {
  const batch = encodeRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: T0 }] });
  const withTrailing = Buffer.concat([batch, Buffer.from([0])]);
  withTrailing.writeInt32BE(batch.length - 12 + 1, 8);
  t.throws(() => decodeRecords(withTrailing), { code: 'ERR_BATCH_INVALID', message: /after its 1 records/ });
  const twoClaimed = Buffer.from(batch);
  twoClaimed.writeInt32BE(2, 57);
  twoClaimed.writeInt32BE(1, 23);
  t.throws(() => decodeRecords(twoClaimed), { instanceOf: EddyError });
  const keyTooLong = Buffer.from(batch);
  keyTooLong[BATCH_HEADER_SIZE + 4] = 0x20; // key length 16
  t.throws(() => decodeRecords(keyTooLong), { code: 'ERR_RECORD_INVALID' });
  t.throws(() => decodeRecords(batch.subarray(0, batch.length - 1)), { code: 'ERR_BATCH_INVALID' });
  const codec5 = Buffer.from(batch);
  codec5.writeInt16BE(5, 21);
  t.throws(() => decodeRecords(codec5), { code: 'ERR_COMPRESSION_UNSUPPORTED', message: /5/ });
});

test('batchesIn: walks consecutive batches and stops cleanly at a partial one', (t) => {
  const a = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('a'), timestamp: 1 }], baseOffset: 0 });
  const b = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('b'), timestamp: 1 }, { key: null, value: null, timestamp: 2 }], baseOffset: 1, compression: 'lz4' });
  const log = Buffer.concat([a, b]);

  const walk = (buf: Buffer, start = 0): { seen: BatchLocation[]; end: BatchScanEnd } => {
    const seen: BatchLocation[] = [];
    const it = batchesIn(buf, start);
    for (;;) {
      const step = it.next();
      if (step.done === true) return { seen, end: step.value };
      seen.push(step.value);
    }
  };

  const whole = walk(log);
  t.deepEqual(whole.seen.map((l) => [l.position, l.size, l.header.baseOffset]), [[0, a.length, 0], [a.length, b.length, 1]]);
  t.deepEqual(whole.end, { position: log.length, partial: false });

  for (const cut of [a.length + 5, a.length + 40, log.length - 1]) {
    const partial = walk(log.subarray(0, cut));
    t.is(partial.seen.length, 1);
    t.deepEqual(partial.end, { position: a.length, partial: true });
  }
  t.deepEqual(walk(log, a.length).seen.map((l) => l.header.baseOffset), [1]);

  const corrupt = Buffer.concat([a, Buffer.alloc(20)]);
  const it = batchesIn(corrupt);
  t.false(it.next().done);
  t.throws(() => it.next(), { code: 'ERR_BATCH_INVALID', message: new RegExp(`position ${a.length}`) });
});

const recordArb: fc.Arbitrary<RecordInput> = fc.record({
  key: fc.option(fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)), { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)), { nil: null }),
  timestamp: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1 }), fc.integer({ min: T0 - 1e6, max: T0 + 1e6 })),
  headers: fc.array(
    fc.record({ key: fc.string({ unit: 'grapheme', maxLength: 10 }), value: fc.option(fc.uint8Array({ maxLength: 20 }).map((u) => Buffer.from(u)), { nil: null }) }),
    { maxLength: 3 },
  ),
});

test('fuzz: random records round-trip through every codec', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 20 }),
        fc.constantFrom(...CODECS),
        fc.integer({ min: 0, max: 2 ** 50 }),
        (records, compression, baseOffset) => {
          const batch = encodeRecordBatch({ records, compression, baseOffset });
          const decoded = decodeRecords(batch, verifyBatch(batch));
          if (decoded.length !== records.length) return false;
          return decoded.every((r, i) => {
            const input = records[i]!;
            return (
              r.offset === baseOffset + i &&
              r.timestamp === input.timestamp &&
              Buffer.compare(r.key ?? Buffer.from('null'), input.key ?? Buffer.from('null')) === 0 &&
              (r.key === null) === (input.key === null) &&
              (r.value === null) === (input.value === null) &&
              Buffer.compare(r.value ?? Buffer.alloc(0), input.value ?? Buffer.alloc(0)) === 0 &&
              JSON.stringify(r.headers) === JSON.stringify(input.headers)
            );
          });
        },
      ),
      { numRuns: 200 },
    ),
  );
});

const validBatchArb = fc
  .tuple(fc.array(recordArb, { minLength: 1, maxLength: 5 }), fc.constantFrom(...CODECS))
  .map(([records, compression]) => encodeRecordBatch({ records, compression }));

test('fuzz: any single bit flip in the CRC-covered part is detected by verifyBatch', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(validBatchArb, fc.nat(), fc.integer({ min: 0, max: 7 }), (generated, at, bit) => {
        const batch = Buffer.from(generated); // never mutate a value fast-check may replay
        const index = 21 + (at % (batch.length - 21));
        batch[index] = batch[index]! ^ (1 << bit);
        try {
          verifyBatch(batch);
          return false;
        } catch (err) {
          return err instanceof EddyError && err.code === 'ERR_BATCH_CRC';
        }
      }),
      { numRuns: 300 },
    ),
  );
});

test('fuzz: bit flips and truncations anywhere only ever raise EddyError', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(validBatchArb, fc.nat(), fc.integer({ min: 0, max: 7 }), fc.nat(), (batch, at, bit, cut) => {
        const flipped = Buffer.from(batch);
        flipped[at % flipped.length] = flipped[at % flipped.length]! ^ (1 << bit);
        const truncated = batch.subarray(0, cut % batch.length);
        return [flipped, truncated].every(
          (buf) =>
            onlyEddyErrors(() => verifyBatch(buf)) &&
            onlyEddyErrors(() => decodeRecords(buf)) &&
            onlyEddyErrors(() => [...batchesIn(buf)]) &&
            onlyEddyErrors(() => readBatchHeader(buf)),
        );
      }),
      { numRuns: 500 },
    ),
  );
});

test('fuzz: random bytes behind a plausible header only ever raise EddyError', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 3 }), (body, codec, count) => {
        // Random records sections get past the header checks, so the record parser and every
        // decompressor see garbage.
        const buf = Buffer.alloc(BATCH_HEADER_SIZE + body.length);
        Buffer.from(body).copy(buf, BATCH_HEADER_SIZE);
        buf.writeInt32BE(buf.length - 12, 8);
        buf[16] = 2;
        buf.writeInt16BE(codec, 21);
        buf.writeInt32BE(count + 2, 23);
        buf.writeInt32BE(count, 57);
        buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
        return onlyEddyErrors(() => decodeRecords(buf, verifyBatch(buf))) && onlyEddyErrors(() => decodeRecords(Buffer.from(body)));
      }),
      { numRuns: 1000 },
    ),
  );
});

test('forEachRecordKey sees exactly the keys and offsets decodeRecords does, for every codec', (t) => {
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    fc.assert(
      fc.property(fc.array(fc.record({ key: fc.option(fc.uint8Array({ maxLength: 20 })), value: fc.option(fc.uint8Array({ maxLength: 40 })) }), { minLength: 1, maxLength: 30 }), (records) => {
        const batch = encodeRecordBatch({
          records: records.map((r) => ({ key: r.key === null ? null : Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), timestamp: 1000 })),
          baseOffset: 77,
          compression,
        });
        const header = readBatchHeader(batch);
        const seen: Array<[string | null, number]> = [];
        forEachRecordKey(batch, header, (key, offset) => seen.push([key, offset]));
        const expected = decodeRecords(batch, header).map((r): [string | null, number] => [r.key === null ? null : r.key.toString('latin1'), r.offset]);
        t.deepEqual(seen, expected);
      }),
      { numRuns: 40 },
    );
  }
});
