import type { DbExecutor } from "./db-executor.js";
import { runPrepared } from "./prepared.js";

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  is_admin: boolean;
  created_at: string;
}

export interface GroupRecord {
  id: string;
  name: string;
  created_at: string;
}

export interface TokenRecord {
  id: string;
  user_id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

function toUser(row: { id: string; email: string; name: string; is_admin: number; created_at: string }): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    is_admin: Number(row.is_admin) === 1,
    created_at: row.created_at,
  };
}

/** Users, groups, memberships and token hashes. Throws the driver's unique violation on duplicates. */
export const principalStore = {
  async insertUser(db: DbExecutor, u: UserRecord): Promise<void> {
    await db
      .insertInto("users")
      .values({
        id: u.id,
        email: u.email,
        email_key: u.email.toLowerCase(),
        name: u.name,
        is_admin: u.is_admin ? 1 : 0,
        created_at: u.created_at,
      })
      .execute();
  },

  async getUser(db: DbExecutor, id: string): Promise<UserRecord | undefined> {
    const { rows } = await runPrepared(db, "users.get", [id], (q, arg) =>
      q.selectFrom("users").selectAll().where("id", "=", arg(0)),
    );
    return rows[0] && toUser(rows[0]);
  },

  async getUserByEmail(db: DbExecutor, email: string): Promise<UserRecord | undefined> {
    const row = await db
      .selectFrom("users")
      .selectAll()
      .where("email_key", "=", email.toLowerCase())
      .executeTakeFirst();
    return row && toUser(row);
  },

  async firstAdmin(db: DbExecutor): Promise<UserRecord | undefined> {
    const row = await db.selectFrom("users").selectAll().where("is_admin", "=", 1).orderBy("id").executeTakeFirst();
    return row && toUser(row);
  },

  /** Users ordered by id, strictly after `afterId`. */
  async listUsers(db: DbExecutor, afterId: string | undefined, limit: number): Promise<UserRecord[]> {
    let q = db.selectFrom("users").selectAll().orderBy("id").limit(limit);
    if (afterId) q = q.where("id", ">", afterId);
    return (await q.execute()).map(toUser);
  },

  async insertGroup(db: DbExecutor, g: GroupRecord): Promise<void> {
    await db.insertInto("user_groups").values(g).execute();
  },

  async getGroup(db: DbExecutor, id: string): Promise<GroupRecord | undefined> {
    return db.selectFrom("user_groups").selectAll().where("id", "=", id).executeTakeFirst();
  },

  async listGroups(db: DbExecutor, afterId: string | undefined, limit: number): Promise<GroupRecord[]> {
    let q = db.selectFrom("user_groups").selectAll().orderBy("id").limit(limit);
    if (afterId) q = q.where("id", ">", afterId);
    return q.execute();
  },

  async groupMemberIds(db: DbExecutor, groupId: string): Promise<string[]> {
    const rows = await db
      .selectFrom("group_members")
      .select("user_id")
      .where("group_id", "=", groupId)
      .orderBy("user_id")
      .execute();
    return rows.map((r) => r.user_id);
  },

  async groupIdsOfUser(db: DbExecutor, userId: string): Promise<string[]> {
    const { rows } = await runPrepared(db, "group_members.ofUser", [userId], (q, arg) =>
      q.selectFrom("group_members").select("group_id").where("user_id", "=", arg(0)),
    );
    return rows.map((r) => r.group_id);
  },

  /** Idempotent: adding an existing member changes nothing. */
  async addMember(db: DbExecutor, groupId: string, userId: string, at: string): Promise<void> {
    const exists = await db
      .selectFrom("group_members")
      .select("user_id")
      .where("group_id", "=", groupId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (!exists)
      await db.insertInto("group_members").values({ group_id: groupId, user_id: userId, added_at: at }).execute();
  },

  /** Returns false when the user was not a member. */
  async removeMember(db: DbExecutor, groupId: string, userId: string): Promise<boolean> {
    const r = await db
      .deleteFrom("group_members")
      .where("group_id", "=", groupId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },

  async insertToken(db: DbExecutor, t: TokenRecord & { token_hash: string }): Promise<void> {
    await db.insertInto("tokens").values(t).execute();
  },

  /**
   * The user a token hash belongs to and the token's id and last use, in one query (every authenticated request asks).
   */
  async userByTokenHash(
    db: DbExecutor,
    hash: string,
  ): Promise<{ user: UserRecord; tokenId: string; lastUsedAt: string | null } | undefined> {
    const { rows } = await runPrepared(db, "users.byTokenHash", [hash], (q, arg) =>
      q
        .selectFrom("tokens")
        .innerJoin("users", "users.id", "tokens.user_id")
        .selectAll("users")
        .select(["tokens.id as token_id", "tokens.last_used_at as token_last_used_at"])
        .where("tokens.token_hash", "=", arg(0)),
    );
    const row = rows[0];
    return row && { user: toUser(row), tokenId: row.token_id, lastUsedAt: row.token_last_used_at };
  },

  async touchToken(db: DbExecutor, id: string, at: string): Promise<void> {
    await db.updateTable("tokens").set({ last_used_at: at }).where("id", "=", id).execute();
  },

  /** A user's tokens ordered by id, strictly after `afterId`. */
  async listTokens(db: DbExecutor, userId: string, afterId: string | undefined, limit: number): Promise<TokenRecord[]> {
    let q = db
      .selectFrom("tokens")
      .select(["id", "user_id", "name", "created_at", "last_used_at"])
      .where("user_id", "=", userId)
      .orderBy("id")
      .limit(limit);
    if (afterId) q = q.where("id", ">", afterId);
    return q.execute();
  },

  async tokenByHash(db: DbExecutor, hash: string): Promise<TokenRecord | undefined> {
    const { rows } = await runPrepared(db, "tokens.byHash", [hash], (q, arg) =>
      q
        .selectFrom("tokens")
        .select(["id", "user_id", "name", "created_at", "last_used_at"])
        .where("token_hash", "=", arg(0)),
    );
    return rows[0];
  },

  async getToken(db: DbExecutor, id: string): Promise<TokenRecord | undefined> {
    return db
      .selectFrom("tokens")
      .select(["id", "user_id", "name", "created_at", "last_used_at"])
      .where("id", "=", id)
      .executeTakeFirst();
  },

  /** Deletes the token and remembers its hash as revoked (see {@link isRevoked}). */
  async revokeToken(db: DbExecutor, id: string, at: string): Promise<void> {
    const row = await db.selectFrom("tokens").select("token_hash").where("id", "=", id).executeTakeFirst();
    if (!row) return;
    await db.deleteFrom("tokens").where("id", "=", id).execute();
    await db
      .insertInto("revoked_tokens")
      .values({ token_hash: row.token_hash, revoked_at: at })
      .onConflict((oc) => oc.column("token_hash").doNothing())
      .execute();
  },

  async isRevoked(db: DbExecutor, hash: string): Promise<boolean> {
    return !!(await db
      .selectFrom("revoked_tokens")
      .select("token_hash")
      .where("token_hash", "=", hash)
      .executeTakeFirst());
  },

  /** True if a principal id names an existing user or group. */
  async principalExists(db: DbExecutor, id: string): Promise<boolean> {
    if (id.startsWith("usr_"))
      return !!(await db.selectFrom("users").select("id").where("id", "=", id).executeTakeFirst());
    if (id.startsWith("grp_"))
      return !!(await db.selectFrom("user_groups").select("id").where("id", "=", id).executeTakeFirst());
    return false;
  },
};
