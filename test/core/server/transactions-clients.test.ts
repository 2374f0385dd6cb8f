/**
 * Real producers against the transaction APIs: a KafkaJS transactional producer (in this process)
 * commits one transaction and aborts the next with the same producer epoch, sending offsets to a
 * group in each, and kcat (librdkafka) produces idempotently. What they wrote is read back with an
 * Eddy consumer at read_committed and read_uncommitted, and from the stored batches.
 */
import { spawn } from 'node:child_process';
import test, { type ExecutionContext } from 'ava';
import { Kafka, logLevel } from 'kafkajs';
import type { Eddy } from '../../../core/eddy.js';
import type { IsolationLevel } from '../../../core/client/log-access.js';
import { API_KEYS } from '../../../core/protocol/api-keys.js';
import { batchesIn, batchIsControl, batchIsTransactional } from '../../../core/record/record-batch.js';
import { testWithKcat, whenServed } from '../../helpers/kafka-clients.js';
import { servedEddy } from '../../helpers/kafka-wire.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';


/** Every record value of a partition as an Eddy consumer at `isolationLevel` sees it. */
async function readValues(t: ExecutionContext, eddy: Eddy, topic: string, isolationLevel: IsolationLevel): Promise<string[]> {
  const consumer = eddy.consumer({ isolationLevel });
  t.teardown(() => consumer.close());
  consumer.assign([{ topic, partition: 0 }]);
  consumer.seekToBeginning();
  const values: string[] = [];
  for (;;) {
    const records = await consumer.poll({ timeoutMs: 0 });
    if (records.length === 0) break;
    for (const r of records) values.push(r.value === null ? '<null>' : r.value.toString());
  }
  await consumer.close();
  return values;
}

/** The headers of every stored batch of a partition. */
function storedHeaders(eddy: Eddy, topic: string): Array<{ producerId: number; producerEpoch: number; baseSequence: number; transactional: boolean; control: boolean }> {
  const log = eddy.partitionLog(topic, 0);
  const out = [];
  let offset = log.logStartOffset();
  while (offset < log.logEndOffset()) {
    const { bytes, nextOffset } = log.read(offset, 1 << 20);
    for (const { header } of batchesIn(bytes)) {
      out.push({ producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence, transactional: batchIsTransactional(header.attributes), control: batchIsControl(header.attributes) });
    }
    offset = nextOffset;
  }
  return out;
}

const TRANSACTIONAL_APIS = [API_KEYS.Produce, API_KEYS.Fetch, API_KEYS.FindCoordinator, API_KEYS.InitProducerId, API_KEYS.AddPartitionsToTxn, API_KEYS.AddOffsetsToTxn, API_KEYS.TxnOffsetCommit, API_KEYS.EndTxn];

whenServed(test, TRANSACTIONAL_APIS, 'core/server/handlers/transactions.ts')('KafkaJS transactional producer: a committed and an aborted transaction with sendOffsets, read at both isolation levels', async (t) => {
  const { eddy, port } = await servedEddy(t, { eddy: { onError: () => undefined } });
  const topic = uniqueTopic('kafkajs-txn');
  const source = uniqueTopic('kafkajs-txn-source');
  const group = uniqueTopic('kafkajs-txn-group');
  await eddy.admin.createTopic(topic);
  await eddy.admin.createTopic(source);

  const kafka = new Kafka({ clientId: 'eddy-txn-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const producer = kafka.producer({ transactionalId: uniqueTopic('kafkajs-txn-id'), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.teardown(() => producer.disconnect());

  const committed = await producer.transaction();
  await committed.send({ topic, messages: [{ key: 'k', value: 'committed-1' }, { key: 'k', value: 'committed-2' }] });
  await committed.sendOffsets({ consumerGroupId: group, topics: [{ topic: source, partitions: [{ partition: 0, offset: '5' }] }] });
  await committed.commit();

  const aborted = await producer.transaction();
  await aborted.send({ topic, messages: [{ key: 'k', value: 'aborted-1' }] });
  await aborted.sendOffsets({ consumerGroupId: group, topics: [{ topic: source, partitions: [{ partition: 0, offset: '9' }] }] });
  await aborted.abort();

  const third = await producer.transaction();
  await third.send({ topic, messages: [{ key: 'k', value: 'committed-3' }] });
  await third.commit();

  t.deepEqual(await readValues(t, eddy, topic, 'read_committed'), ['committed-1', 'committed-2', 'committed-3']);
  t.deepEqual(await readValues(t, eddy, topic, 'read_uncommitted'), ['committed-1', 'committed-2', 'aborted-1', 'committed-3']);

  const { partitions } = await eddy.admin.describeGroup(group);
  t.deepEqual(partitions.map((p) => [p.topic, p.partition, p.committedOffset]), [[source, 0, 5]]);

  // KafkaJS sends EndTxn v1 (transaction protocol v1): one epoch for all three transactions.
  const batches = storedHeaders(eddy, topic);
  t.deepEqual(batches.map((b) => (b.control ? 'marker' : 'data')), ['data', 'marker', 'data', 'marker', 'data', 'marker']);
  t.true(batches.every((b) => b.transactional && b.producerId === batches[0]!.producerId && b.producerEpoch === batches[0]!.producerEpoch));
});

whenServed(testWithKcat, [API_KEYS.Produce, API_KEYS.InitProducerId], 'core/server/handlers/records.ts and transactions.ts')('kcat produces idempotently (enable.idempotence=true): one producer id, consecutive sequences', async (t) => {
  const { eddy, port } = await servedEddy(t, { eddy: { onError: () => undefined } });
  const topic = uniqueTopic('kcat-idempotent');
  await eddy.admin.createTopic(topic);
  const child = spawn('kcat', ['-P', '-b', `127.0.0.1:${port}`, '-X', 'log_level=3', '-X', 'enable.idempotence=true', '-X', 'linger.ms=0', '-t', topic, '-p', '0'], { stdio: ['pipe', 'ignore', 'pipe'] });
  // A safety bound only: kcat exits as soon as its input is flushed.
  const limit = setTimeout(() => child.kill('SIGKILL'), 60_000);
  t.teardown(() => {
    clearTimeout(limit);
    child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.end(['one', 'two', 'three', 'four'].join('\n') + '\n');
  const code = await exited;
  clearTimeout(limit);
  t.is(code, 0, stderr);

  t.deepEqual(await readValues(t, eddy, topic, 'read_committed'), ['one', 'two', 'three', 'four']);
  const batches = storedHeaders(eddy, topic);
  t.true(batches.length > 0);
  t.true(batches.every((b) => b.producerId >= 0 && b.producerId === batches[0]!.producerId && !b.transactional));
  t.is(batches[0]!.baseSequence, 0);
});
