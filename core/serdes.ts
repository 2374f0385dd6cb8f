/**
 * Serdes turn application values into the bytes the core stores and back (DESIGN decision 2: bytes
 * in the core, serdes at the edges). They are chosen per producer, consumer, source and store.
 *
 * Every serde maps null to null both ways, so tombstones (null values) and null keys pass through
 * whatever serde is configured. A value that cannot be converted — bad JSON, bad MessagePack,
 * invalid UTF-8, a value JSON cannot represent — raises EddyError ERR_SERDE_FAILED naming the serde and the
 * direction, with the cause attached; it never turns into data.
 *
 * @example
 * ```ts
 * import { serdes } from './serdes.js';
 * const bytes = serdes.json.serialize({ id: 1 }); // <Buffer 7b 22 69 64 22 3a 31 7d>
 * serdes.json.deserialize(bytes);                  // { id: 1 }
 * ```
 */
import { C1, Packr } from 'msgpackr';
import { EddyError } from './errors.js';

export interface Serde<T> {
  serialize(value: T): Buffer | null;
  deserialize(bytes: Buffer | null): T;
}

function serdeError(serde: string, direction: 'serialize' | 'deserialize', cause: unknown, bytes?: Buffer): EddyError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new EddyError('ERR_SERDE_FAILED', `${serde} serde could not ${direction}: ${reason}`, {
    serde,
    direction,
    ...(bytes === undefined ? {} : { length: bytes.length }),
  }, { cause });
}

/** Raw bytes, passed through without copying. */
export const bytesSerde: Serde<Buffer | null> = {
  serialize: (value) => value,
  deserialize: (bytes) => bytes,
};

// fatal: invalid UTF-8 is an error rather than silently becoming U+FFFD.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 strings. */
export const stringSerde: Serde<string | null> = {
  serialize(value) {
    if (value === null) return null;
    if (typeof value !== 'string') throw serdeError('string', 'serialize', new TypeError(`expected a string, got ${typeof value}`));
    return Buffer.from(value, 'utf8');
  },
  deserialize(bytes) {
    if (bytes === null) return null;
    try {
      return utf8Decoder.decode(bytes);
    } catch (err) {
      throw serdeError('string', 'deserialize', err, bytes);
    }
  },
};

/** JSON text in UTF-8. `T` is what the caller promises the bytes hold; nothing checks it. */
export function jsonSerde<T = unknown>(): Serde<T | null> {
  return {
    serialize(value) {
      if (value === null) return null;
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (err) {
        throw serdeError('json', 'serialize', err);
      }
      if (text === undefined) throw serdeError('json', 'serialize', new TypeError(`${typeof value} has no JSON representation`));
      return Buffer.from(text, 'utf8');
    },
    deserialize(bytes) {
      if (bytes === null) return null;
      try {
        return JSON.parse(utf8Decoder.decode(bytes)) as T;
      } catch (err) {
        throw serdeError('json', 'deserialize', err, bytes);
      }
    },
  };
}

/**
 * MessagePack via msgpackr, the default for structured values. Plain, compact MessagePack (no msgpackr
 * record extension), so the bytes need no shared structure table and other languages can read them.
 * msgpackr decodes a map key "__proto__" as "__proto_" so hostile bytes cannot set a prototype; that
 * one key does not round-trip.
 */
export function msgpackSerde<T = unknown>(): Serde<T | null> {
  const packr = new Packr({ useRecords: false, variableMapSize: true });
  return {
    serialize(value) {
      if (value === null) return null;
      try {
        return packr.pack(value);
      } catch (err) {
        throw serdeError('msgpack', 'serialize', err);
      }
    },
    deserialize(bytes) {
      if (bytes === null) return null;
      let value: unknown;
      try {
        value = packr.unpack(bytes);
      } catch (err) {
        throw serdeError('msgpack', 'deserialize', err, bytes);
      }
      // msgpackr decodes the never-used byte 0xc1 to a marker object instead of throwing.
      if (value === C1) throw serdeError('msgpack', 'deserialize', new Error('0xc1 is not valid MessagePack'), bytes);
      return value as T;
    },
  };
}

/** The ready serdes. `json` and `msgpack` are untyped; use `jsonSerde<T>()`/`msgpackSerde<T>()` for a typed one. */
export const serdes = {
  bytes: bytesSerde,
  string: stringSerde,
  json: jsonSerde(),
  msgpack: msgpackSerde(),
} as const;

/** Whether `value` has the shape of a Serde (serialize and deserialize functions). */
export function isSerde(value: unknown): value is Serde<unknown> {
  const candidate = value as Partial<Serde<unknown>> | null;
  return typeof value === 'object' && candidate !== null && typeof candidate.serialize === 'function' && typeof candidate.deserialize === 'function';
}
