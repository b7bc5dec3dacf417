import { createHash, randomBytes } from "node:crypto";
import { AppError } from "./errors.js";
import { newId } from "./ids.js";
import type { Actor } from "./actor.js";
import { clampLimit, decodeCursor, encodeCursor, type Page } from "./pagination.js";
import { FreshLookup } from "./fresh-lookup.js";
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./password-hash.js";
import { inTransaction, isRetryableConflict, isUniqueViolation, type DbExecutor } from "../store/core/db-executor.js";
import { principalStore, type GroupRecord, type TokenRecord, type UserRecord } from "../store/core/principal-store.js";
import { sessionStore } from "../store/core/session-store.js";

export type User = UserRecord;
export interface Group extends GroupRecord {
  member_ids: string[];
}

/** Tokens are `sdt_` + 43 base64url chars (256 random bits); only their SHA-256 is stored. */
export function generateToken(): string {
  return `sdt_${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** A token's `last_used_at` is exact to this much. */
export const TOKEN_USE_RESOLUTION_MS = 60_000;

/** Users, groups, memberships, tokens and authentication. */
export class PrincipalService {
  /** Token id → when this process last recorded its use. */
  private readonly tokenUseNoted = new Map<string, number>();
  /** Token hash → its user: the requests of a burst with one token share queries (see FreshLookup). */
  private readonly tokenLookups: FreshLookup<string, Awaited<ReturnType<typeof principalStore.userByTokenHash>>>;

  constructor(private readonly db: DbExecutor) {
    this.tokenLookups = new FreshLookup((hash) => principalStore.userByTokenHash(db, hash));
  }

  /** @throws FORBIDDEN unless admin; VALIDATION_FAILED for a bad email; CONFLICT if the email exists. */
  async createUser(actor: Actor, input: { email: string; name: string; is_admin?: boolean }): Promise<User> {
    requireAdmin(actor);
    return this.insertUser(input);
  }

  /** No permission check: for bootstrap and the CLI. */
  async insertUser(input: { email: string; name: string; is_admin?: boolean }): Promise<User> {
    const email = input.email.trim();
    if (!EMAIL.test(email))
      throw new AppError("VALIDATION_FAILED", "email must look like name@domain", { field: "email" });
    const name = input.name.trim();
    if (!name) throw new AppError("VALIDATION_FAILED", "name must not be empty", { field: "name" });
    const user: User = {
      id: newId("usr"),
      email,
      name,
      is_admin: !!input.is_admin,
      created_at: new Date().toISOString(),
      disabled: false,
      has_password: false,
    };
    try {
      await principalStore.insertUser(this.db, user);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError("CONFLICT", `a user with email ${email} already exists`, { field: "email" });
      throw err;
    }
    return user;
  }

  /** Any authenticated user may look users up (needed to grant ACEs). @throws NOT_FOUND */
  async getUser(id: string): Promise<User> {
    const u = await principalStore.getUser(this.db, id);
    if (!u) throw new AppError("NOT_FOUND", `user ${id} not found`);
    return u;
  }

  /** `ref` is a `usr_` id or an email. @throws NOT_FOUND */
  async findUser(ref: string): Promise<User> {
    const u = ref.startsWith("usr_")
      ? await principalStore.getUser(this.db, ref)
      : await principalStore.getUserByEmail(this.db, ref);
    if (!u) throw new AppError("NOT_FOUND", `user ${ref} not found`);
    return u;
  }

  /** Users by id; `q` keeps those whose name or email contains it (case-insensitive). */
  async listUsers(opts: { limit?: number; cursor?: string; q?: string }): Promise<Page<User>> {
    const limit = clampLimit(opts.limit);
    const after = decodeCursor(opts.cursor, ["id"]);
    const rows = await principalStore.listUsers(this.db, after?.id, limit + 1, opts.q);
    return pageOf(rows, limit);
  }

  /**
   * Changes a user's name, administrator flag or disabled state (admin only). Disabling ends
   * the user's sessions at once and makes their tokens answer 401 until re-enabled (the tokens
   * are kept). @throws FORBIDDEN unless admin; NOT_FOUND; VALIDATION_FAILED for an empty name;
   * LAST_ADMIN when administrators would disable or demote themselves, or no enabled
   * administrator would be left.
   */
  async updateUser(
    actor: Actor,
    id: string,
    change: { name?: string; is_admin?: boolean; disabled?: boolean },
  ): Promise<User> {
    requireAdmin(actor);
    const name = change.name === undefined ? undefined : requireName(change.name);
    const removesAdmin = change.is_admin === false || change.disabled === true;
    if (removesAdmin && id === actor.userId)
      throw new AppError(
        "LAST_ADMIN",
        `administrators cannot ${change.disabled === true ? "disable" : "demote"} themselves; ` +
          "another administrator must do it",
      );
    await retryOnConflict(() =>
      inTransaction(
        this.db,
        async (trx) => {
          const user = await principalStore.getUser(trx, id);
          if (!user) throw new AppError("NOT_FOUND", `user ${id} not found`);
          // Disabling an already disabled user keeps the time it was first disabled.
          let disabledAt: string | null | undefined;
          if (change.disabled === false) disabledAt = null;
          else if (change.disabled === true && !user.disabled) disabledAt = new Date().toISOString();
          await principalStore.updateUser(trx, id, { name, is_admin: change.is_admin, disabled_at: disabledAt });
          if (removesAdmin && user.is_admin && !user.disabled) {
            if ((await principalStore.enabledAdminIds(trx)).length === 0)
              throw new AppError("LAST_ADMIN", `${user.email} is the last enabled administrator`);
          }
          if (change.disabled === true) await sessionStore.deleteForUser(trx, id);
        },
        // Two administrators demoting each other at once: PostgreSQL lets only one through.
        { serializable: true },
      ),
    );
    return this.getUser(id);
  }

  /** Renames the caller. @throws VALIDATION_FAILED for an empty name. */
  async renameSelf(actor: Actor, name: string): Promise<User> {
    await principalStore.updateUser(this.db, actor.userId, { name: requireName(name) });
    return this.getUser(actor.userId);
  }

  /**
   * The actor a user acts as (with their groups).
   * @throws UNAUTHENTICATED "account disabled" for a disabled user.
   */
  async actorOf(user: User, groupIds?: string[]): Promise<Actor> {
    if (user.disabled) throw new AppError("UNAUTHENTICATED", "account disabled");
    return {
      userId: user.id,
      isAdmin: user.is_admin,
      groupIds: groupIds ?? (await principalStore.groupIdsOfUser(this.db, user.id)),
    };
  }

  /** @throws FORBIDDEN unless admin; CONFLICT if the name exists. */
  async createGroup(actor: Actor, input: { name: string }): Promise<Group> {
    requireAdmin(actor);
    const name = requireName(input.name);
    const g: GroupRecord = { id: newId("grp"), name, created_at: new Date().toISOString() };
    try {
      await principalStore.insertGroup(this.db, g);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError("CONFLICT", `a group named ${name} already exists`, { field: "name" });
      throw err;
    }
    return { ...g, member_ids: [] };
  }

  async getGroup(id: string): Promise<Group> {
    const g = await principalStore.getGroup(this.db, id);
    if (!g) throw new AppError("NOT_FOUND", `group ${id} not found`);
    return { ...g, member_ids: await principalStore.groupMemberIds(this.db, id) };
  }

  /** Groups by id; `q` keeps those whose name contains it (case-insensitive). */
  async listGroups(opts: { limit?: number; cursor?: string; q?: string }): Promise<Page<Group>> {
    const limit = clampLimit(opts.limit);
    const after = decodeCursor(opts.cursor, ["id"]);
    const rows = await principalStore.listGroups(this.db, after?.id, limit + 1, opts.q);
    const page = pageOf(rows, limit);
    const items = await Promise.all(
      page.items.map(async (g) => ({ ...g, member_ids: await principalStore.groupMemberIds(this.db, g.id) })),
    );
    return { items, next_cursor: page.next_cursor };
  }

  /**
   * Deletes a group: its memberships, the ACEs naming it and connector identity mappings to it go
   * with it. @throws FORBIDDEN unless admin; NOT_FOUND.
   */
  async deleteGroup(actor: Actor, id: string): Promise<void> {
    requireAdmin(actor);
    const deleted = await inTransaction(this.db, (trx) => principalStore.deleteGroup(trx, id));
    if (!deleted) throw new AppError("NOT_FOUND", `group ${id} not found`);
  }

  /** Idempotent. @throws FORBIDDEN unless admin; NOT_FOUND for an unknown group or user. */
  async addMember(actor: Actor, groupId: string, userId: string): Promise<Group> {
    requireAdmin(actor);
    await this.getGroup(groupId);
    await this.getUser(userId);
    await principalStore.addMember(this.db, groupId, userId, new Date().toISOString());
    return this.getGroup(groupId);
  }

  /** @throws FORBIDDEN unless admin; NOT_FOUND for an unknown group or a user who is not a member. */
  async removeMember(actor: Actor, groupId: string, userId: string): Promise<Group> {
    requireAdmin(actor);
    await this.getGroup(groupId);
    if (!(await principalStore.removeMember(this.db, groupId, userId)))
      throw new AppError("NOT_FOUND", `user ${userId} is not a member of ${groupId}`);
    return this.getGroup(groupId);
  }

  /**
   * Creates an API token; the plain token is returned only here. Users create tokens for
   * themselves, admins for anyone. The secret is always generated: a caller-chosen one could be
   * weak, and a clash with a live token's hash would tell the caller it had guessed one.
   */
  async createToken(
    actor: Actor,
    input: { user_id: string; name: string },
  ): Promise<{ id: string; user_id: string; name: string; token: string; created_at: string }> {
    if (!actor.isAdmin && actor.userId !== input.user_id)
      throw new AppError("FORBIDDEN", "only admins can create tokens for other users");
    await this.getUser(input.user_id);
    return this.insertToken(input.user_id, input.name, generateToken());
  }

  private async insertToken(
    userId: string,
    name: string,
    token: string,
  ): Promise<{ id: string; user_id: string; name: string; token: string; created_at: string }> {
    const rec = {
      id: newId("tok"),
      user_id: userId,
      name: name.trim() || "token",
      created_at: new Date().toISOString(),
      last_used_at: null,
    };
    await principalStore.insertToken(this.db, { ...rec, token_hash: hashToken(token) });
    return { id: rec.id, user_id: rec.user_id, name: rec.name, token, created_at: rec.created_at };
  }

  /**
   * Revokes a token at once (the next request with it gets 401). Users revoke their own tokens,
   * admins anyone's. @throws NOT_FOUND for an unknown token or someone else's (non-admins).
   */
  async revokeToken(actor: Actor, tokenId: string): Promise<void> {
    const t = await principalStore.getToken(this.db, tokenId);
    if (!t || (!actor.isAdmin && t.user_id !== actor.userId))
      throw new AppError("NOT_FOUND", `token ${tokenId} not found`);
    await inTransaction(this.db, (trx) => principalStore.revokeToken(trx, tokenId, new Date().toISOString()));
  }

  /**
   * A user's tokens, without their secrets: the caller's own, or anyone's for an admin.
   * @throws FORBIDDEN when a non-admin asks for another user's tokens; NOT_FOUND for an unknown user.
   */
  async listTokens(
    actor: Actor,
    opts: { user_id?: string; limit?: number; cursor?: string },
  ): Promise<Page<TokenRecord>> {
    const userId = opts.user_id ?? actor.userId;
    if (!actor.isAdmin && userId !== actor.userId)
      throw new AppError("FORBIDDEN", "only admins can list other users' tokens");
    await this.getUser(userId);
    const limit = clampLimit(opts.limit);
    const after = decodeCursor(opts.cursor, ["id"]);
    return pageOf(await principalStore.listTokens(this.db, userId, after?.id, limit + 1), limit);
  }

  /**
   * The actor a bearer token stands for, or undefined for an unknown token. Records the token's
   * use at most once per {@link TOKEN_USE_RESOLUTION_MS}, so a busy client costs one write a minute,
   * not one per request. @throws UNAUTHENTICATED "account disabled" for a disabled user's token.
   */
  async authenticate(token: string): Promise<Actor | undefined> {
    const found = await this.tokenLookups.get(hashToken(token));
    if (!found) return undefined;
    const [actor] = await Promise.all([
      this.actorOf(found.user, [...found.groupIds]),
      this.noteTokenUse(found.tokenId, found.lastUsedAt),
    ]);
    return actor;
  }

  private async noteTokenUse(tokenId: string, stored: string | null): Promise<void> {
    const now = Date.now();
    const last = Math.max(stored ? Date.parse(stored) : 0, this.tokenUseNoted.get(tokenId) ?? 0);
    if (now - last < TOKEN_USE_RESOLUTION_MS) return;
    // Concurrent requests with the same token see the same stale row; the map lets one of them write.
    this.tokenUseNoted.set(tokenId, now);
    if (this.tokenUseNoted.size > 10_000) this.tokenUseNoted.clear();
    await principalStore.touchToken(this.db, tokenId, new Date(now).toISOString());
  }

  async principalExists(id: string): Promise<boolean> {
    return principalStore.principalExists(this.db, id);
  }

  /**
   * First start: creates the admin user unless one exists. With `adminToken` (SCAIDRIVE_ADMIN_TOKEN)
   * that token is made valid for the admin, also on later starts (so setting the variable later
   * works) — unless it was revoked: a revoked configured token stays revoked across restarts
   * (`revokedAdminToken` is then true and the caller says so in its log). Returns the generated
   * token only when one had to be generated, so the caller prints it exactly once.
   *
   * The password: `adminPassword` (SCAIDRIVE_ADMIN_PASSWORD) on the start that creates the admin,
   * or on a later start while the admin has none; without it the creating start generates one
   * (`generatedPassword`, printed once like the token). An existing password is never replaced.
   * @throws VALIDATION_FAILED for a token under 16 or a password outside 8..1024 characters.
   */
  async bootstrapAdmin(opts: BootstrapOptions): Promise<BootstrapResult> {
    // The nodes of a new deployment start together on one empty database: another one may create
    // the admin or insert the configured token between this one's check and its insert. Its unique
    // violation means that happened; the next pass finds what the other node made.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.bootstrapOnce(opts);
      } catch (err) {
        const raced = isUniqueViolation(err) || (err instanceof AppError && err.code === "CONFLICT");
        if (attempt >= 3 || !raced) throw err;
      }
    }
  }

  private async bootstrapOnce(opts: BootstrapOptions): Promise<BootstrapResult> {
    if (opts.adminPassword !== undefined) {
      const length = [...opts.adminPassword].length;
      if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH)
        throw new AppError(
          "VALIDATION_FAILED",
          `SCAIDRIVE_ADMIN_PASSWORD must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
          { field: "SCAIDRIVE_ADMIN_PASSWORD" },
        );
    }
    let admin = await principalStore.firstAdmin(this.db);
    let generatedToken: string | undefined;
    let generatedPassword: string | undefined;
    if (!admin) {
      admin = await this.insertUser({ email: opts.email ?? "admin@localhost", name: "Administrator", is_admin: true });
      if (!opts.adminToken) generatedToken = (await this.insertToken(admin.id, "bootstrap", generateToken())).token;
      if (opts.adminPassword === undefined) generatedPassword = randomBytes(18).toString("base64url");
    }
    const password = opts.adminPassword ?? generatedPassword;
    if (password !== undefined && !admin.has_password) {
      await principalStore.setPasswordHash(this.db, admin.id, await hashPassword(password));
      admin = { ...admin, has_password: true };
    }
    if (opts.adminToken) {
      if (opts.adminToken.length < 16)
        throw new AppError("VALIDATION_FAILED", "SCAIDRIVE_ADMIN_TOKEN must be at least 16 characters", {
          field: "SCAIDRIVE_ADMIN_TOKEN",
        });
      const hash = hashToken(opts.adminToken);
      if (await principalStore.isRevoked(this.db, hash)) return { admin, generatedPassword, revokedAdminToken: true };
      const existing = await principalStore.tokenByHash(this.db, hash);
      if (!existing) await this.insertToken(admin.id, "SCAIDRIVE_ADMIN_TOKEN", opts.adminToken);
    }
    return { admin, generatedToken, generatedPassword };
  }
}

interface BootstrapOptions {
  adminToken?: string;
  adminPassword?: string;
  email?: string;
}

interface BootstrapResult {
  admin: User;
  generatedToken?: string;
  generatedPassword?: string;
  revokedAdminToken?: boolean;
}

/** @throws AppError FORBIDDEN unless the actor is an admin (or the system actor). */
export function requireAdmin(actor: Actor): void {
  if (!actor.isAdmin) throw new AppError("FORBIDDEN", "administrator rights required");
}

function requireName(raw: string): string {
  const name = raw.trim();
  if (!name) throw new AppError("VALIDATION_FAILED", "name must not be empty", { field: "name" });
  return name;
}

/** Runs `fn` again (a few times) when PostgreSQL refused its serializable transaction for a concurrent one. */
async function retryOnConflict<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 5 || !isRetryableConflict(err)) throw err;
    }
  }
}

function pageOf<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  return { items, next_cursor: rows.length > limit ? encodeCursor({ id: items[items.length - 1].id }) : null };
}
