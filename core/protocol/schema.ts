/**
 * A data-driven codec for Kafka protocol messages. A message is described once, as data, the way
 * Kafka's own message specifications describe it: fields with a type and the version range they
 * exist in, which versions allow null, which versions are "flexible", and tagged fields.
 * {@link decode} and {@link encode} then handle every version of it:
 *
 * - a field outside its `versions` is not on the wire; decoding gives its default;
 * - in flexible versions strings, bytes and arrays take their COMPACT_ form (unless the field
 *   overrides `flexibleVersions`, as the request header's clientId does) and every struct ends
 *   with a tagged-field section;
 * - a field with a `tag` is written in that section during its `taggedVersions` — only when its
 *   value differs from the default — and decoded from it; unknown tags are skipped.
 *
 * Definitions are checked once, by {@link defineMessage}: a bad definition fails at import with
 * ERR_INTERNAL_DEFECT. Decode and encode failures are ERR_PROTOCOL_INVALID naming the field.
 */

import { EddyError, isEddyError } from '../errors.js';
import { protocolError, type Reader, type Writer } from './primitives.js';

/** Types a field (or an array's element) can have; `records` is nullable raw bytes (record batches). */
export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records';

/**
 * A primitive, an array of one (`'[]int32'`), an array of structs (`'[]struct'` with `fields`), or a
 * single struct (`'struct'` with `fields`; absent in a version or untagged-default, it decodes as null).
 */
export type FieldType = PrimitiveType | `[]${PrimitiveType}` | '[]struct' | 'struct';

/** A decoded value: plain data, bytes as Buffer views, uuids as 8-4-4-4-12 hex text. */
export type Value = number | string | boolean | Uint8Array | null | Value[] | StructValue;

/** A decoded struct, keyed by camelCase field names. */
export interface StructValue {
  [field: string]: Value;
}

/**
 * One field of a message definition. Version ranges are Kafka's: `'3+'`, `'0-2'`, `'5'`, `'none'`.
 *
 * @example
 * { name: 'rack', type: 'string', versions: '1+', nullableVersions: '1+', default: null }
 */
export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly versions: string;
  readonly nullableVersions?: string;
  /** Overrides the message's flexible versions for this field's encoding (`'none'`: never compact). */
  readonly flexibleVersions?: string;
  readonly tag?: number;
  readonly taggedVersions?: string;
  /** Value when absent from a version or a tagged section; otherwise 0, false, '', empty, [] or the nil uuid. */
  readonly default?: Value;
  /** The element struct's fields, for `'[]struct'`. */
  readonly fields?: readonly FieldSpec[];
}

/** A message definition: one per request, response or header. */
export interface MessageSpec {
  readonly name: string;
  readonly apiKey?: number;
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly FieldSpec[];
}

/** An inclusive version range; `min > max` is the empty range ('none'). */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** A checked field, with its ranges parsed. */
export interface Field {
  readonly name: string;
  /** The element type for arrays, or `'struct'`. */
  readonly element: PrimitiveType | 'struct';
  readonly isArray: boolean;
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange;
  readonly flexibleVersions: VersionRange | null;
  readonly tag: number | null;
  readonly taggedVersions: VersionRange;
  readonly default: Value;
  readonly fields: readonly Field[];
}

/** A checked message definition, ready for {@link decode} and {@link encode}. */
export interface Message {
  readonly name: string;
  readonly apiKey: number | null;
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
  readonly fields: readonly Field[];
}

const MAX_VERSION = 0x7fff;
const NONE: VersionRange = { min: 1, max: 0 };
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Parses `'3+'`, `'0-2'`, `'5'` or `'none'`. */
export function parseVersions(text: string): VersionRange {
  if (text === 'none') return NONE;
  const match = /^(\d+)(?:(\+)|-(\d+))?$/.exec(text);
  if (match === null) throw new EddyError('ERR_INTERNAL_DEFECT', `Invalid version range '${text}'`);
  const min = Number(match[1]);
  const max = match[2] === '+' ? MAX_VERSION : match[3] === undefined ? min : Number(match[3]);
  if (max < min || max > MAX_VERSION) throw new EddyError('ERR_INTERNAL_DEFECT', `Invalid version range '${text}'`);
  return { min, max };
}

/** True when `version` is in `range`. */
export function inVersions(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}

function defect(where: string, message: string): EddyError {
  return new EddyError('ERR_INTERNAL_DEFECT', `${where}: ${message}`);
}

function builtInDefault(element: PrimitiveType | 'struct', isArray: boolean): Value {
  if (isArray) return [];
  switch (element) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    case 'uuid':
      return NIL_UUID;
    case 'struct':
      return null;
    default:
      return 0;
  }
}

function compileFields(specs: readonly FieldSpec[], where: string, flexible: VersionRange): Field[] {
  const names = new Set<string>();
  const tags = new Set<number>();
  return specs.map((spec) => {
    const at = `${where}.${spec.name}`;
    if (!/^[a-z][A-Za-z0-9]*$/.test(spec.name) || names.has(spec.name)) throw defect(at, 'field names must be unique camelCase');
    names.add(spec.name);
    const isArray = spec.type.startsWith('[]');
    const element = (isArray ? spec.type.slice(2) : spec.type) as PrimitiveType | 'struct';
    if ((element === 'struct') !== (spec.fields !== undefined)) throw defect(at, "'fields' goes with type '[]struct' only");
    const nullableVersions = parseVersions(spec.nullableVersions ?? 'none');
    const nullableType = isArray || element === 'string' || element === 'bytes' || element === 'records';
    if (!nullableType && nullableVersions.min <= nullableVersions.max) throw defect(at, `type ${spec.type} cannot be nullable`);
    const tag = spec.tag ?? null;
    const taggedVersions = parseVersions(spec.taggedVersions ?? 'none');
    if (tag !== null) {
      if (!Number.isInteger(tag) || tag < 0 || tags.has(tag)) throw defect(at, 'tags must be unique non-negative integers');
      if (taggedVersions.min > taggedVersions.max || taggedVersions.min < flexible.min) throw defect(at, 'taggedVersions must lie in flexible versions');
      tags.add(tag);
    } else if (spec.taggedVersions !== undefined) {
      throw defect(at, 'taggedVersions needs a tag');
    }
    return {
      name: spec.name,
      element,
      isArray,
      versions: parseVersions(spec.versions),
      nullableVersions,
      flexibleVersions: spec.flexibleVersions === undefined ? null : parseVersions(spec.flexibleVersions),
      tag,
      taggedVersions,
      default: spec.default === undefined ? builtInDefault(element, isArray) : spec.default,
      fields: spec.fields === undefined ? [] : compileFields(spec.fields, at, flexible),
    };
  });
}

/**
 * Checks a message definition and prepares it for {@link decode} / {@link encode}.
 *
 * @example
 * const Ping = defineMessage({
 *   name: 'PingRequest', validVersions: '0-1', flexibleVersions: '1+',
 *   fields: [{ name: 'payload', type: 'string', versions: '0+' }],
 * });
 */
export function defineMessage(spec: MessageSpec): Message {
  const flexibleVersions = parseVersions(spec.flexibleVersions);
  return {
    name: spec.name,
    apiKey: spec.apiKey ?? null,
    validVersions: parseVersions(spec.validVersions),
    flexibleVersions,
    fields: compileFields(spec.fields, spec.name, flexibleVersions),
  };
}

/** The default of `field` as a fresh value (so callers may mutate decoded arrays). */
export function defaultOf(field: Field): Value {
  const value = field.default;
  if (Array.isArray(value)) return [...value];
  return value;
}

/** How one version lays a field out. */
interface Layout {
  readonly version: number;
  readonly flexible: boolean;
}

function isTagged(field: Field, layout: Layout): boolean {
  return field.tag !== null && layout.flexible && inVersions(field.taggedVersions, layout.version);
}

function isCompact(field: Field, layout: Layout): boolean {
  return field.flexibleVersions === null ? layout.flexible : inVersions(field.flexibleVersions, layout.version);
}

/** Fewest bytes one element can take, so a count can be checked before reading. */
function minBytes(field: Field, layout: Layout, compact: boolean): number {
  switch (field.element) {
    case 'bool':
    case 'int8':
      return 1;
    case 'int16':
    case 'uint16':
      return 2;
    case 'int32':
    case 'uint32':
      return 4;
    case 'int64':
    case 'float64':
      return 8;
    case 'uuid':
      return 16;
    case 'string':
      return compact ? 1 : 2;
    case 'bytes':
    case 'records':
      return compact ? 1 : 4;
    case 'struct': {
      let size = layout.flexible ? 1 : 0;
      for (const f of field.fields) {
        if (!inVersions(f.versions, layout.version) || isTagged(f, layout)) continue;
        const fieldCompact = isCompact(f, layout);
        size += f.isArray ? (fieldCompact ? 1 : 4) : minBytes(f, layout, fieldCompact);
      }
      return size;
    }
  }
}

function checkVersion(message: Message, version: number): Layout {
  if (!Number.isInteger(version) || !inVersions(message.validVersions, version)) {
    throw protocolError(`${message.name} has no version ${version}`, { version });
  }
  return { version, flexible: inVersions(message.flexibleVersions, version) };
}

/**
 * Decodes one `version` of `message` from `reader`, leaving the reader after it.
 *
 * @example
 * const value = decode(ApiVersionsRequest, 3, new Reader(body));
 * value.clientSoftwareName; // 'eddy'
 */
export function decode(message: Message, version: number, reader: Reader): StructValue {
  const layout = checkVersion(message, version);
  return decodeStruct(message.fields, layout, reader, message.name);
}

function decodeStruct(fields: readonly Field[], layout: Layout, reader: Reader, path: string): StructValue {
  const value: StructValue = {};
  for (const field of fields) {
    value[field.name] =
      inVersions(field.versions, layout.version) && !isTagged(field, layout) ? decodeField(field, layout, reader, path) : defaultOf(field);
  }
  if (layout.flexible) {
    reader.taggedFields((tag, fieldReader) => {
      const field = fields.find((f) => f.tag === tag && inVersions(f.versions, layout.version) && isTagged(f, layout));
      if (field === undefined) return false;
      value[field.name] = decodeField(field, layout, fieldReader, path);
      return true;
    });
  }
  return value;
}

function decodeField(field: Field, layout: Layout, reader: Reader, path: string): Value {
  const compact = isCompact(field, layout);
  const nullable = inVersions(field.nullableVersions, layout.version);
  if (!field.isArray) return decodeOne(field, layout, reader, compact, nullable, path);
  const count = reader.arrayCount(compact, nullable, minBytes(field, layout, compact));
  if (count === null) return null;
  return reader.elements(count, (r) => decodeOne(field, layout, r, compact, false, path));
}

function decodeOne(field: Field, layout: Layout, r: Reader, compact: boolean, nullable: boolean, path: string): Value {
  switch (field.element) {
    case 'bool':
      return r.bool();
    case 'int8':
      return r.int8();
    case 'int16':
      return r.int16();
    case 'uint16':
      return r.uint16();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'int64':
      return r.int64();
    case 'float64':
      return r.float64();
    case 'uuid':
      return r.uuid();
    case 'string':
      if (compact) return nullable ? r.compactNullableString() : r.compactString();
      return nullable ? r.nullableString() : r.string();
    case 'bytes':
    case 'records':
      if (compact) return nullable ? r.compactNullableBytes() : r.compactBytes();
      return nullable ? r.nullableBytes() : r.bytes();
    case 'struct':
      return decodeStruct(field.fields, layout, r, `${path}.${field.name}`);
  }
}

/**
 * Encodes `value` as one `version` of `message` onto `writer`. Fields the value leaves undefined
 * take their defaults; fields outside the version are ignored.
 *
 * @example
 * const w = new Writer();
 * encode(ApiVersionsRequest, 3, { clientSoftwareName: 'eddy', clientSoftwareVersion: '0.1.0' }, w);
 */
export function encode(message: Message, version: number, value: StructValue, writer: Writer): void {
  const layout = checkVersion(message, version);
  encodeStruct(message.fields, layout, value, writer, message.name);
}

function encodeStruct(fields: readonly Field[], layout: Layout, value: StructValue, writer: Writer, path: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw protocolError(`${path} must be an object`, { field: path });
  const tagged: { tag: number; write: (w: Writer) => void }[] = [];
  for (const field of fields) {
    if (!inVersions(field.versions, layout.version)) continue;
    const fieldValue = value[field.name] === undefined ? field.default : (value[field.name] as Value);
    if (isTagged(field, layout)) {
      if (!isDefault(field, fieldValue)) tagged.push({ tag: field.tag!, write: (w) => encodeField(field, layout, fieldValue, w, path) });
    } else {
      encodeField(field, layout, fieldValue, writer, path);
    }
  }
  if (layout.flexible) writer.taggedFields(tagged.sort((a, b) => a.tag - b.tag));
}

function isDefault(field: Field, value: Value): boolean {
  if (Array.isArray(value)) return Array.isArray(field.default) && value.length === 0 && field.default.length === 0;
  if (value instanceof Uint8Array) return field.default instanceof Uint8Array && value.length === 0 && field.default.length === 0;
  return value === field.default;
}

function encodeField(field: Field, layout: Layout, value: Value, writer: Writer, path: string): void {
  const where = `${path}.${field.name}`;
  try {
    const compact = isCompact(field, layout);
    if (value === null && !inVersions(field.nullableVersions, layout.version)) throw protocolError(`${where} cannot be null in version ${layout.version}`, { field: where });
    if (!field.isArray) return encodeOne(field, layout, value, writer, compact, where);
    if (value !== null && !Array.isArray(value)) throw protocolError(`${where} must be an array`, { field: where });
    writer.arrayCount(value === null ? null : value.length, compact);
    for (const element of value ?? []) {
      if (element === null) throw protocolError(`${where} cannot hold null elements`, { field: where });
      encodeOne(field, layout, element, writer, compact, where);
    }
  } catch (err) {
    // Name the field in errors raised by the writer, which knows only the value.
    if (isEddyError(err, 'ERR_PROTOCOL_INVALID') && err.context['field'] === undefined) {
      throw protocolError(`${where}: ${err.message}`, { ...err.context, field: where }, err);
    }
    throw err;
  }
}

function encodeOne(field: Field, layout: Layout, value: Value, w: Writer, compact: boolean, where: string): void {
  switch (field.element) {
    case 'bool':
      return w.bool(value as boolean);
    case 'int8':
      return w.int8(value as number);
    case 'int16':
      return w.int16(value as number);
    case 'uint16':
      return w.uint16(value as number);
    case 'int32':
      return w.int32(value as number);
    case 'uint32':
      return w.uint32(value as number);
    case 'int64':
      return w.int64(value as number);
    case 'float64':
      return w.float64(value as number);
    case 'uuid':
      return w.uuid(value as string);
    case 'string':
      return compact ? w.compactString(value as string | null) : w.string(value as string | null);
    case 'bytes':
    case 'records':
      return compact ? w.compactBytes(value as Uint8Array | null) : w.bytes(value as Uint8Array | null);
    case 'struct':
      return encodeStruct(field.fields, layout, value as StructValue, w, where);
  }
}
