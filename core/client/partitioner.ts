/**
 * Kafka's default partitioner, byte for byte, so a key lands on the same partition here as it would
 * with the Java client (and so on a real cluster later, DESIGN decision 11):
 *
 * - a record with a key goes to `toPositive(murmur2(keyBytes)) % numPartitions`, where murmur2 is
 *   `org.apache.kafka.common.utils.Utils.murmur2` (seed 0x9747b28c, signed 32-bit arithmetic) and
 *   `toPositive(h) = h & 0x7fffffff`. An empty key (zero bytes) is a key, not a null key.
 * - a record with a null key uses the sticky partitioner (KIP-480): every null-keyed record of a topic
 *   goes to one partition until the producer seals the batch it is filling there (full, or sent), then
 *   the topic sticks to another partition picked at random, never the same one when there is a choice.
 *   Few large batches beat many one-record batches spread round-robin.
 */

const MURMUR2_SEED = 0x9747b28c;
const MURMUR2_M = 0x5bd1e995;

/** Kafka's `Utils.murmur2`: a signed 32-bit hash of `data`. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (MURMUR2_SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = (data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24)) | 0;
    k = Math.imul(k, MURMUR2_M);
    k ^= k >>> 24;
    k = Math.imul(k, MURMUR2_M);
    h = Math.imul(h, MURMUR2_M);
    h ^= k;
  }
  // Java's fall-through switch on length % 4, unrolled.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, MURMUR2_M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR2_M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which fails for -2^31). */
export function toPositive(hash: number): number {
  return hash & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

export interface Partitioner {
  /** The partition for a record whose key serialized to `key` (null for a null key). */
  partition(topic: string, key: Uint8Array | null, numPartitions: number): number;
  /**
   * Called when the producer seals a batch that held null-keyed records for `partition`; a sticky
   * partitioner moves on to another partition.
   */
  onBatchSealed(topic: string, partition: number, numPartitions: number): void;
}

/**
 * murmur2 for keys, sticky for null keys. `random` returns a number in [0, 1) like `Math.random`;
 * tests inject a seeded one.
 */
export class DefaultPartitioner implements Partitioner {
  private readonly sticky = new Map<string, number>();

  constructor(private readonly random: () => number = Math.random) {}

  partition(topic: string, key: Uint8Array | null, numPartitions: number): number {
    if (key !== null) return partitionForKey(key, numPartitions);
    const current = this.sticky.get(topic);
    if (current !== undefined && current < numPartitions) return current;
    return this.nextSticky(topic, -1, numPartitions);
  }

  onBatchSealed(topic: string, partition: number, numPartitions: number): void {
    if (this.sticky.get(topic) === partition) this.nextSticky(topic, partition, numPartitions);
  }

  private nextSticky(topic: string, previous: number, numPartitions: number): number {
    let next: number;
    if (numPartitions <= 1 || previous < 0 || previous >= numPartitions) {
      next = Math.floor(this.random() * numPartitions);
    } else {
      // Pick among the other numPartitions - 1 partitions uniformly, skipping `previous`.
      next = Math.floor(this.random() * (numPartitions - 1));
      if (next >= previous) next++;
    }
    next = Math.min(Math.max(next, 0), numPartitions - 1);
    this.sticky.set(topic, next);
    return next;
  }
}
