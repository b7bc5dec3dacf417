/**
 * The state the emulated Entra ID serves from: the directory, the per-run signing key, the
 * public origin and the tunable token lifetime. One per emulator; the Graph side reads the
 * same context to verify bearer tokens.
 */
import type { Directory } from "../directory/directory.js";
import type { PublicOrigin } from "../public-origin.js";
import { createSigningKey, type SigningKey } from "./signing-key.js";

export interface EntraStats {
  /** Tokens issued, per grant type (`client_credentials`, `authorization_code`, `refresh_token`). */
  issued: Record<string, number>;
  /** Token-endpoint errors, per AADSTS code. */
  errors: Record<string, number>;
}

export interface EntraContext {
  directory: Directory;
  /**
   * `https://127.0.0.1:P`, no trailing slash: the authority host, issuer origin and audience
   * alternative. Empty until the server listens; requests then fall back to their Host header.
   */
  baseUrl: string;
  /**
   * The emulator's per-request origin: endpoints and issuers follow the host the client called,
   * and tokens issued under any of the emulator's own origins are accepted. Absent in contexts
   * built without a server (then `baseUrl` alone counts).
   */
  publicOrigin?: PublicOrigin;
  /** Access (and id) token lifetime in seconds; changed at run time by `/_emulator/tokens/lifetime`. */
  tokenLifetimeSec: number;
  signingKey: SigningKey;
  stats: EntraStats;
  /**
   * Web URL of a site id (`https://contoso.sharepoint.com/sites/x`), so Sites.Selected grants
   * declared by URL in a fixture match the run's generated site ids. Set by the Graph side.
   */
  siteUrlOf?: (siteId: string) => string | undefined;
}

/** Entra's default access token lifetime is 60–90 minutes; 3600 s keeps MSAL's cache warm. */
export const DEFAULT_TOKEN_LIFETIME_SEC = 3600;

export function createEntraContext(opts: {
  directory: Directory;
  baseUrl?: string;
  tokenLifetimeSec?: number;
  publicOrigin?: PublicOrigin;
  siteUrlOf?: (siteId: string) => string | undefined;
}): EntraContext {
  return {
    directory: opts.directory,
    publicOrigin: opts.publicOrigin,
    baseUrl: (opts.baseUrl ?? "").replace(/\/+$/, ""),
    tokenLifetimeSec: opts.tokenLifetimeSec ?? DEFAULT_TOKEN_LIFETIME_SEC,
    signingKey: createSigningKey(),
    stats: { issued: {}, errors: {} },
    siteUrlOf: opts.siteUrlOf,
  };
}
