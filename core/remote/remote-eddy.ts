/**
 * `Eddy.connect({ brokers })`: the client API of the embedded log (`Eddy.open({ dataDir })`) — admin,
 * producers, consumers, groups, transactions — spoken to a Kafka cluster, or to `eddy serve`, over
 * Kafka's protocol through @platformatic/kafka. A program moves from an embedded data directory to a
 * served one to a real cluster by changing the line that opens its Eddy; both implement EddyClient
 * (core/client/interfaces.ts).
 *
 * What is the same: the option objects (ProducerOptions, ConsumerOptions), record shapes
 * (ConsumerRecord with numeric offsets, deserialized keys and values, headers, timestamps), serdes,
 * the partitioner (murmur2, so a key lands on the same partition on every backend), commit
 * bookkeeping and autoCommit modes, rebalance listeners run inside poll(), the transaction state
 * machine, and the EddyError codes for the same failures (Kafka error codes are mapped back; Eddy's
 * own broker sends its codes along, remote-errors.ts).
 *
 * What differs, and why (details in each client's file):
 * - Calls that need the broker's answer are asynchronous: consumer.position() and currentLag()
 *   return promises; seekToBeginning/End/Timestamp are resolved lazily at the next poll (as in
 *   Kafka's Java client); assign() of a missing topic fails at the next poll, not at once.
 * - The network is a new source of failure: an unreachable broker or a lost connection is a
 *   retriable EddyError (the outcome of the call is unknown), raised from the call that needed it.
 * - Producer: partition counts come from cached metadata; retries are bounded by
 *   `Eddy.connect({ retries })`; acks go to the broker (no separate fsync); `metrics().duplicates`
 *   stays 0; transactions use Kafka's transaction protocol v1 (remote-transactions.ts).
 * - Consumer groups: eager rebalancing only (range, roundrobin); no cooperative-sticky.
 * - Admin: no bytes/segments in topic descriptions, no generation in group descriptions, and nothing
 *   that touches the log directly (compactTopic, runRetention, cleanerMetrics, partitionLog).
 * - Time is the system clock: a ManualClock cannot drive heartbeats or timeouts over the wire.
 * - Failures of the connection itself: an unreachable broker is a retriable error; refused SASL
 *   credentials or an untrusted TLS certificate are ERR_CONFIG_INVALID naming the option.
 * - The library's snappy decoder (raw blocks only) and zstd codec (Node 22.15+ only) are completed
 *   with Eddy's own codecs at connect (library-codecs.ts), so every batch Eddy or Kafka's Java client
 *   writes can be read on any supported Node.
 *
 * @example
 * ```ts
 * const eddy = await Eddy.connect({ brokers: ['localhost:9092'] }); // was: Eddy.open({ dataDir })
 * await eddy.admin.createTopic('orders', { partitions: 3 });
 * await eddy.producer().send({ topic: 'orders', messages: [{ key: 'order-1', value: 'created' }] });
 * await eddy.close();
 * ```
 */
import type { EddyClient } from '../client/interfaces.js';
import type { ConsumerOptions, ProducerOptions } from '../client/types.js';
import { EddyError } from '../errors.js';
import { BrokerLink } from './broker-link.js';
import { installLibraryCodecs } from './library-codecs.js';
import { RemoteAdmin } from './remote-admin.js';
import { RemoteConsumer } from './remote-consumer.js';
import { RemoteProducer } from './remote-producer.js';
import { connectionOptions, resolveRemoteEddyOptions, type RemoteEddyOptions, type ResolvedRemoteEddyOptions } from './remote-options.js';

export class RemoteEddy implements EddyClient {
  readonly admin: RemoteAdmin;
  private readonly clients = new Set<{ close(): Promise<void> }>();
  private closed = false;

  private constructor(readonly options: ResolvedRemoteEddyOptions, private readonly link: BrokerLink) {
    this.admin = new RemoteAdmin(link, options.requestTimeoutMs);
  }

  /**
   * Connects to a cluster: checks that a bootstrap broker answers (ApiVersions and Metadata), so a
   * wrong address fails here with a retriable error rather than at the first send.
   * @example
   * const eddy = await Eddy.connect({ brokers: ['localhost:9092'], clientId: 'billing' });
   */
  static async connect(options: RemoteEddyOptions): Promise<RemoteEddy> {
    const resolved = resolveRemoteEddyOptions(options);
    installLibraryCodecs();
    const link = new BrokerLink({
      clientId: resolved.clientId,
      bootstrapBrokers: resolved.brokers,
      connection: connectionOptions(resolved),
      metadataMaxAgeMs: resolved.metadataMaxAgeMs,
    });
    try {
      await link.requestAny('Metadata', [], false, false);
    } catch (err) {
      await link.close();
      throw err;
    }
    return new RemoteEddy(resolved, link);
  }

  private checkOpen(): void {
    if (this.closed) throw new EddyError('ERR_LOG_CLOSED', 'This Eddy.connect client is closed');
  }

  /** A producer; see ProducerOptions for acks, batching, serdes, idempotence and transactions. */
  producer<K = Buffer | string | null, V = Buffer | string | null>(options: ProducerOptions<K, V> = {}): RemoteProducer<K, V> {
    this.checkOpen();
    const producer = new RemoteProducer<K, V>(this.link, this.options, options);
    this.track(producer);
    return producer;
  }

  /** A consumer: manual assignment with assign(), or group membership with `groupId` and subscribe(). */
  consumer<K = Buffer | null, V = Buffer | null>(options: ConsumerOptions<K, V> = {}): RemoteConsumer<K, V> {
    this.checkOpen();
    const consumer = new RemoteConsumer<K, V>(this.options, options);
    this.track(consumer);
    return consumer;
  }

  private track(client: { close(): Promise<void> }): void {
    this.clients.add(client);
    const close = client.close.bind(client);
    client.close = async () => {
      this.clients.delete(client);
      await close();
    };
  }

  /** Closes every producer and consumer it handed out (flushing, leaving groups), then its connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const client of [...this.clients]) {
      try {
        await client.close();
      } catch {
        // One client's failure must not keep the others open.
      }
    }
    await this.link.close();
  }
}

/** `Eddy.connect()`: see RemoteEddy. */
export function connectEddy(options: RemoteEddyOptions): Promise<RemoteEddy> {
  return RemoteEddy.connect(options);
}
