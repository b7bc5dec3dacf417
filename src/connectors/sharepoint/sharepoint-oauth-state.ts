/**
 * Pending user-auth sign-ins, keyed by the OAuth `state`: which connector started it, the PKCE
 * verifier and nonce MSAL needs at redemption, the redirect URI used. Kept in memory on purpose:
 * a state lives 10 minutes at most and is useless after a restart (the browser simply starts
 * again), so nothing is persisted and no secret material reaches the database. `take` is
 * single-use: a state is removed when the callback presents it, whether or not redemption then
 * succeeds. Expired entries are swept on every `put`, so memory stays bounded by the sign-ins of
 * the last 10 minutes (and by {@link MAX_PENDING}). The application context builds one store, which
 * the SharePoint connector service holds.
 */
import { randomBytes } from "node:crypto";

export const STATE_LIFETIME_MS = 10 * 60_000;
/** Oldest entries are dropped beyond this many pending sign-ins. */
export const MAX_PENDING = 10_000;

export interface PendingSignIn {
  connectorId: string;
  pkceVerifier: string;
  nonce: string;
  redirectUri: string;
  /** Who started it (for the log). */
  userId: string | null;
  expiresAtMs: number;
}

export class OAuthStateStore {
  private readonly pending = new Map<string, PendingSignIn>();
  /** The clock (tests move it forward to expire states). */
  now: () => number = Date.now;

  /** An unguessable state value (256 bits, base64url). */
  newState(): string {
    return randomBytes(32).toString("base64url");
  }

  put(state: string, entry: Omit<PendingSignIn, "expiresAtMs">): PendingSignIn {
    const now = this.now();
    for (const [k, v] of this.pending) if (v.expiresAtMs <= now) this.pending.delete(k);
    while (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value as string);
    const full = { ...entry, expiresAtMs: now + STATE_LIFETIME_MS };
    this.pending.set(state, full);
    return full;
  }

  /** The pending sign-in for `state`, removed; undefined if unknown, used or expired. */
  take(state: string): PendingSignIn | undefined {
    const entry = this.pending.get(state);
    if (!entry) return undefined;
    this.pending.delete(state);
    return entry.expiresAtMs > this.now() ? entry : undefined;
  }
}
