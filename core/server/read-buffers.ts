/**
 * Buffers that Fetch reads segment bytes into, reused once the response holding them is written.
 *
 * Node cannot sendfile() from a segment to a socket as Kafka does, so every fetched byte is read
 * into memory first. A fresh megabyte for every partition of every Fetch costs more than the read
 * itself (the kernel hands out and zeroes new pages each time); reusing written-out buffers leaves
 * only the copy. Sizes are rounded up to powers of two from 64 KiB, and at most `maxPooledBytes`
 * wait for reuse; anything beyond is left to the garbage collector.
 *
 * @example
 * const pool = new ReadBufferPool();
 * const buf = pool.take(1 << 20); // read into it, send it
 * pool.release([buf]);            // once the socket has written it
 */

const MIN_SLAB_BYTES = 64 * 1024;
const DEFAULT_MAX_POOLED_BYTES = 64 * 1024 * 1024;

export class ReadBufferPool {
  /** Free slabs by size. */
  private readonly free = new Map<number, Buffer[]>();
  private pooledBytes = 0;
  /** The slab behind each buffer handed out and not yet released, so release() takes back only its own, once. */
  private readonly lent = new WeakMap<Buffer, Buffer>();

  constructor(private readonly maxPooledBytes = DEFAULT_MAX_POOLED_BYTES) {}

  /** A buffer of exactly `size` bytes, uninitialised, backed by a slab of this pool. */
  take(size: number): Buffer {
    const slabBytes = slabSize(size);
    const slab = this.free.get(slabBytes)?.pop();
    if (slab !== undefined) this.pooledBytes -= slabBytes;
    const whole = slab ?? Buffer.allocUnsafeSlow(slabBytes);
    const buf = whole.subarray(0, size);
    this.lent.set(buf, whole);
    return buf;
  }

  /** Gives back buffers from take() that nothing will read any more. */
  release(buffers: readonly Buffer[]): void {
    for (const buf of buffers) {
      const slab = this.lent.get(buf);
      if (slab === undefined) continue;
      this.lent.delete(buf);
      if (this.pooledBytes + slab.length > this.maxPooledBytes) continue;
      const list = this.free.get(slab.length);
      if (list === undefined) this.free.set(slab.length, [slab]);
      else list.push(slab);
      this.pooledBytes += slab.length;
    }
  }
}

function slabSize(size: number): number {
  let slab = MIN_SLAB_BYTES;
  while (slab < size) slab *= 2;
  return slab;
}
