/**
 * How `eddy consume` prints records.
 *
 * text: the value's raw bytes, one record per line (with `--print-key`: key, TAB, value); a null key
 * or value prints as `null`. Bytes are written as stored, so text mode is only line-safe for values
 * without newlines.
 *
 * json: one object per line, `{topic, partition, offset, timestamp, key, value, headers}`. Key and
 * value are UTF-8 strings, or null when null; bytes that are not valid UTF-8 are base64 and flagged
 * by `keyEncoding: "base64"` / `valueEncoding: "base64"` (absent otherwise). Headers are an array of
 * `{key, value}` in record order (repeated keys kept), each value following the same rule with its
 * own `valueEncoding`.
 */
import { isUtf8 } from 'node:buffer';

/** The record fields the formats read; a structural subset of the library's ConsumerRecord. */
export interface PrintableRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: ReadonlyArray<{ key: string; value: Buffer | null }>;
}

export interface JsonHeader {
  key: string;
  value: string | null;
  valueEncoding?: 'base64';
}

export interface JsonRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  keyEncoding?: 'base64';
  value: string | null;
  valueEncoding?: 'base64';
  headers: JsonHeader[];
}

function encodeBytes(bytes: Buffer | null): { text: string | null; base64: boolean } {
  if (bytes === null) return { text: null, base64: false };
  if (isUtf8(bytes)) return { text: bytes.toString('utf8'), base64: false };
  return { text: bytes.toString('base64'), base64: true };
}

export function toJsonRecord(record: PrintableRecord): JsonRecord {
  const key = encodeBytes(record.key);
  const value = encodeBytes(record.value);
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: key.text,
    ...(key.base64 ? { keyEncoding: 'base64' as const } : {}),
    value: value.text,
    ...(value.base64 ? { valueEncoding: 'base64' as const } : {}),
    headers: record.headers.map((h) => {
      const hv = encodeBytes(h.value);
      return { key: h.key, value: hv.text, ...(hv.base64 ? { valueEncoding: 'base64' as const } : {}) };
    }),
  };
}

const NULL_TEXT = Buffer.from('null');
const TAB = Buffer.from('\t');
const NEWLINE = Buffer.from('\n');

/** One output line (newline included) for a record. */
export function formatRecord(record: PrintableRecord, format: 'text' | 'json', printKey: boolean): Buffer {
  if (format === 'json') return Buffer.from(`${JSON.stringify(toJsonRecord(record))}\n`, 'utf8');
  const value = record.value ?? NULL_TEXT;
  if (!printKey) return Buffer.concat([value, NEWLINE]);
  return Buffer.concat([record.key ?? NULL_TEXT, TAB, value, NEWLINE]);
}
