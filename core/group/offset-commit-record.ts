/**
 * The records of `__consumer_offsets`, in Apache Kafka's own schemas (all integers big-endian,
 * strings as int16 length + UTF-8), so Kafka's tools can read the topic:
 *
 *     key   OffsetCommitKey v1:    version int16 = 1, group string, topic string, partition int32
 *     value OffsetCommitValue v3:  version int16 = 3, offset int64, leaderEpoch int32 (-1),
 *                                  metadata string, commitTimestamp int64
 *     a null value (tombstone) deletes the key: the offset was deleted or expired
 *
 * Keys of other versions (Kafka's group-metadata key v2) are recognised and skipped by the loader.
 * Pure codec: no I/O.
 */
import { EddyError, toSafeNumber } from '../errors.js';

export interface OffsetCommitKey {
  group: string;
  topic: string;
  partition: number;
}

export interface OffsetAndMetadata {
  offset: number;
  metadata: string;
  commitTimestamp: number;
}

const KEY_VERSION = 1;
const VALUE_VERSION = 3;
const MAX_STRING_BYTES = 0x7fff;

function stringBytes(value: string, what: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > MAX_STRING_BYTES) throw new EddyError('ERR_RECORD_INVALID', `${what} is ${bytes.length} bytes; the limit is ${MAX_STRING_BYTES}`, { what });
  return bytes;
}

export function encodeOffsetCommitKey(key: OffsetCommitKey): Buffer {
  const group = stringBytes(key.group, 'group id');
  const topic = stringBytes(key.topic, 'topic');
  const buf = Buffer.allocUnsafe(2 + 2 + group.length + 2 + topic.length + 4);
  let pos = buf.writeInt16BE(KEY_VERSION, 0);
  pos = buf.writeInt16BE(group.length, pos);
  pos += group.copy(buf, pos);
  pos = buf.writeInt16BE(topic.length, pos);
  pos += topic.copy(buf, pos);
  buf.writeInt32BE(key.partition, pos);
  return buf;
}

export function encodeOffsetCommitValue(value: OffsetAndMetadata): Buffer {
  const metadata = stringBytes(value.metadata, 'offset metadata');
  const buf = Buffer.allocUnsafe(2 + 8 + 4 + 2 + metadata.length + 8);
  let pos = buf.writeInt16BE(VALUE_VERSION, 0);
  pos = buf.writeBigInt64BE(BigInt(value.offset), pos);
  pos = buf.writeInt32BE(-1, pos);
  pos = buf.writeInt16BE(metadata.length, pos);
  pos += metadata.copy(buf, pos);
  buf.writeBigInt64BE(BigInt(value.commitTimestamp), pos);
  return buf;
}

function corrupt(what: string): EddyError {
  return new EddyError('ERR_LOG_CORRUPT', `Malformed __consumer_offsets ${what}`);
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer, private readonly what: string) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw corrupt(this.what);
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(field: string): number {
    this.need(8);
    const v = toSafeNumber(this.buf.readBigInt64BE(this.pos), field);
    this.pos += 8;
    return v;
  }
  string(): string {
    const length = this.int16();
    if (length < 0) return '';
    this.need(length);
    const v = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return v;
  }
}

/** The offset-commit key, or null for a key of another kind (group metadata). Throws ERR_LOG_CORRUPT. */
export function decodeOffsetCommitKey(bytes: Buffer): OffsetCommitKey | null {
  const reader = new Reader(bytes, 'key');
  const version = reader.int16();
  if (version !== 0 && version !== 1) return null;
  return { group: reader.string(), topic: reader.string(), partition: reader.int32() };
}

/** Decodes value versions 0–3 (Kafka's OffsetCommitValue); throws ERR_LOG_CORRUPT. */
export function decodeOffsetCommitValue(bytes: Buffer): OffsetAndMetadata {
  const reader = new Reader(bytes, 'value');
  const version = reader.int16();
  if (version < 0 || version > 3) throw corrupt(`value version ${version}`);
  const offset = reader.int64('offset');
  if (version === 3) reader.int32(); // leader epoch
  const metadata = reader.string();
  const commitTimestamp = reader.int64('commit timestamp');
  if (version === 1) reader.int64('expire timestamp');
  return { offset, metadata, commitTimestamp };
}

/** Java's String.hashCode, which Kafka uses to map a group to its __consumer_offsets partition. */
export function javaStringHash(value: string): number {
  let h = 0;
  for (let i = 0; i < value.length; i++) h = (Math.imul(31, h) + value.charCodeAt(i)) | 0;
  return h;
}

/** The __consumer_offsets partition of a group: abs(hashCode) % partitions, as Kafka computes it. */
export function offsetsPartitionFor(group: string, partitions: number): number {
  const h = javaStringHash(group);
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0.
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}
