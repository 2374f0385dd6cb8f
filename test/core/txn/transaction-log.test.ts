/**
 * The __transaction_state codec: Kafka's TransactionLogKey v0 / TransactionLogValue v0 byte for
 * byte (golden bytes built independently with Python's struct), round trips, and garbage: every
 * truncation, bit flips and random bytes decode to a value or ERR_RECORD_INVALID, never anything else.
 */
import test from 'ava';
import fc from 'fast-check';
import { isEddyError } from '../../../core/errors.js';
import {
  decodeTransactionLogKey,
  decodeTransactionLogValue,
  encodeTransactionLogKey,
  encodeTransactionLogValue,
  TRANSACTION_STATE_IDS,
  type TransactionLogValue,
  type TransactionState,
} from '../../../core/txn/transaction-log.js';

const ONGOING: TransactionLogValue = {
  producerId: 1000,
  producerEpoch: 3,
  transactionTimeoutMs: 60_000,
  state: 'Ongoing',
  partitions: [{ topic: 'orders', partitionIds: [0, 2] }],
  lastUpdateTimestampMs: 1_700_000_000_123,
  startTimestampMs: 1_700_000_000_000,
};

// struct.pack('>hqhib', 0, 1000, 3, 60000, 1) + '>i' 1 + '>h' 6 'orders' + '>iii' 2 0 2 + '>qq' ...
const ONGOING_HEX = '000000000000000003e800030000ea60010000000100066f72646572730000000200000000000000020000018bcfe5687b0000018bcfe56800';
// Empty: the partition array is null (-1), the start timestamp -1, as Kafka writes it.
const EMPTY_HEX = '0000000000000000002a0000000dbba000ffffffff0000018bcfe56800ffffffffffffffff';

test('key v0: int16 version 0, then the transactionalId as an int16-length string', (t) => {
  t.is(encodeTransactionLogKey('txn-1').toString('hex'), '0000000574786e2d31');
  t.is(decodeTransactionLogKey(Buffer.from('0000000574786e2d31', 'hex')), 'txn-1');
});

test('a key of another version is not ours: null, so the loader skips it', (t) => {
  t.is(decodeTransactionLogKey(Buffer.from('0001000574786e2d31', 'hex')), null);
});

test('value v0 of an Ongoing transaction matches the golden bytes and decodes back', (t) => {
  t.is(encodeTransactionLogValue(ONGOING).toString('hex'), ONGOING_HEX);
  t.deepEqual(decodeTransactionLogValue(Buffer.from(ONGOING_HEX, 'hex')), ONGOING);
});

test('value v0 of state Empty writes a null partition array', (t) => {
  const empty: TransactionLogValue = { producerId: 42, producerEpoch: 0, transactionTimeoutMs: 900_000, state: 'Empty', partitions: [], lastUpdateTimestampMs: 1_700_000_000_000, startTimestampMs: -1 };
  t.is(encodeTransactionLogValue(empty).toString('hex'), EMPTY_HEX);
  t.deepEqual(decodeTransactionLogValue(Buffer.from(EMPTY_HEX, 'hex')), empty);
});

test('state ids are Kafka\'s', (t) => {
  t.deepEqual(TRANSACTION_STATE_IDS, { Empty: 0, Ongoing: 1, PrepareCommit: 2, PrepareAbort: 3, CompleteCommit: 4, CompleteAbort: 5, Dead: 6, PrepareEpochFence: 7 });
});

function expectInvalid(t: { true(v: boolean, m?: string): void }, fn: () => unknown, what: string): void {
  try {
    fn();
    t.true(false, `${what}: decoded`);
  } catch (err) {
    t.true(isEddyError(err, 'ERR_RECORD_INVALID'), `${what}: ${String(err)}`);
  }
}

test('every truncation of a value, and trailing bytes, are ERR_RECORD_INVALID', (t) => {
  const bytes = Buffer.from(ONGOING_HEX, 'hex');
  for (let n = 0; n < bytes.length; n++) expectInvalid(t, () => decodeTransactionLogValue(bytes.subarray(0, n)), `first ${n} bytes`);
  expectInvalid(t, () => decodeTransactionLogValue(Buffer.concat([bytes, Buffer.from([0])])), 'one trailing byte');
  expectInvalid(t, () => decodeTransactionLogKey(Buffer.from('00000005747878', 'hex')), 'short key');
});

test('bad fields are ERR_RECORD_INVALID: version, status, counts, negative ids, null topic', (t) => {
  const bytes = (): Buffer => Buffer.from(ONGOING_HEX, 'hex');
  const patch = (at: number, hex: string): Buffer => {
    const b = bytes();
    Buffer.from(hex, 'hex').copy(b, at);
    return b;
  };
  expectInvalid(t, () => decodeTransactionLogValue(patch(0, '0001')), 'value version 1');
  expectInvalid(t, () => decodeTransactionLogValue(patch(16, '08')), 'status 8');
  expectInvalid(t, () => decodeTransactionLogValue(patch(16, 'ff')), 'status -1');
  expectInvalid(t, () => decodeTransactionLogValue(patch(17, '7fffffff')), 'topic count beyond the bytes');
  expectInvalid(t, () => decodeTransactionLogValue(patch(17, 'fffffffe')), 'topic count -2');
  expectInvalid(t, () => decodeTransactionLogValue(patch(21, 'ffff')), 'null topic string');
  expectInvalid(t, () => decodeTransactionLogValue(patch(29, '10000000')), 'partition id count beyond the bytes');
  expectInvalid(t, () => decodeTransactionLogValue(patch(33, 'ffffffff')), 'partition id -1');
  expectInvalid(t, () => decodeTransactionLogValue(patch(2, 'ffffffffffffff00')), 'producer id -256');
  expectInvalid(t, () => decodeTransactionLogValue(patch(12, '80000000')), 'negative timeout');
  expectInvalid(t, () => decodeTransactionLogValue(patch(41, '7fffffffffffffff')), 'unsafe timestamp');
});

test('encoding refuses values Kafka could not read', (t) => {
  expectInvalid(t, () => encodeTransactionLogValue({ ...ONGOING, state: 'Empty' }), 'Empty with partitions');
  expectInvalid(t, () => encodeTransactionLogValue({ ...ONGOING, producerEpoch: 0x8000 }), 'epoch above int16');
  expectInvalid(t, () => encodeTransactionLogValue({ ...ONGOING, state: 'Bogus' as TransactionState }), 'unknown state');
  expectInvalid(t, () => encodeTransactionLogValue({ ...ONGOING, partitions: [{ topic: 'x', partitionIds: [-1] }] }), 'negative partition');
  expectInvalid(t, () => encodeTransactionLogKey('x'.repeat(0x8000)), 'key too long');
});

const states = Object.keys(TRANSACTION_STATE_IDS) as TransactionState[];
const valueArb: fc.Arbitrary<TransactionLogValue> = fc
  .record({
    producerId: fc.integer({ min: -1, max: Number.MAX_SAFE_INTEGER }),
    producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
    transactionTimeoutMs: fc.integer({ min: 0, max: 0x7fffffff }),
    state: fc.constantFrom(...states),
    partitions: fc.array(fc.record({ topic: fc.string({ maxLength: 20 }), partitionIds: fc.array(fc.integer({ min: 0, max: 0x7fffffff }), { maxLength: 5 }) }), { maxLength: 4 }),
    lastUpdateTimestampMs: fc.integer({ min: -1, max: Number.MAX_SAFE_INTEGER }),
    startTimestampMs: fc.integer({ min: -1, max: Number.MAX_SAFE_INTEGER }),
  })
  .map((v) => (v.state === 'Empty' ? { ...v, partitions: [] } : v));

test('property: any value round-trips', (t) => {
  fc.assert(fc.property(valueArb, (value) => {
    t.deepEqual(decodeTransactionLogValue(encodeTransactionLogValue(value)), value);
  }), { numRuns: 300 });
});

test('fuzz: corrupted and random bytes decode or fail with ERR_RECORD_INVALID, nothing else', (t) => {
  const decodeOrInvalid = (bytes: Buffer): boolean => {
    try {
      decodeTransactionLogValue(bytes);
      decodeTransactionLogKey(bytes);
      return true;
    } catch (err) {
      return isEddyError(err, 'ERR_RECORD_INVALID');
    }
  };
  t.notThrows(() => {
    fc.assert(fc.property(valueArb, fc.nat(), fc.integer({ min: 0, max: 7 }), (value, at, bit) => {
      const bytes = encodeTransactionLogValue(value);
      const i = at % bytes.length;
      bytes[i] = (bytes[i] as number) ^ (1 << bit);
      return decodeOrInvalid(bytes);
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (raw) => decodeOrInvalid(Buffer.from(raw))), { numRuns: 1000 });
  });
});
