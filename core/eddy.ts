/**
 * The entry point: `Eddy.open({ dataDir })` takes ownership of a data directory (recovering it if
 * the last owner crashed) and hands out the admin, producers and consumers. `close()` is the clean
 * shutdown: clients are closed, every log fsynced, checkpoints written, and the marker that lets the
 * next open skip recovery is left behind.
 */
import { Admin } from './admin.js';
import type { LogAccess, PartitionLogAccess } from './client/log-access.js';
import { Consumer } from './client/consumer.js';
import { Producer } from './client/producer.js';
import type { ConsumerOptions, ProducerOptions } from './client/types.js';
import type { Clock } from './clock.js';
import { resolveEddyOptions, type EddyOptions } from './eddy-options.js';
import { EddyError } from './errors.js';
import { LogManager } from './log/log-manager.js';
import type { PartitionLog } from './log/partition-log.js';

export class Eddy {
  readonly admin: Admin;
  private readonly clients = new Set<{ close(): Promise<void> }>();
  private readonly access: LogAccess;

  private constructor(private readonly manager: LogManager) {
    this.admin = new Admin(manager);
    const clock = manager.options.clock;
    this.access = {
      clock,
      partitionCount: (topic: string, autoCreate: boolean): number => {
        if (autoCreate && manager.options.autoCreateTopics && !manager.hasTopic(topic)) manager.createTopic(topic);
        return manager.partitionCount(topic);
      },
      partitionLog: (topic: string, partition: number): PartitionLogAccess => manager.log(topic, partition),
    };
  }

  /**
   * Opens a data directory, creating it if needed.
   * @example
   * const eddy = await Eddy.open({ dataDir: './eddy-data' });
   * await eddy.admin.createTopic('orders', { partitions: 3 });
   * const producer = eddy.producer();
   * await producer.send({ topic: 'orders', messages: [{ key: 'order-1', value: 'created' }] });
   * await eddy.close();
   */
  static async open(options: EddyOptions): Promise<Eddy> {
    const resolved = resolveEddyOptions(options);
    return new Eddy(await LogManager.open(resolved));
  }

  get dataDir(): string {
    return this.manager.options.dataDir;
  }

  get clock(): Clock {
    return this.manager.options.clock;
  }

  /** True when the previous owner of the data directory closed it cleanly (no recovery was needed). */
  get openedClean(): boolean {
    return this.manager.openedClean;
  }

  private checkOpen(): void {
    if (this.manager.isClosed) throw new EddyError('ERR_LOG_CLOSED', 'Eddy is closed');
  }

  /** A producer; see ProducerOptions for acks, batching and serdes. */
  producer<K = Buffer | string | null, V = Buffer | string | null>(options: ProducerOptions<K, V> = {}): Producer<K, V> {
    this.checkOpen();
    const producer = new Producer<K, V>(this.access, options);
    this.track(producer);
    return producer;
  }

  /** A consumer with manual assignment; see ConsumerOptions. */
  consumer<K = Buffer | null, V = Buffer | null>(options: ConsumerOptions<K, V> = {}): Consumer<K, V> {
    this.checkOpen();
    const consumer = new Consumer<K, V>(this.access, options);
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

  /** The partition log itself, for tools and tests that work below the client API. */
  partitionLog(topic: string, partition: number): PartitionLog {
    return this.manager.log(topic, partition);
  }

  /** The narrow log interface clients are built on. */
  get logAccess(): LogAccess {
    return this.access;
  }

  /** Clean shutdown: closes clients, fsyncs logs, writes checkpoints and the clean-shutdown marker. */
  async close(): Promise<void> {
    if (this.manager.isClosed) return;
    for (const client of [...this.clients]) {
      try {
        await client.close();
      } catch {
        // A client's own failure must not keep the logs from closing cleanly.
      }
    }
    await this.manager.close();
  }
}
