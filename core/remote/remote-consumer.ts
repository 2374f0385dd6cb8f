/**
 * The consumer of `Eddy.connect()`: the one consumer of core/client/consumer.ts (assignment,
 * positions, round-robin hand-out, serdes, the poll loop, the iterator, observe(), commits and
 * rebalances) over the wire backend of wire-fetcher.ts, which fetches, looks up offsets and reaches
 * the group coordinator over Kafka's protocol. How it differs from the embedded consumer, and why, is
 * listed there: position() and currentLag() return promises, seeks to the beginning, end or a
 * timestamp are lazy, rebalancing is eager only, time is the system clock.
 *
 * @example
 * ```ts
 * const eddy = await Eddy.connect({ brokers: ['localhost:9092'] });
 * const consumer = eddy.consumer({ groupId: 'billing', autoOffsetReset: 'earliest' });
 * consumer.subscribe({ topics: ['orders'] });
 * for await (const record of consumer) handle(record);
 * ```
 */
import { BaseConsumer } from '../client/consumer.js';
import type { ConsumerOptions } from '../client/types.js';
import type { ResolvedRemoteEddyOptions } from './remote-options.js';
import { WireFetcher, type WirePartition } from './wire-fetcher.js';

export class RemoteConsumer<K = Buffer | null, V = Buffer | null> extends BaseConsumer<K, V, Promise<number>, WirePartition> {
  /** @internal Use `eddy.consumer()` of an `Eddy.connect()` client. */
  constructor(remote: ResolvedRemoteEddyOptions, options: ConsumerOptions<K, V> = {}) {
    super(options, (resolved, host) => new WireFetcher(remote, resolved, host));
  }
}
