/**
 * A counting semaphore for job bodies: `acquire` resolves with a release function once one of
 * `size` slots is free, in request order, or with undefined when the signal aborts first (the
 * waiter leaves the queue, so a cancelled queued job never takes a slot).
 */
export class JobSlots {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`job slots must be a positive integer, got ${size}`);
    this.free = size;
  }

  /** A slot's release function if one is free now, else undefined (never waits). */
  tryAcquire(): (() => void) | undefined {
    if (this.free === 0) return undefined;
    this.free--;
    return this.releaser();
  }

  /** Slots free now. */
  get available(): number {
    return this.free;
  }

  acquire(signal: AbortSignal): Promise<(() => void) | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const grant = () => {
        signal.removeEventListener("abort", onAbort);
        resolve(this.releaser());
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(undefined);
      };
      this.waiters.push(grant);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter; `free` only grows when nobody waits.
      if (next) next();
      else this.free++;
    };
  }
}
