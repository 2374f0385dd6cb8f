/**
 * The consumer-group APIs, served by the data directory's group coordinator: FindCoordinator,
 * JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups,
 * ListGroups and DeleteGroups.
 *
 * - This broker is the coordinator of every group and transactional id (FindCoordinator).
 * - Wire clients give their protocol metadata and assignments as bytes; the coordinator converts
 *   them for in-process members of the same group (core/group/member-metadata.ts), so Eddy's own
 *   consumers and Kafka clients can share a group.
 * - JoinGroup and SyncGroup wait for the rebalance, as Kafka's do (the response comes when the group
 *   has moved on); JoinGroup v4+ first hands a new dynamic member its id (MEMBER_ID_REQUIRED).
 * - Every group, member or generation problem is answered with Kafka's error code in the response;
 *   nothing here closes the connection.
 * - OffsetCommit's retention time (v2–4) and commit timestamp (v1) are ignored: the data directory's
 *   offsets.retention.minutes applies. Leader epochs are not tracked (-1).
 */
import { isEddyError } from '../../errors.js';
import { validateGroupId } from '../../group/group-coordinator.js';
import type { CommittedOffset, GroupState } from '../../group/protocol.js';
import { API_KEYS } from '../../protocol/api-keys.js';
import type { StructValue } from '../../protocol/schema.js';
import type { BrokerContext, Handler } from '../handler.js';
import { failureCode, KAFKA_ERRORS } from '../kafka-errors.js';

/** Kafka's offset.metadata.max.bytes default: longer commit metadata is refused per partition. */
const MAX_OFFSET_METADATA_BYTES = 4096;
/** Every group here is a classic group (KIP-848's group type, for ListGroups v5). */
const GROUP_TYPE = 'classic';
const EMPTY = Buffer.alloc(0);

/** The Kafka error code for a failure; anything but an EddyError is a defect and is reported. */
function errorCodeOf(broker: BrokerContext, err: unknown): number {
  // The coordinator checks the session timeout against the broker's bounds as a config error.
  if (isEddyError(err, 'ERR_CONFIG_INVALID') && err.context.config === 'sessionTimeoutMs') return KAFKA_ERRORS.INVALID_SESSION_TIMEOUT;
  return failureCode(broker, err);
}

/** Runs `fn`, giving 0 or the error code of what it threw. */
function codeOf(broker: BrokerContext, fn: () => void): number {
  try {
    fn();
    return KAFKA_ERRORS.NONE;
  } catch (err) {
    return errorCodeOf(broker, err);
  }
}

// ── FindCoordinator ────────────────────────────────────────────────────────────────────────────

const COORDINATOR_KEY_TYPES = new Set([0, 1]);

const handleFindCoordinator: Handler = ({ body, broker, apiVersion }): StructValue => {
  const keyType = apiVersion >= 1 ? (body.keyType as number) : 0;
  const { host, port } = broker.advertised();
  const answer = (key: string): StructValue => {
    let errorCode: number = KAFKA_ERRORS.NONE;
    let errorMessage: string | null = null;
    if (!COORDINATOR_KEY_TYPES.has(keyType)) {
      errorCode = KAFKA_ERRORS.INVALID_REQUEST;
      errorMessage = `Unknown coordinator key type ${keyType}`;
    } else if (key === '') {
      errorCode = KAFKA_ERRORS.INVALID_REQUEST;
      errorMessage = keyType === 0 ? 'Empty group id' : 'Empty transactional id';
    }
    return errorCode === KAFKA_ERRORS.NONE
      ? { errorCode, errorMessage, nodeId: broker.nodeId, host, port }
      : { errorCode, errorMessage, nodeId: -1, host: '', port: -1 };
  };
  if (apiVersion >= 4) {
    return { throttleTimeMs: 0, coordinators: (body.coordinatorKeys as string[]).map((key) => ({ key, ...answer(key) })) };
  }
  return { throttleTimeMs: 0, ...answer(body.key as string) };
};

// ── JoinGroup, SyncGroup, Heartbeat, LeaveGroup ───────────────────────────────────────────────

/** Kafka shows a member's host as its address with a leading slash, without the port. */
function clientHostOf(remoteAddress: string): string {
  return `/${remoteAddress.replace(/:\d+$/, '')}`;
}

interface WireProtocol {
  name: string;
  metadata: Uint8Array;
}

const handleJoinGroup: Handler = async ({ body, broker, apiVersion, clientId, session }) => {
  const memberId = body.memberId as string;
  const failed = (errorCode: number, id = memberId): StructValue => ({
    throttleTimeMs: 0,
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: apiVersion >= 7 ? null : '',
    leader: '',
    skipAssignment: false,
    memberId: id,
    members: [],
  });
  const sessionTimeoutMs = body.sessionTimeoutMs as number;
  // v0 has no rebalance timeout: the session timeout stands in, as in Kafka.
  const rebalanceTimeoutMs = apiVersion >= 1 && body.rebalanceTimeoutMs !== -1 ? (body.rebalanceTimeoutMs as number) : sessionTimeoutMs;
  try {
    validateGroupId(body.groupId);
    const join = await broker.groups.joinGroup({
      groupId: body.groupId,
      memberId,
      groupInstanceId: body.groupInstanceId as string | null,
      clientId: clientId ?? '',
      clientHost: clientHostOf(session.remoteAddress),
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      protocolType: body.protocolType as string,
      protocols: (body.protocols as unknown as WireProtocol[]).map((p) => ({ name: p.name, rawMetadata: p.metadata })),
      requireKnownMemberId: apiVersion >= 4,
    });
    if (join.memberIdRequired === true) return failed(KAFKA_ERRORS.MEMBER_ID_REQUIRED, join.memberId);
    return {
      throttleTimeMs: 0,
      errorCode: KAFKA_ERRORS.NONE,
      generationId: join.generationId,
      protocolType: join.protocolType,
      protocolName: join.protocolName,
      leader: join.leader,
      skipAssignment: join.skipAssignment,
      memberId: join.memberId,
      members: join.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.rawMetadata ?? EMPTY })),
    };
  } catch (err) {
    return failed(errorCodeOf(broker, err));
  }
};

const handleSyncGroup: Handler = async ({ body, broker, apiVersion }) => {
  const failed = (errorCode: number): StructValue => ({ throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
  // KIP-559: from v5 the member must name the protocol type and name it joined with.
  if (apiVersion >= 5 && (body.protocolType === null || body.protocolName === null)) return failed(KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL);
  try {
    validateGroupId(body.groupId);
    const sync = await broker.groups.syncGroup({
      groupId: body.groupId,
      generationId: body.generationId as number,
      memberId: body.memberId as string,
      groupInstanceId: body.groupInstanceId as string | null,
      protocolType: body.protocolType as string | null,
      protocolName: body.protocolName as string | null,
      assignments: (body.assignments as Array<{ memberId: string; assignment: Uint8Array }>).map((a) => ({ memberId: a.memberId, rawAssignment: a.assignment })),
    });
    return {
      throttleTimeMs: 0,
      errorCode: KAFKA_ERRORS.NONE,
      protocolType: sync.protocolType ?? null,
      protocolName: sync.protocolName ?? null,
      assignment: sync.rawAssignment ?? EMPTY,
    };
  } catch (err) {
    return failed(errorCodeOf(broker, err));
  }
};

const handleHeartbeat: Handler = ({ body, broker }) => {
  const errorCode = codeOf(broker, () => {
    validateGroupId(body.groupId);
    broker.groups.heartbeat({
      groupId: body.groupId,
      generationId: body.generationId as number,
      memberId: body.memberId as string,
      groupInstanceId: body.groupInstanceId as string | null,
    });
  });
  return { throttleTimeMs: 0, errorCode };
};

const handleLeaveGroup: Handler = ({ body, broker, apiVersion }) => {
  const groupId = body.groupId as string;
  const invalidId = codeOf(broker, () => validateGroupId(groupId));
  const leave = (memberId: string, groupInstanceId: string | null): number =>
    invalidId !== KAFKA_ERRORS.NONE ? invalidId : codeOf(broker, () => broker.groups.leaveGroup({ groupId, memberId, groupInstanceId }));
  if (apiVersion < 3) return { throttleTimeMs: 0, errorCode: leave(body.memberId as string, null), members: [] };
  if (invalidId !== KAFKA_ERRORS.NONE) return { throttleTimeMs: 0, errorCode: invalidId, members: [] };
  const members = (body.members as Array<{ memberId: string; groupInstanceId: string | null }>).map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    errorCode: leave(m.memberId, m.groupInstanceId),
  }));
  return { throttleTimeMs: 0, errorCode: KAFKA_ERRORS.NONE, members };
};

// ── OffsetCommit, OffsetFetch ─────────────────────────────────────────────────────────────────

interface CommitTopic {
  name: string;
  partitions: Array<{ partitionIndex: number; committedOffset: number; committedMetadata: string | null }>;
}

function partitionExists(broker: BrokerContext, topic: string, partition: number): boolean {
  return broker.manager.hasTopic(topic) && partition >= 0 && partition < broker.manager.partitionCount(topic);
}

const handleOffsetCommit: Handler = async ({ body, broker, apiVersion }) => {
  const groupId = body.groupId as string;
  const topics = body.topics as unknown as CommitTopic[];
  // Per partition: an error found before the commit, or null for the ones committed together.
  const codes = topics.map((t) => t.partitions.map((p): number | null => {
    if (!partitionExists(broker, t.name, p.partitionIndex)) return KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION;
    if (p.committedMetadata !== null && Buffer.byteLength(p.committedMetadata) > MAX_OFFSET_METADATA_BYTES) return KAFKA_ERRORS.OFFSET_METADATA_TOO_LARGE;
    if (p.committedOffset < 0) return KAFKA_ERRORS.OFFSET_OUT_OF_RANGE;
    return null;
  }));
  const offsets = topics.flatMap((t, i) =>
    t.partitions.filter((_, j) => codes[i]![j] === null).map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata ?? '' })),
  );
  let commitCode: number = KAFKA_ERRORS.NONE;
  try {
    validateGroupId(groupId);
    if (offsets.length > 0) {
      await broker.groups.offsetCommit({
        groupId,
        // v0 commits from outside any generation.
        generationId: apiVersion >= 1 ? (body.generationIdOrMemberEpoch as number) : -1,
        memberId: apiVersion >= 1 ? (body.memberId as string) : '',
        groupInstanceId: body.groupInstanceId as string | null,
        offsets,
      });
    }
  } catch (err) {
    commitCode = errorCodeOf(broker, err);
  }
  const invalidGroup = commitCode === KAFKA_ERRORS.INVALID_GROUP_ID;
  return {
    throttleTimeMs: 0,
    topics: topics.map((t, i) => ({
      name: t.name,
      partitions: t.partitions.map((p, j) => ({ partitionIndex: p.partitionIndex, errorCode: invalidGroup ? commitCode : (codes[i]![j] ?? commitCode) })),
    })),
  };
};

interface FetchTopic {
  name: string;
  partitionIndexes: number[];
}

interface FetchedGroup {
  errorCode: number;
  topics: StructValue[];
}

/** One group's committed offsets, grouped by topic in the order asked (all topics: sorted). */
function fetchOffsets(broker: BrokerContext, groupId: string, requested: FetchTopic[] | null, requireStable: boolean): FetchedGroup {
  let offsets: CommittedOffset[];
  try {
    validateGroupId(groupId);
    const partitions = requested === null ? null : requested.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
    offsets = broker.groups.offsetFetch({ groupId, partitions });
  } catch (err) {
    const errorCode = errorCodeOf(broker, err);
    // The partitions asked for carry the error too (v0–1 have no group-level error code).
    const topics = (requested ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode })),
    }));
    return { errorCode, topics };
  }
  const byTopic = new Map<string, StructValue[]>();
  for (const o of offsets) {
    let list = byTopic.get(o.topic);
    if (list === undefined) byTopic.set(o.topic, (list = []));
    // requireStable (v7+): an offset a transaction is about to change is not answered yet.
    const unstable = requireStable && broker.groups.hasPendingTxnOffset(groupId, o.topic, o.partition);
    list.push(
      unstable
        ? { partitionIndex: o.partition, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: KAFKA_ERRORS.UNSTABLE_OFFSET_COMMIT }
        : { partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, metadata: o.metadata, errorCode: KAFKA_ERRORS.NONE },
    );
  }
  return { errorCode: KAFKA_ERRORS.NONE, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
}

const handleOffsetFetch: Handler = ({ body, broker, apiVersion }): StructValue => {
  const requireStable = body.requireStable === true;
  if (apiVersion >= 8) {
    const groups = (body.groups as Array<{ groupId: string; topics: FetchTopic[] | null }>).map((g) => ({
      groupId: g.groupId,
      ...fetchOffsets(broker, g.groupId, g.topics, requireStable),
    }));
    return { throttleTimeMs: 0, groups };
  }
  // v0–1 cannot ask for all topics (an empty list asks for none).
  const requested = body.topics as FetchTopic[] | null;
  const { errorCode, topics } = fetchOffsets(broker, body.groupId as string, requested, requireStable);
  return { throttleTimeMs: 0, topics, errorCode };
};

// ── DescribeGroups, ListGroups, DeleteGroups ──────────────────────────────────────────────────

const handleDescribeGroups: Handler = ({ body, broker }) => {
  const groups = (body.groups as string[]).map((groupId): StructValue => {
    const dead = (errorCode: number): StructValue => ({
      errorCode,
      groupId,
      groupState: 'Dead',
      protocolType: '',
      protocolData: '',
      members: [],
    });
    try {
      const summary = broker.groups.groupSummary(groupId);
      // Kafka describes a group it does not know as Dead, without an error.
      if (summary === null) return dead(KAFKA_ERRORS.NONE);
      return {
        errorCode: KAFKA_ERRORS.NONE,
        groupId,
        groupState: summary.state,
        protocolType: summary.protocolType,
        protocolData: summary.protocolName,
        members: summary.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
        };
    } catch (err) {
      return dead(errorCodeOf(broker, err));
    }
  });
  return { throttleTimeMs: 0, groups };
};

const handleListGroups: Handler = ({ body, broker }) => {
  // Both filters match case-insensitively; an empty filter lets everything through.
  const states = new Set((body.statesFilter as string[]).map((s) => s.toLowerCase()));
  const types = new Set((body.typesFilter as string[]).map((s) => s.toLowerCase()));
  const wanted = (state: GroupState): boolean => (states.size === 0 || states.has(state.toLowerCase())) && (types.size === 0 || types.has(GROUP_TYPE));
  const groups = broker.groups
    .listGroups()
    .filter((g) => wanted(g.state))
    .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: GROUP_TYPE }));
  return { throttleTimeMs: 0, errorCode: KAFKA_ERRORS.NONE, groups };
};

const handleDeleteGroups: Handler = async ({ body, broker }) => {
  const results: StructValue[] = [];
  for (const groupId of body.groupsNames as string[]) {
    let errorCode: number = KAFKA_ERRORS.NONE;
    try {
      await broker.groups.deleteGroup(groupId);
    } catch (err) {
      errorCode = errorCodeOf(broker, err);
    }
    results.push({ groupId, errorCode });
  }
  return { throttleTimeMs: 0, results };
};

export const GROUP_HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [API_KEYS.FindCoordinator, handleFindCoordinator],
  [API_KEYS.JoinGroup, handleJoinGroup],
  [API_KEYS.SyncGroup, handleSyncGroup],
  [API_KEYS.Heartbeat, handleHeartbeat],
  [API_KEYS.LeaveGroup, handleLeaveGroup],
  [API_KEYS.OffsetCommit, handleOffsetCommit],
  [API_KEYS.OffsetFetch, handleOffsetFetch],
  [API_KEYS.DescribeGroups, handleDescribeGroups],
  [API_KEYS.ListGroups, handleListGroups],
  [API_KEYS.DeleteGroups, handleDeleteGroups],
]);
