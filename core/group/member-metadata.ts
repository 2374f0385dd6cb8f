/**
 * The two forms of a member's protocol metadata and assignment: decoded objects for in-process
 * consumers, Kafka's consumer-protocol bytes for wire clients. The coordinator keeps what a member
 * sent and converts only when a member of the other kind needs it:
 *
 * - a wire member's subscription bytes are decoded once at join (the coordinator needs the topics for
 *   offset expiry, and an in-process leader for its assignor); bytes that do not parse, or any bytes
 *   of a protocol type other than "consumer", count as subscribing to nothing, as Kafka's broker
 *   never refuses a member for its opaque metadata;
 * - an in-process member's subscription is encoded for a wire leader as ConsumerProtocolSubscription
 *   v1 (topics, no userData, owned partitions);
 * - an in-process leader's assignment is encoded for a wire member as ConsumerProtocolAssignment v0
 *   with empty userData; a wire leader's bytes reach wire members unchanged (userData intact) and are
 *   decoded for in-process members (undecodable bytes: no partitions).
 */
import type { TopicPartition } from '../client/types.js';
import { EddyError } from '../errors.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../protocol/consumer-protocol.js';
import type { MemberProtocol } from './group-model.js';
import type { ConsumerSubscription, GroupProtocol } from './protocol.js';

/** The protocol type of Kafka's consumers, the only one whose bytes the coordinator reads. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

const EMPTY_BYTES = Buffer.alloc(0);

function subscriptionOf(bytes: Uint8Array): ConsumerSubscription {
  try {
    const sub = decodeSubscription(bytes);
    return { topics: sub.topics, ownedPartitions: sub.ownedPartitions };
  } catch {
    return { topics: [], ownedPartitions: [] };
  }
}

/**
 * A JoinGroup's protocols in the coordinator's form, and whether the member is a wire client (it
 * sent bytes). Throws ERR_GROUP_INCONSISTENT_PROTOCOL for protocols mixing both forms, or decoded
 * subscriptions under a protocol type other than "consumer".
 */
export function toMemberProtocols(groupId: string, protocolType: string, protocols: readonly GroupProtocol[]): { protocols: MemberProtocol[]; wire: boolean } {
  const wire = protocols.some((p) => p.rawMetadata !== undefined);
  const out = protocols.map((p): MemberProtocol => {
    if (p.rawMetadata !== undefined) {
      // Copied: the bytes may be a view into a request frame, and the group keeps them.
      const raw = Buffer.from(p.rawMetadata);
      return { name: p.name, rawMetadata: raw, metadata: protocolType === CONSUMER_PROTOCOL_TYPE ? subscriptionOf(raw) : { topics: [], ownedPartitions: [] } };
    }
    if (wire || protocolType !== CONSUMER_PROTOCOL_TYPE) {
      throw new EddyError('ERR_GROUP_INCONSISTENT_PROTOCOL', `Protocol ${p.name} has no metadata bytes for protocol type "${protocolType}"`, { group: groupId });
    }
    return { name: p.name, metadata: p.metadata, rawMetadata: null };
  });
  return { protocols: out, wire };
}

/** The metadata bytes a wire client expects for `protocol`. */
export function rawMetadataOf(protocol: MemberProtocol): Uint8Array {
  if (protocol.rawMetadata !== null) return protocol.rawMetadata;
  const { topics, ownedPartitions } = protocol.metadata;
  return encodeSubscription({ version: 1, topics, userData: null, ownedPartitions, generationId: -1, rackId: null });
}

/** The partitions an assignment's bytes name (none for bytes that are not a consumer assignment). */
export function partitionsOfAssignment(protocolType: string, bytes: Uint8Array): TopicPartition[] {
  if (protocolType !== CONSUMER_PROTOCOL_TYPE) return [];
  try {
    return decodeAssignment(bytes).assignedPartitions;
  } catch {
    return [];
  }
}

/** The assignment bytes a wire member expects: the wire leader's, or encoded from the decoded assignment. */
export function rawAssignmentOf(protocolType: string, raw: Uint8Array | null, assignment: readonly TopicPartition[]): Uint8Array {
  if (raw !== null) return raw;
  if (protocolType !== CONSUMER_PROTOCOL_TYPE) return EMPTY_BYTES;
  return encodeAssignment({ version: 0, assignedPartitions: [...assignment], userData: EMPTY_BYTES });
}
