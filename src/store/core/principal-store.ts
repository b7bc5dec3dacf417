import { sql, type ExpressionBuilder } from "kysely";
import type { Database } from "../db/schema.js";
import type { DbExecutor } from "./db-executor.js";
import { runPrepared } from "./prepared.js";

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  is_admin: boolean;
  created_at: string;
  /** True while the account is disabled (it cannot sign in; its tokens are refused). */
  disabled: boolean;
  /** Whether a password is set (the hash itself leaves the store only through {@link principalStore.passwordHash}). */
  has_password: boolean;
}

/** What a new user row needs; a new user has no password and is enabled. */
export type NewUserRecord = Omit<UserRecord, "disabled" | "has_password">;

/** The user columns every read selects: never the password hash, only whether there is one. */
function userColumns(eb: ExpressionBuilder<Database, "users">) {
  return [
    "users.id",
    "users.email",
    "users.name",
    "users.is_admin",
    "users.created_at",
    "users.disabled_at",
    sql<number>`case when ${eb.ref("users.password_hash")} is null then 0 else 1 end`.as("has_password"),
  ] as const;
}

/** `%q%` for LIKE with `!` as the escape character, lower-cased to match the `*_key` columns. */
function containsPattern(q: string): string {
  return `%${q.toLowerCase().replace(/[!%_]/g, "!$&")}%`;
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

function toUser(row: {
  id: string;
  email: string;
  name: string;
  is_admin: number;
  created_at: string;
  disabled_at: string | null;
  has_password: number | string;
}): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    is_admin: Number(row.is_admin) === 1,
    created_at: row.created_at,
    disabled: row.disabled_at !== null,
    has_password: Number(row.has_password) === 1,
  };
}

/** Users, groups, memberships and token hashes. Throws the driver's unique violation on duplicates. */
export const principalStore = {
  async insertUser(db: DbExecutor, u: NewUserRecord): Promise<void> {
    await db
      .insertInto("users")
      .values({
        id: u.id,
        email: u.email,
        email_key: u.email.toLowerCase(),
        name: u.name,
        name_key: u.name.toLowerCase(),
        is_admin: u.is_admin ? 1 : 0,
        created_at: u.created_at,
      })
      .execute();
  },

  async getUser(db: DbExecutor, id: string): Promise<UserRecord | undefined> {
    const { rows } = await runPrepared(db, "users.get", [id], (q, arg) =>
      q.selectFrom("users").select(userColumns).where("id", "=", arg(0)),
    );
    return rows[0] && toUser(rows[0]);
  },

  async getUserByEmail(db: DbExecutor, email: string): Promise<UserRecord | undefined> {
    const row = await db
      .selectFrom("users")
      .select(userColumns)
      .where("email_key", "=", email.toLowerCase())
      .executeTakeFirst();
    return row && toUser(row);
  },

  async firstAdmin(db: DbExecutor): Promise<UserRecord | undefined> {
    const row = await db
      .selectFrom("users")
      .select(userColumns)
      .where("is_admin", "=", 1)
      .orderBy("id")
      .executeTakeFirst();
    return row && toUser(row);
  },

  /**
   * Users ordered by id, strictly after `afterId`; with `q`, only those whose name or email
   * contains it, case-insensitively.
   */
  async listUsers(db: DbExecutor, afterId: string | undefined, limit: number, q?: string): Promise<UserRecord[]> {
    let query = db.selectFrom("users").select(userColumns).orderBy("id").limit(limit);
    if (afterId) query = query.where("id", ">", afterId);
    if (q) {
      const pattern = containsPattern(q);
      query = query.where(sql<boolean>`(name_key like ${pattern} escape '!' or email_key like ${pattern} escape '!')`);
    }
    return (await query.execute()).map(toUser);
  },

  /** Changes the given fields (a name also changes its lower-cased key). Returns false for an unknown user. */
  async updateUser(
    db: DbExecutor,
    id: string,
    change: { name?: string; is_admin?: boolean; disabled_at?: string | null },
  ): Promise<boolean> {
    const values: { name?: string; name_key?: string; is_admin?: number; disabled_at?: string | null } = {};
    if (change.name !== undefined) {
      values.name = change.name;
      values.name_key = change.name.toLowerCase();
    }
    if (change.is_admin !== undefined) values.is_admin = change.is_admin ? 1 : 0;
    if (change.disabled_at !== undefined) values.disabled_at = change.disabled_at;
    if (Object.keys(values).length === 0) return !!(await principalStore.getUser(db, id));
    const r = await db.updateTable("users").set(values).where("id", "=", id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },

  /** Ids of the enabled administrators. */
  async enabledAdminIds(db: DbExecutor): Promise<string[]> {
    const rows = await db
      .selectFrom("users")
      .select("id")
      .where("is_admin", "=", 1)
      .where("disabled_at", "is", null)
      .execute();
    return rows.map((r) => r.id);
  },

  /** The stored password hash, or null when none is set; undefined for an unknown user. */
  async passwordHash(db: DbExecutor, userId: string): Promise<string | null | undefined> {
    const row = await db.selectFrom("users").select("password_hash").where("id", "=", userId).executeTakeFirst();
    return row?.password_hash;
  },

  async setPasswordHash(db: DbExecutor, userId: string, hash: string): Promise<void> {
    await db.updateTable("users").set({ password_hash: hash }).where("id", "=", userId).execute();
  },

  async insertGroup(db: DbExecutor, g: GroupRecord): Promise<void> {
    await db
      .insertInto("user_groups")
      .values({ ...g, name_key: g.name.toLowerCase() })
      .execute();
  },

  async getGroup(db: DbExecutor, id: string): Promise<GroupRecord | undefined> {
    return db.selectFrom("user_groups").select(["id", "name", "created_at"]).where("id", "=", id).executeTakeFirst();
  },

  /** Groups ordered by id, strictly after `afterId`; with `q`, only those whose name contains it (any case). */
  async listGroups(db: DbExecutor, afterId: string | undefined, limit: number, q?: string): Promise<GroupRecord[]> {
    let query = db.selectFrom("user_groups").select(["id", "name", "created_at"]).orderBy("id").limit(limit);
    if (afterId) query = query.where("id", ">", afterId);
    if (q) query = query.where(sql<boolean>`name_key like ${containsPattern(q)} escape '!'`);
    return query.execute();
  },

  /**
   * Deletes a group with its memberships, the ACEs naming it and the connector identity mappings
   * that point at it (a mapping to a missing group would write ACEs for nobody). Returns false for
   * an unknown group. Run it in a transaction.
   */
  async deleteGroup(db: DbExecutor, id: string): Promise<boolean> {
    await db.deleteFrom("aces").where("principal_id", "=", id).execute();
    await db.deleteFrom("identity_mappings").where("scaidrive_principal_id", "=", id).execute();
    await db.deleteFrom("group_members").where("group_id", "=", id).execute();
    const r = await db.deleteFrom("user_groups").where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
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
   * A token's user with the user's groups and the token's id and last use, in one query (one row
   * per group): every API request authenticates, and on PostgreSQL each query is a round trip.
   */
  async userByTokenHash(
    db: DbExecutor,
    hash: string,
  ): Promise<{ user: UserRecord; groupIds: string[]; tokenId: string; lastUsedAt: string | null } | undefined> {
    const { rows } = await runPrepared(db, "users.byTokenHashWithGroups", [hash], (q, arg) =>
      q
        .selectFrom("tokens")
        .innerJoin("users", "users.id", "tokens.user_id")
        .leftJoin("group_members", "group_members.user_id", "users.id")
        .select(userColumns)
        .select(["tokens.id as token_id", "tokens.last_used_at as token_last_used_at", "group_members.group_id"])
        .where("tokens.token_hash", "=", arg(0)),
    );
    const row = rows[0];
    if (!row) return undefined;
    const groupIds = rows.flatMap((r) => (r.group_id === null ? [] : [r.group_id]));
    return { user: toUser(row), groupIds, tokenId: row.token_id, lastUsedAt: row.token_last_used_at };
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
