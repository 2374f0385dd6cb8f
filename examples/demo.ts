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
let received = 0;
while (received < sent.length) {
  const records = await consumer.poll({ maxRecords: 100, timeoutMs: 1000 });
  if (records.length === 0) break;
  for (const r of records) {
    console.log(`  p${r.partition}@${r.offset}  key=${r.key}  ${JSON.stringify(r.value)}`);
    received++;
  }
}

const after = await eddy.admin.describeTopic(topic);
console.log('\nTopic after this run:');
for (const p of after.partitions) {
  console.log(`  partition ${p.partition}: offsets ${p.logStartOffset}..${p.logEndOffset}, ${p.bytes} bytes in ${p.segments} segment(s)`);
}
await eddy.close();
console.log(`\nClosed cleanly. Try: npx eddy consume ${topic} --from-beginning --print-key --timeout-ms 500 --data-dir ${dataDir}`);
