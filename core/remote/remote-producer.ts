/**
 * The producer of `Eddy.connect()`: the one producer of core/client/producer.ts on RemoteLog
 * (remote-log.ts), its backend over Kafka's Produce, InitProducerId, AddPartitionsToTxn,
 * AddOffsetsToTxn, TxnOffsetCommit and EndTxn. Options, input validation and its errors, serdes,
 * headers, the partitioner (murmur2 of the serialized key, byte for byte Kafka's, so a key lands on
 * the same partition on every backend; sticky for null keys), batching, idempotence with up to
 * `maxInFlight` batches per partition, retries and the transaction state machine are the embedded
 * producer's own.
 *
 * What differs, and why:
 * - Partition counts come from metadata cached for `metadataMaxAgeMs` (a send naming a partition the
 *   cache lacks looks again), so sends are routed once it answers: acks 0 sends resolve once their
 *   partitions are known; an unknown topic still rejects them, as embedded.
 * - A retriable failure is retried at most `retries` times of the producer and of the connection
 *   (`Eddy.connect({ retries })`, default 5), whichever is fewer, `retryBackoffMs` apart.
 * - acks goes to the broker ('all' waits for the in-sync replicas); there is no separate fsync.
 * - `metrics().duplicates` stays 0: a Kafka broker answers a retried batch it already holds with its
 *   first offsets but does not say so.
 * - Transactions follow Kafka's transaction protocol v1 (remote-transactions.ts): a commit keeps the
 *   epoch, an abort bumps it.
 * - Time is the system clock.
 */
import type { Partitioner } from '../client/partitioner.js';
import { Producer } from '../client/producer.js';
import type { ProducerOptions } from '../client/types.js';
import type { BrokerLink } from './broker-link.js';
import { RemoteLog } from './remote-log.js';
import type { ResolvedRemoteEddyOptions } from './remote-options.js';

export class RemoteProducer<K = Buffer | string | null, V = Buffer | string | null> extends Producer<K, V> {
  /**
   * @internal Use `eddy.producer()` of an `Eddy.connect()` client.
   * @example
   * const eddy = await Eddy.connect({ brokers: ['localhost:9092'] });
   * const producer = eddy.producer({ keySerde: serdes.string, valueSerde: serdes.json });
   * const [meta] = await producer.send({ topic: 'orders', messages: [{ key: 'order-1', value: { total: 3 } }] });
   */
  constructor(link: BrokerLink, remote: ResolvedRemoteEddyOptions, options: ProducerOptions<K, V> = {}, partitioner?: Partitioner) {
    super(new RemoteLog(link, remote), withConnectionRetries(options, remote), partitioner);
  }
}

/** The producer's retries bounded by the connection's; a bad value is left for the producer's validation to refuse. */
function withConnectionRetries<K, V>(options: ProducerOptions<K, V>, remote: ResolvedRemoteEddyOptions): ProducerOptions<K, V> {
  const retries = options.retries;
  if (retries === undefined) return { ...options, retries: remote.retries };
  if (typeof retries !== 'number' || !Number.isSafeInteger(retries) || retries < 0) return options;
  return { ...options, retries: Math.min(retries, remote.retries) };
}
