/**
 * The producer's backend over Kafka's protocol: what the embedded log is to the one producer of
 * core/client/producer.ts (ProducerLogAccess), for a cluster reached through BrokerLink. Partition
 * counts come from its cached metadata (a retriable error, such as a just auto-created topic without
 * a leader yet, is tried again), appends go as Produce requests to the partitions' leaders, and the
 * coordinator calls are RemoteTransactions (remote-transactions.ts).
 *
 * - The batches are the producer's own RecordBatch v2 bytes (producer id, epoch and sequence numbers
 *   set by its sender), shipped as they are: the library's record encoder is not used.
 * - Appends made in one turn of the event loop go out together, one Produce request per leader and
 *   acks, each written to its broker's connection in call order; a broker answers a connection's
 *   requests in order, so a partition's batches keep their order with several in flight. A request
 *   holds at most one batch per partition (Kafka refuses more from an idempotent producer).
 * - Failures are EddyErrors: a partition's error code mapped by remote-errors.ts (NOT_LEADER_OR_FOLLOWER
 *   and the like are retriable), a lost connection or a timeout retriable (the outcome is unknown).
 *   Either way the topic's metadata is dropped, so the producer's retry finds a moved leader.
 * - acks 0 has no answer: the append resolves once written, offset -1. flush() has nothing to do:
 *   the broker acknowledged per acks before the append resolved.
 */
import { createAPI, produceV7, produceV8, produceV9, produceV10, produceV11, Writer, type API, type Connection, type ResponseParser } from '@platformatic/kafka';
import type { AppendResult, ProducerLogAccess, ProducerPartitionAccess } from '../client/log-access.js';
import type { Acks } from '../client/types.js';
import { systemClock } from '../clock.js';
import { EddyError, isEddyError, toSafeNumber } from '../errors.js';
import { validateTopicNameSyntax } from '../log/topic-name.js';
import { readBatchLastOffsetDelta } from '../record/record-batch.js';
import type { BrokerLink, TopicMetadata } from './broker-link.js';
import { BROKER_UNAVAILABLE, kafkaError, responseOf, toEddyError } from './remote-errors.js';
import type { ResolvedRemoteEddyOptions } from './remote-options.js';
import { RemoteTransactions } from './remote-transactions.js';

type ProduceResponse = produceV11.ProduceResponse;
type ProduceTopic = { name: string; partitions: Array<{ index: number; records: Buffer }> };
type ProduceArgs = [transactionalId: string | null, acks: number, timeoutMs: number, topics: ProduceTopic[]];
/** acks 0 resolves with whether the socket took the bytes, not with a response. */
type ProduceApi = API<ProduceArgs, ProduceResponse | boolean>;

const PRODUCE_PARSERS: Partial<Record<number, ResponseParser<ProduceResponse>>> = {
  7: produceV7.parseResponse, 8: produceV8.parseResponse, 9: produceV9.parseResponse, 10: produceV10.parseResponse, 11: produceV11.parseResponse,
};
/** The first Produce version with compact strings and tagged fields. */
const PRODUCE_FLEXIBLE_SINCE = 9;
const DURABLE: Promise<void> = Promise.resolve();
const NOT_ACKNOWLEDGED: AppendResult = Object.freeze({ baseOffset: -1, lastOffset: -1, logAppendTime: -1, timestampType: 'CreateTime' });

interface PendingAppend {
  topic: string;
  partition: number;
  batch: Buffer;
  /** As Produce sends it: -1 (all), 0 or 1. */
  acks: number;
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

interface ProduceRequest {
  leader: number;
  acks: number;
  appends: PendingAppend[];
}

export class RemoteLog implements ProducerLogAccess {
  readonly clock = systemClock;
  readonly transactions: RemoteTransactions;
  private queue: PendingAppend[] = [];
  private draining = false;
  private produceApi: Promise<ProduceApi> | null = null;

  constructor(
    private readonly link: BrokerLink,
    private readonly remote: ResolvedRemoteEddyOptions,
  ) {
    this.transactions = new RemoteTransactions(link, remote.retryBackoffMs);
  }

  async partitionCount(topic: string, autoCreate: boolean, fresh = false): Promise<number> {
    validateTopicNameSyntax(topic);
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.link.topic(topic, { autoCreate, fresh: fresh || attempt > 0 })).partitions.length;
      } catch (err) {
        if (!isEddyError(err) || !err.retriable || attempt >= this.remote.retries) throw err;
        await new Promise((resolve) => setTimeout(resolve, this.remote.retryBackoffMs));
      }
    }
  }

  partitionLog(topic: string, partition: number): ProducerPartitionAccess {
    return {
      append: (batch, acks) => this.append(topic, partition, batch, acks),
      flush: () => DURABLE,
    };
  }

  private append(topic: string, partition: number, batch: Buffer, acks: Acks): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, partition, batch, acks: acks === 'all' ? -1 : acks, resolve, reject });
      if (this.draining) return;
      this.draining = true;
      queueMicrotask(() => void this.drain());
    });
  }

  /** Sends what is queued, one drain after another, so requests reach each connection in call order. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const appends = this.queue.splice(0);
        try {
          const api = await this.api();
          for (const request of await this.group(appends)) {
            const connection = await this.link.connectionTo(request.leader).catch((err: unknown) => this.fail(request.appends, err));
            if (connection !== undefined) this.send(api, connection, request);
          }
        } catch (err) {
          this.fail(appends, err); // those not settled yet (settling a settled append does nothing)
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** One request per leader, acks and round (a partition's second batch of this drain goes in the second round). */
  private async group(appends: readonly PendingAppend[]): Promise<ProduceRequest[]> {
    const requests = new Map<string, ProduceRequest>();
    const rounds = new Map<string, number>();
    const metadata = new Map<string, TopicMetadata | EddyError>();
    for (const append of appends) {
      let meta = metadata.get(append.topic);
      if (meta === undefined) metadata.set(append.topic, (meta = await this.link.topic(append.topic).catch((err: unknown) => toEddyError(err, { topic: append.topic }))));
      if (meta instanceof EddyError) {
        append.reject(meta);
        continue;
      }
      const leader = meta.partitions[append.partition]?.leader ?? -1;
      if (leader < 0) {
        this.link.forgetTopics([append.topic]);
        append.reject(new EddyError(BROKER_UNAVAILABLE, `Partition ${append.partition} of ${append.topic} has no leader in the cluster metadata`, { topic: append.topic, partition: append.partition }));
        continue;
      }
      const tp = `${append.topic}\0${append.partition}`;
      const round = rounds.get(tp) ?? 0;
      rounds.set(tp, round + 1);
      const key = `${leader}\0${append.acks}\0${round}`;
      let request = requests.get(key);
      if (request === undefined) requests.set(key, (request = { leader, acks: append.acks, appends: [] }));
      request.appends.push(append);
    }
    return [...requests.values()];
  }

  /** Writes the request to the connection now (call order is wire order); settles its appends when answered. */
  private send(api: ProduceApi, connection: Connection, request: ProduceRequest): void {
    const topics = new Map<string, ProduceTopic>();
    for (const { topic, partition, batch } of request.appends) {
      let entry = topics.get(topic);
      if (entry === undefined) topics.set(topic, (entry = { name: topic, partitions: [] }));
      entry.partitions.push({ index: partition, records: batch });
    }
    api.async(connection, this.transactions.transactionalId, request.acks, this.remote.requestTimeoutMs, [...topics.values()]).then(
      (response) => this.settle(request, typeof response === 'boolean' ? null : response),
      (err: unknown) => {
        const response = responseOf<ProduceResponse>(err);
        if (response === null) this.fail(request.appends, err);
        else this.settle(request, response);
      },
    );
  }

  private settle(request: ProduceRequest, response: ProduceResponse | null): void {
    if (request.acks === 0) {
      for (const append of request.appends) append.resolve(NOT_ACKNOWLEDGED);
      return;
    }
    const results = new Map<string, produceV11.ProduceResponsePartition>();
    for (const t of response?.responses ?? []) for (const p of t.partitionResponses) results.set(`${t.name}\0${p.index}`, p);
    for (const append of request.appends) {
      const { topic, partition } = append;
      const result = results.get(`${topic}\0${partition}`);
      try {
        if (result === undefined) throw new EddyError('ERR_PROTOCOL_INVALID', `The Produce response has no result for partition ${partition} of ${topic}`, { topic, partition });
        if (result.errorCode !== 0) {
          this.link.forgetTopics([topic]);
          throw kafkaError(result.errorCode, result.errorMessage, { topic, partition });
        }
        const baseOffset = toSafeNumber(result.baseOffset, 'baseOffset');
        const logAppendTime = toSafeNumber(result.logAppendTimeMs, 'logAppendTime');
        append.resolve({
          baseOffset,
          lastOffset: baseOffset + readBatchLastOffsetDelta(append.batch),
          logAppendTime,
          timestampType: logAppendTime >= 0 ? 'LogAppendTime' : 'CreateTime',
        });
      } catch (err) {
        append.reject(err);
      }
    }
  }

  /** Rejects appends that got no answer: the outcome is unknown (retriable) unless the link was closed. */
  private fail(appends: readonly PendingAppend[], err: unknown): void {
    for (const { topic, partition, reject } of appends) {
      this.link.forgetTopics([topic]);
      reject(this.link.isClosed ? new EddyError('ERR_LOG_CLOSED', 'The connection to the cluster was closed', { topic, partition }, { cause: err }) : toEddyError(err, { topic, partition }));
    }
  }

  /** Produce at the version both sides support, carrying ready-made batches. */
  private api(): Promise<ProduceApi> {
    if (this.produceApi === null) {
      const api = this.link.api('Produce').then(({ version }) => {
        const parse = PRODUCE_PARSERS[version];
        if (parse === undefined) throw new EddyError('ERR_PROTOCOL_INVALID', `Produce version ${version} is not supported`, { version });
        const flexible = version >= PRODUCE_FLEXIBLE_SINCE;
        return createAPI<ProduceArgs, ProduceResponse | boolean>(0, version, produceRequest(flexible), parse, flexible, flexible);
      });
      api.catch(() => {
        if (this.produceApi === api) this.produceApi = null;
      });
      this.produceApi = api;
    }
    return this.produceApi;
  }
}

/**
 * Produce request, v7 to v11 (compact strings and arrays, tagged fields from v9):
 *   transactional_id NULLABLE_STRING, acks INT16, timeout_ms INT32,
 *   topic_data [name STRING, partition_data [index INT32, records RECORDS]]
 */
function produceRequest(flexible: boolean): (...args: ProduceArgs) => Writer {
  return (transactionalId, acks, timeoutMs, topics) => {
    const writer = Writer.create()
      .appendString(transactionalId, flexible)
      .appendInt16(acks)
      .appendInt32(timeoutMs)
      .appendArray(topics, (w, topic) => {
        w.appendString(topic.name, flexible).appendArray(topic.partitions, (pw, p) => pw.appendInt32(p.index).appendBytes(p.records, flexible), flexible, flexible);
      }, flexible, flexible);
    if (flexible) writer.appendTaggedFields();
    if (acks === 0) writer.context.noResponse = true;
    return writer;
  };
}
