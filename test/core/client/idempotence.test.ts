import test from 'ava';
import { Eddy } from '../../../core/eddy.js';
import type { LogAccess, ProducerLogAccess } from '../../../core/client/log-access.js';
import { Producer } from '../../../core/client/producer.js';
import { EddyError, isEddyError } from '../../../core/errors.js';
import { flakyLog, seededRandom } from '../../helpers/flaky-log.js';
import { readAll } from '../../helpers/read-all.js';
import { tempDir, uniqueTopic } from '../../helpers/temp-dir.js';
import { nextTurn } from '../../helpers/wait-for.js';

test('retry storm: lost requests and acknowledgements with 5 batches in flight give no duplicates, no gaps and send order', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  const topic = uniqueTopic();
  const PARTITIONS = 3;
  const RECORDS = 200_000;
  await eddy.admin.createTopic(topic, { partitions: PARTITIONS });
  const { access, counts } = flakyLog(eddy.logAccess, { dropAck: 0.07, loseRequest: 0.03, random: seededRandom(20261121) });
  // Small batches so there are thousands of them and up to 5 per partition in flight.
  const producer = new Producer<string, string>(access, { acks: 'all', batchSize: 1500, maxInFlight: 5, retryBackoffMs: 1 });
  const sent: number[] = new Array<number>(PARTITIONS).fill(0);
  const pending: Array<Promise<unknown>> = [];
  for (let n = 0; n < RECORDS; n += 50) {
    const messages = [];
    for (let i = n; i < n + 50; i++) {
      const partition = i % PARTITIONS;
      messages.push({ partition, key: `k${i}`, value: `${partition}:${sent[partition]!++}` });
    }
    pending.push(producer.send({ topic, messages }));
    if (pending.length >= 200) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await producer.close();

  const metrics = producer.metrics();
  t.true(counts.droppedAcks > 100 && counts.lostRequests > 30, `faults injected: ${JSON.stringify(counts)}`);
  t.true(metrics.retries > 0 && metrics.duplicates > 0, `retries and duplicates happened: ${JSON.stringify(metrics)}`);
  let duplicates = 0;
  let gaps = 0;
  let outOfOrder = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const seen = readAll(eddy.partitionLog(topic, p)).map((r) => Number(r.value?.toString().split(':')[1]));
    const unique = new Set(seen);
    duplicates += seen.length - unique.size;
    gaps += sent[p]! - unique.size;
    for (let i = 0; i < seen.length; i++) if (seen[i] !== i) outOfOrder++;
  }
  t.deepEqual({ duplicates, gaps, outOfOrder }, { duplicates: 0, gaps: 0, outOfOrder: 0 });
  await eddy.close();
});

test('a batch the log refuses for good fails alone; later batches take over its sequence numbers', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { partitions: 1, config: { 'max.message.bytes': 2000 } });
  const producer = eddy.producer<string, string>({ batchSize: 100_000 });
  const first = producer.send({ topic, messages: [{ value: 'a' }] });
  await first;
  const tooLarge = producer.send({ topic, messages: [{ value: 'x'.repeat(5000) }] });
  const err = await t.throwsAsync(tooLarge);
  t.true(isEddyError(err, 'ERR_RECORD_TOO_LARGE'));
  await producer.send({ topic, messages: [{ value: 'b' }] });
  await producer.send({ topic, messages: [{ value: 'c' }] });
  t.deepEqual(readAll(eddy.partitionLog(topic, 0)).map((r) => r.value?.toString()), ['a', 'b', 'c']);
  await eddy.close();
});

test('idempotence is on by default and off when acks 0 or 1 is asked for', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  const topic = uniqueTopic();
  const idempotent = eddy.producer();
  await idempotent.send({ topic, messages: [{ value: 'x' }] });
  t.true(idempotent.producerIdAndEpoch.producerId >= 0);
  t.false(eddy.producer({ acks: 1 }).options.idempotent);
  t.throws(() => eddy.producer({ acks: 1, idempotent: true }), { code: 'ERR_CONFIG_INVALID' } as never);
  t.throws(() => eddy.producer({ maxInFlight: 6 }), { code: 'ERR_CONFIG_INVALID' } as never);
  // Two producers get different ids; ids are not reused after a reopen.
  const other = eddy.producer();
  await other.send({ topic, messages: [{ value: 'y' }] });
  const ids = new Set([idempotent.producerIdAndEpoch.producerId, other.producerIdAndEpoch.producerId]);
  t.is(ids.size, 2);
  const dataDir = eddy.dataDir;
  await eddy.close();
  const reopened = await Eddy.open({ dataDir });
  const third = reopened.producer();
  await third.send({ topic, messages: [{ value: 'z' }] });
  t.false(ids.has(third.producerIdAndEpoch.producerId));
  await reopened.close();
});

/**
 * A backend in front of the real log whose next append request is lost, or whose first producer id
 * request is held until the test fails it.
 */
function lossy(inner: LogAccess): { access: ProducerLogAccess; loseNextAppend(): void; holdFirstIdRequest(): () => void } {
  const lost = (what: string): EddyError => new EddyError('ERR_REQUEST_TIMED_OUT', `simulated: ${what} lost`);
  let loseAppend = false;
  let heldIdRequest: Promise<never> | null = null;
  const access: ProducerLogAccess = {
    clock: inner.clock,
    partitionCount: (topic, autoCreate) => inner.partitionCount(topic, autoCreate),
    partitionLog: (topic, partition) => {
      const log = inner.partitionLog(topic, partition);
      return {
        flush: () => log.flush(),
        append: (batch) => {
          if (!loseAppend) return log.append(batch);
          loseAppend = false;
          throw lost('append request');
        },
      };
    },
    transactions: {
      ...inner.transactions,
      initProducerId: (transactionalId, timeoutMs) => {
        if (heldIdRequest === null) return inner.transactions.initProducerId(transactionalId, timeoutMs);
        const held = heldIdRequest;
        heldIdRequest = null;
        return held;
      },
    },
  };
  const holdFirstIdRequest = (): (() => void) => {
    let fail!: () => void;
    heldIdRequest = new Promise<never>((_, reject) => (fail = () => reject(lost('producer id request'))));
    return fail;
  };
  return { access, loseNextAppend: () => (loseAppend = true), holdFirstIdRequest };
}

test('a batch whose outcome stays unknown gets the producer a new id, so later batches are not refused as out of order (KIP-360)', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  t.teardown(() => eddy.close());
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { partitions: 1 });
  const backend = lossy(eddy.logAccess);
  const producer = new Producer<string, string>(backend.access, { retries: 0 });
  await producer.send({ topic, messages: [{ value: 'a' }] });
  const first = producer.producerIdAndEpoch;
  backend.loseNextAppend();
  t.true(isEddyError(await t.throwsAsync(producer.send({ topic, messages: [{ value: 'b' }] })), 'ERR_REQUEST_TIMED_OUT'));
  // Under the old id the log would expect b's sequence number next and refuse c's.
  await producer.send({ topic, messages: [{ value: 'c' }] });
  t.not(producer.producerIdAndEpoch.producerId, first.producerId);
  await producer.close();
  t.deepEqual(readAll(eddy.partitionLog(topic, 0)).map((r) => r.value?.toString()), ['a', 'c']);
});

test('when the producer id cannot be obtained, the sends waiting for it fail and the next send asks again', async (t) => {
  const eddy = await Eddy.open({ dataDir: tempDir(t) });
  t.teardown(() => eddy.close());
  const topic = uniqueTopic();
  await eddy.admin.createTopic(topic, { partitions: 1 });
  const backend = lossy(eddy.logAccess);
  const failIdRequest = backend.holdFirstIdRequest();
  const producer = new Producer<string, string>(backend.access);
  const waiting = producer.send({ topic, messages: [{ value: 'a' }] });
  await nextTurn(); // the batch is sealed and waits for the id
  failIdRequest();
  t.true(isEddyError(await t.throwsAsync(waiting), 'ERR_REQUEST_TIMED_OUT'));
  t.is(producer.producerIdAndEpoch.producerId, -1);
  const [meta] = await producer.send({ topic, messages: [{ value: 'b' }] });
  t.is(meta!.offset, 0);
  t.true(producer.producerIdAndEpoch.producerId >= 0);
  await producer.close();
});
