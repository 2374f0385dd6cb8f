/**
 * fast-check arbitraries derived from a protocol message definition: any value the definition
 * allows in one version (fields outside the version hold their defaults, so a round trip gives the
 * value back unchanged), and an assertion that a decode failed the only allowed way.
 */
import fc from 'fast-check';
import { isEddyError } from '../../../core/errors.js';
import { defaultOf, type Field, inVersions, type Message, type StructValue, type Value } from '../../../core/protocol/schema.js';

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
