/**
 * The transaction, topic-admin, config and SASL message definitions: whole frames written out by
 * hand from Kafka's message specifications (InitProducerId, EndTxn, CreateTopics, AddPartitionsToTxn
 * and SaslHandshake, a request and a response each), the version ranges each definition claims, a
 * round trip for every version of every definition, and fuzzing: random, bit-flipped and truncated
 * bodies must decode or fail with ERR_PROTOCOL_INVALID, never anything else.
 *
 * Frames are built with the header versions frame.ts derives from each definition, without going
 * through the API registry, so these tests do not depend on which APIs are registered.
 */
import test from 'ava';
import { requestHeaderVersion, responseHeaderVersion } from '../../../core/protocol/frame.js';
import { AddOffsetsToTxnRequest } from '../../../core/protocol/messages/add-offsets-to-txn-request.js';
import { AddOffsetsToTxnResponse } from '../../../core/protocol/messages/add-offsets-to-txn-response.js';
import { AddPartitionsToTxnRequest } from '../../../core/protocol/messages/add-partitions-to-txn-request.js';
import { AddPartitionsToTxnResponse } from '../../../core/protocol/messages/add-partitions-to-txn-response.js';
import { AlterConfigsRequest } from '../../../core/protocol/messages/alter-configs-request.js';
import { AlterConfigsResponse } from '../../../core/protocol/messages/alter-configs-response.js';
import { CreatePartitionsRequest } from '../../../core/protocol/messages/create-partitions-request.js';
import { CreatePartitionsResponse } from '../../../core/protocol/messages/create-partitions-response.js';
import { CreateTopicsRequest } from '../../../core/protocol/messages/create-topics-request.js';
import { CreateTopicsResponse } from '../../../core/protocol/messages/create-topics-response.js';
import { DeleteTopicsRequest } from '../../../core/protocol/messages/delete-topics-request.js';
import { DeleteTopicsResponse } from '../../../core/protocol/messages/delete-topics-response.js';
import { DescribeConfigsRequest } from '../../../core/protocol/messages/describe-configs-request.js';
import { DescribeConfigsResponse } from '../../../core/protocol/messages/describe-configs-response.js';
import { EndTxnRequest } from '../../../core/protocol/messages/end-txn-request.js';
import { EndTxnResponse } from '../../../core/protocol/messages/end-txn-response.js';
import { IncrementalAlterConfigsRequest } from '../../../core/protocol/messages/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../../../core/protocol/messages/incremental-alter-configs-response.js';
import { InitProducerIdRequest } from '../../../core/protocol/messages/init-producer-id-request.js';
import { InitProducerIdResponse } from '../../../core/protocol/messages/init-producer-id-response.js';
import { RequestHeader } from '../../../core/protocol/messages/request-header.js';
import { ResponseHeader } from '../../../core/protocol/messages/response-header.js';
import { SaslAuthenticateRequest } from '../../../core/protocol/messages/sasl-authenticate-request.js';
import { SaslAuthenticateResponse } from '../../../core/protocol/messages/sasl-authenticate-response.js';
import { SaslHandshakeRequest } from '../../../core/protocol/messages/sasl-handshake-request.js';
import { SaslHandshakeResponse } from '../../../core/protocol/messages/sasl-handshake-response.js';
import { TxnOffsetCommitRequest } from '../../../core/protocol/messages/txn-offset-commit-request.js';
import { TxnOffsetCommitResponse } from '../../../core/protocol/messages/txn-offset-commit-response.js';
import { Reader, Writer } from '../../../core/protocol/primitives.js';
import { decode, encode, type Message, type StructValue } from '../../../core/protocol/schema.js';
import { ascii, hex } from './golden-bytes.js';
import { assertMutatedBodiesDecodeOrRefuse, assertRandomBodiesDecodeOrRefuse, assertRoundTrips } from './protocol-values.js';

function sizePrefixed(write: (w: Writer) => void): Buffer {
  const w = new Writer();
  w.int32(0);
  write(w);
  const frame = Buffer.from(w.finish());
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

/** A request frame from client 'eddy', with the header version the definition implies. */
function requestFrame(request: Message, version: number, correlationId: number, body: StructValue): Buffer {
  return sizePrefixed((w) => {
    const header = { requestApiKey: request.apiKey!, requestApiVersion: version, correlationId, clientId: 'eddy' };
    encode(RequestHeader, requestHeaderVersion(request, version), header, w);
    encode(request, version, body, w);
  });
}

function responseFrame(response: Message, version: number, correlationId: number, body: StructValue): Buffer {
  return sizePrefixed((w) => {
    encode(ResponseHeader, responseHeaderVersion(response, version), { correlationId }, w);
    encode(response, version, body, w);
  });
}

/** Decodes a whole request frame; the body must use every byte. */
function decodeRequestFrame(request: Message, frame: Buffer): { header: StructValue; body: StructValue } {
  const r = new Reader(frame, 4);
  const version = frame.readInt16BE(6);
  const header = decode(RequestHeader, requestHeaderVersion(request, version), r);
  const body = decode(request, version, r);
  r.expectEnd(request.name);
  return { header, body };
}

function decodeResponseFrame(response: Message, version: number, frame: Buffer): { correlationId: number; body: StructValue } {
  const r = new Reader(frame, 4);
  const header = decode(ResponseHeader, responseHeaderVersion(response, version), r);
  const body = decode(response, version, r);
  r.expectEnd(response.name);
  return { correlationId: header['correlationId'] as number, body };
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

test('InitProducerId v0 request: a non-transactional producer (null id); v3 fields take their -1 defaults', (t) => {
  const frame = hex(`
    00000014                | size: 20
    0016 0000 00000001      | apiKey 22, apiVersion 0, correlationId 1
    0004 ${ascii('eddy')}   | clientId (request header v1)
    ffff                    | transactionalId NULLABLE_STRING null
    7fffffff                | transactionTimeoutMs
  `);
  t.deepEqual(requestFrame(InitProducerIdRequest, 0, 1, { transactionalId: null, transactionTimeoutMs: 0x7fffffff }), frame);
  t.deepEqual(decodeRequestFrame(InitProducerIdRequest, frame).body, {
    transactionalId: null,
    transactionTimeoutMs: 0x7fffffff,
    producerId: -1,
    producerEpoch: -1,
  });
});

test('InitProducerId v4 request: flexible, compact nullable id, producer id and epoch to resume', (t) => {
  const frame = hex(`
    00000028                     | size: 40
    0016 0004 00000005           | apiKey 22, apiVersion 4, correlationId 5
    0004 ${ascii('eddy')} 00     | clientId, header tag section (request header v2)
    0a ${ascii('orders-tx')}     | transactionalId COMPACT_NULLABLE_STRING (9 + 1)
    0000ea60                     | transactionTimeoutMs 60000
    ffffffffffffffff             | producerId -1: no id to resume
    ffff                         | producerEpoch -1
    00                           | body tag section
  `);
  const body = { transactionalId: 'orders-tx', transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 };
  t.deepEqual(requestFrame(InitProducerIdRequest, 4, 5, body), frame);
  t.deepEqual(decodeRequestFrame(InitProducerIdRequest, frame), {
    header: { requestApiKey: 22, requestApiVersion: 4, correlationId: 5, clientId: 'eddy' },
    body,
  });
});

test('InitProducerId v5 response: response header v1, id and epoch, empty tag section', (t) => {
  const frame = hex(`
    00000016              | size: 22
    00000005 00           | correlationId 5, header tag section (response header v1)
    00000000              | throttleTimeMs 0
    0000                  | errorCode 0
    0000000000001234      | producerId 4660
    0003                  | producerEpoch 3
    00                    | body tag section
  `);
  const body = { throttleTimeMs: 0, errorCode: 0, producerId: 0x1234, producerEpoch: 3 };
  t.deepEqual(responseFrame(InitProducerIdResponse, 5, 5, body), frame);
  t.deepEqual(decodeResponseFrame(InitProducerIdResponse, 5, frame), { correlationId: 5, body });
});

test('EndTxn v5 request: commit, flexible', (t) => {
  const frame = hex(`
    00000025                     | size: 37
    001a 0005 00000009           | apiKey 26, apiVersion 5, correlationId 9
    0004 ${ascii('eddy')} 00     | clientId, header tag section
    0a ${ascii('orders-tx')}     | transactionalId COMPACT_STRING
    0000000000001234             | producerId
    0003                         | producerEpoch
    01                           | committed: true (false aborts)
    00                           | body tag section
  `);
  const body = { transactionalId: 'orders-tx', producerId: 0x1234, producerEpoch: 3, committed: true };
  t.deepEqual(requestFrame(EndTxnRequest, 5, 9, body), frame);
  t.deepEqual(decodeRequestFrame(EndTxnRequest, frame).body, body);
});

test('EndTxn v5 response carries the bumped epoch; v2 has neither field and decodes them as -1', (t) => {
  const v5 = hex(`
    00000016              | size: 22
    00000009 00           | correlationId 9, header tag section
    00000000 0000         | throttleTimeMs, errorCode
    0000000000001234      | producerId (v5+, not tagged)
    0004                  | producerEpoch 4: bumped by the coordinator (KIP-890 part 2)
    00                    | body tag section
  `);
  const body = { throttleTimeMs: 0, errorCode: 0, producerId: 0x1234, producerEpoch: 4 };
  t.deepEqual(responseFrame(EndTxnResponse, 5, 9, body), v5);
  t.deepEqual(decodeResponseFrame(EndTxnResponse, 5, v5), { correlationId: 9, body });

  const v2 = hex(`
    0000000a              | size: 10
    00000009              | correlationId (response header v0)
    00000064              | throttleTimeMs 100
    0030                  | errorCode 48 INVALID_TXN_STATE
  `);
  t.deepEqual(responseFrame(EndTxnResponse, 2, 9, { throttleTimeMs: 100, errorCode: 48, producerId: 7, producerEpoch: 7 }), v2, 'v5 fields are not written');
  t.deepEqual(decodeResponseFrame(EndTxnResponse, 2, v2).body, { throttleTimeMs: 100, errorCode: 48, producerId: -1, producerEpoch: -1 });
});

test('CreateTopics v7 request: compact arrays down to the configs, a null config value, tag sections per struct', (t) => {
  const frame = hex(`
    0000004d                                 | size: 77
    0013 0007 00000002                       | apiKey 19, apiVersion 7, correlationId 2
    0004 ${ascii('eddy')} 00                 | clientId, header tag section
    02                                       | topics COMPACT_ARRAY: 1 + 1
      07 ${ascii('orders')}                  | name
      00000003                               | numPartitions 3
      ffff                                   | replicationFactor -1: the broker's default
      01                                     | assignments: empty (automatic)
      03                                     | configs: 2 + 1
        0f ${ascii('cleanup.policy')} 08 ${ascii('compact')} 00 | name, value, tags
        0d ${ascii('retention.ms')} 00 00    | name, value null (COMPACT_NULLABLE_STRING 0), tags
      00                                     | topic tag section
    00007530                                 | timeoutMs 30000
    00                                       | validateOnly false
    00                                       | body tag section
  `);
  const body = {
    topics: [
      {
        name: 'orders',
        numPartitions: 3,
        replicationFactor: -1,
        assignments: [],
        configs: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'retention.ms', value: null },
        ],
      },
    ],
    timeoutMs: 30000,
    validateOnly: false,
  };
  t.deepEqual(requestFrame(CreateTopicsRequest, 7, 2, body), frame);
  t.deepEqual(decodeRequestFrame(CreateTopicsRequest, frame).body, body);
  t.is(decode(CreateTopicsRequest, 7, new Reader(hex('01 00007530 00 00')))['timeoutMs'], 30000);
});

test('CreateTopics v7 response: topic id, null configs, and topicConfigErrorCode in the tag section', (t) => {
  const topicId = '5f2c1b7e-0d4a-4c8e-9b1a-3e6f7a8b9c0d';
  const frame = hex(`
    00000031                                 | size: 49
    00000002 00                              | correlationId 2, header tag section
    00000000                                 | throttleTimeMs
    02                                       | topics: 1 + 1
      07 ${ascii('orders')}                  | name
      5f2c1b7e0d4a4c8e9b1a3e6f7a8b9c0d       | topicId (v7+)
      0000                                   | errorCode 0
      00                                     | errorMessage null
      00000003                               | numPartitions
      0001                                   | replicationFactor
      00                                     | configs: null (COMPACT_NULLABLE_ARRAY 0)
      01 00 02 001d                          | 1 tagged field: tag 0 topicConfigErrorCode, 2 bytes: 29
    00                                       | body tag section
  `);
  const body = {
    throttleTimeMs: 0,
    topics: [
      {
        name: 'orders',
        topicId,
        errorCode: 0,
        errorMessage: null,
        topicConfigErrorCode: 29,
        numPartitions: 3,
        replicationFactor: 1,
        configs: null,
      },
    ],
  };
  t.deepEqual(responseFrame(CreateTopicsResponse, 7, 2, body), frame);
  t.deepEqual(decodeResponseFrame(CreateTopicsResponse, 7, frame), { correlationId: 2, body });

  // The tag is left out while it holds its default, and the topic id does not exist before v7.
  const v6 = decodeResponseFrame(
    CreateTopicsResponse,
    6,
    responseFrame(CreateTopicsResponse, 6, 2, { topics: [{ ...body.topics[0]!, topicConfigErrorCode: 0 }] }),
  );
  t.deepEqual(v6.body['topics'], [{ ...body.topics[0]!, topicId: NIL_UUID, topicConfigErrorCode: 0 }]);
});

test('AddPartitionsToTxn v3 request and response: the client layout (v3AndBelow fields), flexible', (t) => {
  const request = hex(`
    00000036                     | size: 54
    0018 0003 00000003           | apiKey 24, apiVersion 3, correlationId 3
    0004 ${ascii('eddy')} 00     | clientId, header tag section
    0a ${ascii('orders-tx')}     | v3AndBelowTransactionalId
    0000000000001234 0003        | v3AndBelowProducerId, v3AndBelowProducerEpoch
    02                           | v3AndBelowTopics: 1 + 1
      07 ${ascii('orders')}      | name
      03 00000000 00000001       | partitions COMPACT_ARRAY [0, 1]
      00                         | topic tag section
    00                           | body tag section
  `);
  const body = {
    transactions: [],
    v3AndBelowTransactionalId: 'orders-tx',
    v3AndBelowProducerId: 0x1234,
    v3AndBelowProducerEpoch: 3,
    v3AndBelowTopics: [{ name: 'orders', partitions: [0, 1] }],
  };
  t.deepEqual(requestFrame(AddPartitionsToTxnRequest, 3, 3, body), request);
  t.deepEqual(decodeRequestFrame(AddPartitionsToTxnRequest, request).body, body);

  const response = hex(`
    00000022                     | size: 34
    00000003 00                  | correlationId 3, header tag section
    00000000                     | throttleTimeMs
    02                           | resultsByTopicV3AndBelow: 1 + 1
      07 ${ascii('orders')}      | name
      03                         | resultsByPartition: 2 + 1
        00000000 0000 00         | partition 0, no error, tags
        00000001 0003 00         | partition 1, UNKNOWN_TOPIC_OR_PARTITION, tags
      00                         | topic tag section
    00                           | body tag section
  `);
  const results = {
    throttleTimeMs: 0,
    errorCode: 0,
    resultsByTransaction: [],
    resultsByTopicV3AndBelow: [
      {
        name: 'orders',
        resultsByPartition: [
          { partitionIndex: 0, partitionErrorCode: 0 },
          { partitionIndex: 1, partitionErrorCode: 3 },
        ],
      },
    ],
  };
  t.deepEqual(responseFrame(AddPartitionsToTxnResponse, 3, 3, results), response);
  t.deepEqual(decodeResponseFrame(AddPartitionsToTxnResponse, 3, response).body, results);
});

test('AddPartitionsToTxn v4 request: the batched broker layout with verifyOnly', (t) => {
  const frame = hex(`
    00000039                     | size: 57
    0018 0004 00000004           | apiKey 24, apiVersion 4, correlationId 4
    0004 ${ascii('eddy')} 00     | clientId, header tag section
    02                           | transactions: 1 + 1
      0a ${ascii('orders-tx')}   | transactionalId
      0000000000001234 0003      | producerId, producerEpoch
      01                         | verifyOnly true
      02                         | topics: 1 + 1
        07 ${ascii('orders')} 03 00000000 00000001 00 | name, partitions [0, 1], tags
      00                         | transaction tag section
    00                           | body tag section
  `);
  const transactions = [{ transactionalId: 'orders-tx', producerId: 0x1234, producerEpoch: 3, verifyOnly: true, topics: [{ name: 'orders', partitions: [0, 1] }] }];
  t.deepEqual(requestFrame(AddPartitionsToTxnRequest, 4, 4, { transactions }), frame);
  t.deepEqual(decodeRequestFrame(AddPartitionsToTxnRequest, frame).body, {
    transactions,
    v3AndBelowTransactionalId: '',
    v3AndBelowProducerId: 0,
    v3AndBelowProducerEpoch: 0,
    v3AndBelowTopics: [],
  });
});

test('SaslHandshake v1: never flexible, so request header v1 and response header v0 at every version', (t) => {
  t.is(requestHeaderVersion(SaslHandshakeRequest, 1), 1);
  t.is(responseHeaderVersion(SaslHandshakeResponse, 1), 0);
  const request = hex(`
    00000015                     | size: 21
    0011 0001 00000001           | apiKey 17, apiVersion 1, correlationId 1
    0004 ${ascii('eddy')}        | clientId, no tag section
    0005 ${ascii('PLAIN')}       | mechanism STRING
  `);
  t.deepEqual(requestFrame(SaslHandshakeRequest, 1, 1, { mechanism: 'PLAIN' }), request);
  t.deepEqual(decodeRequestFrame(SaslHandshakeRequest, request).body, { mechanism: 'PLAIN' });

  const response = hex(`
    00000020                     | size: 32
    00000001                     | correlationId
    0000                         | errorCode 0
    00000002                     | mechanisms ARRAY count 2
    0005 ${ascii('PLAIN')}       |
    000d ${ascii('SCRAM-SHA-256')} |
  `);
  const body = { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] };
  t.deepEqual(responseFrame(SaslHandshakeResponse, 1, 1, body), response);
  t.deepEqual(decodeResponseFrame(SaslHandshakeResponse, 1, response).body, body);
});

/** Every definition of this file with Kafka's version ranges (see each file's comment for the sources). */
const DEFINITIONS: { message: Message; apiKey: number; versions: [number, number]; flexibleFrom: number | null }[] = [
  { message: InitProducerIdRequest, apiKey: 22, versions: [0, 5], flexibleFrom: 2 },
  { message: InitProducerIdResponse, apiKey: 22, versions: [0, 5], flexibleFrom: 2 },
  { message: AddPartitionsToTxnRequest, apiKey: 24, versions: [0, 5], flexibleFrom: 3 },
  { message: AddPartitionsToTxnResponse, apiKey: 24, versions: [0, 5], flexibleFrom: 3 },
  { message: AddOffsetsToTxnRequest, apiKey: 25, versions: [0, 4], flexibleFrom: 3 },
  { message: AddOffsetsToTxnResponse, apiKey: 25, versions: [0, 4], flexibleFrom: 3 },
  { message: EndTxnRequest, apiKey: 26, versions: [0, 5], flexibleFrom: 3 },
  { message: EndTxnResponse, apiKey: 26, versions: [0, 5], flexibleFrom: 3 },
  { message: TxnOffsetCommitRequest, apiKey: 28, versions: [0, 5], flexibleFrom: 3 },
  { message: TxnOffsetCommitResponse, apiKey: 28, versions: [0, 5], flexibleFrom: 3 },
  { message: CreateTopicsRequest, apiKey: 19, versions: [2, 7], flexibleFrom: 5 },
  { message: CreateTopicsResponse, apiKey: 19, versions: [2, 7], flexibleFrom: 5 },
  { message: DeleteTopicsRequest, apiKey: 20, versions: [1, 6], flexibleFrom: 4 },
  { message: DeleteTopicsResponse, apiKey: 20, versions: [1, 6], flexibleFrom: 4 },
  { message: CreatePartitionsRequest, apiKey: 37, versions: [0, 3], flexibleFrom: 2 },
  { message: CreatePartitionsResponse, apiKey: 37, versions: [0, 3], flexibleFrom: 2 },
  { message: DescribeConfigsRequest, apiKey: 32, versions: [1, 4], flexibleFrom: 4 },
  { message: DescribeConfigsResponse, apiKey: 32, versions: [1, 4], flexibleFrom: 4 },
  { message: AlterConfigsRequest, apiKey: 33, versions: [0, 2], flexibleFrom: 2 },
  { message: AlterConfigsResponse, apiKey: 33, versions: [0, 2], flexibleFrom: 2 },
  { message: IncrementalAlterConfigsRequest, apiKey: 44, versions: [0, 1], flexibleFrom: 1 },
  { message: IncrementalAlterConfigsResponse, apiKey: 44, versions: [0, 1], flexibleFrom: 1 },
  { message: SaslHandshakeRequest, apiKey: 17, versions: [0, 1], flexibleFrom: null },
  { message: SaslHandshakeResponse, apiKey: 17, versions: [0, 1], flexibleFrom: null },
  { message: SaslAuthenticateRequest, apiKey: 36, versions: [0, 2], flexibleFrom: 2 },
  { message: SaslAuthenticateResponse, apiKey: 36, versions: [0, 2], flexibleFrom: 2 },
];

test('each definition claims its API key, Kafka\'s version range and flexible versions', (t) => {
  for (const { message, apiKey, versions, flexibleFrom } of DEFINITIONS) {
    t.is(message.apiKey, apiKey, message.name);
    t.deepEqual([message.validVersions.min, message.validVersions.max], versions, message.name);
    if (flexibleFrom === null) t.true(message.flexibleVersions.min > message.flexibleVersions.max, message.name);
    else t.is(message.flexibleVersions.min, flexibleFrom, message.name);
  }
  t.is(new Set(DEFINITIONS.map((d) => d.message.name)).size, DEFINITIONS.length);
});

test('a version outside the range is refused on both sides', (t) => {
  const refused = (run: () => unknown): void => {
    t.throws(run, { code: 'ERR_PROTOCOL_INVALID' });
  };
  refused(() => decode(CreateTopicsRequest, 1, new Reader(Buffer.alloc(16))));
  refused(() => encode(DeleteTopicsRequest, 0, {}, new Writer()));
  refused(() => decode(DescribeConfigsResponse, 0, new Reader(Buffer.alloc(16))));
  refused(() => encode(InitProducerIdRequest, 6, {}, new Writer()));
});

for (const { message } of DEFINITIONS) {
  test(`${message.name}: every version round-trips`, (t) => {
    t.notThrows(() => assertRoundTrips(message, 40));
  });
}

test('fuzz: random bytes decode or are refused, for every definition and version', (t) => {
  t.notThrows(() => assertRandomBodiesDecodeOrRefuse(DEFINITIONS.map((d) => d.message)));
});

test('fuzz: bit-flipped and truncated valid bodies decode or are refused', (t) => {
  t.notThrows(() => assertMutatedBodiesDecodeOrRefuse(DEFINITIONS.map((d) => d.message)));
});
