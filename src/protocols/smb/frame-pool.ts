/**
 * A small pool of receive buffers for large frames (multi-credit READ responses, encrypted
 * transforms). Without it every 1 MiB response is a fresh ArrayBuffer that lives for a few event
 * loop turns — long enough to be promoted out of V8's young generation — and then waits for a
 * full GC: tens of MiB of dead buffers in RSS during a large transfer.
 *
 * Contract: `acquire(n)` returns a buffer of exactly `n` bytes (uninitialised). Whoever holds it
 * may hand it back with `release()` once no view of it is used any more; a buffer that is never
 * released is simply garbage-collected (safe, only slower). Releasing twice, or releasing a
 * buffer the pool did not hand out, is ignored. At most `maxFree` buffers are kept.
 */
export class FramePool {
  private readonly free: ArrayBuffer[] = [];
  private readonly out = new WeakSet<ArrayBuffer>();

  constructor(
    /** Frames smaller than this are plain allocations (the pool is for the big ones). */
    readonly minSize = 64 << 10,
    readonly maxFree = 16,
  ) {}

  acquire(n: number): Buffer {
    if (n < this.minSize) return Buffer.allocUnsafe(n);
    // Best fit among free buffers no more than twice as large (a 64 KiB frame must not pin 8 MiB).
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const cap = this.free[i].byteLength;
      if (cap >= n && cap <= 2 * n && (best < 0 || cap < this.free[best].byteLength)) best = i;
    }
    const ab = best >= 0 ? this.free.splice(best, 1)[0] : (Buffer.allocUnsafeSlow(roundUp(n)).buffer as ArrayBuffer);
    this.out.add(ab);
    return Buffer.from(ab, 0, n);
  }

  release(buf: Buffer): void {
    const ab = buf.buffer as ArrayBuffer;
    if (!this.out.has(ab)) return;
    this.out.delete(ab);
    if (this.free.length < this.maxFree) this.free.push(ab);
  }

  /** Buffers waiting for reuse (for tests). */
  get freeCount(): number {
    return this.free.length;
  }
}

/**
 * Capacity rounded up to 4 KiB (a 1 MiB READ response plus headers fits 1 MiB + 4 KiB): small
 * slack, yet READs of slightly different lengths (a file's last chunk) can share frames.
 */
function roundUp(n: number): number {
  return Math.ceil(n / 4096) * 4096;
}
