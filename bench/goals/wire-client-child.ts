/**
 * The child process of wire-clients: one Kafka client library (KafkaJS or @platformatic/kafka)
 * against a served Eddy, in its own process so that the client and the broker each have a core,
 * as kcat does. It produces `records` values of 100 bytes to a one-partition topic, then reads
 * them back: platformatic also without a group (its Consumer.fetch), and each library in a
 * consumer group when the parent says the broker serves the group APIs. It prints one JSON line,
 * a WireClientMeasurement; a step that fails reports its error instead of a rate.
 *
 * `node --import tsx wire-client-child.ts <kafkajs|platformatic> <host:port> <topic> <records> <groups 0|1>`
 *
 * - produce: acks all (-1, as kcat's default), no compression, sends of 1,000 records with 4 in
 *   flight; the clock runs from the first send to the last acknowledgement (after connecting).
 * - fetch / consume: the clock starts when the first records arrive (connecting, joining the group
 *   and the first round trip are not a rate) and stops at the last; rate = records after the
 *   first delivery / seconds (see DeliveryClock for runs too small for that).
 */
import { randomBytes } from 'node:crypto';
import { stopwatch } from '../lib/stats.js';

export type Rate = { recordsPerSecond: number } | { error: string };

export interface WireClientMeasurement {
  produce: Rate;
  /** Reading without a group (platformatic only). */
  fetch?: Rate;
  /** Reading in a consumer group (when the broker serves the group APIs). */
  consume?: Rate;
}

const VALUE_BYTES = 100;
const RECORDS_PER_SEND = 1_000;
const SENDS_IN_FLIGHT = 4;
const CLIENT_ID = 'eddy-bench';

/**
 * Times deliveries: the clock starts at the first one and the rate counts the records after it.
 * When everything came in one delivery (only at --quick sizes) the rate is timed from `start`.
 */
class DeliveryClock {
  private readonly sinceStart = stopwatch();
  private sinceFirst: (() => number) | null = null;
  private afterFirst = 0;
  received = 0;

  deliver(count: number): void {
    if (this.sinceFirst === null) this.sinceFirst = stopwatch();
    else this.afterFirst += count;
    this.received += count;
  }

  rate(): number {
    if (this.sinceFirst === null) throw new Error('nothing was delivered');
    return this.afterFirst > 0 ? this.afterFirst / this.sinceFirst() : this.received / this.sinceStart();
  }
}

function values(count: number): Buffer[] {
  const slab = randomBytes(count * VALUE_BYTES);
  return Array.from({ length: count }, (_, i) => slab.subarray(i * VALUE_BYTES, (i + 1) * VALUE_BYTES));
}

/** Runs `send` over chunks of RECORDS_PER_SEND values with SENDS_IN_FLIGHT at once; records/s. */
async function produceRate(all: Buffer[], send: (chunk: Buffer[]) => Promise<unknown>): Promise<number> {
  const chunks: Buffer[][] = [];
  for (let i = 0; i < all.length; i += RECORDS_PER_SEND) chunks.push(all.slice(i, i + RECORDS_PER_SEND));
  const elapsed = stopwatch();
  await Promise.all(
    Array.from({ length: SENDS_IN_FLIGHT }, async (_, lane) => {
      for (let c = lane; c < chunks.length; c += SENDS_IN_FLIGHT) await send(chunks[c]!);
    }),
  );
  return all.length / elapsed();
}

async function measured(step: () => Promise<number>): Promise<Rate> {
  try {
    return { recordsPerSecond: await step() };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

async function kafkajs(bootstrap: string, topic: string, records: number, groups: boolean): Promise<WireClientMeasurement> {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const produce = await measured(async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      return await produceRate(values(records), (chunk) => producer.send({ topic, acks: -1, messages: chunk.map((value) => ({ value })) }));
    } finally {
      await producer.disconnect();
    }
  });
  if (!groups) return { produce };
  const consume = await measured(async () => {
    const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const clock = new DeliveryClock();
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachBatch: async ({ batch }) => {
              clock.deliver(batch.messages.length);
              if (clock.received >= records) resolve();
            },
          })
          .catch(reject);
      });
      return clock.rate();
    } finally {
      await consumer.disconnect();
    }
  });
  return { produce, consume };
}

async function platformatic(bootstrap: string, topic: string, records: number, groups: boolean): Promise<WireClientMeasurement> {
  const { Consumer, Producer } = await import('@platformatic/kafka');
  const bootstrapBrokers = [bootstrap];
  const produce = await measured(async () => {
    const producer = new Producer({ clientId: CLIENT_ID, bootstrapBrokers, acks: -1, compression: 'none', idempotent: false, retries: 2 });
    try {
      await producer.metadata({ topics: [topic] });
      return await produceRate(values(records), (chunk) => producer.send({ messages: chunk.map((value) => ({ topic, value })) }));
    } finally {
      await producer.close();
    }
  });
  const fetch = await measured(async () => {
    const consumer = new Consumer({ clientId: CLIENT_ID, groupId: `${topic}-unused`, bootstrapBrokers, retries: 2 });
    try {
      const metadata = await consumer.metadata({ topics: [topic] });
      const described = metadata.topics.get(topic);
      if (described === undefined) throw new Error(`no metadata for ${topic}`);
      const node = described.partitions[0]!.leader;
      const clock = new DeliveryClock();
      let offset = 0n;
      while (clock.received < records) {
        const response = await consumer.fetch({
          node,
          maxWaitTime: 100,
          topics: [{ topicId: described.id, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
        });
        const partition = response.responses[0]?.partitions[0];
        if (partition === undefined || partition.errorCode !== 0) throw new Error(`fetch at ${offset} failed with error code ${partition?.errorCode}`);
        let count = 0;
        for (const batch of partition.records ?? []) {
          count += batch.records.length;
          offset = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
        }
        if (count === 0) throw new Error(`fetch at ${offset} returned nothing after ${clock.received} records`);
        clock.deliver(count);
      }
      return clock.rate();
    } finally {
      await consumer.close(true);
    }
  });
  if (!groups) return { produce, fetch };
  const consume = await measured(async () => {
    const consumer = new Consumer({ clientId: CLIENT_ID, groupId: `${topic}-group`, bootstrapBrokers, maxWaitTime: 100, retries: 2 });
    try {
      const clock = new DeliveryClock();
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      try {
        for await (const _message of stream) {
          clock.deliver(1);
          if (clock.received >= records) break;
        }
      } finally {
        await stream.close();
      }
      return clock.rate();
    } finally {
      await consumer.close(true);
    }
  });
  return { produce, fetch, consume };
}

const [client, bootstrap, topic, recordsArg, groupsArg] = process.argv.slice(2);
const records = Number(recordsArg);
if ((client !== 'kafkajs' && client !== 'platformatic') || bootstrap === undefined || topic === undefined || !Number.isSafeInteger(records) || records <= 0) {
  process.stderr.write('usage: wire-client-child.ts <kafkajs|platformatic> <host:port> <topic> <records> <groups 0|1>\n');
  process.exit(2);
}
const run = client === 'kafkajs' ? kafkajs : platformatic;
console.log(JSON.stringify(await run(bootstrap, topic, records, groupsArg === '1')));
