import type { DbExecutor } from "./db-executor.js";

export type FailureScope = "account" | "address";

/** Failed sign-ins, one row each, so every process sharing the database sees the same counts. */
export const signInFailureStore = {
  async insert(db: DbExecutor, row: { id: string; scope: FailureScope; subject: string; failed_at: string }) {
    await db.insertInto("sign_in_failures").values(row).execute();
  },

  async delete(db: DbExecutor, id: string): Promise<void> {
    await db.deleteFrom("sign_in_failures").where("id", "=", id).execute();
  },

  /** When each failure of `subject` since `since` happened, oldest first, leaving out `exceptId`. */
  async since(db: DbExecutor, scope: FailureScope, subject: string, since: string, exceptId: string) {
    const rows = await db
      .selectFrom("sign_in_failures")
      .select("failed_at")
      .where("scope", "=", scope)
      .where("subject", "=", subject)
      .where("failed_at", ">", since)
      .where("id", "<>", exceptId)
      .orderBy("failed_at")
      .execute();
    return rows.map((r) => r.failed_at);
  },

  /** Forgets every failure of `subject` (a successful sign-in clears its account's count). */
  async clear(db: DbExecutor, scope: FailureScope, subject: string): Promise<void> {
    await db.deleteFrom("sign_in_failures").where("scope", "=", scope).where("subject", "=", subject).execute();
  },

  /** Drops failures too old to count any more. */
  async prune(db: DbExecutor, before: string): Promise<void> {
    await db.deleteFrom("sign_in_failures").where("failed_at", "<=", before).execute();
  },
};
