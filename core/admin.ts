/**
 * Topic administration, as Kafka's AdminClient and `kafka-topics` offer it: create, list, describe,
 * delete, alter configs, add partitions. Every call validates all of its input before it changes
 * anything, so a bad name or config creates or alters nothing.
 */
import type { CreateTopicOptions, TopicDescription } from './client/types.js';
import type { LogManager } from './log/log-manager.js';

export class Admin {
  /** @internal */
  constructor(private readonly manager: LogManager) {}

  /**
   * Creates a topic.
   * @example
   * await eddy.admin.createTopic('orders', { partitions: 3, config: { 'retention.ms': 86_400_000 } });
   */
  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<TopicDescription> {
    return this.manager.createTopic(name, { partitions: options.partitions, config: options.config ?? {} });
  }

  /** User topic names, sorted; internal (`__`) topics only with `includeInternal`. */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    return this.manager.topicNames(options.includeInternal === true);
  }

  /** Per partition offsets, bytes and segments, plus every config with its effective value. */
  async describeTopic(name: string): Promise<TopicDescription> {
    return this.manager.describeTopic(name);
  }

  async deleteTopic(name: string): Promise<void> {
    this.manager.deleteTopic(name);
  }

  /** Sets config overrides; `null` resets one to its default. All or nothing. */
  async alterTopicConfig(name: string, config: Record<string, string | number | null>): Promise<void> {
    this.manager.alterTopicConfig(name, config);
  }

  /** Raises the partition count to `totalCount` (Kafka's `--alter --partitions`). */
  async addPartitions(name: string, totalCount: number): Promise<void> {
    this.manager.addPartitions(name, totalCount);
  }

  /** Runs a retention pass now instead of waiting for `log.retention.check.interval.ms`. */
  async runRetention(): Promise<number> {
    return this.manager.runRetention();
  }
}
