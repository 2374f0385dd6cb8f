/**
 * Kafka's consumer protocol: the bytes a consumer puts inside JoinGroup's protocol metadata
 * (ConsumerProtocolSubscription) and the leader puts inside SyncGroup's assignments
 * (ConsumerProtocolAssignment). The broker treats them as opaque; Eddy's group coordinator reads them
 * so that in-process consumers and wire clients can share a group.
 *
 * Each is an int16 version followed by the message in that version, never flexible:
 *
 *   ConsumerProtocolSubscription, versions 0–3:
 *     topics ARRAY of STRING, userData NULLABLE_BYTES,
 *     v1+: ownedPartitions ARRAY of { topic STRING, partitions ARRAY of int32 },
 *     v2+: generationId int32 (default -1), v3+: rackId NULLABLE_STRING (default null)
 *   ConsumerProtocolAssignment, versions 0–3 (v1–3 add no field):
 *     assignedPartitions ARRAY of { topic STRING, partitions ARRAY of int32 }, userData NULLABLE_BYTES
 *
 * As in Kafka, a version newer than the ones known is read with the newest known layout, and bytes
 * after the known fields are ignored (new versions only append fields); a negative version is
 * malformed.
 * Decoding goes through the bounded Reader, so any input either decodes or fails with
 * ERR_PROTOCOL_INVALID. Partitions are given flat here (`{ topic, partition }` per partition) and
 * grouped by topic on the wire, in the order topics first appear.
 */
import { protocolError, Reader, Writer } from './primitives.js';
import { decode, defineMessage, encode, type Message, type StructValue } from './schema.js';

/** One partition of a topic. */
export interface ProtocolTopicPartition {
  topic: string;
  partition: number;
}

export interface DecodedSubscription {
  /** The version read from (or to write to) the bytes' int16 prefix. */
  version: number;
  topics: string[];
  userData: Uint8Array | null;
  /** v1+: what the member owns now (cooperative rebalancing). */
  ownedPartitions: ProtocolTopicPartition[];
  /** v2+: the generation in which the member owned them; -1 when unknown. */
  generationId: number;
  /** v3+: the member's rack, or null. */
  rackId: string | null;
}

export interface DecodedAssignment {
  version: number;
  assignedPartitions: ProtocolTopicPartition[];
  userData: Uint8Array | null;
}

const topicPartitionsFields = (versions: string) =>
  [
    { name: 'topic', type: 'string', versions },
    { name: 'partitions', type: '[]int32', versions },
  ] as const;

export const ConsumerProtocolSubscription: Message = defineMessage({
  name: 'ConsumerProtocolSubscription',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: [
    { name: 'topics', type: '[]string', versions: '0+' },
    { name: 'userData', type: 'bytes', versions: '0+', nullableVersions: '0+', default: null },
    { name: 'ownedPartitions', type: '[]struct', versions: '1+', fields: topicPartitionsFields('1+') },
    { name: 'generationId', type: 'int32', versions: '2+', default: -1 },
    { name: 'rackId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
  ],
});

export const ConsumerProtocolAssignment: Message = defineMessage({
  name: 'ConsumerProtocolAssignment',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: [
    { name: 'assignedPartitions', type: '[]struct', versions: '0+', fields: topicPartitionsFields('0+') },
    { name: 'userData', type: 'bytes', versions: '0+', nullableVersions: '0+', default: null },
  ],
});

/** The newest version this codec writes and reads fields of. */
export const CONSUMER_PROTOCOL_MAX_VERSION = 3;

function groupByTopic(partitions: readonly ProtocolTopicPartition[]): StructValue[] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    let list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, (list = []));
    list.push(partition);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list }));
}

function flatten(value: unknown): ProtocolTopicPartition[] {
  const out: ProtocolTopicPartition[] = [];
  for (const entry of value as Array<{ topic: string; partitions: number[] }>) {
    for (const partition of entry.partitions) out.push({ topic: entry.topic, partition });
  }
  return out;
}

function checkVersion(version: number, what: string): void {
  if (!Number.isInteger(version) || version < 0 || version > CONSUMER_PROTOCOL_MAX_VERSION) {
    throw protocolError(`${what} version must be 0..${CONSUMER_PROTOCOL_MAX_VERSION}, got ${String(version)}`, { version });
  }
}

/** Reads the version prefix: the version to decode the rest with (newer ones read as the newest known). */
function readVersion(reader: Reader, what: string): { version: number; layout: number } {
  const version = reader.int16();
  if (version < 0) throw protocolError(`${what} has the negative version ${version}`, { version });
  return { version, layout: Math.min(version, CONSUMER_PROTOCOL_MAX_VERSION) };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Encodes a subscription in `sub.version` (fields the version lacks are left out).
 *
 * @example
 * encodeSubscription({ version: 0, topics: ['t'], userData: null, ownedPartitions: [], generationId: -1, rackId: null });
 * // <Buffer 00 00 00 00 00 01 00 01 74 ff ff ff ff>
 */
export function encodeSubscription(sub: DecodedSubscription): Buffer {
  checkVersion(sub.version, 'ConsumerProtocolSubscription');
  const w = new Writer(64);
  w.int16(sub.version);
  encode(ConsumerProtocolSubscription, sub.version, {
    topics: sub.topics,
    userData: sub.userData,
    ownedPartitions: groupByTopic(sub.ownedPartitions),
    generationId: sub.generationId,
    rackId: sub.rackId,
  }, w);
  return Buffer.from(w.finish());
}

/** Decodes subscription bytes; throws ERR_PROTOCOL_INVALID when they are not one. */
export function decodeSubscription(bytes: Uint8Array): DecodedSubscription {
  const reader = new Reader(toBuffer(bytes));
  const { version, layout } = readVersion(reader, 'ConsumerProtocolSubscription');
  const value = decode(ConsumerProtocolSubscription, layout, reader);
  return {
    version,
    topics: value.topics as string[],
    userData: copyOrNull(value.userData),
    ownedPartitions: flatten(value.ownedPartitions),
    generationId: value.generationId as number,
    rackId: value.rackId as string | null,
  };
}

/**
 * Encodes an assignment in `assignment.version`.
 *
 * @example
 * encodeAssignment({ version: 0, assignedPartitions: [{ topic: 't', partition: 2 }], userData: null });
 */
export function encodeAssignment(assignment: DecodedAssignment): Buffer {
  checkVersion(assignment.version, 'ConsumerProtocolAssignment');
  const w = new Writer(64);
  w.int16(assignment.version);
  encode(ConsumerProtocolAssignment, assignment.version, { assignedPartitions: groupByTopic(assignment.assignedPartitions), userData: assignment.userData }, w);
  return Buffer.from(w.finish());
}

/** Decodes assignment bytes; throws ERR_PROTOCOL_INVALID when they are not one. */
export function decodeAssignment(bytes: Uint8Array): DecodedAssignment {
  const reader = new Reader(toBuffer(bytes));
  const { version, layout } = readVersion(reader, 'ConsumerProtocolAssignment');
  const value = decode(ConsumerProtocolAssignment, layout, reader);
  return { version, assignedPartitions: flatten(value.assignedPartitions), userData: copyOrNull(value.userData) };
}

/** Decoded bytes are views into the input; a copy outlives the request frame. */
function copyOrNull(value: unknown): Uint8Array | null {
  return value === null ? null : Buffer.from(value as Uint8Array);
}
