/**
 * A producer's messages turned into records before any is queued: keys and values serialized (or
 * taken as bytes), headers converted, timestamps and explicit partitions checked, and each record's
 * size estimated for batching. A bad message rejects the whole send, so nothing of it is queued.
 */
import { EddyError, isEddyError } from '../errors.js';
import type { RecordHeader, RecordInput } from '../record/record.js';
import type { Serde } from '../serdes.js';
import { toRecordHeaders } from './headers.js';
import type { Message } from './types.js';

/** Upper bound of a record's framing: length, attributes, timestamp and offset deltas, key/value lengths, header count. */
const RECORD_OVERHEAD = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/** Upper bound of a header's framing: key and value length varints. */
const HEADER_OVERHEAD = 10;

const NO_HEADERS: RecordHeader[] = Object.freeze([]) as unknown as RecordHeader[];

/** A record ready for a batch: the partition its message named (-1: the partitioner decides) and its estimated size. */
export interface PreparedRecord {
  record: RecordInput;
  partition: number;
  size: number;
}

/** The serdes a producer applies to keys and values (none: Buffer, string or null as is). */
export interface RecordSerdes<K, V> {
  keySerde?: Serde<K> | undefined;
  valueSerde?: Serde<V> | undefined;
}

/** Validates and converts every message; `now` stamps messages without a timestamp. */
export function prepareRecords<K, V>(topic: string, messages: ReadonlyArray<Message<K, V>>, serdes: RecordSerdes<K, V>, now: number): PreparedRecord[] {
  const out: PreparedRecord[] = new Array<PreparedRecord>(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (typeof message !== 'object' || message === null) {
      throw new EddyError('ERR_RECORD_INVALID', `Message ${i} is not an object`, { topic, index: i });
    }
    const key = toBytes(message.key ?? null, serdes.keySerde, 'key', topic, i);
    const value = toBytes(message.value ?? null, serdes.valueSerde, 'value', topic, i);
    const headers = message.headers === undefined ? NO_HEADERS : toRecordHeaders(message.headers, topic, i);
    const timestamp = message.timestamp ?? now;
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      throw new EddyError('ERR_TIMESTAMP_INVALID', `Message ${i} has an invalid timestamp`, { topic, index: i, value: timestamp });
    }
    let partition: number;
    if (message.partition !== undefined) {
      partition = message.partition;
      if (!Number.isInteger(partition) || partition < 0) {
        throw new EddyError('ERR_PARTITION_NOT_FOUND', `Topic ${topic} has no partition ${String(partition)}`, { topic, partition, index: i });
      }
    } else {
      partition = -1; // decided at enqueue time: the sticky partition may move while this send is queued
    }
    let size = RECORD_OVERHEAD + (key === null ? 0 : key.length) + (value === null ? 0 : value.length);
    for (const h of headers) size += HEADER_OVERHEAD + Buffer.byteLength(h.key) + (h.value === null ? 0 : h.value.length);
    out[i] = { record: { key, value, headers, timestamp }, partition, size };
  }
  return out;
}

function toBytes<T>(input: T | null, serde: Serde<T> | undefined, what: 'key' | 'value', topic: string, index: number): Buffer | null {
  if (serde !== undefined) {
    try {
      return serde.serialize(input as T);
    } catch (err) {
      if (isEddyError(err)) throw err;
      throw new EddyError('ERR_SERDE_FAILED', `The ${what} serde failed on message ${index}`, { topic, index, what }, { cause: err });
    }
  }
  if (input === null) return null;
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (Buffer.isBuffer(input)) return input;
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  throw new EddyError('ERR_RECORD_INVALID', `Message ${index} has a ${what} that is not a Buffer, string or null; configure a ${what}Serde`, { topic, index, what });
}

/** Throws ERR_PARTITION_NOT_FOUND for the first record whose partition the topic does not have. */
export function checkPartitions(topic: string, prepared: readonly PreparedRecord[], numPartitions: number): void {
  for (let i = 0; i < prepared.length; i++) {
    const partition = prepared[i]!.partition;
    if (partition >= numPartitions) {
      throw new EddyError('ERR_PARTITION_NOT_FOUND', `Topic ${topic} has no partition ${partition} (it has ${numPartitions})`, { topic, partition, index: i });
    }
  }
}
