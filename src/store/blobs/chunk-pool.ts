/**
 * The 1 MiB buffers blob files are read into, kept for reuse. A fresh 1 MiB buffer per chunk (as
 * a read stream allocates) is external memory V8 must collect, and on a busy server that costs a
 * full mark-compact every few dozen MiB; buffers handed back here are reused instead.
 */
export const CHUNK_BYTES = 1024 * 1024;

/** Whole chunks kept between uses; more concurrent readers allocate (and GC frees) the rest. */
const POOL_MAX = 8;
const pool: Buffer[] = [];

/** A buffer of `bytes` (at most CHUNK_BYTES) to read into: a pooled chunk when whole. */
export function takeChunk(bytes: number): Buffer {
  // The tail of a file (or a small one) gets a buffer its size: a pool chunk would be mostly idle.
  return bytes >= CHUNK_BYTES ? (pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES)) : Buffer.allocUnsafe(bytes);
}

/** Returns a buffer from {@link takeChunk} once nothing reads it (or any view of it) any more. */
export function giveBackChunk(chunk: Buffer): void {
  if (chunk.length === CHUNK_BYTES && pool.length < POOL_MAX) pool.push(chunk);
}
