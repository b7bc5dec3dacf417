import type { DbExecutor } from "./db-executor.js";

export interface PasswordLinkRecord {
  /** SHA-256 hex of the link's token. */
  token_hash: string;
  user_id: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** Single-use set-password links, by the hash of their token. */
export const passwordLinkStore = {
  async insert(db: DbExecutor, link: PasswordLinkRecord): Promise<void> {
    await db.insertInto("password_links").values(link).execute();
  },

  /** Removes a user's links that were never used (a new link replaces them) and every expired link. */
  async deleteStale(db: DbExecutor, userId: string, now: string): Promise<void> {
    await db.deleteFrom("password_links").where("user_id", "=", userId).where("used_at", "is", null).execute();
    await db.deleteFrom("password_links").where("expires_at", "<=", now).execute();
  },

  /** The user an unused, unexpired link is for, or undefined; changes nothing. */
  async peek(db: DbExecutor, tokenHash: string, now: string): Promise<string | undefined> {
    const row = await db
      .selectFrom("password_links")
      .select("user_id")
      .where("token_hash", "=", tokenHash)
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return row?.user_id;
  },

  /**
   * Marks the link used if it exists, is unused and has not expired, in one statement (two
   * concurrent uses cannot both succeed). Returns the user it is for, or undefined.
   */
  async use(db: DbExecutor, tokenHash: string, now: string): Promise<string | undefined> {
    const row = await db
      .updateTable("password_links")
      .set({ used_at: now })
      .where("token_hash", "=", tokenHash)
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .returning("user_id")
      .executeTakeFirst();
    return row?.user_id;
  },
};
