/**
 * ListOffsets over the wire: the earliest offset, the end (the high watermark with read_uncommitted,
 * the last stable offset with read_committed), or the first offset at or after a timestamp, for many
 * partitions at once, each request sent to the partition's leader.
 */
import { FetchIsolationLevels } from '@platformatic/kafka';
import { EddyError, toSafeNumber } from '../errors.js';
import type { IsolationLevel } from '../client/log-access.js';
import type { TopicPartition } from '../client/types.js';
import { tpKey } from '../group/assignors/assignor.js';
import type { BrokerLink } from './broker-link.js';
import { kafkaError } from './remote-errors.js';

/** Kafka's special ListOffsets timestamps. */
export const LATEST = -1;
export const EARLIEST = -2;

export interface OffsetQuery extends TopicPartition {
  /** EARLIEST, LATEST, or a timestamp in ms. */
  timestamp: number;
}

interface ListOffsetsResponse {
  topics: Array<{
    name: string;
    partitions: Array<{ partitionIndex: number; errorCode: number; timestamp: bigint; offset: bigint }>;
  }>;
}

/**
 * The offset per query (keyed by tpKey), or null for a timestamp after every record. Queries for the
 * same partition must not repeat. An unknown topic or partition is ERR_TOPIC_NOT_FOUND /
 * ERR_PARTITION_NOT_FOUND; any other per-partition error fails the call with its code.
 */
export async function listOffsets(link: BrokerLink, queries: readonly OffsetQuery[], isolationLevel: IsolationLevel): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  if (queries.length === 0) return out;
  const topics = queries.map((q) => q.topic);
  let metadata = await link.topics(topics);
  // Cached metadata may predate partitions added since: look again before calling one missing.
  if (queries.some((q) => metadata.get(q.topic)!.partitions[q.partition] === undefined)) metadata = await link.topics(topics, { fresh: true });
  const byLeader = new Map<number, Map<string, Array<{ partitionIndex: number; currentLeaderEpoch: number; timestamp: bigint }>>>();
  for (const q of queries) {
    const meta = metadata.get(q.topic)!;
    const partition = meta.partitions[q.partition];
    if (partition === undefined || partition.partition !== q.partition) {
      throw new EddyError('ERR_PARTITION_NOT_FOUND', `Topic ${q.topic} has no partition ${q.partition} (it has ${meta.partitions.length})`, { topic: q.topic, partition: q.partition });
    }
    let topics = byLeader.get(partition.leader);
    if (topics === undefined) byLeader.set(partition.leader, (topics = new Map()));
    let list = topics.get(q.topic);
    if (list === undefined) topics.set(q.topic, (list = []));
    list.push({ partitionIndex: q.partition, currentLeaderEpoch: -1, timestamp: BigInt(q.timestamp) });
  }
  const level = isolationLevel === 'read_committed' ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED;
  await Promise.all([...byLeader].map(async ([leader, topics]) => {
    const request = [...topics].map(([name, partitions]) => ({ name, partitions }));
    const response = await link.request<ListOffsetsResponse>('ListOffsets', await link.connectionTo(leader), -1, level, request);
    for (const topic of response.topics) {
      for (const p of topic.partitions) {
        if (p.errorCode !== 0) {
          link.forgetTopics([topic.name]);
          throw kafkaError(p.errorCode, null, { topic: topic.name, partition: p.partitionIndex });
        }
        out.set(tpKey({ topic: topic.name, partition: p.partitionIndex }), p.offset < 0n ? null : toSafeNumber(p.offset, 'offset'));
      }
    }
  }));
  return out;
}
