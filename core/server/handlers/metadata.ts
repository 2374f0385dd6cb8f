/**
 * Metadata: one broker (this one), which is also the controller and the leader of every partition
 * with itself as the only replica. Topics asked for by name that do not exist are created when the
 * request allows it and the data directory's `auto.create.topics.enable` is on (Kafka's behaviour),
 * otherwise answered with UNKNOWN_TOPIC_OR_PARTITION.
 */
import type { StructValue } from '../../protocol/schema.js';
import type { BrokerContext, Handler } from '../handler.js';
import { failureCode, KAFKA_ERRORS } from '../kafka-errors.js';

/** Kafka's "no topic id". */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function topicMetadata(broker: BrokerContext, name: string): StructValue {
  const count = broker.manager.partitionCount(name);
  const partitions: StructValue[] = [];
  for (let p = 0; p < count; p++) {
    partitions.push({ errorCode: 0, partitionIndex: p, leaderId: broker.nodeId, leaderEpoch: 0, replicaNodes: [broker.nodeId], isrNodes: [broker.nodeId], offlineReplicas: [] });
  }
  return { errorCode: 0, name, topicId: broker.manager.topicId(name), isInternal: name.startsWith('__'), partitions };
}

function failedTopic(name: string | null, errorCode: number, topicId = ZERO_UUID): StructValue {
  return { errorCode, name, topicId, isInternal: false, partitions: [] };
}

export const handleMetadata: Handler = ({ body, broker, apiVersion }) => {
  const requested = body.topics as Array<{ name: string | null; topicId: string }> | null;
  const { manager } = broker;
  const topics: StructValue[] = [];
  // v0 asks for every topic with an empty list; later versions with null.
  if (requested === null || (apiVersion === 0 && requested.length === 0)) {
    for (const name of manager.topicNames(true)) topics.push(topicMetadata(broker, name));
  } else {
    const allowAutoCreate = body.allowAutoTopicCreation !== false && manager.options.autoCreateTopics;
    for (const topic of requested) {
      let name = topic.name;
      if (name === null) {
        name = manager.topicNameById(topic.topicId);
        if (name === null) {
          topics.push(failedTopic(null, KAFKA_ERRORS.UNKNOWN_TOPIC_ID, topic.topicId));
          continue;
        }
      }
      try {
        if (!manager.hasTopic(name)) {
          if (!allowAutoCreate) {
            topics.push(failedTopic(name, KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION));
            continue;
          }
          manager.createTopic(name);
        }
        topics.push(topicMetadata(broker, name));
      } catch (err) {
        topics.push(failedTopic(name, failureCode(broker, err)));
      }
    }
  }
  const { host, port } = broker.advertised();
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: broker.nodeId, host, port, rack: null }],
    clusterId: broker.clusterId,
    controllerId: broker.nodeId,
    topics,
  };
};
