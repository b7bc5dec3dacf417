/**
 * Authorization codes and refresh tokens the emulated Entra ID has handed out, in memory.
 *
 * Codes are single-use and live 10 minutes, as Entra's do. Refresh tokens are opaque random
 * strings; every redemption issues a new one (rotation) while the redeemed one stays usable until
 * it expires — Entra does not invalidate a refresh token on use, and clients (MSAL's cache, a
 * connector's stored token) rely on that. All refresh tokens descending from one sign-in share a
 * `sessionId`; revocation (the control API, like `revokeSignInSessions`) kills whole sessions.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";

export interface AuthCodeGrant {
  tenantId: string;
  appId: string;
  userId: string;
  redirectUri: string;
  /** Every scope consented at authorize (Graph scopes without prefix plus OIDC scopes). */
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: "S256" | "plain";
  nonce?: string;
  expiresAt: number;
}

export interface RefreshGrant {
  tenantId: string;
  appId: string;
  userId: string;
  scopes: string[];
  sessionId: string;
  expiresAt: number;
}

export type RefreshLookup =
  { ok: true; grant: RefreshGrant } | { ok: false; reason: "unknown" | "revoked" | "expired" };

export type CodeLookup = { ok: true; grant: AuthCodeGrant } | { ok: false; reason: "unknown" | "redeemed" | "expired" };

const CODE_TTL_MS = 10 * 60 * 1000;

const digest = (token: string): string => createHash("sha256").update(token).digest("base64url");

export class GrantStore {
  /** Keyed by a hash of the code / token so a heap dump of the emulator shows no usable secret. */
  private readonly codes = new Map<string, AuthCodeGrant & { redeemed: boolean }>();
  private readonly refresh = new Map<string, RefreshGrant>();
  private readonly revokedSessions = new Set<string>();
  /** Refresh token lifetime in seconds (Entra: 90 days, sliding). */
  refreshTokenLifetimeSec = 90 * 24 * 3600;

  issueCode(grant: Omit<AuthCodeGrant, "expiresAt">): string {
    const code = `1.${randomBytes(32).toString("base64url")}`;
    this.codes.set(digest(code), { ...grant, expiresAt: Date.now() + CODE_TTL_MS, redeemed: false });
    return code;
  }

  /** Marks the code redeemed on success; a second redemption answers `redeemed`. */
  redeemCode(code: string): CodeLookup {
    const entry = this.codes.get(digest(code));
    if (!entry) return { ok: false, reason: "unknown" };
    if (entry.redeemed) return { ok: false, reason: "redeemed" };
    if (entry.expiresAt < Date.now()) return { ok: false, reason: "expired" };
    entry.redeemed = true;
    const { redeemed: _redeemed, ...grant } = entry;
    return { ok: true, grant };
  }

  /** Issues a refresh token in `sessionId`'s chain (a new session when omitted). */
  issueRefreshToken(grant: Omit<RefreshGrant, "expiresAt" | "sessionId"> & { sessionId?: string }): string {
    const token = `0.${randomBytes(48).toString("base64url")}`;
    this.refresh.set(digest(token), {
      ...grant,
      sessionId: grant.sessionId ?? randomUUID(),
      expiresAt: Date.now() + this.refreshTokenLifetimeSec * 1000,
    });
    return token;
  }

  lookupRefreshToken(token: string): RefreshLookup {
    const grant = this.refresh.get(digest(token));
    if (!grant) return { ok: false, reason: "unknown" };
    if (this.revokedSessions.has(grant.sessionId)) return { ok: false, reason: "revoked" };
    if (grant.expiresAt < Date.now()) return { ok: false, reason: "expired" };
    return { ok: true, grant };
  }

  /**
   * Revokes every session matching all given filters (no filter: every session) and answers how
   * many sessions that was. A `refreshToken` filter revokes that token's whole session.
   */
  revoke(filter: { tenantId?: string; userId?: string; appId?: string; refreshToken?: string }): number {
    const wanted = filter.refreshToken ? this.refresh.get(digest(filter.refreshToken))?.sessionId : undefined;
    if (filter.refreshToken && !wanted) return 0;
    const sessions = new Set<string>();
    for (const g of this.refresh.values()) {
      if (wanted && g.sessionId !== wanted) continue;
      if (filter.tenantId && g.tenantId !== filter.tenantId) continue;
      if (filter.userId && g.userId !== filter.userId) continue;
      if (filter.appId && g.appId !== filter.appId) continue;
      if (!this.revokedSessions.has(g.sessionId)) sessions.add(g.sessionId);
    }
    for (const s of sessions) this.revokedSessions.add(s);
    return sessions.size;
  }
}
