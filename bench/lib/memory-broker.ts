/**
 * The cheapest broker a Kafka client can talk to, for the kcat goals' ceiling: it keeps each
 * produced batch in memory as received (setting only its base offset) and fetches hand those same
 * buffers back. It checks nothing (no CRC, no sequence), syncs nothing, and serves only what kcat
 * needs: ApiVersions, Metadata, Produce, ListOffsets and Fetch, with Eddy's protocol codec. What
 * kcat reaches against it bounds what any broker can show kcat reaching on the same machine, so the
 * goals can tell the client's limit from the broker's.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { API_KEYS } from '../../core/protocol/api-keys.js';
import { decodeRequest, encodeResponseChunks, FrameDecoder } from '../../core/protocol/frame.js';
import type { StructValue } from '../../core/protocol/schema.js';
import { apiVersionsBody } from '../../core/server/handlers/api-versions.js';

const SERVED = [API_KEYS.Produce, API_KEYS.Fetch, API_KEYS.ListOffsets, API_KEYS.Metadata, API_KEYS.ApiVersions];
const NODE_ID = 0;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
/** Where a v2 record batch keeps its last offset delta: after base offset, length, leader epoch, magic, CRC and attributes. */
const LAST_OFFSET_DELTA_AT = 23;
const EARLIEST_TIMESTAMP = -2;

interface MemoryPartition {
  batches: Buffer[];
  /** Base offset of each batch. */
  bases: number[];
  end: number;
}

interface MemoryTopic {
  id: string;
  partitions: MemoryPartition[];
}

/** Index of the batch holding `offset`: the last whose base offset is at or below it. */
function batchAt(partition: MemoryPartition, offset: number): number {
  let lo = 0;
  let hi = partition.bases.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (partition.bases[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export class MemoryBroker {
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly sockets = new Set<net.Socket>();
  private port = 0;

  private constructor(private readonly server: net.Server) {}

  /** Starts listening on a free loopback port. */
  static async start(): Promise<MemoryBroker> {
    let broker: MemoryBroker | null = null;
    const server = net.createServer((socket) => broker!.accept(socket));
    broker = new MemoryBroker(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, resolve);
    });
    broker.port = (server.address() as net.AddressInfo).port;
    return broker;
  }

  /** `host:port` for a Kafka client. */
  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  createTopic(name: string, partitions: number): void {
    const list = Array.from({ length: partitions }, (): MemoryPartition => ({ batches: [], bases: [], end: 0 }));
    this.topics.set(name, { id: randomUUID(), partitions: list });
  }

  deleteTopic(name: string): void {
    this.topics.delete(name);
  }

  /** Records held by every partition of `name`. */
  storedRecords(name: string): number {
    return (this.topics.get(name)?.partitions ?? []).reduce((sum, p) => sum + p.end, 0);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const decoder = new FrameDecoder();
    // Answers go out in request order: each waits for the one before it (a fetch may long-poll).
    let previous: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of decoder.push(chunk)) {
          const request = decodeRequest(frame);
          const correlationId = request.header['correlationId'] as number;
          const answer = this.answer(request.apiKey, request.apiVersion, request.body);
          previous = Promise.all([previous, answer]).then(([, body]) => {
            if (body === null || socket.destroyed) return;
            socket.cork();
            for (const bytes of encodeResponseChunks(request.apiKey, request.apiVersion, correlationId, body)) socket.write(bytes);
            socket.uncork();
          });
          previous.catch(() => socket.destroy());
        }
      } catch {
        // A request it cannot decode or does not serve: the connection ends, as on a Kafka broker.
        socket.destroy();
      }
    });
  }

  private answer(apiKey: number, version: number, body: StructValue): StructValue | null | Promise<StructValue> {
    switch (apiKey) {
      case API_KEYS.ApiVersions:
        return apiVersionsBody(SERVED);
      case API_KEYS.Metadata:
        return this.metadata(body);
      case API_KEYS.Produce:
        return this.produce(body);
      case API_KEYS.ListOffsets:
        return this.listOffsets(body);
      case API_KEYS.Fetch:
        return this.fetch(body, version);
      default:
        throw new Error(`MemoryBroker does not serve API key ${apiKey}`);
    }
  }

  private metadata(body: StructValue): StructValue {
    const requested = body['topics'] as Array<{ name: string | null }> | null;
    const names = requested === null ? [...this.topics.keys()] : requested.map((t) => t.name ?? '');
    const topics = names.map((name): StructValue => {
      const topic = this.topics.get(name);
      if (topic === undefined) return { errorCode: UNKNOWN_TOPIC_OR_PARTITION, name, isInternal: false, partitions: [] };
      const partitions = topic.partitions.map((_, partitionIndex) => ({ errorCode: 0, partitionIndex, leaderId: NODE_ID, leaderEpoch: 0, replicaNodes: [NODE_ID], isrNodes: [NODE_ID], offlineReplicas: [] }));
      return { errorCode: 0, name, topicId: topic.id, isInternal: false, partitions };
    });
    return { throttleTimeMs: 0, brokers: [{ nodeId: NODE_ID, host: '127.0.0.1', port: this.port, rack: null }], clusterId: 'memory-broker', controllerId: NODE_ID, topics };
  }

  private produce(body: StructValue): StructValue | null {
    const responses = (body['topicData'] as Array<{ name: string; partitionData: Array<{ index: number; records: Uint8Array | null }> }>).map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map(({ index, records: bytes }): StructValue => {
        const partition = this.topics.get(topic.name)?.partitions[index];
        if (partition === undefined || bytes === null) return { index, errorCode: UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1 };
        const records = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const baseOffset = partition.end;
        records.writeBigInt64BE(BigInt(baseOffset), 0);
        partition.batches.push(records);
        partition.bases.push(baseOffset);
        partition.end += records.readInt32BE(LAST_OFFSET_DELTA_AT) + 1;
        return { index, errorCode: 0, baseOffset };
      }),
    }));
    return body['acks'] === 0 ? null : { responses, throttleTimeMs: 0 };
  }

  private listOffsets(body: StructValue): StructValue {
    const topics = (body['topics'] as Array<{ name: string; partitions: Array<{ partitionIndex: number; timestamp: bigint | number }> }>).map(({ name, partitions }) => ({
      name,
      partitions: partitions.map(({ partitionIndex, timestamp }): StructValue => {
        const partition = this.topics.get(name)?.partitions[partitionIndex];
        if (partition === undefined) return { partitionIndex, errorCode: UNKNOWN_TOPIC_OR_PARTITION };
        return { partitionIndex, errorCode: 0, timestamp: -1, offset: Number(timestamp) === EARLIEST_TIMESTAMP ? 0 : partition.end };
      }),
    }));
    return { throttleTimeMs: 0, topics };
  }

  /** Whole batches from each fetch offset, within the request's byte limits (at least one batch); a fetch that finds nothing waits out maxWaitMs. */
  private async fetch(body: StructValue, version: number): Promise<StructValue> {
    let budget = body['maxBytes'] as number;
    let found = 0;
    const responses = (body['topics'] as Array<{ topic: string; topicId: string; partitions: Array<{ partition: number; fetchOffset: number; partitionMaxBytes: number }> }>).map((request) => {
      const name = version >= 13 ? ([...this.topics].find(([, t]) => t.id === request.topicId)?.[0] ?? '') : request.topic;
      const topic = this.topics.get(name);
      const partitions = request.partitions.map(({ partition: partitionIndex, fetchOffset, partitionMaxBytes }): StructValue => {
        const partition = topic?.partitions[partitionIndex];
        if (partition === undefined) return { partitionIndex, errorCode: UNKNOWN_TOPIC_OR_PARTITION, highWatermark: -1, records: null };
        const chunks: Buffer[] = [];
        let bytes = 0;
        const offset = Number(fetchOffset);
        for (let i = offset < partition.end ? batchAt(partition, offset) : partition.batches.length; i < partition.batches.length; i++) {
          const batch = partition.batches[i]!;
          if (found > 0 && bytes + batch.length > Math.min(partitionMaxBytes, budget)) break;
          chunks.push(batch);
          bytes += batch.length;
          found += batch.length;
        }
        budget -= bytes;
        return { partitionIndex, errorCode: 0, highWatermark: partition.end, lastStableOffset: partition.end, logStartOffset: 0, abortedTransactions: null, records: Buffer.concat(chunks, bytes) };
      });
      return { topic: name, topicId: request.topicId, partitions };
    });
    if (found === 0) await new Promise((resolve) => setTimeout(resolve, body['maxWaitMs'] as number));
    return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
  }
}

/** Runs `work` with a started MemoryBroker, closed afterwards. */
export async function withMemoryBroker<T>(work: (broker: MemoryBroker) => Promise<T>): Promise<T> {
  const broker = await MemoryBroker.start();
  try {
    return await work(broker);
  } finally {
    await broker.close();
  }
}
