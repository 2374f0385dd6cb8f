/**
 * A remote client's line to the cluster, over @platformatic/kafka: the library negotiates API versions,
 * encodes requests, decodes responses, keeps connections (TLS, SASL) and reconnects; this class adds
 * what Eddy's clients need on top, as promises:
 *
 * - `request(api, connection, …)`: one call of a Kafka API at the version both sides support. A
 *   response with per-item error codes is returned, not thrown (the library throws it as a
 *   ResponseError): the caller maps each item's code. Transport failures throw EddyErrors
 *   (remote-errors.ts).
 * - `topics(names)`: metadata of named topics (partition leaders, topic ids), cached for
 *   `metadataMaxAgeMs`; a missing topic is ERR_TOPIC_NOT_FOUND.
 * - `coordinator(type, key)`: the group or transaction coordinator's connection (FindCoordinator,
 *   cached until `forgetCoordinator`).
 * - a second connection pool for fetches, so a long-polling Fetch never delays a heartbeat or a
 *   commit queued behind it on the same connection (brokers answer a connection's requests in order).
 */
import {
  Base,
  ConnectionPool,
  FindCoordinatorKeyTypes,
  kGetApi,
  kGetBootstrapConnection,
  type API,
  type Broker,
  type Connection,
  type ConnectionOptions,
} from '@platformatic/kafka';
import { EddyError } from '../errors.js';
import { kafkaError, responseOf, toEddyError } from './remote-errors.js';

/** A partition as metadata describes it. */
export interface PartitionMetadata {
  partition: number;
  leader: number;
  leaderEpoch: number;
}

export interface TopicMetadata {
  name: string;
  /** The topic id (a uuid), or the all-zero uuid from brokers without topic ids. */
  id: string;
  internal: boolean;
  partitions: PartitionMetadata[];
}

interface MetadataResponse {
  brokers: Array<{ nodeId: number; host: string; port: number }>;
  controllerId: number;
  topics: Array<{
    errorCode: number;
    name: string | null;
    topicId: string;
    isInternal: boolean;
    partitions: Array<{ errorCode: number; partitionIndex: number; leaderId: number; leaderEpoch: number }>;
  }>;
}

interface FindCoordinatorResponse {
  coordinators: Array<{ key: string; nodeId: number; host: string; port: number; errorCode: number; errorMessage: string | null }>;
}

export interface BrokerLinkOptions {
  clientId: string;
  bootstrapBrokers: readonly string[];
  connection: ConnectionOptions;
  metadataMaxAgeMs: number;
}

type CoordinatorType = 'group' | 'transaction';

export class BrokerLink {
  readonly client: Base;
  private fetchPool: ConnectionPool | null = null;
  private brokers = new Map<number, Broker>();
  private controllerId = -1;
  private readonly topicCache = new Map<string, { at: number; meta: TopicMetadata }>();
  private readonly coordinators = new Map<string, number>();
  private closed = false;

  constructor(private readonly options: BrokerLinkOptions) {
    // Retries are the caller's business here: requests made through this link fail fast with a
    // coded error, and the clients decide what to retry.
    this.client = new Base({ ...options.connection, clientId: options.clientId, bootstrapBrokers: [...options.bootstrapBrokers], retries: 0 });
  }

  /** The API implementation for `name` at the highest version both sides support. */
  api<A extends unknown[], R>(name: string): Promise<API<A, R>> {
    return new Promise((resolve, reject) => {
      this.client[kGetApi]<A, R>(name, (err, api) => (err ? reject(this.failure(err)) : resolve(api!)));
    });
  }

  /**
   * Calls `name` on `connection`. Resolves with the response even when items in it carry error codes
   * (check them); rejects with an EddyError when there is no response to look at.
   */
  async request<R>(name: string, connection: Connection, ...args: unknown[]): Promise<R> {
    const api = await this.api<unknown[], R>(name);
    try {
      return await api.async(connection, ...args);
    } catch (err) {
      const response = responseOf<R>(err);
      if (response !== null) return response;
      throw this.failure(err);
    }
  }

  /** Calls `name` on any broker (the first bootstrap broker that answers). */
  async requestAny<R>(name: string, ...args: unknown[]): Promise<R> {
    return this.request<R>(name, await this.bootstrap(), ...args);
  }

  bootstrap(): Promise<Connection> {
    this.checkOpen();
    return new Promise((resolve, reject) => {
      this.client[kGetBootstrapConnection]((err, connection) => (err ? reject(this.failure(err)) : resolve(connection!)));
    });
  }

  /** A connection to broker `nodeId` (from the fetch pool when `forFetch`). */
  async connectionTo(nodeId: number, forFetch = false): Promise<Connection> {
    this.checkOpen();
    let broker = this.brokers.get(nodeId);
    if (broker === undefined) {
      await this.refreshBrokers();
      broker = this.brokers.get(nodeId);
    }
    if (broker === undefined) throw new EddyError('ERR_REQUEST_TIMED_OUT', `No broker with node id ${nodeId} in the cluster metadata`, { nodeId });
    const pool = forFetch ? (this.fetchPool ??= new ConnectionPool(this.options.clientId, this.options.connection)) : this.client.connections;
    try {
      return await pool.get(broker);
    } catch (err) {
      throw this.failure(err, { nodeId });
    }
  }

  /** The controller's connection (topic creation and deletion go there). */
  async controller(): Promise<Connection> {
    if (this.controllerId < 0) await this.refreshBrokers();
    return this.controllerId < 0 ? this.bootstrap() : this.connectionTo(this.controllerId);
  }

  private async refreshBrokers(): Promise<void> {
    const response = await this.requestAny<MetadataResponse>('Metadata', [], false, false);
    this.applyBrokers(response);
  }

  private applyBrokers(response: MetadataResponse): void {
    this.brokers = new Map(response.brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }]));
    this.controllerId = response.controllerId;
  }

  /**
   * Metadata of `names`, from the cache when younger than metadataMaxAgeMs (unless `fresh`).
   * ERR_TOPIC_NOT_FOUND names the first missing topic; with `autoCreate` the broker may create it.
   */
  async topics(names: readonly string[], options: { fresh?: boolean; autoCreate?: boolean } = {}): Promise<Map<string, TopicMetadata>> {
    const now = Date.now();
    const out = new Map<string, TopicMetadata>();
    const missing: string[] = [];
    for (const name of new Set(names)) {
      const cached = this.topicCache.get(name);
      if (cached !== undefined && options.fresh !== true && now - cached.at < this.options.metadataMaxAgeMs) out.set(name, cached.meta);
      else missing.push(name);
    }
    if (missing.length === 0) return out;
    const response = await this.requestAny<MetadataResponse>('Metadata', missing, options.autoCreate === true, false);
    this.applyBrokers(response);
    for (const t of response.topics) {
      const name = t.name ?? '';
      if (t.errorCode !== 0) {
        this.topicCache.delete(name);
        throw kafkaError(t.errorCode, null, { topic: name });
      }
      const meta = toTopicMetadata(t);
      this.topicCache.set(name, { at: now, meta });
      out.set(name, meta);
    }
    for (const name of missing) {
      if (!out.has(name)) throw new EddyError('ERR_TOPIC_NOT_FOUND', `Topic ${name} does not exist`, { topic: name });
    }
    return out;
  }

  /** One topic's metadata (see topics()). */
  async topic(name: string, options: { fresh?: boolean; autoCreate?: boolean } = {}): Promise<TopicMetadata> {
    return (await this.topics([name], options)).get(name)!;
  }

  /** Partition counts of those of `names` that exist (fresh metadata; missing topics are left out). */
  async partitionCounts(names: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (names.length === 0) return counts;
    const response = await this.requestAny<MetadataResponse>('Metadata', [...new Set(names)], false, false);
    this.applyBrokers(response);
    const now = Date.now();
    for (const t of response.topics) {
      if (t.errorCode !== 0 || t.name === null) continue;
      const meta = toTopicMetadata(t);
      this.topicCache.set(meta.name, { at: now, meta });
      counts.set(meta.name, meta.partitions.length);
    }
    return counts;
  }

  /** Every topic the cluster has, internal ones included (flagged). */
  async allTopics(): Promise<TopicMetadata[]> {
    const response = await this.requestAny<MetadataResponse>('Metadata', null, false, false);
    this.applyBrokers(response);
    const now = Date.now();
    return response.topics.filter((t) => t.errorCode === 0 && t.name !== null).map((t) => {
      const meta = toTopicMetadata(t);
      this.topicCache.set(meta.name, { at: now, meta });
      return meta;
    });
  }

  /** Drops cached metadata (after this process created, deleted or grew a topic). */
  forgetTopics(names?: readonly string[]): void {
    if (names === undefined) this.topicCache.clear();
    else for (const name of names) this.topicCache.delete(name);
  }

  /** The connection to the coordinator of a group or transactional id. */
  async coordinator(type: CoordinatorType, key: string): Promise<Connection> {
    const cacheKey = `${type}:${key}`;
    let nodeId = this.coordinators.get(cacheKey);
    if (nodeId === undefined) {
      const keyType = type === 'group' ? FindCoordinatorKeyTypes.GROUP : FindCoordinatorKeyTypes.TRANSACTION;
      const response = await this.requestAny<FindCoordinatorResponse>('FindCoordinator', keyType, [key]);
      const found = response.coordinators.find((c) => c.key === key) ?? response.coordinators[0];
      if (found === undefined) throw new EddyError('ERR_PROTOCOL_INVALID', 'FindCoordinator answered without a coordinator', { key });
      if (found.errorCode !== 0) throw kafkaError(found.errorCode, found.errorMessage, type === 'group' ? { group: key } : { transactionalId: key });
      nodeId = found.nodeId;
      this.brokers.set(nodeId, { host: found.host, port: found.port });
      this.coordinators.set(cacheKey, nodeId);
    }
    return this.connectionTo(nodeId);
  }

  /** Forgets a coordinator after NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE, so the next call finds it again. */
  forgetCoordinator(type: CoordinatorType, key: string): void {
    this.coordinators.delete(`${type}:${key}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.client.close(), this.fetchPool?.close()]);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The EddyError for a failed call: ERR_LOG_CLOSED when this link was closed meanwhile. */
  private failure(err: unknown, context: Record<string, unknown> = {}): EddyError {
    if (this.closed) return new EddyError('ERR_LOG_CLOSED', 'The connection to the cluster was closed', context, { cause: err });
    return toEddyError(err, context);
  }

  private checkOpen(): void {
    if (this.closed) throw new EddyError('ERR_LOG_CLOSED', 'The connection to the cluster is closed');
  }
}

function toTopicMetadata(t: MetadataResponse['topics'][number]): TopicMetadata {
  const partitions = t.partitions
    .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, leaderEpoch: p.leaderEpoch }))
    .sort((a, b) => a.partition - b.partition);
  return { name: t.name ?? '', id: t.topicId, internal: t.isInternal, partitions };
}

/** Kafka error codes after which a coordinator must be looked up again. */
export const COORDINATOR_MOVED = new Set([14, 15, 16]); // COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR
