/**
 * The shared client interfaces (core/client/interfaces.ts): a type-level proof that the embedded
 * classes and the remote ones implement them (a drift is a compile error under `tsc --noEmit`), and
 * one function written against EddyClient alone run on both backends.
 */
import type { Admin } from '../../../core/admin.js';
import type { EddyAdmin, EddyClient, EddyConsumer, EddyProducer } from '../../../core/client/interfaces.js';
import type { Consumer } from '../../../core/client/consumer.js';
import type { Producer } from '../../../core/client/producer.js';
import type { Eddy } from '../../../core/eddy.js';
import type { RemoteAdmin } from '../../../core/remote/remote-admin.js';
import type { RemoteConsumer } from '../../../core/remote/remote-consumer.js';
import type { RemoteEddy } from '../../../core/remote/remote-eddy.js';
import type { RemoteProducer } from '../../../core/remote/remote-producer.js';
import { serdes } from '../../../core/serdes.js';
import { uniqueTopic } from '../../helpers/temp-dir.js';
import { bothBackends, pollRecords } from './backends.js';

/** Compiles only when `Actual` is assignable to `Expected`. */
type Satisfies<Expected, Actual extends Expected> = Actual;

export type Proofs = [
  Satisfies<EddyClient, Eddy>,
  Satisfies<EddyAdmin, Admin>,
  Satisfies<EddyProducer, Producer>,
  Satisfies<EddyProducer<string, { n: number }>, Producer<string, { n: number }>>,
  Satisfies<EddyConsumer, Consumer>,
  Satisfies<EddyConsumer<string, number>, Consumer<string, number>>,
  Satisfies<EddyClient, RemoteEddy>,
  Satisfies<EddyAdmin, RemoteAdmin>,
  Satisfies<EddyProducer<string, { n: number }>, RemoteProducer<string, { n: number }>>,
  Satisfies<EddyConsumer<string, number>, RemoteConsumer<string, number>>,
];

/** Written against the interface only: copies a topic, upper-casing values, with a consumer group. */
async function upperCaseCopy(client: EddyClient, from: string, to: string, count: number): Promise<string[]> {
  const consumer = client.consumer({ groupId: `${from}-copier`, keySerde: serdes.string, valueSerde: serdes.string, autoOffsetReset: 'earliest' });
  const producer = client.producer({ keySerde: serdes.string, valueSerde: serdes.string });
  consumer.subscribe({ topics: [from] });
  const records = await pollRecords(consumer, count);
  await producer.send({ topic: to, messages: records.map((r) => ({ key: r.key, value: r.value?.toUpperCase() ?? null })) });
  await consumer.commit();
  await producer.close();
  await consumer.close();
  const check = client.consumer({ valueSerde: serdes.string, autoOffsetReset: 'earliest' });
  check.assign([{ topic: to, partition: 0 }]);
  const copied = await pollRecords(check, count);
  await check.close();
  return copied.map((r) => r.value!);
}

bothBackends('code written against EddyClient runs unchanged', async (t, { client }) => {
  const from = uniqueTopic('from');
  const to = uniqueTopic('to');
  await client.admin.createTopic(from, { partitions: 1 });
  await client.admin.createTopic(to, { partitions: 1 });
  await client.producer({ valueSerde: serdes.string }).send({ topic: from, messages: [{ value: 'one' }, { value: 'two' }] });
  t.deepEqual(await upperCaseCopy(client, from, to, 2), ['ONE', 'TWO']);
  t.deepEqual((await client.admin.describeGroup(`${from}-copier`)).partitions.map((p) => p.committedOffset), [2]);
});
