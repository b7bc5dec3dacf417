import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { ERRORS, type Lock, type Locker, type RequestRelease } from "@tus/utils";
import type { DbExecutor } from "../store/core/db-executor.js";
import { uploadLockStore } from "../store/blobs/upload-lock-store.js";

export interface DbUploadLockerOptions {
  /** How long a lock holds without renewal: a node that died frees its uploads after this. */
  leaseMs?: number;
  /** How often a holder renews its lease and looks whether another request asked for the lock. */
  renewMs?: number;
  /** How often a waiter tries again. */
  pollMs?: number;
  /** A waiter gives up (tus answers 500, the client retries) after this. */
  acquireTimeoutMs?: number;
}

/**
 * tus upload locks shared by every node on one database (`upload_locks`), for several nodes
 * behind a load balancer: a client's PATCH may land on any node, and the upload's bytes and
 * record are on the shared data directory (UploadArea), so only the lock has to be shared.
 *
 * A row per locked upload, with a lease renewed every `renewMs` while the request runs, rather
 * than a PostgreSQL advisory lock: an advisory lock would hold one pooled connection for the whole
 * PATCH (minutes for a large part), so concurrent uploads could exhaust the pool the rest of the
 * server queries through; a row costs one small UPDATE per second per upload in flight.
 *
 * tus's "request release" (a client that retries while its old connection still holds the lock)
 * works across nodes: a waiter sets `release_requested`, the holder sees it at its next renewal
 * and cancels its request, which unlocks. A node that dies holding a lock frees it when the lease
 * runs out; a holder that finds its lease taken cancels its request too.
 */
export class DbUploadLocker implements Locker {
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly pollMs: number;
  readonly acquireTimeoutMs: number;
  private lastSweep = 0;
  /** Release requests of the locks this process holds, by upload id: a local waiter asks at once. */
  readonly localHolders = new Map<string, () => void>();

  constructor(
    private readonly db: DbExecutor,
    private readonly logger: Logger,
    opts: DbUploadLockerOptions = {},
  ) {
    this.leaseMs = opts.leaseMs ?? 10_000;
    this.renewMs = opts.renewMs ?? 1000;
    this.pollMs = opts.pollMs ?? 100;
    this.acquireTimeoutMs = opts.acquireTimeoutMs ?? 30_000;
  }

  newLock(id: string): Lock {
    return new DbUploadLock(this, this.db, this.logger, id);
  }

  /** Deletes the rows of dead holders, at most once a minute per process. */
  async sweepNow(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    await uploadLockStore.sweep(this.db, new Date(now).toISOString());
  }
}

class DbUploadLock implements Lock {
  private readonly holder = randomBytes(12).toString("base64url");
  private renewer: NodeJS.Timeout | undefined;
  private held = false;

  constructor(
    private readonly locker: DbUploadLocker,
    private readonly db: DbExecutor,
    private readonly logger: Logger,
    private readonly id: string,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const deadline = Date.now() + this.locker.acquireTimeoutMs;
    let asked = false;
    await this.locker.sweepNow().catch(() => undefined);
    for (;;) {
      if (signal.aborted) throw ERRORS.ERR_LOCK_TIMEOUT;
      const now = Date.now();
      const expires = new Date(now + this.locker.leaseMs).toISOString();
      if (await uploadLockStore.tryTake(this.db, this.id, this.holder, new Date(now).toISOString(), expires)) break;
      if (!asked) {
        asked = true;
        // Held in this process: ask directly (what tus's in-memory locker does); elsewhere the
        // holder sees the flag at its next renewal.
        this.locker.localHolders.get(this.id)?.();
        await uploadLockStore.requestRelease(this.db, this.id);
      }
      if (Date.now() + this.locker.pollMs > deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      await sleep(this.locker.pollMs, signal);
    }
    this.held = true;
    let cancelled = false;
    const cancel = async (state: string) => {
      if (cancelled || !this.held) return;
      cancelled = true;
      this.logger.info({ upload_id: this.id, state }, "resumable upload lock wanted elsewhere; cancelling");
      await requestRelease();
    };
    this.locker.localHolders.set(this.id, () => void cancel("release_requested"));
    const renew = async () => {
      const state = await uploadLockStore.renew(
        this.db,
        this.id,
        this.holder,
        new Date(Date.now() + this.locker.leaseMs).toISOString(),
      );
      if (state !== "held") await cancel(state);
    };
    this.renewer = setInterval(() => {
      void renew().catch((err: unknown) => this.logger.warn({ err, upload_id: this.id }, "upload lock not renewed"));
    }, this.locker.renewMs);
    this.renewer.unref();
  }

  async unlock(): Promise<void> {
    clearInterval(this.renewer);
    this.renewer = undefined;
    if (!this.held) throw new Error("Releasing an unlocked lock!");
    this.locker.localHolders.delete(this.id);
    this.held = false;
    await uploadLockStore.release(this.db, this.id, this.holder);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
