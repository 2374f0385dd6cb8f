/**
 * The message definitions against bytes written out by hand from Kafka's protocol guide and message
 * specifications (ApiVersions v0 and v3 requests and responses, Metadata v1 and v12 requests), and
 * a round-trip property for every version of every definition: encode → decode gives the value
 * back, and re-encoding gives the same bytes.
 */
import test from 'ava';
import { API_KEYS, apiName } from '../../../core/protocol/api-keys.js';
import { decodeRequest, encodeRequest, encodeResponse } from '../../../core/protocol/frame.js';
import {
  API_MESSAGES,
  ApiVersionsRequest,
  ApiVersionsResponse,
  MetadataRequest,
  MetadataResponse,
  RequestHeader,
  ResponseHeader,
} from '../../../core/protocol/messages/index.js';
import { Reader } from '../../../core/protocol/primitives.js';
import { decode } from '../../../core/protocol/schema.js';
import { ascii, hex } from './golden-bytes.js';
import { assertRoundTrips } from './protocol-values.js';

test('API keys are Kafka\'s numbers, named both ways', (t) => {
  t.is(API_KEYS.Produce, 0);
  t.is(API_KEYS.Metadata, 3);
  t.is(API_KEYS.ApiVersions, 18);
  t.is(API_KEYS.SaslAuthenticate, 36);
  t.is(API_KEYS.IncrementalAlterConfigs, 44);
  t.is(apiName(18), 'ApiVersions');
  t.is(apiName(7), undefined);
  t.is(new Set(Object.values(API_KEYS)).size, Object.keys(API_KEYS).length);
  for (const [key, api] of API_MESSAGES) {
    t.is(api.request.apiKey, key);
    t.is(api.response.apiKey, key);
  }
});

test('ApiVersions v0 request: header v1 and an empty body', (t) => {
  const frame = hex(`
    0000000e        | size: 14 bytes follow
    0012 0000       | apiKey 18, apiVersion 0
    00000001        | correlationId 1
    0004 ${ascii('eddy')} | clientId NULLABLE_STRING
  `);
  t.deepEqual(encodeRequest({ apiKey: 18, apiVersion: 0, correlationId: 1, clientId: 'eddy' }, {}), frame);
  const request = decodeRequest(frame.subarray(4));
  t.is(request.apiKey, 18);
  t.is(request.apiVersion, 0);
  t.deepEqual(request.header, { requestApiKey: 18, requestApiVersion: 0, correlationId: 1, clientId: 'eddy' });
  t.deepEqual(request.body, { clientSoftwareName: '', clientSoftwareVersion: '' });
});

test('ApiVersions v3 request: header v2 (clientId keeps its int16 length), compact strings, tag sections', (t) => {
  const frame = hex(`
    0000001b                 | size: 27
    0012 0003 00000007       | apiKey 18, apiVersion 3, correlationId 7
    0004 ${ascii('eddy')}    | clientId: NULLABLE_STRING even in the flexible header
    00                       | header tagged fields: none
    05 ${ascii('eddy')}      | clientSoftwareName COMPACT_STRING (length 4 + 1)
    06 ${ascii('0.1.0')}     | clientSoftwareVersion COMPACT_STRING (length 5 + 1)
    00                       | body tagged fields: none
  `);
  const header = { apiKey: 18, apiVersion: 3, correlationId: 7, clientId: 'eddy' };
  const body = { clientSoftwareName: 'eddy', clientSoftwareVersion: '0.1.0' };
  t.deepEqual(encodeRequest(header, body), frame);
  const request = decodeRequest(frame.subarray(4));
  t.deepEqual(request.header, { requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: 'eddy' });
  t.deepEqual(request.body, body);
});

const TWO_APIS = [
  { apiKey: 18, minVersion: 0, maxVersion: 3 },
  { apiKey: 3, minVersion: 0, maxVersion: 12 },
];

test('ApiVersions v0 response: header v0, int32 array count', (t) => {
  const frame = hex(`
    00000016             | size: 22
    00000001             | correlationId
    0000                 | errorCode 0
    00000002             | apiKeys ARRAY count 2
    0012 0000 0003       | ApiVersions 0-3
    0003 0000 000c       | Metadata 0-12
  `);
  t.deepEqual(encodeResponse(18, 0, 1, { errorCode: 0, apiKeys: TWO_APIS }), frame);
  const r = new Reader(frame, 4);
  t.deepEqual(decode(ResponseHeader, 0, r), { correlationId: 1 });
  t.deepEqual(decode(ApiVersionsResponse, 0, r), {
    errorCode: 0,
    apiKeys: TWO_APIS,
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  });
  t.is(r.remaining, 0);
});

test('ApiVersions v3 response: still header v0 (no tag section), compact array, tagged features', (t) => {
  const frame = hex(`
    00000032                        | size: 50
    00000009                        | correlationId 9 — header v0 even though v3 is flexible
    0000                            | errorCode 0
    03                              | apiKeys COMPACT_ARRAY: 2 + 1
    0012 0000 0003 00               | ApiVersions 0-3, element tag section
    0003 0000 000c 00               | Metadata 0-12, element tag section
    00000000                        | throttleTimeMs 0
    02                              | 2 tagged fields (zkMigrationReady is false, the default: omitted)
    00 0c                           | tag 0 supportedFeatures, 12 bytes:
      02 06 ${ascii('eddy.')} 0001 0002 00 | 1 element: name, minVersion 1, maxVersion 2, tags
    01 08 0000000000000005          | tag 1 finalizedFeaturesEpoch, 8 bytes: 5
  `);
  const body = {
    errorCode: 0,
    apiKeys: TWO_APIS,
    throttleTimeMs: 0,
    supportedFeatures: [{ name: 'eddy.', minVersion: 1, maxVersion: 2 }],
    finalizedFeaturesEpoch: 5,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
  t.deepEqual(encodeResponse(18, 3, 9, body), frame);
  const r = new Reader(frame, 4);
  t.deepEqual(decode(ResponseHeader, 0, r), { correlationId: 9 });
  t.deepEqual(decode(ApiVersionsResponse, 3, r), body);
  t.is(r.remaining, 0);
});

test('Metadata v1 request: one topic; null asks for all topics', (t) => {
  const frame = hex(`
    0000001a                   | size: 26
    0003 0001 0000002a         | apiKey 3, apiVersion 1, correlationId 42
    0004 ${ascii('eddy')}      | clientId
    00000001                   | topics ARRAY count 1
    0006 ${ascii('orders')}    | name STRING
  `);
  const header = { apiKey: 3, apiVersion: 1, correlationId: 42, clientId: 'eddy' };
  t.deepEqual(encodeRequest(header, { topics: [{ name: 'orders' }] }), frame);
  const request = decodeRequest(frame.subarray(4));
  t.deepEqual(request.body, {
    topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'orders' }],
    allowAutoTopicCreation: true,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });

  const all = encodeRequest({ ...header, clientId: null }, { topics: null });
  // clientId null is int16 -1; topics null is int32 -1.
  t.deepEqual(all, hex('0000000e 0003 0001 0000002a ffff ffffffff'));
  t.is(decodeRequest(all.subarray(4)).body['topics'], null);
});

test('Metadata v12 request: flexible header and body, topic id and nullable name', (t) => {
  const topicId = '5f2c1b7e-0d4a-4c8e-9b1a-3e6f7a8b9c0d';
  const frame = hex(`
    0000003d                                  | size: 61
    0003 000c 00000003                        | apiKey 3, apiVersion 12, correlationId 3
    0004 ${ascii('eddy')} 00                  | clientId, header tag section
    03                                        | topics COMPACT_ARRAY: 2 + 1
    5f2c1b7e0d4a4c8e9b1a3e6f7a8b9c0d 00 00    | topicId, name null (COMPACT_NULLABLE_STRING 0), tags
    00000000000000000000000000000000 07 ${ascii('orders')} 00 | nil topicId, name 'orders', tags
    00                                        | allowAutoTopicCreation false
    01                                        | includeTopicAuthorizedOperations true
    00                                        | body tag section (includeClusterAuthorizedOperations is v8-10 only)
  `);
  const nil = '00000000-0000-0000-0000-000000000000';
  const body = {
    topics: [
      { topicId, name: null },
      { topicId: nil, name: 'orders' },
    ],
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: true,
  };
  t.deepEqual(encodeRequest({ apiKey: 3, apiVersion: 12, correlationId: 3, clientId: 'eddy' }, body), frame);
  t.deepEqual(decodeRequest(frame.subarray(4)).body, body);
});

const ALL_MESSAGES = [RequestHeader, ResponseHeader, ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, MetadataResponse];

for (const message of ALL_MESSAGES) {
  test(`${message.name}: every version round-trips`, (t) => {
    t.notThrows(() => assertRoundTrips(message, 60));
  });
}
