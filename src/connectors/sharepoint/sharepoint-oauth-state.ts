/**
 * Pending user-auth sign-ins, keyed by the OAuth `state`: which connector started it, the PKCE
 * verifier and nonce MSAL needs at redemption, the redirect URI used.
 *
 * Kept in the database (`oauth_states`) so the callback may reach any node sharing it, not only
 * the one that issued the authorize URL. The state itself is stored as its SHA-256 (a read of the
 * table does not yield a usable state), the verifier and nonce sealed with the secrets vault
 * (every node holds the same key). `take` is single-use across nodes: one `DELETE … RETURNING`
 * removes the row and hands it to exactly one caller, whether or not redemption then succeeds.
 * A state lives 10 minutes; expired rows are swept on every `put`, and at most
 * {@link MAX_PENDING} sign-ins are pending (those expiring first go). The application context
 * builds one store, which the SharePoint connector service holds.
 */
import { createHash, randomBytes } from "node:crypto";
import type { DbExecutor } from "../../store/core/db-executor.js";
import type { SecretsVault } from "../../store/secrets/secrets-vault.js";
import { oauthStateStore } from "../../store/secrets/oauth-state-store.js";

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

/** What is sealed: the two values a thief of the table could use to redeem a stolen code. */
interface SealedPart {
  pkceVerifier: string;
  nonce: string;
}

export class OAuthStateStore {
  /** The clock (tests move it forward to expire states). */
  now: () => number = Date.now;

  constructor(
    private readonly db: DbExecutor,
    private readonly vault: SecretsVault,
  ) {}

  /** An unguessable state value (256 bits, base64url). */
  newState(): string {
    return randomBytes(32).toString("base64url");
  }

  async put(state: string, entry: Omit<PendingSignIn, "expiresAtMs">): Promise<PendingSignIn> {
    const now = this.now();
    await oauthStateStore.sweep(this.db, new Date(now).toISOString());
    await oauthStateStore.trim(this.db, MAX_PENDING);
    const full = { ...entry, expiresAtMs: now + STATE_LIFETIME_MS };
    const secret: SealedPart = { pkceVerifier: entry.pkceVerifier, nonce: entry.nonce };
    await oauthStateStore.insert(this.db, {
      state_hash: hashState(state),
      connector_id: entry.connectorId,
      sealed: this.vault.seal(JSON.stringify(secret)),
      redirect_uri: entry.redirectUri,
      user_id: entry.userId,
      expires_at: new Date(full.expiresAtMs).toISOString(),
    });
    return full;
  }

  /** The pending sign-in for `state`, removed (on every node); undefined if unknown, used or expired. */
  async take(state: string): Promise<PendingSignIn | undefined> {
    const row = await oauthStateStore.take(this.db, hashState(state));
    if (!row) return undefined;
    const expiresAtMs = Date.parse(row.expires_at);
    if (expiresAtMs <= this.now()) return undefined;
    // A row sealed with a key this node does not hold throws (SecretsVaultError): a configuration
    // error worth surfacing, not an unknown state.
    const secret = JSON.parse(this.vault.open(row.sealed)) as SealedPart;
    return {
      connectorId: row.connector_id,
      pkceVerifier: secret.pkceVerifier,
      nonce: secret.nonce,
      redirectUri: row.redirect_uri,
      userId: row.user_id,
      expiresAtMs,
    };
  }
}

/** The state as stored: its SHA-256, hex. */
function hashState(state: string): string {
  return createHash("sha256").update(state, "utf8").digest("hex");
}
