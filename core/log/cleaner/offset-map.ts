/**
 * The cleaner's offset map: key bytes → the latest offset seen for that key in the dirty section,
 * with a memory budget (Kafka's `log.cleaner.dedupe.buffer.size`, which sizes its SkimpyOffsetMap).
 *
 * Unlike Kafka's map, which stores a 16-byte MD5 of each key and so may (very rarely) confuse two
 * keys, this one keys a JS Map by the key's bytes as a latin1 string: exact, never a false match, at
 * the price of holding the key itself. The budget is charged an estimate per entry (the key's bytes
 * plus {@link ENTRY_OVERHEAD_BYTES} for the string header, the hash-table slot and the offset), so a
 * dirty section with more distinct keys than fit is cleaned in several passes (see Cleaner).
 *
 * Invariant: `put` is called in increasing offset order, so the stored offset is the latest.
 */

/** Bytes charged per entry besides the key: V8 string header, Map slot, boxed offset. */
export const ENTRY_OVERHEAD_BYTES = 64;

export class OffsetMap {
  private readonly map = new Map<string, number>();
  private used = 0;
  /** The largest offset put so far (-1 when empty). */
  latestOffset = -1;

  constructor(readonly budgetBytes: number) {}

  /** The map key of some key bytes: latin1 maps each byte to one char, so it is exact and cheap. */
  static keyOf(key: Uint8Array): string {
    return Buffer.isBuffer(key) ? key.toString('latin1') : Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
  }

  get size(): number {
    return this.map.size;
  }

  /** Bytes charged so far. */
  get usedBytes(): number {
    return this.used;
  }

  /** Whether `extraBytes` more would exceed the budget. */
  wouldOverflow(extraBytes: number): boolean {
    return this.used + extraBytes > this.budgetBytes;
  }

  /** The cost {@link put} charges for a new key of this length. */
  static costOf(keyLength: number): number {
    return keyLength + ENTRY_OVERHEAD_BYTES;
  }

  put(key: string, offset: number): void {
    const had = this.map.has(key);
    this.map.set(key, offset);
    if (!had) this.used += OffsetMap.costOf(key.length);
    if (offset > this.latestOffset) this.latestOffset = offset;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  get(key: string): number | undefined {
    return this.map.get(key);
  }

  clear(): void {
    this.map.clear();
    this.used = 0;
    this.latestOffset = -1;
  }
}
