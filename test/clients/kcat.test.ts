/**
 * kcat (librdkafka) against a served Eddy: metadata, producing with each acks setting and each
 * compression codec (the batches are stored as the client compressed them), idempotent producing,
 * and consuming from the beginning, from an offset and from the end.
 */
import type { ExecutionContext } from 'ava';
import { API_KEYS } from '../../core/protocol/api-keys.js';
import type { CompressionType } from '../../core/record/record.js';
import {
  assertClientSucceeded,
  kcatBroker,
  kcatMessages,
  runClient,
  startClient,
  storedBatches,
  storedRecords,
  testWithKcat,
  testWithKcatWhenServed,
} from '../helpers/kafka-clients.js';
import { servedEddy } from '../helpers/kafka-wire.js';
import { uniqueTopic } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

async function served(t: ExecutionContext, partitions = 1) {
  const served = await servedEddy(t, { eddy: { serve: false } });
  const topic = uniqueTopic('kcat');
  await served.eddy.admin.createTopic(topic, { partitions });
  return { ...served, topic };
}

/** `kcat -P` of `lines` (key:value each) with `extra` arguments; fails the test unless it succeeds. */
async function kcatProduce(t: ExecutionContext, port: number, topic: string, lines: string[], extra: string[] = []): Promise<void> {
  const result = await runClient(t, 'kcat', [...kcatBroker(port), '-P', '-t', topic, '-p', '0', '-K', ':', ...extra], lines.map((l) => `${l}\n`).join(''));
  assertClientSucceeded(t, result, `kcat -P ${extra.join(' ')}`);
}

testWithKcat('kcat -L lists the broker and every topic with its partitions', async (t) => {
  const { port, topic, eddy } = await served(t, 3);
  const other = uniqueTopic('kcat-other');
  await eddy.admin.createTopic(other, { partitions: 1 });
  const result = await runClient(t, 'kcat', [...kcatBroker(port), '-L', '-J']);
  assertClientSucceeded(t, result, 'kcat -L');
  const metadata = JSON.parse(result.stdout) as {
    brokers: Array<{ id: number; name: string }>;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number }> }>;
  };
  t.deepEqual(metadata.brokers.map((b) => b.name), [`127.0.0.1:${port}`]);
  const byName = new Map(metadata.topics.map((tp) => [tp.topic, tp]));
  t.deepEqual(byName.get(topic)?.partitions.map((p) => p.partition).sort(), [0, 1, 2]);
  t.deepEqual(byName.get(other)?.partitions.map((p) => p.leader), [metadata.brokers[0]!.id]);
});

for (const acks of ['1', 'all']) {
  testWithKcat(`kcat -P with acks=${acks} stores keys, values and headers as sent`, async (t) => {
    const { port, topic, eddy } = await served(t);
    await kcatProduce(t, port, topic, ['k1:v1', 'k2:v2', 'k3:'], ['-X', `acks=${acks}`, '-H', 'trace=abc', '-H', 'source=kcat']);
    const log = eddy.partitionLog(topic, 0);
    // acks=all is answered only once the batch is fsynced: the recovery point has reached the log end.
    if (acks === 'all') t.is(log.recoveryPoint(), log.logEndOffset());
    const records = storedRecords(eddy, topic);
    t.deepEqual(
      records.map((r) => [r.offset, r.key, r.value]),
      [
        [0, 'k1', 'v1'],
        [1, 'k2', 'v2'],
        // An empty value stays empty (kcat sends null only with -Z).
        [2, 'k3', ''],
      ],
    );
    for (const record of records) {
      t.deepEqual(record.headers, [
        ['trace', 'abc'],
        ['source', 'kcat'],
      ]);
    }
  });
}

const CODECS: CompressionType[] = ['gzip', 'snappy', 'lz4', 'zstd'];
for (const codec of CODECS) {
  testWithKcat(`kcat -P -z ${codec}: the batch is stored compressed as sent and kcat -C reads it back`, async (t) => {
    const { port, topic, eddy } = await served(t);
    // Compressible values: librdkafka sends a batch uncompressed when compressing would not shrink it.
    const lines = Array.from({ length: 20 }, (_, i) => `key-${i}:${'abcdefgh'.repeat(16)}-${i}`);
    await kcatProduce(t, port, topic, lines, ['-z', codec, '-X', 'linger.ms=50']);
    const batches = storedBatches(eddy, topic);
    t.true(batches.length >= 1);
    t.true(batches.every((b) => b.compression === codec), `stored codecs: ${batches.map((b) => b.compression).join(',')}`);
    const consumed = await runClient(t, 'kcat', [...kcatBroker(port), '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-J']);
    assertClientSucceeded(t, consumed, 'kcat -C');
    t.deepEqual(
      kcatMessages(consumed.stdout.split('\n')).map((m) => `${m.key}:${m.payload}`),
      lines,
    );
  });
}

testWithKcatWhenServed([API_KEYS.InitProducerId], 'core/server/handlers/transactions.ts')(
  'kcat -P with enable.idempotence=true: batches carry a producer id and sequence numbers',
  async (t) => {
    const { port, topic, eddy } = await served(t);
    await kcatProduce(t, port, topic, ['a:1', 'b:2', 'c:3'], ['-X', 'enable.idempotence=true']);
    const batches = storedBatches(eddy, topic);
    t.deepEqual(batches.flatMap((b) => b.records.map((r) => `${r.key}:${r.value}`)), ['a:1', 'b:2', 'c:3']);
    t.true(batches.every((b) => b.header.producerId >= 0 && b.header.baseSequence >= 0));
  },
);

/** Produces `count` records k<i>/v<i> in process (through the log, not the wire). */
async function produceInProcess(eddy: Awaited<ReturnType<typeof served>>['eddy'], topic: string, from: number, count: number): Promise<void> {
  const producer = eddy.producer({ idempotent: false, acks: 1 });
  for (let i = from; i < from + count; i++) await producer.send({ topic, messages: [{ key: `k${i}`, value: `v${i}`, headers: { n: String(i) }, partition: 0 }] });
  await producer.close();
}

testWithKcat('kcat -C -o beginning reads every record with its key, value and headers, then stops at the end', async (t) => {
  const { port, topic, eddy } = await served(t);
  await produceInProcess(eddy, topic, 0, 5);
  const result = await runClient(t, 'kcat', [...kcatBroker(port), '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-J']);
  assertClientSucceeded(t, result, 'kcat -C');
  const messages = kcatMessages(result.stdout.split('\n'));
  t.deepEqual(
    messages.map((m) => [m.offset, m.key, m.payload, m.headers]),
    [0, 1, 2, 3, 4].map((i) => [i, `k${i}`, `v${i}`, ['n', String(i)]]),
  );
});

testWithKcat('kcat -C -o <offset> starts at that offset', async (t) => {
  const { port, topic, eddy } = await served(t);
  await produceInProcess(eddy, topic, 0, 6);
  const result = await runClient(t, 'kcat', [...kcatBroker(port), '-C', '-t', topic, '-p', '0', '-o', '4', '-e', '-J']);
  assertClientSucceeded(t, result, 'kcat -C -o 4');
  t.deepEqual(
    kcatMessages(result.stdout.split('\n')).map((m) => [m.offset, m.key]),
    [
      [4, 'k4'],
      [5, 'k5'],
    ],
  );
});

testWithKcat('kcat -C -o end waits at the end and receives what is produced next', async (t) => {
  const { port, topic, eddy } = await served(t);
  await produceInProcess(eddy, topic, 0, 3);
  const consumer = startClient(t, 'kcat', [...kcatBroker(port), '-C', '-t', topic, '-p', '0', '-o', 'end', '-J', '-u']);
  // Positioned at the end once its fetch is parked in the log waiting for data.
  const log = eddy.partitionLog(topic, 0);
  await waitFor(() => log.pendingWaiters() > 0, 'kcat to long-poll at the end of the log');
  await kcatProduce(t, port, topic, ['late:arrival']);
  await consumer.waitForLines((lines) => kcatMessages(lines).length >= 1, 'the record produced after kcat started');
  t.deepEqual(
    kcatMessages(consumer.lines).map((m) => [m.offset, m.key, m.payload]),
    [[3, 'late', 'arrival']],
  );
});
