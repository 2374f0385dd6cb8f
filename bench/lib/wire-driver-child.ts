/**
 * A minimal Kafka protocol client that costs almost nothing per record, run as a child process by
 * wire-driver.ts: it measures what Eddy's broker can take and give over loopback when the client is
 * not the limit (kcat spends more CPU per record than the broker does).
 *
 *   node --import tsx wire-driver-child.ts produce <port> <topic> <partitions> <records> <valueBytes>
 *   node --import tsx wire-driver-child.ts fetch <port> <topic> <partitions> <records>
 *
 * - produce: batches of up to 1,000,000 bytes (librdkafka's batch.size; about 9,000 records of
 *   100-byte values, under the topic's max.message.bytes) are encoded once before the clock starts, without a producer id, so the same bytes may be
 *   sent again; Produce v9 requests with acks all, one batch each, partitions in turn, at most 5 in
 *   flight on one connection (Kafka's max.in.flight.requests.per.connection). Every answer must
 *   carry error code 0.
 * - fetch: Fetch v12 requests for every partition from offset 0, up to 1 MB per partition per
 *   request (Kafka's max.partition.fetch.bytes), one request in flight as Kafka's consumer does; the
 *   next offset of a partition comes from the last batch of its answer. Stops once `records` records
 *   have been fetched.
 *
 * Prints one JSON line: `{ "seconds": s }`, from the connection being established to the last answer.
 */
import { API_KEYS } from '../../core/protocol/api-keys.js';
import { encodeRequest } from '../../core/protocol/frame.js';
import type { StructValue } from '../../core/protocol/schema.js';
import { connectWire, type WireClient } from '../../core/protocol/wire-client.js';
import { batchesIn, encodeRecordBatch } from '../../core/record/record-batch.js';

const BATCH_BYTES = 1_000_000;
/** Upper bound of a small record's framing: length, attributes, timestamp and offset deltas, key and value lengths, header count. */
const RECORD_FRAMING_BYTES = 12;
const MAX_IN_FLIGHT = 5;
const PARTITION_MAX_BYTES = 1 << 20;
const PRODUCE_VERSION = 9;
const FETCH_VERSION = 12;

function produceRequest(topic: string, partition: number, batch: Buffer): Buffer {
  return encodeRequest({ apiKey: API_KEYS.Produce, apiVersion: PRODUCE_VERSION, correlationId: 0, clientId: 'eddy-bench' }, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
  });
}

/** The Produce requests for `records` values of `valueBytes`, encoded before the clock starts. */
function produceRequests(topic: string, partitions: number, records: number, valueBytes: number): Buffer[] {
  const value = Buffer.alloc(valueBytes, 0x61);
  const frames: Buffer[] = [];
  const perBatch = Math.floor(BATCH_BYTES / (valueBytes + RECORD_FRAMING_BYTES));
  for (let sent = 0; sent < records; sent += perBatch) {
    const count = Math.min(perBatch, records - sent);
    const batch = encodeRecordBatch({ records: Array.from({ length: count }, () => ({ key: null, value })) });
    frames.push(produceRequest(topic, frames.length % partitions, batch));
  }
  return frames;
}

async function produce(connection: WireClient, topic: string, frames: readonly Buffer[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < frames.length) {
      const frame = frames[next++]!;
      const body = await connection.requestFrame(API_KEYS.Produce, PRODUCE_VERSION, frame);
      for (const t of body.responses as StructValue[]) {
        for (const p of t.partitionResponses as StructValue[]) {
          if (p.errorCode !== 0) throw new Error(`Produce to ${topic}-${String(p.index)} failed with error code ${String(p.errorCode)}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: MAX_IN_FLIGHT }, worker));
}

async function fetch(connection: WireClient, topic: string, partitions: number, records: number): Promise<void> {
  const offsets = new Array<number>(partitions).fill(0);
  let fetched = 0;
  while (fetched < records) {
    const frame = encodeRequest({ apiKey: API_KEYS.Fetch, apiVersion: FETCH_VERSION, correlationId: 0, clientId: 'eddy-bench' }, {
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52_428_800,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{
        topic,
        partitions: offsets.map((fetchOffset, partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: PARTITION_MAX_BYTES })),
      }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const body = await connection.requestFrame(API_KEYS.Fetch, FETCH_VERSION, frame);
    for (const t of body.responses as StructValue[]) {
      for (const p of t.partitions as StructValue[]) {
        if (p.errorCode !== 0) throw new Error(`Fetch of ${topic}-${String(p.partitionIndex)} failed with error code ${String(p.errorCode)}`);
        const bytes = p.records as Buffer | null;
        if (bytes === null || bytes.length === 0) continue;
        const partition = p.partitionIndex as number;
        for (const { header } of batchesIn(bytes, 0)) {
          const end = header.baseOffset + header.lastOffsetDelta + 1;
          if (end <= offsets[partition]!) continue;
          fetched += end - Math.max(header.baseOffset, offsets[partition]!);
          offsets[partition] = end;
        }
      }
    }
  }
}

async function main(): Promise<void> {
  const [mode, port, topic, partitions, records, valueBytes] = process.argv.slice(2);
  if (mode !== 'produce' && mode !== 'fetch') throw new Error(`unknown mode ${String(mode)}`);
  const frames = mode === 'produce' ? produceRequests(topic!, Number(partitions), Number(records), Number(valueBytes)) : [];
  const connection = await connectWire({ port: Number(port) });
  const start = process.hrtime.bigint();
  try {
    if (mode === 'produce') await produce(connection, topic!, frames);
    else await fetch(connection, topic!, Number(partitions), Number(records));
  } finally {
    connection.close();
  }
  process.stdout.write(`${JSON.stringify({ seconds: Number(process.hrtime.bigint() - start) / 1e9 })}\n`);
}

await main();
