/**
 * Record headers as producers give them (an object, KafkaJS style, or a list that keeps order and
 * repeated keys; values strings, bytes or null) converted to the RecordHeader list the log stores.
 */
import { EddyError } from '../errors.js';
import type { RecordHeader } from '../record/record.js';
import type { HeaderValue } from './types.js';

export type HeadersInput = Record<string, HeaderValue> | Array<{ key: string; value: HeaderValue }>;

/** Converts headers given as an object or a list into RecordHeaders (strings UTF-8, bytes as is). */
export function toRecordHeaders(
  headers: HeadersInput,
  topic?: string,
  index?: number,
): RecordHeader[] {
  const out: RecordHeader[] = [];
  const entries: Array<[unknown, unknown]> = Array.isArray(headers)
    ? headers.map((h: { key: unknown; value: unknown }) => [h?.key, h?.value])
    : Object.entries(headers);
  for (const [key, value] of entries) {
    if (typeof key !== 'string') throw new EddyError('ERR_RECORD_INVALID', 'A header key must be a string', { topic, index, value: key });
    out.push({ key, value: headerValue(value, key, topic, index) });
  }
  return out;
}

function headerValue(value: unknown, key: string, topic?: string, index?: number): Buffer | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new EddyError('ERR_RECORD_INVALID', `Header ${key} must be a string, Buffer or null`, { topic, index, header: key });
}

/** The value of the last header named `key`, or undefined when there is none. */
export function lastHeader(headers: readonly RecordHeader[], key: string): Buffer | null | undefined {
  for (let i = headers.length - 1; i >= 0; i--) if (headers[i]!.key === key) return headers[i]!.value;
  return undefined;
}
