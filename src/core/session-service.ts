import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { DbExecutor } from "../store/core/db-executor.js";
import { sessionStore, type SessionRecord } from "../store/core/session-store.js";

/** How long a session lives (docs/permissions.md "Sign-in and sessions"). */
export interface SessionLifetimes {
  /** A session unused for this long ends (SCAIDRIVE_SESSION_IDLE_MINUTES). */
  idleMs: number;
  /** A session ends this long after sign-in however active it is (SCAIDRIVE_SESSION_MAX_HOURS). */
  maxMs: number;
}

export const DEFAULT_SESSION_LIFETIMES: SessionLifetimes = { idleMs: 720 * 60_000, maxMs: 168 * 3_600_000 };

/** `last_seen_at` is written at most this often (less often would make idle expiry that much less exact). */
const TOUCH_EVERY_MS = 60_000;

/** A session as its user's requests see it. */
export interface ActiveSession {
  idHash: string;
  userId: string;
  csrfToken: string;
  /** Absolute end (RFC 3339). */
  expiresAt: string;
}

/** What a new session gives the browser: `id` goes into the cookie and is never stored. */
export interface NewSession {
  id: string;
  csrfToken: string;
  expiresAt: string;
}

export function hashSessionId(id: string): string {
  return createHash("sha256").update(id, "utf8").digest("hex");
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfTokenMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Browser sessions: random 256-bit ids of which only the SHA-256 is stored, each with a CSRF
 * token, an idle and an absolute expiry. Revocation is deleting the row, so it takes effect on
 * the next request in every process sharing the database.
 */
export class SessionService {
  /** How often `last_seen_at` is written: once a minute, or more often for idle times under ten minutes. */
  private readonly touchEveryMs: number;

  constructor(
    private readonly db: DbExecutor,
    readonly lifetimes: SessionLifetimes = DEFAULT_SESSION_LIFETIMES,
  ) {
    this.touchEveryMs = Math.min(TOUCH_EVERY_MS, Math.max(1, Math.floor(lifetimes.idleMs / 10)));
  }

  /**
   * Starts a session for the user. `csrfToken` carries a token over from a session being
   * replaced (a password change), so a page already open keeps working.
   */
  async create(userId: string, opts: { csrfToken?: string; db?: DbExecutor } = {}): Promise<NewSession> {
    const db = opts.db ?? this.db;
    const now = Date.now();
    await sessionStore.deleteExpired(
      db,
      new Date(now).toISOString(),
      new Date(now - this.lifetimes.idleMs).toISOString(),
    );
    const id = randomBytes(32).toString("base64url");
    const csrfToken = opts.csrfToken ?? randomBytes(32).toString("base64url");
    const at = new Date(now).toISOString();
    const expiresAt = new Date(now + this.lifetimes.maxMs).toISOString();
    await sessionStore.insert(db, {
      id_hash: hashSessionId(id),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: at,
      last_seen_at: at,
      expires_at: expiresAt,
    });
    return { id, csrfToken, expiresAt };
  }

  /**
   * The live session with this id, or undefined for an unknown, revoked or expired one (an
   * expired one is deleted). Notes the use, at most once per minute.
   */
  async resolve(id: string): Promise<ActiveSession | undefined> {
    // A well-formed id is 43 base64url characters; anything else cannot name a session.
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const idHash = hashSessionId(id);
    const row = await sessionStore.get(this.db, idHash);
    if (!row) return undefined;
    const now = Date.now();
    if (this.expired(row, now)) {
      await sessionStore.delete(this.db, idHash);
      return undefined;
    }
    if (now - Date.parse(row.last_seen_at) >= this.touchEveryMs)
      await sessionStore.touch(this.db, idHash, new Date(now).toISOString());
    return { idHash, userId: row.user_id, csrfToken: row.csrf_token, expiresAt: row.expires_at };
  }

  private expired(row: SessionRecord, now: number): boolean {
    return Date.parse(row.expires_at) <= now || Date.parse(row.last_seen_at) + this.lifetimes.idleMs <= now;
  }

  async revoke(idHash: string): Promise<void> {
    await sessionStore.delete(this.db, idHash);
  }

  /** Ends every session of the user (but `keepIdHash`). */
  async revokeAllOf(userId: string, opts: { keepIdHash?: string; db?: DbExecutor } = {}): Promise<void> {
    await sessionStore.deleteForUser(opts.db ?? this.db, userId, opts.keepIdHash);
  }
}
