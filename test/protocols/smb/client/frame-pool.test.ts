import { test } from "node:test";
import assert from "node:assert/strict";
import { FramePool } from "../../../../src/protocols/smb/frame-pool.js";

test("FramePool: small frames are plain allocations; large ones are reused after release", () => {
  const pool = new FramePool(64 << 10, 2);
  const small = pool.acquire(100);
  assert.equal(small.length, 100);
  pool.release(small);
  assert.equal(pool.freeCount, 0, "small buffers are never pooled");

  const a = pool.acquire((1 << 20) + 132);
  assert.equal(a.length, (1 << 20) + 132);
  a.fill(7);
  pool.release(a);
  pool.release(a);
  assert.equal(pool.freeCount, 1, "a double release is ignored");
  const b = pool.acquire(1 << 20);
  assert.equal(b.buffer, a.buffer, "same memory handed out again");
  assert.equal(b.length, 1 << 20);
  assert.equal(pool.freeCount, 0);

  pool.release(Buffer.alloc(1 << 20));
  assert.equal(pool.freeCount, 0, "a foreign buffer is not adopted");
});

test("FramePool: a free buffer more than twice the request is not used; at most maxFree kept", () => {
  const pool = new FramePool(64 << 10, 2);
  const big = pool.acquire(8 << 20);
  pool.release(big);
  const c = pool.acquire(100 << 10);
  assert.notEqual(c.buffer, big.buffer, "an 8 MiB buffer does not serve a 100 KiB frame");
  const bufs = [c, pool.acquire(100 << 10), pool.acquire(100 << 10)];
  for (const x of bufs) pool.release(x);
  assert.equal(pool.freeCount, 2);
});
