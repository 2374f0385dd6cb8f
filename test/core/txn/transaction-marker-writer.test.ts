/**
 * The marker writer against small fakes of the logs and the group coordinator (the cases a real data
 * directory makes hard to reach): deleted partitions are skipped, a fenced marker is dropped and
 * reported, any other failure rejects before the group coordinator hears of anything, and the
 * hanging-transaction sweep leaves unresolved producers alone and picks an epoch no log refuses.
 */
import test from 'ava';
import type { AppendResult } from '../../../core/client/log-access.js';
import { EddyError, isEddyError } from '../../../core/errors.js';
import { OFFSETS_TOPIC } from '../../../core/group/offset-store.js';
import { TransactionMarkerWriter, type TransactionPartitionLog } from '../../../core/txn/transaction-marker-writer.js';

class FakeLog implements TransactionPartitionLog {
  markers: string[] = [];
  flushes = 0;
  fail: EddyError | Error | null = null;
  epochs = new Map<number, number>();
  open: Array<{ producerId: number; producerEpoch: number; firstOffset: number }> = [];

  appendControl(type: 'commit' | 'abort', producerId: number, producerEpoch: number): AppendResult {
    if (this.fail !== null) throw this.fail;
    const known = this.epochs.get(producerId) ?? -1;
    if (producerEpoch < known) throw new EddyError('ERR_PRODUCER_FENCED', `epoch ${producerEpoch} < ${known}`);
    this.markers.push(`${type}:${producerId}:${producerEpoch}`);
    this.open = this.open.filter((t) => t.producerId !== producerId);
    return { baseOffset: 0, lastOffset: 0, logAppendTime: -1, timestampType: 'CreateTime' };
  }

  ongoingTransactions() {
    return this.open;
  }

  producerEpoch(producerId: number): number | null {
    return this.epochs.get(producerId) ?? null;
  }

  async flush(): Promise<void> {
    this.flushes++;
  }
}

function setup() {
  const logs = new Map<string, FakeLog>([['a-0', new FakeLog()], ['a-1', new FakeLog()], [`${OFFSETS_TOPIC}-0`, new FakeLog()]]);
  const completed: string[] = [];
  const errors: EddyError[] = [];
  let pending: Array<{ offsetsPartition: number; producerId: number }> = [];
  const writer = new TransactionMarkerWriter({
    logs: {
      partitionLog: (topic, partition) => {
        const log = logs.get(`${topic}-${partition}`);
        if (log === undefined) throw new EddyError('ERR_TOPIC_NOT_FOUND', topic);
        return log;
      },
      allPartitions: () => [...logs.keys()].map((k) => ({ topic: k.slice(0, k.lastIndexOf('-')), partition: Number(k.slice(k.lastIndexOf('-') + 1)) })),
    },
    offsets: {
      offsetsPartitionFor: () => 0,
      txnOffsetCommit: async () => undefined,
      completeTransaction: (p, producerId, commit) => {
        completed.push(`${p}:${producerId}:${commit}`);
      },
      pendingTransactions: () => pending,
    },
    onError: (err) => errors.push(err),
  });
  return { logs, completed, errors, writer, setPending: (p: typeof pending) => (pending = p) };
}

const log = (logs: Map<string, FakeLog>, key: string): FakeLog => logs.get(key) as FakeLog;

test('markers go to every partition, deleted ones are skipped; the offsets partition is reported after the flush', async (t) => {
  const { logs, completed, writer } = setup();
  await writer.writeMarkers(7, 2, true, [{ topic: 'a', partition: 0 }, { topic: 'gone', partition: 0 }, { topic: OFFSETS_TOPIC, partition: 0 }]);
  t.deepEqual(log(logs, 'a-0').markers, ['commit:7:2']);
  t.deepEqual(log(logs, `${OFFSETS_TOPIC}-0`).markers, ['commit:7:2']);
  t.is(log(logs, 'a-0').flushes, 1);
  t.deepEqual(completed, ['0:7:true']);
});

test('a fenced marker is dropped and reported; any other failure rejects and reports nothing to the group coordinator', async (t) => {
  const { logs, completed, errors, writer } = setup();
  log(logs, 'a-0').epochs.set(7, 5);
  await writer.writeMarkers(7, 2, false, [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }]);
  t.deepEqual(log(logs, 'a-1').markers, ['abort:7:2']);
  t.true(isEddyError(errors[0], 'ERR_PRODUCER_FENCED'));
  log(logs, 'a-1').fail = new EddyError('ERR_LOG_FAILED', 'disk');
  await t.throwsAsync(writer.writeMarkers(8, 0, true, [{ topic: OFFSETS_TOPIC, partition: 0 }, { topic: 'a', partition: 1 }]), { message: 'disk' });
  t.deepEqual(completed, []);
});

test('abortHanging: every open transaction and pending offsets producer gets an abort at the largest known epoch, except unresolved ones', async (t) => {
  const { logs, completed, writer, setPending } = setup();
  log(logs, 'a-0').open = [{ producerId: 1, producerEpoch: 4, firstOffset: 0 }, { producerId: 2, producerEpoch: 0, firstOffset: 3 }];
  log(logs, 'a-0').epochs.set(1, 4).set(2, 0);
  log(logs, 'a-1').open = [{ producerId: 3, producerEpoch: 1, firstOffset: 0 }];
  log(logs, 'a-1').epochs.set(3, 1);
  setPending([{ offsetsPartition: 0, producerId: 9 }]);
  const aborted = await writer.abortHanging((id) => (id === 2 ? 6 : undefined), new Set([3]));
  t.is(aborted, 3);
  t.deepEqual(log(logs, 'a-0').markers, ['abort:1:4', 'abort:2:6']);
  t.deepEqual(log(logs, 'a-1').markers, []);
  t.deepEqual(log(logs, `${OFFSETS_TOPIC}-0`).markers, ['abort:9:0']);
  t.deepEqual(completed, ['0:9:false']);
});

test('abortHanging reports a failing partition and carries on with the others', async (t) => {
  const { logs, errors, writer } = setup();
  log(logs, 'a-0').open = [{ producerId: 1, producerEpoch: 0, firstOffset: 0 }];
  log(logs, 'a-0').fail = new Error('EIO');
  log(logs, 'a-1').open = [{ producerId: 2, producerEpoch: 0, firstOffset: 0 }];
  t.is(await writer.abortHanging(() => undefined, new Set()), 1);
  t.deepEqual(log(logs, 'a-1').markers, ['abort:2:0']);
  t.is(errors[0]?.code, 'ERR_STORAGE_IO');
});
