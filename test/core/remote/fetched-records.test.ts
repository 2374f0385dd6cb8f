/**
 * Decoding a Fetch answer into records (core/remote/fetched-records.ts): markers never returned,
 * records below the fetch offset dropped, timestamps by type, and read_committed skipping every
 * aborted transaction — several of one producer in one answer, interleaved with other producers.
 */
import test from 'ava';
import type { RecordsBatch } from '@platformatic/kafka';
import { decodeFetchedBatches } from '../../../core/remote/fetched-records.js';

const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;
const LOG_APPEND_TIME = 0x08;

function batch(base: number, values: string[], options: { producerId?: number; attributes?: number; timestamp?: number; maxTimestamp?: number } = {}): RecordsBatch {
  const timestamp = options.timestamp ?? 1_000;
  return {
    firstOffset: BigInt(base),
    length: 0,
    partitionLeaderEpoch: 0,
    magic: 2,
    crc: 0,
    attributes: options.attributes ?? 0,
    lastOffsetDelta: values.length - 1,
    firstTimestamp: BigInt(timestamp),
    maxTimestamp: BigInt(options.maxTimestamp ?? timestamp + values.length - 1),
    producerId: BigInt(options.producerId ?? -1),
    producerEpoch: 0,
    firstSequence: 0,
    records: values.map((v, i) => ({ length: 0, attributes: 0, timestampDelta: BigInt(i), offsetDelta: i, key: null, value: Buffer.from(v), headers: i === 0 ? [[Buffer.from('h'), Buffer.from('x')] as [Buffer, Buffer]] : [] })),
  };
}

/** A transaction marker of `producerId` at `offset`: ABORT (type 0) or COMMIT (type 1). */
function marker(offset: number, producerId: number, commit: boolean): RecordsBatch {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(commit ? 1 : 0, 2);
  const b = batch(offset, ['m'], { producerId, attributes: TRANSACTIONAL | CONTROL });
  b.records[0]!.key = key;
  return b;
}

const values = (records: ReadonlyArray<{ value: Buffer | null }>): string[] => records.map((r) => r.value!.toString());

test('markers are skipped, records below the fetch offset dropped, nextOffset past the last batch', (t) => {
  const batches = [batch(0, ['a', 'b', 'c']), marker(3, 7, true), batch(4, ['d'])];
  const decoded = decodeFetchedBatches(batches, 1, 't', 0, null);
  t.deepEqual(values(decoded.records), ['b', 'c', 'd']);
  t.deepEqual(decoded.records.map((r) => r.offset), [1, 2, 4]);
  t.is(decoded.nextOffset, 5);
  t.deepEqual(decoded.records[0]!.headers, []);
  t.deepEqual(decodeFetchedBatches([batch(0, ['a'])], 0, 't', 0, null).records[0]!.headers, [{ key: 'h', value: Buffer.from('x') }]);
  t.deepEqual(decodeFetchedBatches([], 9, 't', 0, null), { records: [], nextOffset: 9 });
  t.deepEqual(decodeFetchedBatches([marker(9, 1, false)], 9, 't', 0, []), { records: [], nextOffset: 10 }, 'only a marker: the position still moves');
});

test('CreateTime adds the record delta; LogAppendTime gives every record the batch max timestamp', (t) => {
  const create = decodeFetchedBatches([batch(0, ['a', 'b'], { timestamp: 5_000 })], 0, 't', 0, null).records;
  t.deepEqual(create.map((r) => [r.timestamp, r.timestampType]), [[5_000, 'CreateTime'], [5_001, 'CreateTime']]);
  const append = decodeFetchedBatches([batch(0, ['a', 'b'], { timestamp: 5_000, maxTimestamp: 9_000, attributes: LOG_APPEND_TIME })], 0, 't', 0, null).records;
  t.deepEqual(append.map((r) => [r.timestamp, r.timestampType]), [[9_000, 'LogAppendTime'], [9_000, 'LogAppendTime']]);
});

test('read_committed skips every aborted transaction, even two of one producer in one answer', (t) => {
  const batches = [
    batch(0, ['p1-aborted-1'], { producerId: 1, attributes: TRANSACTIONAL }),
    batch(1, ['p2-committed'], { producerId: 2, attributes: TRANSACTIONAL }),
    marker(2, 1, false),
    batch(3, ['plain']),
    marker(4, 2, true),
    batch(5, ['p1-committed'], { producerId: 1, attributes: TRANSACTIONAL }),
    marker(6, 1, true),
    batch(7, ['p1-aborted-2a', 'p1-aborted-2b'], { producerId: 1, attributes: TRANSACTIONAL }),
    marker(9, 1, false),
    batch(10, ['after'], { producerId: 1, attributes: TRANSACTIONAL }),
  ];
  const aborted = [{ producerId: 1n, firstOffset: 7n }, { producerId: 1n, firstOffset: 0n }];
  const committed = decodeFetchedBatches(batches, 0, 't', 0, aborted);
  t.deepEqual(values(committed.records), ['p2-committed', 'plain', 'p1-committed', 'after']);
  t.is(committed.nextOffset, 11);
  const uncommitted = decodeFetchedBatches(batches, 0, 't', 0, null);
  t.deepEqual(values(uncommitted.records), ['p1-aborted-1', 'p2-committed', 'plain', 'p1-committed', 'p1-aborted-2a', 'p1-aborted-2b', 'after']);
});

test('an aborted transaction that began before the fetch offset is still skipped', (t) => {
  const batches = [batch(5, ['x', 'y'], { producerId: 3, attributes: TRANSACTIONAL }), marker(7, 3, false)];
  t.deepEqual(decodeFetchedBatches(batches, 6, 't', 0, [{ producerId: 3n, firstOffset: 2n }]).records, []);
});

test('a batch in an old message format is refused with ERR_BATCH_INVALID', (t) => {
  const old = { ...batch(0, ['a']), magic: 1 };
  t.throws(() => decodeFetchedBatches([old], 0, 't', 0, null), { code: 'ERR_BATCH_INVALID' } as never);
});
