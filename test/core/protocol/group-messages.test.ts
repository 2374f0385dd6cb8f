/**
 * The consumer-group message definitions — FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups, ListGroups, DeleteGroups — against bodies
 * written out by hand from Kafka's message specifications (one request and one response of each
 * API in a flexible version, plus the older layouts that differ most), a round-trip property for
 * every version of every definition, and fuzzing: random bytes, bit flips and truncations of valid
 * bodies decode or fail with ERR_PROTOCOL_INVALID, never anything else.
 *
 * Bodies only: the frame and header around them are frame.test.ts's business, and these APIs are
 * registered in API_MESSAGES separately.
 */
import test from 'ava';
import { isEddyError } from '../../../core/errors.js';
import { API_KEYS } from '../../../core/protocol/api-keys.js';
import { DeleteGroupsRequest } from '../../../core/protocol/messages/delete-groups-request.js';
import { DeleteGroupsResponse } from '../../../core/protocol/messages/delete-groups-response.js';
import { DescribeGroupsRequest } from '../../../core/protocol/messages/describe-groups-request.js';
import { DescribeGroupsResponse } from '../../../core/protocol/messages/describe-groups-response.js';
import { FindCoordinatorRequest } from '../../../core/protocol/messages/find-coordinator-request.js';
import { FindCoordinatorResponse } from '../../../core/protocol/messages/find-coordinator-response.js';
import { HeartbeatRequest } from '../../../core/protocol/messages/heartbeat-request.js';
import { HeartbeatResponse } from '../../../core/protocol/messages/heartbeat-response.js';
import { JoinGroupRequest } from '../../../core/protocol/messages/join-group-request.js';
import { JoinGroupResponse } from '../../../core/protocol/messages/join-group-response.js';
import { LeaveGroupRequest } from '../../../core/protocol/messages/leave-group-request.js';
import { LeaveGroupResponse } from '../../../core/protocol/messages/leave-group-response.js';
import { ListGroupsRequest } from '../../../core/protocol/messages/list-groups-request.js';
import { ListGroupsResponse } from '../../../core/protocol/messages/list-groups-response.js';
import { OffsetCommitRequest } from '../../../core/protocol/messages/offset-commit-request.js';
import { OffsetCommitResponse } from '../../../core/protocol/messages/offset-commit-response.js';
import { OffsetFetchRequest } from '../../../core/protocol/messages/offset-fetch-request.js';
import { OffsetFetchResponse } from '../../../core/protocol/messages/offset-fetch-response.js';
import { SyncGroupRequest } from '../../../core/protocol/messages/sync-group-request.js';
import { SyncGroupResponse } from '../../../core/protocol/messages/sync-group-response.js';
import { Reader } from '../../../core/protocol/primitives.js';
import { decode } from '../../../core/protocol/schema.js';
import { ascii, golden, hex } from './golden-bytes.js';
import { assertMutatedBodiesDecodeOrRefuse, assertRandomBodiesDecodeOrRefuse, assertRoundTrips, encodeBody, versionsOf } from './protocol-values.js';

const APIS = [
  { apiKey: API_KEYS.FindCoordinator, request: FindCoordinatorRequest, response: FindCoordinatorResponse, versions: '0-5', flexible: 3 },
  { apiKey: API_KEYS.JoinGroup, request: JoinGroupRequest, response: JoinGroupResponse, versions: '0-9', flexible: 6 },
  { apiKey: API_KEYS.SyncGroup, request: SyncGroupRequest, response: SyncGroupResponse, versions: '0-5', flexible: 4 },
  { apiKey: API_KEYS.Heartbeat, request: HeartbeatRequest, response: HeartbeatResponse, versions: '0-4', flexible: 4 },
  { apiKey: API_KEYS.LeaveGroup, request: LeaveGroupRequest, response: LeaveGroupResponse, versions: '0-5', flexible: 4 },
  { apiKey: API_KEYS.OffsetCommit, request: OffsetCommitRequest, response: OffsetCommitResponse, versions: '0-9', flexible: 8 },
  { apiKey: API_KEYS.OffsetFetch, request: OffsetFetchRequest, response: OffsetFetchResponse, versions: '0-9', flexible: 6 },
  { apiKey: API_KEYS.DescribeGroups, request: DescribeGroupsRequest, response: DescribeGroupsResponse, versions: '0-5', flexible: 5 },
  { apiKey: API_KEYS.ListGroups, request: ListGroupsRequest, response: ListGroupsResponse, versions: '0-5', flexible: 3 },
  { apiKey: API_KEYS.DeleteGroups, request: DeleteGroupsRequest, response: DeleteGroupsResponse, versions: '0-2', flexible: 2 },
];
const ALL_MESSAGES = APIS.flatMap(({ request, response }) => [request, response]);

test('each request and its response share the API key, the versions and the first flexible version', (t) => {
  for (const { apiKey, request, response, versions, flexible } of APIS) {
    const [min, max] = versions.split('-').map(Number);
    for (const message of [request, response]) {
      t.is(message.apiKey, apiKey, message.name);
      t.deepEqual(message.validVersions, { min, max }, message.name);
      t.is(message.flexibleVersions.min, flexible, message.name);
    }
  }
});

test('a version outside the definition is refused', (t) => {
  for (const { request, response } of APIS) {
    for (const message of [request, response]) {
      const err = t.throws(() => encodeBody(message, message.validVersions.max + 1, {}));
      t.true(isEddyError(err, 'ERR_PROTOCOL_INVALID'), message.name);
    }
  }
});

// FindCoordinator ------------------------------------------------------------------------------

test('FindCoordinator v1 request: one key and its type', (t) => {
  const bytes = hex(`
    0004 ${ascii('eddy')}   | key STRING
    01                      | keyType int8: transaction
  `);
  golden(t, FindCoordinatorRequest, 1, bytes, { key: 'eddy', keyType: 1 }, { key: 'eddy', keyType: 1, coordinatorKeys: [] });
});

test('FindCoordinator v4 request: batched coordinatorKeys replace key', (t) => {
  const bytes = hex(`
    00                          | keyType int8: group
    03                          | coordinatorKeys COMPACT_ARRAY: 2 + 1
      0b ${ascii('orders-app')} | COMPACT_STRING (10 + 1)
      08 ${ascii('billing')}    | COMPACT_STRING (7 + 1)
    00                          | tagged fields: none
  `);
  const value = { key: '', keyType: 0, coordinatorKeys: ['orders-app', 'billing'] };
  golden(t, FindCoordinatorRequest, 4, bytes, value, value);
});

test('FindCoordinator v4 response: one coordinator per key', (t) => {
  const bytes = hex(`
    00000000                    | throttleTimeMs
    02                          | coordinators COMPACT_ARRAY: 1 + 1
      0b ${ascii('orders-app')} | key
      00000001                  | nodeId 1
      0a ${ascii('localhost')}  | host
      00002384                  | port 9092
      0000                      | errorCode 0
      00                        | errorMessage COMPACT_NULLABLE_STRING: null
      00                        | element tagged fields
    00                          | tagged fields
  `);
  const coordinators = [{ key: 'orders-app', nodeId: 1, host: 'localhost', port: 9092, errorCode: 0, errorMessage: null }];
  golden(t, FindCoordinatorResponse, 4, bytes, { throttleTimeMs: 0, coordinators }, {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    nodeId: 0,
    host: '',
    port: 0,
    coordinators,
  });
});

// JoinGroup ------------------------------------------------------------------------------------

test('JoinGroup v9 request: compact strings, a null groupInstanceId and a reason', (t) => {
  const bytes = hex(`
    0b ${ascii('orders-app')}   | groupId
    0000afc8                    | sessionTimeoutMs 45000
    000493e0                    | rebalanceTimeoutMs 300000
    01                          | memberId: '' (COMPACT_STRING 0 + 1) — first join
    00                          | groupInstanceId: null
    09 ${ascii('consumer')}     | protocolType
    02                          | protocols COMPACT_ARRAY: 1 + 1
      06 ${ascii('range')}      | name
      04 000102                 | metadata COMPACT_BYTES (3 + 1)
      00                        | element tagged fields
    08 ${ascii('startup')}      | reason
    00                          | tagged fields
  `);
  const value = {
    groupId: 'orders-app',
    sessionTimeoutMs: 45000,
    rebalanceTimeoutMs: 300000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from([0, 1, 2]) }],
    reason: 'startup',
  };
  golden(t, JoinGroupRequest, 9, bytes, value, value);
});

test('JoinGroup v0 request: no rebalance timeout, instance id or reason on the wire', (t) => {
  const bytes = hex(`
    000a ${ascii('orders-app')} | groupId STRING
    00007530                    | sessionTimeoutMs 30000
    0000                        | memberId ''
    0008 ${ascii('consumer')}   | protocolType
    00000001                    | protocols ARRAY count 1
      0005 ${ascii('range')}    | name
      00000000                  | metadata BYTES, empty
  `);
  const value = {
    groupId: 'orders-app',
    sessionTimeoutMs: 30000,
    memberId: '',
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
  };
  golden(t, JoinGroupRequest, 0, bytes, value, { ...value, rebalanceTimeoutMs: -1, groupInstanceId: null, reason: null });
});

test('JoinGroup v9 response: protocol type, skipAssignment, members', (t) => {
  const bytes = hex(`
    00000000                    | throttleTimeMs
    0000                        | errorCode
    00000003                    | generationId 3
    09 ${ascii('consumer')}     | protocolType COMPACT_NULLABLE_STRING
    06 ${ascii('range')}        | protocolName COMPACT_NULLABLE_STRING
    04 ${ascii('m-1')}          | leader
    00                          | skipAssignment false
    04 ${ascii('m-1')}          | memberId
    02                          | members COMPACT_ARRAY: 1 + 1
      04 ${ascii('m-1')}        | memberId
      00                        | groupInstanceId: null
      04 000102                 | metadata
      00                        | element tagged fields
    00                          | tagged fields
  `);
  const value = {
    throttleTimeMs: 0,
    errorCode: 0,
    generationId: 3,
    protocolType: 'consumer',
    protocolName: 'range',
    leader: 'm-1',
    skipAssignment: false,
    memberId: 'm-1',
    members: [{ memberId: 'm-1', groupInstanceId: null, metadata: Buffer.from([0, 1, 2]) }],
  };
  golden(t, JoinGroupResponse, 9, bytes, value, value);
});

// SyncGroup ------------------------------------------------------------------------------------

test('SyncGroup v5 request: the leader hands out assignments', (t) => {
  const bytes = hex(`
    0b ${ascii('orders-app')}   | groupId
    00000003                    | generationId
    04 ${ascii('m-1')}          | memberId
    00                          | groupInstanceId: null
    09 ${ascii('consumer')}     | protocolType
    06 ${ascii('range')}        | protocolName
    02                          | assignments COMPACT_ARRAY: 1 + 1
      04 ${ascii('m-1')}        | memberId
      03 aabb                   | assignment COMPACT_BYTES (2 + 1)
      00                        | element tagged fields
    00                          | tagged fields
  `);
  const value = {
    groupId: 'orders-app',
    generationId: 3,
    memberId: 'm-1',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: [{ memberId: 'm-1', assignment: Buffer.from([0xaa, 0xbb]) }],
  };
  golden(t, SyncGroupRequest, 5, bytes, value, value);
});

test('SyncGroup v5 response: this member\'s assignment', (t) => {
  const bytes = hex(`
    00000000                    | throttleTimeMs
    0000                        | errorCode
    09 ${ascii('consumer')}     | protocolType
    06 ${ascii('range')}        | protocolName
    03 aabb                     | assignment
    00                          | tagged fields
  `);
  const value = { throttleTimeMs: 0, errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from([0xaa, 0xbb]) };
  golden(t, SyncGroupResponse, 5, bytes, value, value);
});

// Heartbeat ------------------------------------------------------------------------------------

test('Heartbeat v4 request: an unknown tagged field is skipped', (t) => {
  const bytes = hex(`
    0b ${ascii('orders-app')}   | groupId
    00000003                    | generationId
    04 ${ascii('m-1')}          | memberId
    00                          | groupInstanceId: null
    00                          | tagged fields: none
  `);
  const value = { groupId: 'orders-app', generationId: 3, memberId: 'm-1', groupInstanceId: null };
  golden(t, HeartbeatRequest, 4, bytes, value, value);
  // A newer client may send tags this version does not define: tag 5, 2 bytes.
  const withTag = Buffer.concat([bytes.subarray(0, bytes.length - 1), hex('01 05 02 abcd')]);
  const r = new Reader(withTag);
  t.deepEqual(decode(HeartbeatRequest, 4, r), value);
  t.is(r.remaining, 0);
});

test('Heartbeat v4 response: REBALANCE_IN_PROGRESS', (t) => {
  const bytes = hex(`
    00000000                    | throttleTimeMs
    001b                        | errorCode 27
    00                          | tagged fields
  `);
  golden(t, HeartbeatResponse, 4, bytes, { throttleTimeMs: 0, errorCode: 27 }, { throttleTimeMs: 0, errorCode: 27 });
});

// LeaveGroup -----------------------------------------------------------------------------------

test('LeaveGroup v0 request: a single memberId', (t) => {
  const bytes = hex(`
    000a ${ascii('orders-app')} | groupId STRING
    0003 ${ascii('m-1')}        | memberId STRING
  `);
  golden(t, LeaveGroupRequest, 0, bytes, { groupId: 'orders-app', memberId: 'm-1' }, { groupId: 'orders-app', memberId: 'm-1', members: [] });
});

test('LeaveGroup v5 request: a batch of members with a reason', (t) => {
  const bytes = hex(`
    0b ${ascii('orders-app')}   | groupId
    02                          | members COMPACT_ARRAY: 1 + 1
      04 ${ascii('m-1')}        | memberId
      00                        | groupInstanceId: null
      09 ${ascii('shutdown')}   | reason
      00                        | element tagged fields
    00                          | tagged fields
  `);
  const members = [{ memberId: 'm-1', groupInstanceId: null, reason: 'shutdown' }];
  golden(t, LeaveGroupRequest, 5, bytes, { groupId: 'orders-app', members }, { groupId: 'orders-app', memberId: '', members });
});

test('LeaveGroup v5 response: an error per member', (t) => {
  const bytes = hex(`
    00000000                    | throttleTimeMs
    0000                        | errorCode
    02                          | members COMPACT_ARRAY: 1 + 1
      04 ${ascii('m-1')}        | memberId
      00                        | groupInstanceId: null
      0019                      | errorCode 25 (UNKNOWN_MEMBER_ID)
      00                        | element tagged fields
    00                          | tagged fields
  `);
  const value = { throttleTimeMs: 0, errorCode: 0, members: [{ memberId: 'm-1', groupInstanceId: null, errorCode: 25 }] };
  golden(t, LeaveGroupResponse, 5, bytes, value, value);
});

// OffsetCommit ---------------------------------------------------------------------------------

test('OffsetCommit v1 request: the commit timestamp exists in v1 only', (t) => {
  const bytes = hex(`
    000a ${ascii('orders-app')} | groupId
    00000003                    | generationIdOrMemberEpoch
    0003 ${ascii('m-1')}        | memberId
    00000001                    | topics ARRAY count 1
      0006 ${ascii('orders')}   | name
      00000001                  | partitions ARRAY count 1
        00000000                | partitionIndex 0
        000000000000002a        | committedOffset 42
        0000018bcfe56800        | commitTimestamp 1700000000000
        ffff                    | committedMetadata NULLABLE_STRING: null
  `);
  const partition = { partitionIndex: 0, committedOffset: 42, commitTimestamp: 1700000000000, committedMetadata: null };
  const value = { groupId: 'orders-app', generationIdOrMemberEpoch: 3, memberId: 'm-1', topics: [{ name: 'orders', partitions: [partition] }] };
  golden(t, OffsetCommitRequest, 1, bytes, value, {
    ...value,
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [{ name: 'orders', partitions: [{ ...partition, committedLeaderEpoch: -1 }] }],
  });
});

test('OffsetCommit v9 request: leader epoch, no retention time or timestamp', (t) => {
  const bytes = hex(`
    0b ${ascii('orders-app')}   | groupId
    00000003                    | generationIdOrMemberEpoch
    04 ${ascii('m-1')}          | memberId
    00                          | groupInstanceId: null
    02                          | topics COMPACT_ARRAY: 1 + 1
      07 ${ascii('orders')}     | name
      02                        | partitions COMPACT_ARRAY: 1 + 1
        00000000                | partitionIndex 0
        000000000000002a        | committedOffset 42
        00000005                | committedLeaderEpoch 5
        01                      | committedMetadata: '' (COMPACT_NULLABLE_STRING 0 + 1)
        00                      | partition tagged fields
      00                        | topic tagged fields
    00                          | tagged fields
  `);
  const partition = { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 5, committedMetadata: '' };
  const value = {
    groupId: 'orders-app',
    generationIdOrMemberEpoch: 3,
    memberId: 'm-1',
    groupInstanceId: null,
    topics: [{ name: 'orders', partitions: [partition] }],
  };
  golden(t, OffsetCommitRequest, 9, bytes, value, {
    ...value,
    retentionTimeMs: -1,
    topics: [{ name: 'orders', partitions: [{ ...partition, commitTimestamp: -1 }] }],
  });
});

test('OffsetCommit v9 response: an error per partition', (t) => {
  const bytes = hex(`
    00000000                    | throttleTimeMs
    02                          | topics COMPACT_ARRAY: 1 + 1
      07 ${ascii('orders')}     | name
      02                        | partitions COMPACT_ARRAY: 1 + 1
        00000000 0000           | partitionIndex 0, errorCode 0
        00                      | partition tagged fields
      00                        | topic tagged fields
    00                          | tagged fields
  `);
  const value = { throttleTimeMs: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] };
  golden(t, OffsetCommitResponse, 9, bytes, value, value);
});

// OffsetFetch ----------------------------------------------------------------------------------

test('OffsetFetch v2 request: null topics asks for every topic', (t) => {
  const bytes = hex(`
    000a ${ascii('orders-app')} | groupId
    ffffffff                    | topics ARRAY: null
  `);
  golden(t, OffsetFetchRequest, 2, bytes, { groupId: 'orders-app', topics: null }, { groupId: 'orders-app', topics: null, groups: [], requireStable: false });
});

test('OffsetFetch v9 request: groups with member id and epoch', (t) => {
  const bytes = hex(`
    02                          | groups COMPACT_ARRAY: 1 + 1
      0b ${ascii('orders-app')} | groupId
      04 ${ascii('m-1')}        | memberId COMPACT_NULLABLE_STRING
      00000005                  | memberEpoch 5
      02                        | topics COMPACT_NULLABLE_ARRAY: 1 + 1
        07 ${ascii('orders')}   | name
        03 00000000 00000001    | partitionIndexes COMPACT_ARRAY of int32: [0, 1]
        00                      | topic tagged fields
      00                        | group tagged fields
    01                          | requireStable true
    00                          | tagged fields
  `);
  const groups = [{ groupId: 'orders-app', memberId: 'm-1', memberEpoch: 5, topics: [{ name: 'orders', partitionIndexes: [0, 1] }] }];
  golden(t, OffsetFetchRequest, 9, bytes, { groups, requireStable: true }, { groupId: '', topics: [], groups, requireStable: true });
});

test('OffsetFetch v9 response: offsets per group, errors per group and partition', (t) => {
  const bytes = hex(`
    00000000                    | throttleTimeMs
    02                          | groups COMPACT_ARRAY: 1 + 1
      0b ${ascii('orders-app')} | groupId
      02                        | topics COMPACT_ARRAY: 1 + 1
        07 ${ascii('orders')}   | name
        02                      | partitions COMPACT_ARRAY: 1 + 1
          00000001              | partitionIndex 1
          000000000000002a      | committedOffset 42
          ffffffff              | committedLeaderEpoch -1
          00                    | metadata: null
          0000                  | errorCode 0
          00                    | partition tagged fields
        00                      | topic tagged fields
      0000                      | group errorCode
      00                        | group tagged fields
    00                          | tagged fields
  `);
  const groups = [
    {
      groupId: 'orders-app',
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 42, committedLeaderEpoch: -1, metadata: null, errorCode: 0 }] }],
      errorCode: 0,
    },
  ];
  golden(t, OffsetFetchResponse, 9, bytes, { throttleTimeMs: 0, groups }, { throttleTimeMs: 0, topics: [], errorCode: 0, groups });
});

// DescribeGroups -------------------------------------------------------------------------------

test('DescribeGroups v5 request', (t) => {
  const bytes = hex(`
    02 0b ${ascii('orders-app')} | groups COMPACT_ARRAY of COMPACT_STRING: 1 + 1
    01                           | includeAuthorizedOperations true
    00                           | tagged fields
  `);
  const value = { groups: ['orders-app'], includeAuthorizedOperations: true };
  golden(t, DescribeGroupsRequest, 5, bytes, value, value);
});

test('DescribeGroups v5 response: a stable group with one member', (t) => {
  const bytes = hex(`
    00000000                    | throttleTimeMs
    02                          | groups COMPACT_ARRAY: 1 + 1
      0000                      | errorCode
      0b ${ascii('orders-app')} | groupId
      07 ${ascii('Stable')}     | groupState
      09 ${ascii('consumer')}   | protocolType
      06 ${ascii('range')}      | protocolData
      02                        | members COMPACT_ARRAY: 1 + 1
        04 ${ascii('m-1')}      | memberId
        00                      | groupInstanceId: null
        05 ${ascii('eddy')}     | clientId
        0b ${ascii('/127.0.0.1')} | clientHost
        01                      | memberMetadata: empty COMPACT_BYTES
        03 aabb                 | memberAssignment
        00                      | member tagged fields
      80000000                  | authorizedOperations: not requested (-2^31)
      00                        | group tagged fields
    00                          | tagged fields
  `);
  const value = {
    throttleTimeMs: 0,
    groups: [
      {
        errorCode: 0,
        groupId: 'orders-app',
        groupState: 'Stable',
        protocolType: 'consumer',
        protocolData: 'range',
        members: [
          {
            memberId: 'm-1',
            groupInstanceId: null,
            clientId: 'eddy',
            clientHost: '/127.0.0.1',
            memberMetadata: Buffer.alloc(0),
            memberAssignment: Buffer.from([0xaa, 0xbb]),
          },
        ],
        authorizedOperations: -2147483648,
      },
    ],
  };
  golden(t, DescribeGroupsResponse, 5, bytes, value, value);
});

// ListGroups -----------------------------------------------------------------------------------

test('ListGroups v5 request: a states filter, no types filter', (t) => {
  const bytes = hex(`
    02 07 ${ascii('Stable')}    | statesFilter: ['Stable']
    01                          | typesFilter: empty COMPACT_ARRAY
    00                          | tagged fields
  `);
  const value = { statesFilter: ['Stable'], typesFilter: [] };
  golden(t, ListGroupsRequest, 5, bytes, value, value);
});

test('ListGroups v5 response: group state and type', (t) => {
  const bytes = hex(`
    00000000                    | throttleTimeMs
    0000                        | errorCode
    02                          | groups COMPACT_ARRAY: 1 + 1
      0b ${ascii('orders-app')} | groupId
      09 ${ascii('consumer')}   | protocolType
      07 ${ascii('Stable')}     | groupState
      08 ${ascii('classic')}    | groupType
      00                        | element tagged fields
    00                          | tagged fields
  `);
  const value = { throttleTimeMs: 0, errorCode: 0, groups: [{ groupId: 'orders-app', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' }] };
  golden(t, ListGroupsResponse, 5, bytes, value, value);
});

// DeleteGroups ---------------------------------------------------------------------------------

test('DeleteGroups v2 request', (t) => {
  const bytes = hex(`
    03                          | groupsNames COMPACT_ARRAY: 2 + 1
      0b ${ascii('orders-app')} |
      08 ${ascii('billing')}    |
    00                          | tagged fields
  `);
  const value = { groupsNames: ['orders-app', 'billing'] };
  golden(t, DeleteGroupsRequest, 2, bytes, value, value);
});

test('DeleteGroups v2 response: a result per group', (t) => {
  const bytes = hex(`
    00000000                    | throttleTimeMs (in every version)
    03                          | results COMPACT_ARRAY: 2 + 1
      0b ${ascii('orders-app')} 0000 00 | groupId, errorCode 0, tagged fields
      08 ${ascii('billing')} 0045 00    | groupId, errorCode 69 (GROUP_ID_NOT_FOUND), tagged fields
    00                          | tagged fields
  `);
  const value = {
    throttleTimeMs: 0,
    results: [
      { groupId: 'orders-app', errorCode: 0 },
      { groupId: 'billing', errorCode: 69 },
    ],
  };
  golden(t, DeleteGroupsResponse, 2, bytes, value, value);
});

// Every version --------------------------------------------------------------------------------

for (const message of ALL_MESSAGES) {
  test(`${message.name}: every version round-trips`, (t) => {
    t.notThrows(() => assertRoundTrips(message, 60));
  });
}

test('fuzz: random bytes decode or are refused, for every message and version', (t) => {
  t.notThrows(() => assertRandomBodiesDecodeOrRefuse(ALL_MESSAGES));
});

test('fuzz: bit-flipped and truncated valid bodies decode or are refused', (t) => {
  t.notThrows(() => assertMutatedBodiesDecodeOrRefuse(ALL_MESSAGES));
});

test('an empty value encodes in every version: every default is legal wherever its field exists', (t) => {
  for (const message of ALL_MESSAGES) {
    for (const version of versionsOf(message)) {
      t.notThrows(() => decode(message, version, new Reader(encodeBody(message, version, {}))), `${message.name} v${version}`);
    }
  }
});
