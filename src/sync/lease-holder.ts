/**
 * Holds a named lease of the shared database for this node while it can (leader election): every
 * `renewMs` it takes the lease if free or expired, or renews it if it is this node's. The holder
 * believes it leads only until `ttlMs - renewMs` after its last successful renewal, so a node that
 * lost touch with the database stops acting as leader before another node can take the lease.
 */
import type { Logger } from "pino";
import type { ClusterLeaseStore } from "../store/sync/cluster-lease-store.js";

export interface LeaseHolderOptions {
  leases: ClusterLeaseStore;
  name: string;
  /** This node's id. */
  holder: string;
  /** How long a taken or renewed lease lasts (default 15 s). */
  ttlMs?: number;
  /** How often it is renewed (default a third of `ttlMs`). */
  renewMs?: number;
  logger: Logger;
}

export class LeaseHolder {
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private timer?: NodeJS.Timeout;
  /** Until when (epoch ms) this node may act as the holder. */
  private heldUntil = 0;
  private attempting?: Promise<boolean>;

  constructor(private readonly o: LeaseHolderOptions) {
    this.ttlMs = o.ttlMs ?? 15_000;
    this.renewMs = o.renewMs ?? Math.max(1, Math.floor(this.ttlMs / 3));
    if (this.renewMs >= this.ttlMs) throw new Error("a lease must be renewed more often than it expires");
  }

  /** Starts renewing (the first attempt at once). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.attempt().catch(() => false), this.renewMs);
    this.timer.unref();
    void this.attempt().catch(() => false);
  }

  /** Whether this node holds the lease now (as of its last renewal). */
  held(now = Date.now()): boolean {
    return now < this.heldUntil;
  }

  /**
   * Takes or renews the lease now; resolves with whether this node holds it. A failing database
   * counts as not holding it (logged). Concurrent calls share one attempt.
   */
  attempt(): Promise<boolean> {
    this.attempting ??= this.tryOnce().finally(() => (this.attempting = undefined));
    return this.attempting;
  }

  /** Stops renewing and gives the lease up, so another node takes it without waiting for expiry. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.attempting?.catch(() => false);
    const wasHeld = this.heldUntil > 0;
    this.heldUntil = 0;
    if (wasHeld)
      await this.o.leases
        .release(this.o.name, this.o.holder)
        .catch((err: unknown) => this.o.logger.warn({ err, lease: this.o.name }, "could not release a lease"));
  }

  private async tryOnce(): Promise<boolean> {
    const started = Date.now();
    let ok = false;
    try {
      ok = await this.o.leases.acquire(this.o.name, this.o.holder, this.ttlMs, started);
    } catch (err) {
      this.o.logger.warn({ err, lease: this.o.name }, "could not renew a lease; not acting as its holder");
    }
    const wasHeld = this.held();
    // Counted from before the statement: the lease may have been written at any moment of it.
    this.heldUntil = ok ? started + this.ttlMs - this.renewMs : 0;
    if (ok && !wasHeld) this.o.logger.info({ lease: this.o.name, node_id: this.o.holder }, "lease taken");
    if (!ok && wasHeld) this.o.logger.warn({ lease: this.o.name, node_id: this.o.holder }, "lease lost");
    return ok;
  }
}
