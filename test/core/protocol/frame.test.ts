/**
 * Request framing and the fuzzing of every decoder: the frame decoder's size limit (refused before
 * the body is buffered), reassembly across chunks, unknown API keys and versions as coded errors a
 * server can answer, and random, bit-flipped and truncated input — which must decode or fail with
 * ERR_PROTOCOL_INVALID, never anything else.
 */
import test from 'ava';
import fc from 'fast-check';
import { EddyError, isEddyError } from '../../../core/errors.js';
import {
  decodeRequest,
  DEFAULT_FRAME_DECODER_OPTIONS,
  encodeRequest,
  FrameDecoder,
  requestHeaderVersion,
  resolveFrameDecoderOptions,
  responseHeaderVersion,
} from '../../../core/protocol/frame.js';
import { API_MESSAGES, ApiVersionsResponse, MetadataRequest, MetadataResponse, RequestHeader, ResponseHeader } from '../../../core/protocol/messages/index.js';
import { Reader } from '../../../core/protocol/primitives.js';
import { decode, type Message } from '../../../core/protocol/schema.js';
import { decodesOrRefuses, messageValue, versionsOf } from './protocol-values.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function refusal(t: import('ava').ExecutionContext, run: () => unknown): EddyError {
  const err = t.throws(run);
  t.true(isEddyError(err, 'ERR_PROTOCOL_INVALID'), String(err));
  return err as EddyError;
}

/** Every API the codec decodes, with each of its versions. */
const API_VERSIONS: { apiKey: number; version: number; request: Message; response: Message }[] = [...API_MESSAGES].flatMap(
  ([apiKey, { request, response }]) => versionsOf(request).map((version) => ({ apiKey, version, request, response })),
);

/** A valid request frame (without size prefix) for any API and version. */
const validFrame = fc
  .constantFrom(...API_VERSIONS)
  .chain(({ apiKey, version, request }) =>
    fc.tuple(messageValue(request, version), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.option(fc.string({ maxLength: 8 }), { nil: null })).map(
      ([body, correlationId, clientId]) => encodeRequest({ apiKey, apiVersion: version, correlationId, clientId }, body).subarray(4),
    ),
  );

test('options: defaults to Kafka\'s socket.request.max.bytes; bad values fail fast', (t) => {
  t.is(DEFAULT_FRAME_DECODER_OPTIONS.socketRequestMaxBytes, 104857600);
  t.is(resolveFrameDecoderOptions({ socketRequestMaxBytes: 1024 }).socketRequestMaxBytes, 1024);
  for (const bad of [0, 7, 1.5, 2 ** 31, Number.NaN]) {
    const err = t.throws(() => new FrameDecoder({ socketRequestMaxBytes: bad }));
    t.true(isEddyError(err, 'ERR_CONFIG_INVALID'), String(bad));
  }
});

test('frames are cut from a stream however it is chunked', (t) => {
  const frames = [hex('00000002 aabb'), hex('00000000'), hex('00000003 010203')];
  const stream = Buffer.concat(frames);
  for (let split = 0; split <= stream.length; split++) {
    const decoder = new FrameDecoder();
    const out = [...decoder.push(stream.subarray(0, split)), ...decoder.push(stream.subarray(split))];
    t.deepEqual(out, [hex('aabb'), Buffer.alloc(0), hex('010203')]);
    t.is(decoder.bufferedBytes, 0);
  }
  const decoder = new FrameDecoder();
  const byteByByte = [...stream].flatMap((b) => decoder.push(Buffer.from([b])));
  t.deepEqual(byteByByte, [hex('aabb'), Buffer.alloc(0), hex('010203')]);
});

test('a frame over the limit is refused from its size prefix alone, and the decoder stays failed', (t) => {
  const decoder = new FrameDecoder({ socketRequestMaxBytes: 16 });
  t.deepEqual(decoder.push(hex('00000010')), []); // exactly the limit: waits for the body
  t.is(decoder.bufferedBytes, 0);
  const over = new FrameDecoder({ socketRequestMaxBytes: 16 });
  t.deepEqual(over.push(hex('000000')), []);
  const err = refusal(t, () => over.push(hex('11')));
  t.regex(err.message, /17 bytes refused: the limit is 16/);
  t.is(over.bufferedBytes, 0);
  t.is(t.throws(() => over.push(hex('00'))), err);
  refusal(t, () => new FrameDecoder().push(hex('ffffffff'))); // negative size
  refusal(t, () => new FrameDecoder().push(hex('7fffffff'))); // 2 GiB announced: nothing buffered, refused
});

test('header versions: flexible requests use v2 and responses v1, ApiVersions responses always v0', (t) => {
  t.is(requestHeaderVersion(MetadataRequest, 8), 1);
  t.is(requestHeaderVersion(MetadataRequest, 9), 2);
  t.is(responseHeaderVersion(MetadataResponse, 8), 0);
  t.is(responseHeaderVersion(MetadataResponse, 9), 1);
  t.is(responseHeaderVersion(ApiVersionsResponse, 3), 0);
  t.deepEqual(decode(ResponseHeader, 1, new Reader(hex('00000005 00'))), { correlationId: 5 });
  t.deepEqual(decode(RequestHeader, 0, new Reader(hex('0003 0000 00000001'))), { requestApiKey: 3, requestApiVersion: 0, correlationId: 1, clientId: null });
});

test('an unknown API key or version is a coded error a server can still answer', (t) => {
  const unknown = refusal(t, () => decodeRequest(hex('0063 0000 0000000b ffff')));
  t.regex(unknown.message, /Unknown API key 99/);
  t.like(unknown.context, { apiKey: 99, apiVersion: 0, correlationId: 11, unsupported: 'apiKey' });
  // Produce v2: below what Kafka 4 (and Eddy) accepts.
  const produce = refusal(t, () => decodeRequest(hex('0000 0002 0000000c ffff')));
  t.regex(produce.message, /Produce v2 is not supported \(versions 3–11\)/);
  const version = refusal(t, () => decodeRequest(hex('0012 0004 0000000d ffff')));
  t.regex(version.message, /ApiVersions v4 is not supported \(versions 0–3\)/);
  t.like(version.context, { apiKey: 18, apiVersion: 4, correlationId: 13, unsupported: 'apiVersion' });
  refusal(t, () => encodeRequest({ apiKey: 3, apiVersion: 13, correlationId: 1, clientId: null }, {}));
});

test('a request with bytes left over after its body is refused', (t) => {
  const err = refusal(t, () => decodeRequest(hex('0012 0000 00000001 ffff 00')));
  t.regex(err.message, /ApiVersionsRequest v0 has 1 unread bytes/);
  refusal(t, () => decodeRequest(hex('0012 00')));
});

test('huge counts are refused before anything is allocated', (t) => {
  // Metadata v1: header, then topics ARRAY count 2^31 - 1 with 10 bytes behind it.
  const big = refusal(t, () => decodeRequest(hex('0003 0001 00000001 ffff 7fffffff' + '00'.repeat(10))));
  t.regex(big.message, /2147483647 elements .* 10 bytes left/);
  // Metadata v9 (flexible): COMPACT_ARRAY count 2^32 - 2.
  refusal(t, () => decodeRequest(hex('0003 0009 00000001 ffff 00 ffffffff0f' + '00'.repeat(10))));
  // Metadata v10: each topic needs at least 18 bytes (uuid + name + tags), so 2 topics don't fit in 30.
  const sized = refusal(t, () => decodeRequest(hex('0003 000a 00000001 ffff 00 03' + '00'.repeat(30))));
  t.regex(sized.message, /Array of 2 elements/);
  // A tagged-field size of 2^32 - 1 in the header's tag section.
  refusal(t, () => decodeRequest(hex('0012 0003 00000001 ffff 01 00 ffffffff0f 00')));
  // A 6-byte varint where a compact length belongs.
  refusal(t, () => decodeRequest(hex('0012 0003 00000001 ffff 00 8080808080 01')));
});

test('fuzz: random bytes decode or are refused, for every message and version', (t) => {
  const targets = [
    ...API_VERSIONS.flatMap(({ version, request, response }) => [
      { message: request, version },
      { message: response, version },
    ]),
    ...[0, 1, 2].map((version) => ({ message: RequestHeader, version })),
    ...[0, 1].map((version) => ({ message: ResponseHeader, version })),
  ];
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.constantFrom(...targets), fc.uint8Array({ maxLength: 96 }), ({ message, version }, bytes) =>
        decodesOrRefuses(() => decode(message, version, new Reader(Buffer.from(bytes)))),
      ),
      { numRuns: 3000 },
    ),
  );
});

test('fuzz: random frames, and valid headers followed by random bodies', (t) => {
  const headerThenNoise = fc
    .constantFrom(...API_VERSIONS)
    .chain(({ apiKey, version, request }) =>
      fc.uint8Array({ maxLength: 80 }).map((noise) => {
        const flexible = requestHeaderVersion(request, version) === 2;
        const header = Buffer.alloc(10);
        header.writeInt16BE(apiKey, 0);
        header.writeInt16BE(version, 2);
        header.writeInt16BE(-1, 8); // clientId null
        return Buffer.concat([header, flexible ? Buffer.from([0]) : Buffer.alloc(0), noise]);
      }),
    );
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), headerThenNoise), (frame) =>
        decodesOrRefuses(() => decodeRequest(frame)),
      ),
      { numRuns: 3000 },
    ),
  );
});

test('fuzz: bit-flipped and truncated valid frames decode or are refused', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(validFrame, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.nat(), (frame, flips, cut) => {
        t.notThrows(() => decodeRequest(frame));
        const flipped = Buffer.from(frame);
        for (const bit of flips) flipped[(bit >> 3) % flipped.length]! ^= 1 << (bit & 7);
        const truncated = frame.subarray(0, cut % frame.length);
        return decodesOrRefuses(() => decodeRequest(flipped)) && decodesOrRefuses(() => decodeRequest(truncated));
      }),
      { numRuns: 2000 },
    ),
  );
});

test('fuzz: a stream of valid frames split anywhere comes out whole', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.array(validFrame, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }), (frames, cuts) => {
        const stream = Buffer.concat(frames.map((f) => Buffer.concat([hex((f.length >>> 0).toString(16).padStart(8, '0')), f])));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const decoder = new FrameDecoder();
        const out: Buffer[] = [];
        let from = 0;
        for (const to of [...points, stream.length]) {
          out.push(...decoder.push(stream.subarray(from, to)));
          from = to;
        }
        return out.length === frames.length && out.every((f, i) => f.equals(frames[i]!)) && out.every((f) => decodeRequest(f) !== undefined);
      }),
      { numRuns: 300 },
    ),
  );
});
