import type { Selectable } from "kysely";
import type { DbExecutor } from "../core/db-executor.js";
import type { OAuthStatesTable } from "../db/shared-state-tables.js";

export type OAuthStateRow = Selectable<OAuthStatesTable>;

/**
 * Rows of pending OAuth sign-ins (`oauth_states`). The caller hashes the state and seals the
 * secrets; this module only keeps rows. Timestamps are RFC 3339 text (compared as text).
 */
export const oauthStateStore = {
  async insert(db: DbExecutor, row: OAuthStateRow): Promise<void> {
    await db.insertInto("oauth_states").values(row).execute();
  },

  /**
   * Removes and returns the row in one statement, so of two nodes presenting the same state at
   * once exactly one gets it (the other finds nothing to delete).
   */
  async take(db: DbExecutor, stateHash: string): Promise<OAuthStateRow | undefined> {
    return db.deleteFrom("oauth_states").where("state_hash", "=", stateHash).returningAll().executeTakeFirst();
  },

  /** Deletes rows that expired at `now` or before; returns how many. */
  async sweep(db: DbExecutor, now: string): Promise<number> {
    const r = await db.deleteFrom("oauth_states").where("expires_at", "<=", now).executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  /** Keeps at most `max - 1` rows (room for one more), deleting those expiring first. */
  async trim(db: DbExecutor, max: number): Promise<void> {
    const { n } = await db
      .selectFrom("oauth_states")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .executeTakeFirstOrThrow();
    const excess = Number(n) - (max - 1);
    if (excess <= 0) return;
    const oldest = await db
      .selectFrom("oauth_states")
      .select("state_hash")
      .orderBy("expires_at")
      .limit(excess)
      .execute();
    for (let i = 0; i < oldest.length; i += 500) {
      await db
        .deleteFrom("oauth_states")
        .where(
          "state_hash",
          "in",
          oldest.slice(i, i + 500).map((r) => r.state_hash),
        )
        .execute();
    }
  },
};
