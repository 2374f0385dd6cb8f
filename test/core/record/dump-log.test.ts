import test from 'ava';
import fc from 'fast-check';
import { describeLogFile, formatDumpLog } from '../../../core/record/dump-log.js';
import { encodeRecordBatch } from '../../../core/record/record-batch.js';
import { encodeControlRecord } from '../../../core/record/control-record.js';

function segment(): { bytes: Buffer; sizes: number[] } {
  const a = encodeRecordBatch({
    records: [0, 1, 2].map((i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp: 1000 + i })),
    partitionLeaderEpoch: 0,
  });
  const b = encodeRecordBatch({
    records: [{ key: null, value: Buffer.from('x'), timestamp: 2000 }],
    baseOffset: 3,
    compression: 'zstd',
    producerId: 42,
    producerEpoch: 1,
    baseSequence: 0x7fffffff,
    isTransactional: true,
    partitionLeaderEpoch: 0,
  });
  const c = encodeRecordBatch({
    records: [{ ...encodeControlRecord('commit', 0), timestamp: 2001 }],
    baseOffset: 4,
    isControl: true,
    isTransactional: true,
    producerId: 42,
    producerEpoch: 1,
    timestampType: 'LogAppendTime',
    now: 3000,
    partitionLeaderEpoch: 0,
  });
  return { bytes: Buffer.concat([a, b, c]), sizes: [a.length, b.length, c.length] };
}

test('describeLogFile lists every batch of a clean segment', (t) => {
  const { bytes, sizes } = segment();
  const result = describeLogFile(bytes);
  t.is(result.error, undefined);
  t.is(result.validBytes, bytes.length);
  t.is(result.trailingBytes, 0);
  t.deepEqual(
    result.batches.map((b) => [b.position, b.baseOffset, b.lastOffset, b.count, b.sizeInBytes, b.compression, b.crcValid]),
    [
      [0, 0, 2, 3, sizes[0], 'none', true],
      [sizes[0], 3, 3, 1, sizes[1], 'zstd', true],
      [sizes[0]! + sizes[1]!, 4, 4, 1, sizes[2], 'none', true],
    ],
  );
  const [, txn, control] = result.batches;
  t.like(txn, { isTransactional: true, isControl: false, producerId: 42, producerEpoch: 1, baseSequence: 0x7fffffff, lastSequence: 0x7fffffff });
  t.like(control, { isControl: true, timestampType: 'LogAppendTime', maxTimestamp: 3000 });
});

test('formatDumpLog text looks like kafka-dump-log, json is one object per batch per line', (t) => {
  const result = describeLogFile(segment().bytes);
  const text = formatDumpLog(result, 'text').trimEnd().split('\n');
  t.is(text.length, 3);
  t.regex(text[0]!, /^baseOffset: 0 lastOffset: 2 count: 3 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 0 isTransactional: false isControl: false position: 0 CreateTime: 1002 size: \d+ magic: 2 compresscodec: none crc: \d+ isvalid: true$/);
  t.regex(text[2]!, /LogAppendTime: 3000 .* compresscodec: none crc: \d+ isvalid: true$/);
  const json = formatDumpLog(result, 'json').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.is(json.length, 3);
  t.is(json[1]?.compression, 'zstd');
  t.is(json[2]?.isControl, true);
});

test('describeLogFile reports a partial batch at the end without throwing', (t) => {
  const { bytes, sizes } = segment();
  const cut = bytes.subarray(0, bytes.length - 10);
  const result = describeLogFile(cut);
  t.is(result.batches.length, 2);
  t.is(result.validBytes, sizes[0]! + sizes[1]!);
  t.is(result.trailingBytes, sizes[2]! - 10);
  t.regex(result.error ?? '', /Incomplete batch at position/);
  t.regex(formatDumpLog(result, 'text'), new RegExp(`Found ${sizes[2]! - 10} invalid bytes at position ${result.validBytes}`));
  const lastJson = JSON.parse(formatDumpLog(result, 'json').trimEnd().split('\n').at(-1)!) as Record<string, unknown>;
  t.is(lastJson.trailingBytes, sizes[2]! - 10);
});

test('describeLogFile stops at a CRC failure, listing it as invalid', (t) => {
  const { bytes, sizes } = segment();
  const damaged = Buffer.from(bytes);
  damaged[sizes[0]! + 70] = damaged[sizes[0]! + 70]! ^ 0xff;
  const result = describeLogFile(damaged);
  t.is(result.batches.length, 2);
  t.false(result.batches[1]!.crcValid);
  t.true(result.batches[0]!.crcValid);
  t.is(result.validBytes, sizes[0]!);
  t.regex(result.error ?? '', /ERR_BATCH_CRC/);
  t.regex(formatDumpLog(result, 'text'), /isvalid: false/);
});

test('describeLogFile on garbage after valid data reports where validity ends', (t) => {
  const { bytes } = segment();
  const withJunk = Buffer.concat([bytes, Buffer.from('not a batch at all, just junk bytes')]);
  const result = describeLogFile(withJunk);
  t.is(result.validBytes, bytes.length);
  t.is(result.trailingBytes, 35);
  t.truthy(result.error);
  t.deepEqual(describeLogFile(Buffer.alloc(0)), { batches: [], validBytes: 0, trailingBytes: 0 });
  t.is(formatDumpLog(describeLogFile(Buffer.alloc(0)), 'text'), '');
});

test('fuzz: describeLogFile never throws on random bytes or damaged segments', (t) => {
  const { bytes } = segment();
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (random, at, cut) => {
        const damaged = Buffer.from(bytes);
        damaged[at % damaged.length] = damaged[at % damaged.length]! ^ 0x10;
        for (const buf of [Buffer.from(random), damaged, bytes.subarray(0, cut % bytes.length)]) {
          const result = describeLogFile(buf);
          if (result.validBytes + result.trailingBytes !== buf.length) return false;
          formatDumpLog(result, 'text');
          formatDumpLog(result, 'json');
        }
        return true;
      }),
      { numRuns: 500 },
    ),
  );
});
