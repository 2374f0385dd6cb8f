/**
 * Golden bytes for the protocol tests: written by hand from Kafka's message specifications, one
 * field a line, and checked both ways against the codec.
 */
import type { ExecutionContext } from 'ava';
import { Reader } from '../../../core/protocol/primitives.js';
import { decode, type Message, type StructValue } from '../../../core/protocol/schema.js';
import { encodeBody } from './protocol-values.js';

/** Bytes written one field a line: hex digits (spaces allowed), then optionally `|` and a comment. */
export function hex(text: string): Buffer {
  const digits = text
    .split('\n')
    .map((line) => line.split('|')[0]!.replace(/\s+/g, ''))
    .join('');
  if (!/^([0-9a-f]{2})*$/.test(digits)) throw new Error(`not hex: ${digits}`);
  return Buffer.from(digits, 'hex');
}

/** The hex digits of an ASCII string, for writing strings inside `hex` text. */
export const ascii = (text: string): string => Buffer.from(text, 'ascii').toString('hex');

/**
 * `value` encodes to `bytes`, and `bytes` decode to `decoded` (the value with every field the
 * version lacks at its default) with nothing left over.
 */
export function golden(t: ExecutionContext, message: Message, version: number, bytes: Buffer, value: StructValue, decoded: StructValue): void {
  t.deepEqual(encodeBody(message, version, value), bytes);
  const r = new Reader(bytes);
  t.deepEqual(decode(message, version, r), decoded);
  t.is(r.remaining, 0);
}
