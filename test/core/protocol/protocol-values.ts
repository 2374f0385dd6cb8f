/**
 * fast-check arbitraries derived from a protocol message definition: any value the definition
 * allows in one version (fields outside the version hold their defaults, so a round trip gives the
 * value back unchanged), an assertion that a decode failed the only allowed way, and the round-trip
 * and fuzz checks every message test file runs over its definitions.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { isEddyError } from '../../../core/errors.js';
import { Reader, Writer } from '../../../core/protocol/primitives.js';
import { decode, defaultOf, encode, type Field, inVersions, type Message, type StructValue, type Value } from '../../../core/protocol/schema.js';

function elementArbitrary(field: Field, version: number): fc.Arbitrary<Value> {
  switch (field.element) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -2147483648, max: 2147483647 });
    case 'uint32':
      return fc.integer({ min: 0, max: 4294967295 });
    case 'int64':
      return fc.maxSafeInteger();
    case 'float64':
      return fc.double({ noNaN: true });
    case 'uuid':
      return fc.uuid();
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 12 });
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 12 }).map((bytes) => Buffer.from(bytes));
    case 'struct':
      return structArbitrary(field.fields, version);
  }
}

function fieldArbitrary(field: Field, version: number): fc.Arbitrary<Value> {
  if (!inVersions(field.versions, version)) return fc.constant(defaultOf(field));
  const one = elementArbitrary(field, version);
  const value = field.isArray ? fc.array(one, { maxLength: 3 }) : one;
  return inVersions(field.nullableVersions, version) ? fc.option(value, { nil: null, freq: 4 }) : value;
}

function structArbitrary(fields: readonly Field[], version: number): fc.Arbitrary<StructValue> {
  const model: Record<string, fc.Arbitrary<Value>> = {};
  for (const field of fields) model[field.name] = fieldArbitrary(field, version);
  return fc.record(model, { noNullPrototype: true });
}

/** Any value `version` of `message` can carry. */
export function messageValue(message: Message, version: number): fc.Arbitrary<StructValue> {
  return structArbitrary(message.fields, version);
}

/** Every version of `message`. */
export function versionsOf(message: Message): number[] {
  const out: number[] = [];
  for (let v = message.validVersions.min; v <= message.validVersions.max; v++) out.push(v);
  return out;
}

/** Runs `fn`; true when it returns or throws ERR_PROTOCOL_INVALID, false on any other exception. */
export function decodesOrRefuses(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if (isEddyError(err, 'ERR_PROTOCOL_INVALID')) return true;
    throw err;
  }
}

/** A message body as bytes. */
export function encodeBody(message: Message, version: number, value: StructValue): Buffer {
  const w = new Writer(8);
  encode(message, version, value, w);
  return Buffer.from(w.finish());
}

/**
 * Throws unless every version of `message` round-trips: encode, decode (every byte consumed) and
 * encode again give the same value and the same bytes.
 */
export function assertRoundTrips(message: Message, numRuns = 60): void {
  for (const version of versionsOf(message)) {
    fc.assert(
      fc.property(messageValue(message, version), (value) => {
        const bytes = encodeBody(message, version, value);
        const r = new Reader(bytes);
        const back = decode(message, version, r);
        return r.remaining === 0 && isDeepStrictEqual(back, value) && encodeBody(message, version, back).equals(bytes);
      }),
      { numRuns },
    );
  }
}

function fuzzTargets(messages: readonly Message[]): Array<{ message: Message; version: number }> {
  return messages.flatMap((message) => versionsOf(message).map((version) => ({ message, version })));
}

/** Throws unless random bytes decode or fail with ERR_PROTOCOL_INVALID, for every version of every message. */
export function assertRandomBodiesDecodeOrRefuse(messages: readonly Message[], maxLength = 96): void {
  fc.assert(
    fc.property(fc.constantFrom(...fuzzTargets(messages)), fc.uint8Array({ maxLength }), ({ message, version }, bytes) =>
      decodesOrRefuses(() => decode(message, version, new Reader(Buffer.from(bytes)))),
    ),
    { numRuns: 4000 },
  );
}

/** Throws unless bit-flipped and truncated valid bodies decode or fail with ERR_PROTOCOL_INVALID. */
export function assertMutatedBodiesDecodeOrRefuse(messages: readonly Message[]): void {
  const valid = fc
    .constantFrom(...fuzzTargets(messages))
    .chain(({ message, version }) => messageValue(message, version).map((value) => ({ message, version, bytes: encodeBody(message, version, value) })));
  fc.assert(
    fc.property(valid, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.nat(), ({ message, version, bytes }, flips, cut) => {
      const flipped = Buffer.from(bytes);
      if (flipped.length > 0) for (const bit of flips) flipped[(bit >> 3) % flipped.length]! ^= 1 << (bit & 7);
      const truncated = bytes.subarray(0, bytes.length === 0 ? 0 : cut % bytes.length);
      return decodesOrRefuses(() => decode(message, version, new Reader(flipped))) && decodesOrRefuses(() => decode(message, version, new Reader(truncated)));
    }),
    { numRuns: 3000 },
  );
}
