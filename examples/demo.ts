/**
 * `npm start`: Eddy's demo on an embedded data directory (./eddy-data, or EDDY_DATA_DIR).
 * An orders service writes keyed order events to a 3-partition topic; a consumer reads them back.
 * Records with the same key land in the same partition, so each order's events stay in order.
 * Run it twice: the data directory keeps the earlier run's records and offsets continue.
 */
import { Eddy, isEddyError, jsonSerde, serdes } from '../core/index.js';

const dataDir = process.env['EDDY_DATA_DIR'] ?? './eddy-data';
const topic = 'orders';

interface OrderEvent {
  orderId: string;
  status: 'created' | 'paid' | 'shipped';
  amount: number;
}

const eddy = await Eddy.open({ dataDir });
console.log(`Opened data directory ${eddy.dataDir}${eddy.openedClean ? '' : ' (recovered after an unclean shutdown)'}`);

try {
  await eddy.admin.createTopic(topic, { partitions: 3, config: { 'retention.ms': 7 * 24 * 3600 * 1000 } });
  console.log(`Created topic "${topic}" with 3 partitions`);
} catch (err) {
  if (!isEddyError(err, 'ERR_TOPIC_EXISTS')) throw err;
  console.log(`Topic "${topic}" exists; appending to it`);
}
const before = await eddy.admin.describeTopic(topic);

const orderSerde = jsonSerde<OrderEvent>();
const producer = eddy.producer({ acks: 'all', keySerde: serdes.string, valueSerde: orderSerde });
const events: OrderEvent[] = [];
for (let i = 1; i <= 4; i++) {
  for (const status of ['created', 'paid', 'shipped'] as const) events.push({ orderId: `order-${i}`, status, amount: i * 10 });
}
const sent = await producer.send({ topic, messages: events.map((e) => ({ key: e.orderId, value: e })) });
console.log(`\nProduced ${sent.length} records (acks=all: appended and fsynced):`);
for (const [i, meta] of sent.entries()) {
  const event = events[i] as OrderEvent;
  console.log(`  ${event.orderId.padEnd(8)} ${event.status.padEnd(8)} -> partition ${meta.partition} offset ${meta.offset}`);
}

const consumer = eddy.consumer({ keySerde: serdes.string, valueSerde: orderSerde, autoOffsetReset: 'earliest' });
consumer.assign(before.partitions.map((p) => ({ topic, partition: p.partition })));
for (const p of before.partitions) consumer.seek({ topic, partition: p.partition, offset: p.logEndOffset });

console.log('\nConsumed back, per partition in offset order:');
const received: Array<{ partition: number; offset: number; key: string; value: OrderEvent }> = [];
while (received.length < sent.length) {
  const records = await consumer.poll({ maxRecords: 100, timeoutMs: 1000 });
  if (records.length === 0) break;
  for (const r of records) {
    console.log(`  p${r.partition}@${r.offset}  key=${r.key}  ${JSON.stringify(r.value)}`);
    received.push({ partition: r.partition, offset: r.offset, key: r.key as string, value: r.value as OrderEvent });
  }
}
await consumer.close();

// Exactly-once: this run's 'paid' events go to "payments" in one transaction together with the
// consumed offsets of a group; a second transaction is aborted, and read_committed readers never
// see its record.
const payments = 'payments';
if (!(await eddy.admin.listTopics()).includes(payments)) await eddy.admin.createTopic(payments, { partitions: 1 });
const paymentsStart = (await eddy.admin.describeTopic(payments)).partitions[0]?.logEndOffset ?? 0;
const copier = eddy.producer({ transactionalId: 'demo-payments', keySerde: serdes.string, valueSerde: orderSerde });
await copier.initTransactions();
copier.beginTransaction();
const paid = received.filter((r) => r.value.status === 'paid');
await copier.send({ topic: payments, messages: paid.map((r) => ({ key: r.key, value: r.value })) });
const nextOffsets = new Map(received.map((r) => [r.partition, { topic, partition: r.partition, offset: r.offset + 1 }]));
await copier.sendOffsets({ groupId: 'demo-payments', offsets: [...nextOffsets.values()] });
await copier.commitTransaction();
copier.beginTransaction();
await copier.send({ topic: payments, messages: [{ key: 'order-x', value: { orderId: 'order-x', status: 'paid', amount: -1 } }] });
await copier.abortTransaction();
await copier.close();
for (const isolationLevel of ['read_committed', 'read_uncommitted'] as const) {
  const reader = eddy.consumer({ keySerde: serdes.string, valueSerde: orderSerde, isolationLevel });
  reader.assign([{ topic: payments, partition: 0 }]);
  reader.seek({ topic: payments, partition: 0, offset: paymentsStart });
  const seen = await reader.poll({ maxRecords: 1000, timeoutMs: 200 });
  console.log(`\n"${payments}" as ${isolationLevel} reads it: ${seen.map((r) => r.key).join(', ')}`);
  await reader.close();
}

const after = await eddy.admin.describeTopic(topic);
console.log('\nTopic after this run:');
for (const p of after.partitions) {
  console.log(`  partition ${p.partition}: offsets ${p.logStartOffset}..${p.logEndOffset}, ${p.bytes} bytes in ${p.segments} segment(s)`);
}
await eddy.close();
console.log(`\nClosed cleanly. Try: npx eddy consume ${topic} --from-beginning --print-key --timeout-ms 500 --data-dir ${dataDir}`);
