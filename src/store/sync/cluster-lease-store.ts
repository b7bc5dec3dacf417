/**
 * Named leases in the shared database (table `cluster_leases`): one node holds a lease until its
 * `expires_at` unless it renews it; once expired, any node may take it over. The scheduler's
 * leader election uses one ("scheduler"). Each take-or-renew is a single conditional UPDATE, so
 * of several nodes trying at once exactly one succeeds (PostgreSQL re-checks the condition on the
 * row it locked; SQLite serialises writers). Times are the nodes' clocks as RFC 3339 text: nodes
 * must keep their clocks in sync (NTP) to well within the lease's time to live.
 */
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";

export class ClusterLeaseStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Takes the lease `name` for `holder` for `ttlMs`, or renews it if `holder` has it. Returns true
   * when `holder` holds it afterwards; false when another holder's lease has not expired.
   */
  async acquire(name: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    const nowIso = new Date(now).toISOString();
    const expires = new Date(now + ttlMs).toISOString();
    // The row exists from the first attempt on; inserting an already expired lease lets the
    // UPDATE below be the one place where a holder is decided.
    await this.db
      .insertInto("cluster_leases")
      .values({ name, holder, expires_at: new Date(0).toISOString() })
      .onConflict((oc) => oc.column("name").doNothing())
      .execute();
    const res = await this.db
      .updateTable("cluster_leases")
      .set({ holder, expires_at: expires })
      .where("name", "=", name)
      .where((eb) => eb.or([eb("holder", "=", holder), eb("expires_at", "<=", nowIso)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Gives the lease up if `holder` has it, so another node can take it at once (clean shutdown). */
  async release(name: string, holder: string): Promise<void> {
    await this.db
      .updateTable("cluster_leases")
      .set({ expires_at: new Date(0).toISOString() })
      .where("name", "=", name)
      .where("holder", "=", holder)
      .execute();
  }

  /** The current holder and expiry, if the lease was ever taken. */
  async get(name: string): Promise<{ holder: string; expires_at: string } | undefined> {
    return this.db
      .selectFrom("cluster_leases")
      .select(["holder", "expires_at"])
      .where("name", "=", name)
      .executeTakeFirst();
  }
}
