/**
 * Helpers of the transaction tests: an Eddy on a temp dir closed at teardown, a crash image of an
 * open data directory, and the batches of a partition decoded far enough to see markers.
 */
import type { ExecutionContext } from 'ava';
import { ManualClock } from '../../../core/clock.js';
import { Eddy } from '../../../core/eddy.js';
import { isEddyError, type ErrorCode } from '../../../core/errors.js';
import { decodeControlRecord } from '../../../core/record/control-record.js';
import { batchesIn, batchIsControl, batchIsTransactional, decodeRecords, encodeRecordBatch } from '../../../core/record/record-batch.js';
import { copyDataDir, tempDir } from '../../helpers/temp-dir.js';

export async function openEddy(t: ExecutionContext, dataDir = tempDir(t), options: { clock?: ManualClock; config?: Record<string, number> } = {}): Promise<Eddy> {
  const eddy = await Eddy.open({ dataDir, clock: options.clock ?? new ManualClock(), config: options.config, onError: () => undefined });
  t.teardown(() => eddy.close());
  return eddy;
}

/**
 * What a crash would leave: a copy of the files of a directory that is still open (whatever was
 * written, no clean-shutdown marker since open removed it), without its lock.
 */
export function crashCopy(t: ExecutionContext, dataDir: string): string {
  const copy = tempDir(t, 'eddy-txn-crash-');
  copyDataDir(dataDir, copy);
  return copy;
}

export interface StoredBatch {
  baseOffset: number;
  producerId: number;
  producerEpoch: number;
  transactional: boolean;
  /** 'commit' / 'abort' for a marker, else null. */
  marker: 'commit' | 'abort' | 'unknown' | null;
  records: number;
}

/** Every batch of a partition, in log order. */
export function storedBatches(eddy: Eddy, topic: string, partition: number): StoredBatch[] {
  const log = eddy.partitionLog(topic, partition);
  const out: StoredBatch[] = [];
  let offset = log.logStartOffset();
  while (offset < log.logEndOffset()) {
    const { bytes, nextOffset } = log.read(offset, 1 << 20);
    for (const { position, size, header } of batchesIn(bytes)) {
      const records = decodeRecords(bytes.subarray(position, position + size), header);
      out.push({
        baseOffset: header.baseOffset,
        producerId: header.producerId,
        producerEpoch: header.producerEpoch,
        transactional: batchIsTransactional(header.attributes),
        marker: batchIsControl(header.attributes) && records[0] !== undefined ? decodeControlRecord(records[0]).type : null,
        records: records.length,
      });
    }
    offset = nextOffset;
  }
  return out;
}

/** The markers of a partition as `type:producerId:epoch`. */
export function markers(eddy: Eddy, topic: string, partition: number): string[] {
  return storedBatches(eddy, topic, partition).filter((b) => b.marker !== null).map((b) => `${b.marker}:${b.producerId}:${b.producerEpoch}`);
}

export async function rejects(t: ExecutionContext, promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
    t.fail(`expected ${code}, resolved`);
  } catch (err) {
    t.true(isEddyError(err, code), `expected ${code}, got ${String(err)}`);
  }
}

/** Appends one transactional batch of the producer straight to the log, as its client would. */
export function appendTxn(eddy: Eddy, topic: string, partition: number, producerId: number, producerEpoch: number, baseSequence: number, value = 'v'): void {
  eddy.partitionLog(topic, partition).append(encodeRecordBatch({
    records: [{ key: Buffer.from('k'), value: Buffer.from(value) }],
    producerId,
    producerEpoch,
    baseSequence,
    isTransactional: true,
    now: eddy.clock.now(),
  }));
}
