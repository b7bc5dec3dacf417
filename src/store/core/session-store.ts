import type { DbExecutor } from "./db-executor.js";
import { runPrepared } from "./prepared.js";

export interface SessionRecord {
  /** SHA-256 hex of the session id the browser holds. */
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

/** Browser sessions, by the hash of their id. */
export const sessionStore = {
  async insert(db: DbExecutor, s: SessionRecord): Promise<void> {
    await db.insertInto("sessions").values(s).execute();
  },

  /** Every request with a session cookie asks this. */
  async get(db: DbExecutor, idHash: string): Promise<SessionRecord | undefined> {
    const { rows } = await runPrepared(db, "sessions.get", [idHash], (q, arg) =>
      q.selectFrom("sessions").selectAll().where("id_hash", "=", arg(0)),
    );
    return rows[0];
  },

  async touch(db: DbExecutor, idHash: string, at: string): Promise<void> {
    await db.updateTable("sessions").set({ last_seen_at: at }).where("id_hash", "=", idHash).execute();
  },

  async delete(db: DbExecutor, idHash: string): Promise<void> {
    await db.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
  },

  /** Deletes all of a user's sessions, but `keepIdHash` when given. */
  async deleteForUser(db: DbExecutor, userId: string, keepIdHash?: string): Promise<void> {
    let q = db.deleteFrom("sessions").where("user_id", "=", userId);
    if (keepIdHash) q = q.where("id_hash", "<>", keepIdHash);
    await q.execute();
  },

  /** Deletes sessions past their absolute end or unused since `idleBefore`. */
  async deleteExpired(db: DbExecutor, now: string, idleBefore: string): Promise<void> {
    await db
      .deleteFrom("sessions")
      .where((eb) => eb.or([eb("expires_at", "<=", now), eb("last_seen_at", "<=", idleBefore)]))
      .execute();
  },
};
