/**
 * The entry point: `Eddy.open({ dataDir })` takes ownership of a data directory (recovering it if
 * the last owner crashed) and hands out the admin, producers and consumers. `close()` is the clean
 * shutdown: clients are closed, every log fsynced, checkpoints written, and the marker that lets the
 * next open skip recovery is left behind.
 */
import { Admin } from './admin.js';
import type { EddyClient } from './client/interfaces.js';
import { connectEddy } from './remote/remote-eddy.js';
import type { LogAccess, PartitionLogAccess } from './client/log-access.js';
import { Consumer } from './client/consumer.js';
import { Producer } from './client/producer.js';
import type { ConsumerOptions, ProducerOptions } from './client/types.js';
import type { Clock } from './clock.js';
import { resolveEddyOptions, type EddyOptions } from './eddy-options.js';
import { EddyError, isEddyError } from './errors.js';
import { LogManager } from './log/log-manager.js';
import type { PartitionLog } from './log/partition-log.js';
import { GroupAdmin } from './group/group-admin.js';
import { resolveGroupConfig, type ResolvedGroupConfig } from './group/group-config.js';
import { GroupCoordinator } from './group/group-coordinator.js';
import type { GroupMetadataAccess } from './group/group-member.js';
import { OFFSETS_TOPIC, OffsetStore } from './group/offset-store.js';
import { ProducerIdManager } from './txn/producer-id-manager.js';
import { resolveTransactionConfig, type ResolvedTransactionConfig } from './txn/transaction-config.js';
import { TransactionCoordinator } from './txn/transaction-coordinator.js';
import { TRANSACTION_STATE_TOPIC, TransactionStateStore } from './txn/transaction-state-store.js';
import path from 'node:path';
import { clusterIdOf } from './log/meta-properties.js';
import { readBrokerFile, removeBrokerFile, writeBrokerFile } from './server/broker-file.js';
import type { BrokerContext } from './server/handler.js';
import { KafkaServer, type ServerAddresses } from './server/kafka-server.js';
import { resolveServerOptions, type ServerOptions } from './server/server-options.js';

/** The Unix socket an owner serves on by default, inside its data directory. */
export const UNIX_SOCKET_FILE = 'eddy.sock';

/**
 * Configs of __consumer_offsets and __transaction_state: compacted (the last record per key is all
 * that matters), 100 MiB segments as in Kafka.
 */
const OFFSETS_TOPIC_CONFIG = { 'cleanup.policy': 'compact', 'segment.bytes': 104_857_600 };
const TRANSACTION_STATE_TOPIC_CONFIG = OFFSETS_TOPIC_CONFIG;

export class Eddy implements EddyClient {
  /**
   * Connects to a Kafka cluster or an `eddy serve` over Kafka's protocol: the same admin, producer and
   * consumer API as Eddy.open (differences: core/remote/remote-eddy.ts).
   * @example
   * const eddy = await Eddy.connect({ brokers: ['localhost:9092'] }); // instead of Eddy.open({ dataDir })
   */
  static connect = connectEddy;

  readonly admin: Admin;
  private readonly clients = new Set<{ close(): Promise<void> }>();
  private readonly servers = new Set<KafkaServer>();
  /** The server recorded in the broker file (the `serve` option of Eddy.open), while it runs. */
  private ownerServer: KafkaServer | null = null;
  private readonly access: LogAccess;
  /** The group coordinator of this data directory (consumer groups and committed offsets). */
  readonly groupCoordinator: GroupCoordinator;
  private readonly groupMetadata: GroupMetadataAccess;
  /** The transaction coordinator of this data directory (producer ids, transactions). */
  readonly transactionCoordinator: TransactionCoordinator;

  private constructor(private readonly manager: LogManager, groupConfig: ResolvedGroupConfig, txnConfig: ResolvedTransactionConfig) {
    this.admin = new Admin(manager);
    const clock = manager.options.clock;
    const store = new OffsetStore({
      clock,
      offsetsPartitionCount: () => (manager.hasTopic(OFFSETS_TOPIC) ? manager.partitionCount(OFFSETS_TOPIC) : null),
      createOffsetsTopic: (partitions) => {
        manager.createTopic(OFFSETS_TOPIC, { partitions, config: OFFSETS_TOPIC_CONFIG, internal: true });
      },
      partitionLog: (topic, partition) => manager.log(topic, partition),
    }, groupConfig.offsetsTopicPartitions);
    this.groupCoordinator = new GroupCoordinator({
      clock,
      store,
      config: groupConfig,
      topicExists: (topic) => manager.hasTopic(topic),
      onError: (err) => manager.options.onError(err),
    });
    this.groupMetadata = {
      topicNames: () => manager.topicNames(false),
      partitionCount: (topic) => (manager.hasTopic(topic) ? manager.partitionCount(topic) : null),
    };
    this.admin.attachGroups(new GroupAdmin(this.groupCoordinator, manager, clock));
    this.transactionCoordinator = new TransactionCoordinator({
      clock,
      config: txnConfig,
      store: new TransactionStateStore({
        clock,
        partitionCount: () => (manager.hasTopic(TRANSACTION_STATE_TOPIC) ? manager.partitionCount(TRANSACTION_STATE_TOPIC) : null),
        createTopic: (partitions) => {
          manager.createTopic(TRANSACTION_STATE_TOPIC, { partitions, config: TRANSACTION_STATE_TOPIC_CONFIG, internal: true });
        },
        partitionLog: (partition) => manager.log(TRANSACTION_STATE_TOPIC, partition),
      }, txnConfig.stateLogPartitions),
      producerIds: new ProducerIdManager(manager.options.dataDir),
      logs: {
        partitionLog: (topic, partition) => manager.log(topic, partition),
        allPartitions: () => manager.topicNames(true).flatMap((topic) => Array.from({ length: manager.partitionCount(topic) }, (_, partition) => ({ topic, partition }))),
      },
      offsets: this.groupCoordinator,
      onError: (err) => manager.options.onError(err),
    });
    this.access = {
      clock,
      partitionCount: (topic: string, autoCreate: boolean): number => {
        if (autoCreate && manager.options.autoCreateTopics && !manager.hasTopic(topic)) manager.createTopic(topic);
        return manager.partitionCount(topic);
      },
      partitionLog: (topic: string, partition: number): PartitionLogAccess => manager.log(topic, partition),
      transactions: this.transactionCoordinator,
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
    // The coordinators' settings (offsets.*, group.*, transaction.*) are taken out before the log sees the rest.
    const { group, rest: afterGroup } = resolveGroupConfig(options?.config);
    const { transaction, rest } = resolveTransactionConfig(afterGroup);
    const resolved = resolveEddyOptions(options === null || typeof options !== 'object' ? options : { ...options, config: rest });
    const manager = await LogManager.open(resolved);
    let eddy: Eddy | null = null;
    try {
      eddy = new Eddy(manager, group, transaction);
      eddy.groupCoordinator.load();
      // Ends the transactions the last owner left open, durably, before anyone reads.
      await eddy.transactionCoordinator.load();
      if (options.serve !== false) await eddy.serveOwner(options.serve ?? { listen: '127.0.0.1:0' });
      return eddy;
    } catch (err) {
      for (const server of eddy?.servers ?? []) await server.close();
      await eddy?.transactionCoordinator.close();
      eddy?.groupCoordinator.close();
      await manager.close();
      throw err;
    }
  }

  /**
   * Opens the data directory like `Eddy.open`, or, when a live process already owns it, connects to
   * that owner over the Kafka protocol (its address is in `<data-dir>/eddy-broker.json`; owners serve
   * other processes by default) and returns the same API as `Eddy.connect`. This is how the `eddy`
   * command works beside a running application or `eddy serve`. Waits up to `waitForOwnerMs`
   * (default 5000) for an owner that is still starting; an owner opened with `serve: false` stays
   * ERR_DATA_DIR_LOCKED.
   * @example
   * const eddy = await Eddy.attach({ dataDir: './eddy-data' }); // embedded, or a client of the owner
   */
  static async attach(options: EddyOptions & { waitForOwnerMs?: number }): Promise<EddyClient> {
    const waitMs = options?.waitForOwnerMs ?? 5000;
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        return await Eddy.open(options);
      } catch (err) {
        if (!isEddyError(err, 'ERR_DATA_DIR_LOCKED')) throw err;
        const broker = readBrokerFile(path.resolve(options.dataDir));
        // A file left by an earlier owner names another pid; the current one writes its own once serving.
        if (broker !== null && broker.tcp !== null && (err.context.pid === undefined || err.context.pid === broker.pid)) {
          try {
            return await connectEddy({ brokers: [broker.tcp] });
          } catch (connectErr) {
            if (!isEddyError(connectErr, 'ERR_BROKER_UNAVAILABLE')) throw connectErr;
          }
        }
        if (Date.now() >= deadline) {
          throw new EddyError('ERR_DATA_DIR_LOCKED', `${err.message}, and it does not serve other processes (it was opened with serve: false, or is stuck starting)`, err.context, { cause: err });
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
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

  /** A consumer: manual assignment with assign(), or group membership with `groupId` and subscribe(); see ConsumerOptions. */
  consumer<K = Buffer | null, V = Buffer | null>(options: ConsumerOptions<K, V> = {}): Consumer<K, V> {
    this.checkOpen();
    const consumer = new Consumer<K, V>(this.access, options, { coordinator: this.groupCoordinator, metadata: this.groupMetadata });
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

  /**
   * Serves this data directory over Kafka's wire protocol, so Kafka clients (kcat, KafkaJS,
   * kafka-python, librdkafka…) and other Eddy processes can produce, consume, join groups and run
   * transactions against it. TCP on 127.0.0.1:9092 and a Unix socket in the data directory by
   * default; see ServerOptions. The server stops at `close()` (of the server or of this Eddy).
   * @example
   * const server = await eddy.serve({ listen: '127.0.0.1:9092' });
   * console.log(server.addresses.tcp); // { host: '127.0.0.1', port: 9092 }
   */
  async serve(options: ServerOptions = {}): Promise<KafkaServer> {
    this.checkOpen();
    const defaultSocket = path.join(this.dataDir, UNIX_SOCKET_FILE);
    // The data directory's socket belongs to the first server that took it.
    const socketTaken = [...this.servers].some((s) => s.addresses.unix === defaultSocket);
    const resolved = resolveServerOptions(options, socketTaken ? null : defaultSocket);
    const clusterId = clusterIdOf(this.dataDir, resolved.nodeId);
    let server: KafkaServer | null = null;
    const manager = this.manager;
    const broker: BrokerContext = {
      manager,
      admin: this.admin,
      groups: this.groupCoordinator,
      transactions: this.transactionCoordinator,
      clock: this.clock,
      nodeId: resolved.nodeId,
      clusterId,
      options: resolved,
      advertised: () => resolved.advertisedListener ?? server?.addresses.tcp ?? { host: 'localhost', port: 9092 },
      onError: (err) => {
        manager.options.onError(isEddyError(err) ? err : new EddyError('ERR_INTERNAL_DEFECT', `Kafka protocol server: ${(err as Error)?.message ?? String(err)}`, {}, { cause: err }));
      },
    };
    // Runs when the server starts closing; `server` is still null if it never finished starting.
    const onClose = (): void => {
      if (server === null) return;
      this.servers.delete(server);
      if (server === this.ownerServer) {
        this.ownerServer = null;
        removeBrokerFile(this.dataDir);
      }
    };
    server = await KafkaServer.start(broker, onClose);
    this.servers.add(server);
    return server;
  }

  /** Where this owner serves other processes (`serve` option of Eddy.open); nulls when it does not. */
  get servedAddresses(): ServerAddresses {
    return this.ownerServer?.addresses ?? { tcp: null, unix: null };
  }

  /** The server other processes reach this owner through, recorded in the data directory's broker file. */
  private async serveOwner(options: ServerOptions): Promise<void> {
    const server = await this.serve(options);
    this.ownerServer = server;
    writeBrokerFile(this.dataDir, server.addresses);
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
    // Remote clients go first: no request may arrive while the logs close.
    for (const server of [...this.servers]) await server.close();
    for (const client of [...this.clients]) {
      try {
        await client.close();
      } catch {
        // A client's own failure must not keep the logs from closing cleanly.
      }
    }
    // Transactions in flight finish their writes before the logs close.
    await this.transactionCoordinator.close();
    this.groupCoordinator.close();
    await this.manager.close();
  }
}
