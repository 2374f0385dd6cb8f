/**
 * The record-carrying APIs — Produce, Fetch, ListOffsets, DeleteRecords — against bytes written
 * out by hand from Kafka's message specifications (one request and one response of each, flexible
 * versions where the API has them, plus a non-flexible Produce request), the version boundaries
 * the goldens do not show, a round-trip property for every version of every definition, and
 * fuzzing: random, bit-flipped and truncated bodies decode or fail with ERR_PROTOCOL_INVALID.
 * Bodies only: these APIs are registered in API_MESSAGES separately, so no framing here.
 */
import test from 'ava';
import { DeleteRecordsRequest } from '../../../core/protocol/messages/delete-records-request.js';
import { DeleteRecordsResponse } from '../../../core/protocol/messages/delete-records-response.js';
import { FetchRequest } from '../../../core/protocol/messages/fetch-request.js';
import { FetchResponse } from '../../../core/protocol/messages/fetch-response.js';
import { ListOffsetsRequest } from '../../../core/protocol/messages/list-offsets-request.js';
import { ListOffsetsResponse } from '../../../core/protocol/messages/list-offsets-response.js';
import { ProduceRequest } from '../../../core/protocol/messages/produce-request.js';
import { ProduceResponse } from '../../../core/protocol/messages/produce-response.js';
import { Reader } from '../../../core/protocol/primitives.js';
import { decode, type Message, type StructValue } from '../../../core/protocol/schema.js';
import { ascii, hex } from './golden-bytes.js';
import { assertMutatedBodiesDecodeOrRefuse, assertRandomBodiesDecodeOrRefuse, assertRoundTrips, encodeBody } from './protocol-values.js';

/** Decodes a whole body; trailing bytes are a failure. */
function decodeBody(message: Message, version: number, bytes: Buffer): StructValue {
  const r = new Reader(bytes);
  const value = decode(message, version, r);
  r.expectEnd(`${message.name} v${version}`);
  return value;
}

const NIL = '00000000-0000-0000-0000-000000000000';
const TOPIC_ID = '5f2c1b7e-0d4a-4c8e-9b1a-3e6f7a8b9c0d';
const TOPIC_ID_HEX = '5f2c1b7e0d4a4c8e9b1a3e6f7a8b9c0d';
/** A stand-in record batch: the codec carries records as opaque bytes. */
const BATCH = Buffer.from('cafebabe', 'hex');

test('Produce v3 request: INT16 strings, INT32 counts, null records as length -1', (t) => {
  const bytes = hex(`
    0002 ${ascii('tx')}     | transactionalId NULLABLE_STRING 'tx'
    0001                    | acks 1
    00001388                | timeoutMs 5000
    00000001                | topicData ARRAY count 1
    0006 ${ascii('orders')} |   name STRING
    00000001                |   partitionData ARRAY count 1
    00000000                |     index 0
    ffffffff                |     records NULLABLE_BYTES null
  `);
  const body = { transactionalId: 'tx', acks: 1, timeoutMs: 5000, topicData: [{ name: 'orders', partitionData: [{ index: 0, records: null }] }] };
  t.deepEqual(encodeBody(ProduceRequest, 3, body), bytes);
  t.deepEqual(decodeBody(ProduceRequest, 3, bytes), body);
});

test('Produce v9 request: first flexible version, compact forms and a tag section per struct', (t) => {
  const bytes = hex(`
    00                   | transactionalId COMPACT_NULLABLE_STRING null (not transactional)
    ffff                 | acks -1 (all in-sync replicas)
    00007530             | timeoutMs 30000
    02                   | topicData COMPACT_ARRAY: 1 + 1
    07 ${ascii('orders')} |   name COMPACT_STRING (6 + 1)
    02                   |   partitionData COMPACT_ARRAY: 1 + 1
    00000002             |     index 2
    05 cafebabe          |     records COMPACT_RECORDS (4 + 1)
    00                   |     partition tag section
    00                   |   topic tag section
    00                   | body tag section
  `);
  const body = { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'orders', partitionData: [{ index: 2, records: BATCH }] }] };
  t.deepEqual(encodeBody(ProduceRequest, 9, body), bytes);
  t.deepEqual(decodeBody(ProduceRequest, 9, bytes), body);
});

test('Produce v10 response: NOT_LEADER_OR_FOLLOWER with the tagged currentLeader and nodeEndpoints', (t) => {
  const bytes = hex(`
    02                         | responses COMPACT_ARRAY: 1 + 1
    07 ${ascii('orders')}      |   name
    02                         |   partitionResponses COMPACT_ARRAY: 1 + 1
    00000002                   |     index 2
    0006                       |     errorCode 6 NOT_LEADER_OR_FOLLOWER
    ffffffffffffffff           |     baseOffset -1
    ffffffffffffffff           |     logAppendTimeMs -1
    ffffffffffffffff           |     logStartOffset -1
    01                         |     recordErrors COMPACT_ARRAY: empty
    00                         |     errorMessage null
    01                         |     1 tagged field:
    00 09 00000003 00000007 00 |       tag 0 currentLeader, 9 bytes: leaderId 3, leaderEpoch 7, tag section
    00                         |   topic tag section
    00000000                   | throttleTimeMs 0
    01                         | 1 tagged field:
    00 0e                      |   tag 0 nodeEndpoints, 14 bytes:
    02 00000003 03 ${ascii('b3')} 00002384 00 00 | 1 element: nodeId 3, host 'b3', port 9092, rack null, tags
  `);
  const body = {
    responses: [
      {
        name: 'orders',
        partitionResponses: [
          {
            index: 2,
            errorCode: 6,
            baseOffset: -1,
            logAppendTimeMs: -1,
            logStartOffset: -1,
            recordErrors: [],
            errorMessage: null,
            currentLeader: { leaderId: 3, leaderEpoch: 7 },
          },
        ],
      },
    ],
    throttleTimeMs: 0,
    nodeEndpoints: [{ nodeId: 3, host: 'b3', port: 9092, rack: null }],
  };
  t.deepEqual(encodeBody(ProduceResponse, 10, body), bytes);
  t.deepEqual(decodeBody(ProduceResponse, 10, bytes), body);
});

test('Produce response: the leader hints are tagged from v10 only, and absent ones decode as null', (t) => {
  const success = { responses: [{ name: 'orders', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 41 }] }], throttleTimeMs: 0 };
  const v10 = decodeBody(ProduceResponse, 10, encodeBody(ProduceResponse, 10, success));
  t.deepEqual(v10['nodeEndpoints'], []);
  const partition = ((v10['responses'] as StructValue[])[0]!['partitionResponses'] as StructValue[])[0]!;
  t.is(partition['currentLeader'], null);
  // v9 has the same fixed fields and no place for the hints: they are dropped, not refused.
  const hinted = { ...success, nodeEndpoints: [{ nodeId: 3, host: 'b3', port: 9092, rack: null }] };
  t.deepEqual(encodeBody(ProduceResponse, 9, hinted), encodeBody(ProduceResponse, 9, success));
});

test('Fetch v15 request: topic ids, replicaState and clusterId in the tag section, no replicaId', (t) => {
  const bytes = hex(`
    000001f4                     | maxWaitMs 500
    00000001                     | minBytes 1
    7fffffff                     | maxBytes
    01                           | isolationLevel 1 READ_COMMITTED
    00000000                     | sessionId 0
    ffffffff                     | sessionEpoch -1 (no session)
    02                           | topics COMPACT_ARRAY: 1 + 1
    ${TOPIC_ID_HEX}              |   topicId (v13+; the name is gone)
    02                           |   partitions COMPACT_ARRAY: 1 + 1
    00000000                     |     partition 0
    00000003                     |     currentLeaderEpoch 3
    000000000000002a             |     fetchOffset 42
    00000002                     |     lastFetchedEpoch 2
    ffffffffffffffff             |     logStartOffset -1
    00100000                     |     partitionMaxBytes 1 MiB
    00                           |     partition tag section
    00                           |   topic tag section
    01                           | forgottenTopicsData COMPACT_ARRAY: empty
    01                           | rackId COMPACT_STRING ''
    02                           | 2 tagged fields:
    00 03 03 ${ascii('c1')}      |   tag 0 clusterId, 3 bytes: COMPACT_NULLABLE_STRING 'c1'
    01 0d 00000001 0000000000000005 00 | tag 1 replicaState, 13 bytes: replicaId 1, replicaEpoch 5, tags
  `);
  const body = {
    clusterId: 'c1',
    replicaId: -1,
    replicaState: { replicaId: 1, replicaEpoch: 5 },
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 0x7fffffff,
    isolationLevel: 1,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: '',
        topicId: TOPIC_ID,
        partitions: [{ partition: 0, currentLeaderEpoch: 3, fetchOffset: 42, lastFetchedEpoch: 2, logStartOffset: -1, partitionMaxBytes: 1048576 }],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
  t.deepEqual(encodeBody(FetchRequest, 15, body), bytes);
  t.deepEqual(decodeBody(FetchRequest, 15, bytes), body);
});

test('Fetch request: names through v12, ids from v13; replicaId positional through v14, a consumer sends no replicaState', (t) => {
  const consumer = {
    maxWaitMs: 500,
    minBytes: 1,
    topics: [{ topic: 'orders', topicId: TOPIC_ID, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 }] }],
    forgottenTopicsData: [{ topic: 'old', topicId: TOPIC_ID, partitions: [1, 2] }],
  };
  const v12 = decodeBody(FetchRequest, 12, encodeBody(FetchRequest, 12, consumer));
  const v13 = decodeBody(FetchRequest, 13, encodeBody(FetchRequest, 13, consumer));
  t.like(v12, { topics: [{ topic: 'orders', topicId: NIL }], forgottenTopicsData: [{ topic: 'old', topicId: NIL, partitions: [1, 2] }] });
  t.like(v13, { topics: [{ topic: '', topicId: TOPIC_ID }], forgottenTopicsData: [{ topic: '', topicId: TOPIC_ID, partitions: [1, 2] }] });
  // Defaults stand in for what a version does not carry.
  t.like(v12, { clusterId: null, replicaId: -1, replicaState: null, maxBytes: 0x7fffffff, sessionEpoch: -1 });

  // v14 starts with replicaId; v15 starts with maxWaitMs and puts nothing in the tag section.
  t.deepEqual(encodeBody(FetchRequest, 14, { ...consumer, replicaId: -1 }).subarray(0, 8), hex('ffffffff 000001f4'));
  const v15 = encodeBody(FetchRequest, 15, consumer);
  t.deepEqual(v15.subarray(0, 4), hex('000001f4'));
  t.is(v15[v15.length - 1], 0); // empty body tag section
  t.is(decodeBody(FetchRequest, 15, v15)['replicaState'], null);
});

test('Fetch v16 response: records and aborted transactions, a tagged currentLeader, nodeEndpoints', (t) => {
  const bytes = hex(`
    00000000                 | throttleTimeMs 0
    0000                     | errorCode 0
    00000000                 | sessionId 0 (no session)
    02                       | responses COMPACT_ARRAY: 1 + 1
    ${TOPIC_ID_HEX}          |   topicId
    03                       |   partitions COMPACT_ARRAY: 2 + 1
    00000000                 |     partitionIndex 0
    0000                     |     errorCode 0
    0000000000000064         |     highWatermark 100
    000000000000005a         |     lastStableOffset 90
    0000000000000000         |     logStartOffset 0
    02                       |     abortedTransactions COMPACT_ARRAY: 1 + 1
    0000000000000007 0000000000000050 00 | producerId 7, firstOffset 80, tag section
    ffffffff                 |     preferredReadReplica -1
    05 cafebabe              |     records COMPACT_RECORDS (4 + 1)
    00                       |     partition tag section: no tagged fields
    00000001                 |     partitionIndex 1
    0006                     |     errorCode 6 NOT_LEADER_OR_FOLLOWER
    ffffffffffffffff         |     highWatermark -1
    ffffffffffffffff         |     lastStableOffset -1
    ffffffffffffffff         |     logStartOffset -1
    00                       |     abortedTransactions null
    ffffffff                 |     preferredReadReplica -1
    00                       |     records null
    01                       |     1 tagged field:
    01 09 00000003 00000004 00 |     tag 1 currentLeader, 9 bytes: leaderId 3, leaderEpoch 4, tags
    00                       |   topic tag section
    01                       | 1 tagged field:
    00 0e                    |   tag 0 nodeEndpoints, 14 bytes:
    02 00000003 03 ${ascii('b3')} 00002384 00 00 | 1 element: nodeId 3, host 'b3', port 9092, rack null, tags
  `);
  const body = {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: '',
        topicId: TOPIC_ID,
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 100,
            lastStableOffset: 90,
            logStartOffset: 0,
            divergingEpoch: null,
            currentLeader: null,
            snapshotId: null,
            abortedTransactions: [{ producerId: 7, firstOffset: 80 }],
            preferredReadReplica: -1,
            records: BATCH,
          },
          {
            partitionIndex: 1,
            errorCode: 6,
            highWatermark: -1,
            lastStableOffset: -1,
            logStartOffset: -1,
            divergingEpoch: null,
            currentLeader: { leaderId: 3, leaderEpoch: 4 },
            snapshotId: null,
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: null,
          },
        ],
      },
    ],
    nodeEndpoints: [{ nodeId: 3, host: 'b3', port: 9092, rack: null }],
  };
  t.deepEqual(encodeBody(FetchResponse, 16, body), bytes);
  t.deepEqual(decodeBody(FetchResponse, 16, bytes), body);
});

test('Fetch v12 response: the three partition structs travel in tag order 0, 1, 2', (t) => {
  const partition = {
    partitionIndex: 0,
    errorCode: 0,
    highWatermark: 10,
    snapshotId: { endOffset: 5, epoch: 2 },
    divergingEpoch: { epoch: 1, endOffset: 8 },
    currentLeader: { leaderId: 0, leaderEpoch: 1 },
  };
  const bytes = encodeBody(FetchResponse, 12, { responses: [{ topic: 't', partitions: [partition] }] });
  const tags = hex(`
    03                                  | 3 tagged fields:
    00 0d 00000001 0000000000000008 00  |   tag 0 divergingEpoch: epoch 1, endOffset 8
    01 09 00000000 00000001 00          |   tag 1 currentLeader: leaderId 0, leaderEpoch 1
    02 0d 0000000000000005 00000002 00  |   tag 2 snapshotId: endOffset 5, epoch 2
  `);
  // The partition's tag section comes right after its records (null: 00); then topic and body sections.
  t.deepEqual(bytes.subarray(bytes.length - 2 - tags.length - 1), Buffer.concat([hex('00'), tags, hex('00 00')]));
  t.like(decodeBody(FetchResponse, 12, bytes), { responses: [{ topic: 't', partitions: [partition] }] });
});

test('ListOffsets v7 request: flexible, asks for the record with the largest timestamp (-3)', (t) => {
  const bytes = hex(`
    ffffffff              | replicaId -1 (a consumer)
    00                    | isolationLevel 0 READ_UNCOMMITTED
    02                    | topics COMPACT_ARRAY: 1 + 1
    07 ${ascii('orders')} |   name
    02                    |   partitions COMPACT_ARRAY: 1 + 1
    00000000              |     partitionIndex 0
    00000004              |     currentLeaderEpoch 4
    fffffffffffffffd      |     timestamp -3 (max timestamp, v7+)
    00                    |     partition tag section
    00                    |   topic tag section
    00                    | body tag section
  `);
  const body = { replicaId: -1, isolationLevel: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, currentLeaderEpoch: 4, timestamp: -3 }] }] };
  t.deepEqual(encodeBody(ListOffsetsRequest, 7, body), bytes);
  t.deepEqual(decodeBody(ListOffsetsRequest, 7, bytes), body);
  // v1 has neither isolationLevel nor currentLeaderEpoch, and INT16/INT32 lengths.
  t.deepEqual(
    encodeBody(ListOffsetsRequest, 1, body),
    hex(`ffffffff 00000001 0006 ${ascii('orders')} 00000001 00000000 fffffffffffffffd`),
  );
});

test('ListOffsets v8 response: timestamp, offset and leader epoch of one partition', (t) => {
  const bytes = hex(`
    00000000              | throttleTimeMs 0
    02                    | topics COMPACT_ARRAY: 1 + 1
    07 ${ascii('orders')} |   name
    02                    |   partitions COMPACT_ARRAY: 1 + 1
    00000000              |     partitionIndex 0
    0000                  |     errorCode 0
    0000018bcfe56800      |     timestamp 1700000000000
    0000000000000029      |     offset 41
    00000004              |     leaderEpoch 4
    00                    |     partition tag section
    00                    |   topic tag section
    00                    | body tag section
  `);
  const body = {
    throttleTimeMs: 0,
    topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: 1700000000000, offset: 41, leaderEpoch: 4 }] }],
  };
  t.deepEqual(encodeBody(ListOffsetsResponse, 8, body), bytes);
  t.deepEqual(decodeBody(ListOffsetsResponse, 8, bytes), body);
});

test('DeleteRecords v2 request: flexible; offset -1 means up to the high watermark', (t) => {
  const bytes = hex(`
    02                    | topics COMPACT_ARRAY: 1 + 1
    07 ${ascii('orders')} |   name
    03                    |   partitions COMPACT_ARRAY: 2 + 1
    00000000 0000000000000064 00 | partitionIndex 0, offset 100, tag section
    00000001 ffffffffffffffff 00 | partitionIndex 1, offset -1, tag section
    00                    |   topic tag section
    00007530              | timeoutMs 30000
    00                    | body tag section
  `);
  const body = {
    topics: [
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 0, offset: 100 },
          { partitionIndex: 1, offset: -1 },
        ],
      },
    ],
    timeoutMs: 30000,
  };
  t.deepEqual(encodeBody(DeleteRecordsRequest, 2, body), bytes);
  t.deepEqual(decodeBody(DeleteRecordsRequest, 2, bytes), body);
});

test('DeleteRecords v2 response: low watermark and error code per partition', (t) => {
  const bytes = hex(`
    00000000              | throttleTimeMs 0
    02                    | topics COMPACT_ARRAY: 1 + 1
    07 ${ascii('orders')} |   name
    03                    |   partitions COMPACT_ARRAY: 2 + 1
    00000000 0000000000000064 0000 00 | partitionIndex 0, lowWatermark 100, errorCode 0, tags
    00000001 ffffffffffffffff 0003 00 | partitionIndex 1, lowWatermark -1, errorCode 3 UNKNOWN_TOPIC_OR_PARTITION, tags
    00                    |   topic tag section
    00                    | body tag section
  `);
  const body = {
    throttleTimeMs: 0,
    topics: [
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 0, lowWatermark: 100, errorCode: 0 },
          { partitionIndex: 1, lowWatermark: -1, errorCode: 3 },
        ],
      },
    ],
  };
  t.deepEqual(encodeBody(DeleteRecordsResponse, 2, body), bytes);
  t.deepEqual(decodeBody(DeleteRecordsResponse, 2, bytes), body);
});

test('version ranges: what Kafka 4.0 dropped and what Eddy does not offer yet are refused', (t) => {
  const refused = (message: Message, version: number): void => {
    t.throws(() => encodeBody(message, version, {}), { code: 'ERR_PROTOCOL_INVALID' });
    t.throws(() => decodeBody(message, version, Buffer.alloc(64)), { code: 'ERR_PROTOCOL_INVALID' });
  };
  refused(ProduceRequest, 2);
  refused(ProduceResponse, 12);
  refused(FetchRequest, 3);
  refused(FetchResponse, 17);
  refused(ListOffsetsRequest, 0);
  refused(ListOffsetsResponse, 9);
  refused(DeleteRecordsRequest, 3);
});

const MESSAGES = [
  ProduceRequest,
  ProduceResponse,
  FetchRequest,
  FetchResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  DeleteRecordsRequest,
  DeleteRecordsResponse,
];

for (const message of MESSAGES) {
  test(`${message.name}: every version round-trips`, (t) => {
    t.notThrows(() => assertRoundTrips(message, 60));
  });
}

test('fuzz: random bytes decode or are refused, for every message and version', (t) => {
  t.notThrows(() => assertRandomBodiesDecodeOrRefuse(MESSAGES, 128));
});

test('fuzz: bit-flipped and truncated valid bodies decode or are refused', (t) => {
  t.notThrows(() => assertMutatedBodiesDecodeOrRefuse(MESSAGES));
});
