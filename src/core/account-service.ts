import { createHash, randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { AppError } from "./errors.js";
import type { Actor } from "./actor.js";
import {
  hashPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  verifyDecoy,
  verifyPassword,
} from "./password-hash.js";
import { requireAdmin, type PrincipalService, type User } from "./principal-service.js";
import type { ActiveSession, NewSession, SessionService } from "./session-service.js";
import type { SignInLimiter } from "./sign-in-limiter.js";
import { inTransaction, type DbExecutor } from "../store/core/db-executor.js";
import { principalStore } from "../store/core/principal-store.js";
import { passwordLinkStore } from "../store/core/password-link-store.js";
import { sessionStore } from "../store/core/session-store.js";

/** How long a set-password link works. */
export const PASSWORD_LINK_LIFETIME_MS = 24 * 3_600_000;

/** What the UI prefixes with its origin to make the link an administrator hands on. */
export const SET_PASSWORD_PATH = "/set-password";

export interface PasswordLink {
  /** A path (`/set-password?token=…`); the web client prefixes its own origin. */
  url: string;
  token: string;
  expires_at: string;
}

const INVALID_CREDENTIALS = "wrong email or password";

function linkHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** @throws VALIDATION_FAILED naming `field` for a password outside 8..1024 characters. */
function checkPassword(field: string, password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH)
    throw new AppError(
      "VALIDATION_FAILED",
      `${field} must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
      { field },
    );
}

/**
 * Local accounts: signing in and out, passwords and set-password links. Passwords are hashed
 * with scrypt (password-hash.ts); sign-ins are limited per account and per address
 * (sign-in-limiter.ts); every password change ends the user's sessions. Nothing here logs a
 * password, token, session id or CSRF token.
 */
export class AccountService {
  private readonly db: DbExecutor;
  private readonly principals: PrincipalService;
  private readonly sessions: SessionService;
  private readonly limiter: SignInLimiter;
  private readonly log: Logger;

  constructor(deps: {
    db: DbExecutor;
    principals: PrincipalService;
    sessions: SessionService;
    limiter: SignInLimiter;
    logger: Logger;
  }) {
    this.db = deps.db;
    this.principals = deps.principals;
    this.sessions = deps.sessions;
    this.limiter = deps.limiter;
    this.log = deps.logger;
  }

  /**
   * Checks the email and password and starts a session.
   * @throws TOO_MANY_ATTEMPTS (429) past a failure limit, before the password is looked at;
   *   INVALID_CREDENTIALS (401) for an unknown email, a wrong password or an account without
   *   one — one answer for all; ACCOUNT_DISABLED (403) only after the right password.
   */
  async signIn(input: { email: string; password: string; address: string }): Promise<{
    user: User;
    session: NewSession;
  }> {
    const account = input.email.trim().toLowerCase();
    let attempt;
    try {
      attempt = await this.limiter.begin(account, input.address);
    } catch (err) {
      if (err instanceof AppError && err.code === "TOO_MANY_ATTEMPTS")
        this.log.warn(
          { event: "sign_in_limited", limit: err.details?.limit, address: input.address },
          "sign-in refused",
        );
      throw err;
    }
    const user = await principalStore.getUserByEmail(this.db, account);
    const hash = user ? await principalStore.passwordHash(this.db, user.id) : null;
    const ok = hash ? await verifyPassword(input.password, hash) : (await verifyDecoy(input.password), false);
    if (!user || !ok) {
      this.log.info(
        { event: "sign_in_failed", user_id: user?.id, known_account: !!user, address: input.address },
        "sign-in failed",
      );
      throw new AppError("INVALID_CREDENTIALS", INVALID_CREDENTIALS);
    }
    if (user.disabled) {
      await attempt.discard();
      this.log.info({ event: "sign_in_disabled", user_id: user.id, address: input.address }, "sign-in refused");
      throw new AppError("ACCOUNT_DISABLED", "this account is disabled; ask an administrator");
    }
    await attempt.succeeded();
    const session = await this.sessions.create(user.id);
    this.log.info({ event: "signed_in", user_id: user.id, address: input.address }, "signed in");
    return { user, session };
  }

  /** Ends the session (the row is deleted: the cookie is worthless from now on, in every process). */
  async signOut(session: ActiveSession): Promise<void> {
    await this.sessions.revoke(session.idHash);
    this.log.info({ event: "signed_out", user_id: session.userId }, "signed out");
  }

  /**
   * Changes the caller's own password. Every session of the user ends; a caller signed in with
   * a session gets a new one (returned; same CSRF token, so an open page keeps working). Wrong
   * current passwords count towards the sign-in limits, so this is no way around them.
   * @throws VALIDATION_FAILED (no password yet, or a new one outside 8..1024 characters);
   *   WRONG_PASSWORD; TOO_MANY_ATTEMPTS.
   */
  async changeOwnPassword(
    actor: Actor,
    input: { current_password: string; new_password: string; address: string },
    session?: ActiveSession,
  ): Promise<NewSession | undefined> {
    checkPassword("new_password", input.new_password);
    const user = await this.principals.getUser(actor.userId);
    const hash = await principalStore.passwordHash(this.db, user.id);
    if (!hash)
      throw new AppError(
        "VALIDATION_FAILED",
        "you have no password yet: ask an administrator for a set-password link",
        { field: "current_password" },
      );
    const attempt = await this.limiter.begin(user.email.toLowerCase(), input.address);
    if (!(await verifyPassword(input.current_password, hash))) {
      this.log.info({ event: "password_change_failed", user_id: user.id, address: input.address }, "wrong password");
      throw new AppError("WRONG_PASSWORD", "the current password is wrong", { field: "current_password" });
    }
    await attempt.succeeded();
    const newHash = await hashPassword(input.new_password);
    const fresh = await inTransaction(this.db, async (trx) => {
      await principalStore.setPasswordHash(trx, user.id, newHash);
      await sessionStore.deleteForUser(trx, user.id);
      return session ? this.sessions.create(user.id, { csrfToken: session.csrfToken, db: trx }) : undefined;
    });
    this.log.info({ event: "password_changed", user_id: user.id }, "password changed; other sessions ended");
    return fresh;
  }

  /**
   * Sets a user's password (admin) and ends the user's sessions.
   * @throws FORBIDDEN unless admin; NOT_FOUND; VALIDATION_FAILED for a password outside 8..1024 characters.
   */
  async setPassword(actor: Actor, userId: string, password: string): Promise<void> {
    requireAdmin(actor);
    checkPassword("password", password);
    await this.principals.getUser(userId);
    const hash = await hashPassword(password);
    await inTransaction(this.db, async (trx) => {
      await principalStore.setPasswordHash(trx, userId, hash);
      await sessionStore.deleteForUser(trx, userId);
    });
    this.log.info({ event: "password_set", user_id: userId, by: actor.userId }, "password set by an administrator");
  }

  /**
   * A single-use link (24 h) with which the user sets a password without knowing the old one.
   * A new link replaces the user's unused ones. @throws FORBIDDEN unless admin; NOT_FOUND.
   */
  async createPasswordLink(actor: Actor, userId: string): Promise<PasswordLink> {
    requireAdmin(actor);
    await this.principals.getUser(userId);
    const token = randomBytes(32).toString("base64url");
    const now = Date.now();
    const expiresAt = new Date(now + PASSWORD_LINK_LIFETIME_MS).toISOString();
    await inTransaction(this.db, async (trx) => {
      await passwordLinkStore.deleteStale(trx, userId, new Date(now).toISOString());
      await passwordLinkStore.insert(trx, {
        token_hash: linkHash(token),
        user_id: userId,
        created_by: actor.userId,
        created_at: new Date(now).toISOString(),
        expires_at: expiresAt,
        used_at: null,
      });
    });
    this.log.info({ event: "password_link_created", user_id: userId, by: actor.userId }, "set-password link created");
    return { url: `${SET_PASSWORD_PATH}?token=${token}`, token, expires_at: expiresAt };
  }

  /**
   * Sets the password of the link's user and ends their sessions; the link is used up.
   * @throws LINK_INVALID for an unknown, used or expired link; VALIDATION_FAILED for a password
   *   outside 8..1024 characters.
   */
  async usePasswordLink(token: string, password: string): Promise<void> {
    checkPassword("password", password);
    const tokenHash = linkHash(token);
    // Look first, hash second: an invalid link costs no scrypt run.
    if (!(await passwordLinkStore.peek(this.db, tokenHash, new Date().toISOString()))) throw linkInvalid();
    const hash = await hashPassword(password);
    const userId = await inTransaction(this.db, async (trx) => {
      const id = await passwordLinkStore.use(trx, tokenHash, new Date().toISOString());
      if (!id) throw linkInvalid();
      await principalStore.setPasswordHash(trx, id, hash);
      await sessionStore.deleteForUser(trx, id);
      return id;
    });
    this.log.info({ event: "password_link_used", user_id: userId }, "password set with a link");
  }
}

function linkInvalid(): AppError {
  return new AppError(
    "LINK_INVALID",
    "this set-password link is unknown, already used or expired; ask an administrator for a new link",
  );
}
