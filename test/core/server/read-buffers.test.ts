/**
 * The broker's fetch read buffers: a released buffer's memory is handed out again, only buffers
 * the pool lent are taken back, each once, and no more than the cap waits for reuse.
 */
import test from 'ava';
import { ReadBufferPool } from '../../../core/server/read-buffers.js';

test('a released buffer is reused for the next take of a size in its class', (t) => {
  const pool = new ReadBufferPool();
  const first = pool.take(1 << 20);
  t.is(first.length, 1 << 20);
  pool.release([first]);
  const second = pool.take(1_000_000);
  t.is(second.length, 1_000_000);
  t.is(second.buffer, first.buffer, 'the same memory');
  const third = pool.take(1 << 20);
  t.not(third.buffer, first.buffer, 'a buffer still lent is never handed out twice');
});

test('buffers the pool did not lend, and second releases, are ignored', (t) => {
  const pool = new ReadBufferPool();
  const lent = pool.take(100_000);
  pool.release([lent, lent, Buffer.alloc(128 * 1024)]);
  const a = pool.take(100_000);
  const b = pool.take(100_000);
  t.is(a.buffer, lent.buffer);
  t.not(b.buffer, lent.buffer, 'released twice, but reused once');
});

test('at most the cap waits for reuse', (t) => {
  const pool = new ReadBufferPool(2 << 20);
  const lent = [pool.take(1 << 20), pool.take(1 << 20), pool.take(1 << 20)];
  pool.release(lent);
  const again = [pool.take(1 << 20), pool.take(1 << 20), pool.take(1 << 20)];
  const reused = again.filter((b) => lent.some((l) => l.buffer === b.buffer));
  t.is(reused.length, 2);
});
