/**
 * kafka-python (Debian's python3-kafka under /usr/bin/python3) against a served Eddy: KafkaProducer
 * with acks all and each compression codec whose Python module Debian packages (the batches are
 * stored compressed as sent), and KafkaConsumer without a group (assign + seek).
 */
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import type { CompressionType } from '../../core/record/record.js';
import { assertClientSucceeded, runPythonFixture, startClient, DEBIAN_PYTHON, storedBatches, testWithKafkaPython, testWithPythonModules } from '../helpers/kafka-clients.js';
import { REPO_ROOT } from '../helpers/child-process.js';
import { servedEddy } from '../helpers/kafka-wire.js';
import { uniqueTopic } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

async function served(t: ExecutionContext) {
  const served = await servedEddy(t, { eddy: { serve: false } });
  const topic = uniqueTopic('kafka-python');
  await served.eddy.admin.createTopic(topic, { partitions: 1 });
  return { ...served, topic, bootstrap: `127.0.0.1:${served.port}` };
}

interface PythonRecord {
  key: string | null;
  value: string | null;
  headers?: Array<[string, string | null]>;
}

const RECORDS: PythonRecord[] = [
  { key: 'k0', value: 'v0'.repeat(40), headers: [['trace', 'abc']] },
  { key: null, value: 'no key'.repeat(20) },
  { key: 'k2', value: null, headers: [['a', '1'], ['b', '']] },
];

/** Each compressible on its own: kafka-python sends a batch uncompressed when compressing would not shrink it. */
const COMPRESSIBLE: PythonRecord[] = [0, 1, 2].map((i) => ({ key: `k${i}`, value: `value-${i}-`.repeat(30), headers: [['n', String(i)]] }));

/** kafka-python's compression codecs and the Debian package of the module each needs (gzip is in the standard library). */
const CODECS: ReadonlyArray<{ codec: CompressionType; module?: readonly [string, string] }> = [
  { codec: 'gzip' },
  { codec: 'snappy', module: ['snappy', 'python3-snappy'] },
  { codec: 'lz4', module: ['lz4', 'python3-lz4'] },
  { codec: 'zstd', module: ['zstandard', 'python3-zstandard'] },
];

async function produce(t: ExecutionContext, bootstrap: string, topic: string, records: PythonRecord[], options: { acks?: string | number; compression?: CompressionType }) {
  const result = await runPythonFixture(t, 'kafka-python-producer.py', { bootstrap, topic, partition: 0, records, acks: options.acks ?? 'all', compression: options.compression ?? null });
  assertClientSucceeded(t, result, 'kafka-python producer');
  return result.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { partition: number; offset: number });
}

testWithKafkaPython('KafkaProducer with acks all: offsets acknowledged, records stored with keys, values and headers', async (t) => {
  const { eddy, topic, bootstrap } = await served(t);
  const acknowledged = await produce(t, bootstrap, topic, RECORDS, { acks: 'all' });
  t.deepEqual(acknowledged, [0, 1, 2].map((offset) => ({ partition: 0, offset })));
  const log = eddy.partitionLog(topic, 0);
  t.is(log.recoveryPoint(), log.logEndOffset(), 'acks all is answered once the batch is fsynced');
  const stored = storedBatches(eddy, topic).flatMap((b) => b.records);
  t.deepEqual(
    stored.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
    RECORDS.map((r) => ({ key: r.key, value: r.value, headers: r.headers ?? [] })),
  );
});

for (const { codec, module } of CODECS) {
  const declare = testWithPythonModules([['kafka', 'python3-kafka'], ...(module === undefined ? [] : [module])]);
  declare(`KafkaProducer with compression ${codec}: the batch is stored compressed as sent`, async (t) => {
    const { eddy, topic, bootstrap } = await served(t);
    await produce(t, bootstrap, topic, COMPRESSIBLE, { acks: 'all', compression: codec });
    const batches = storedBatches(eddy, topic);
    t.true(batches.length >= 1);
    t.true(batches.every((b) => b.compression === codec), `stored codecs: ${batches.map((b) => b.compression).join(',')}`);
    t.deepEqual(
      batches.flatMap((b) => b.records.map((r) => r.value)),
      COMPRESSIBLE.map((r) => r.value),
    );
  });
}

/** Produces `count` records k<i>/v<i> (header n=<i>) in process. */
async function produceInProcess(eddy: Awaited<ReturnType<typeof served>>['eddy'], topic: string, from: number, count: number): Promise<void> {
  const producer = eddy.producer({ idempotent: false, acks: 1 });
  for (let i = from; i < from + count; i++) await producer.send({ topic, messages: [{ key: `k${i}`, value: `v${i}`, headers: { n: String(i) }, partition: 0 }] });
  await producer.close();
}

interface ConsumedRecord {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

function consumedRecords(lines: readonly string[]): ConsumedRecord[] {
  return lines.filter((l) => l.startsWith('{"offset"')).map((l) => JSON.parse(l) as ConsumedRecord);
}

testWithKafkaPython('KafkaConsumer without a group: assign, seek to an offset, read keys, values and headers', async (t) => {
  const { eddy, topic, bootstrap } = await served(t);
  await produceInProcess(eddy, topic, 0, 6);
  const result = await runPythonFixture(t, 'kafka-python-consumer.py', { bootstrap, topic, partition: 0, offset: 2, count: 4 });
  assertClientSucceeded(t, result, 'kafka-python consumer');
  t.deepEqual(
    consumedRecords(result.stdout.split('\n')),
    [2, 3, 4, 5].map((i) => ({ offset: i, key: `k${i}`, value: `v${i}`, headers: [['n', String(i)]] as Array<[string, string | null]> })),
  );
});

testWithKafkaPython('KafkaConsumer seeks to the beginning and to the end, and receives what is produced next', async (t) => {
  const { eddy, topic, bootstrap } = await served(t);
  await produceInProcess(eddy, topic, 0, 3);
  const fromStart = await runPythonFixture(t, 'kafka-python-consumer.py', { bootstrap, topic, partition: 0, offset: 'beginning', count: 3 });
  assertClientSucceeded(t, fromStart, 'kafka-python consumer from the beginning');
  t.deepEqual(consumedRecords(fromStart.stdout.split('\n')).map((r) => r.offset), [0, 1, 2]);

  const fromEnd = startClient(t, DEBIAN_PYTHON, [path.join(REPO_ROOT, 'test', 'fixtures', 'clients', 'kafka-python-consumer.py')]);
  fromEnd.write(JSON.stringify({ bootstrap, topic, partition: 0, offset: 'end', count: 1 }));
  fromEnd.endInput();
  await fromEnd.waitForLines((lines) => lines.includes('{"ready": true}'), 'the consumer to be positioned at the end');
  const log = eddy.partitionLog(topic, 0);
  await waitFor(() => log.pendingWaiters() > 0, 'the consumer to long-poll at the end of the log');
  await produceInProcess(eddy, topic, 3, 1);
  const result = await fromEnd.exited;
  assertClientSucceeded(t, result, 'kafka-python consumer from the end');
  t.deepEqual(consumedRecords(fromEnd.lines).map((r) => [r.offset, r.key]), [[3, 'k3']]);
});
