/**
 * Microsoft Entra ID authentication for the SharePoint connector, entirely through
 * `@azure/msal-node` (no hand-written OAuth):
 *
 * - `app_auth`: {@link AppTokenSource} — client credentials with a client secret or a certificate
 *   (`azure_client_certificate_pem`, see sharepoint-certificate.ts); MSAL caches the app token
 *   and fetches a new one when it nears expiry.
 * - `user_auth`: {@link UserAuthFlow} builds the authorize URL (PKCE S256, state, nonce) and
 *   redeems the code for a refresh token; {@link UserTokenSource} then gets tokens from that
 *   refresh token and reports every rotated refresh token through `onRefreshTokenRotated`, so the
 *   caller re-seals and stores it.
 *
 * Where Entra and Graph live is configuration ({@link SharePointEndpoints}; the caller reads
 * `SCAIDRIVE_ENTRA_AUTHORITY_HOST` / `SCAIDRIVE_GRAPH_BASE_URL`). MSAL gets `knownAuthorities`
 * (host AND port) and `authorityMetadata`, so it never calls instance or OpenID discovery.
 *
 * Every MSAL request goes through the connector network policy ({@link msalNetworkClient} over
 * the policy's fetch): an authority host at a refused address fails with `destination_denied`.
 *
 * Failures leave as RemoteError: `auth` for what only a person can fix (invalid_client, a revoked
 * or expired refresh token, consent missing, unknown tenant), `unreachable` for network errors,
 * throttling and Entra 5xx.
 */
import {
  ConfidentialClientApplication,
  CryptoProvider,
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
} from "@azure/msal-node";
import type { Logger } from "pino";
import { RemoteError } from "../../sync/remote-errors.js";
import { networkErrorCode } from "./graph-errors.js";
import type { GraphTokenSource } from "./graph-http.js";
import { findDestinationDenied } from "../network-policy.js";
import { parseClientCertificatePem } from "./sharepoint-certificate.js";
import { msalNetworkClient } from "./msal-network-client.js";
import type { NetworkPolicy } from "../network-policy.js";
import { policyFetch } from "../network-policy-fetch.js";
import type { SharePointEndpoints } from "./sharepoint-endpoints.js";

export {
  DEFAULT_AUTHORITY_HOST,
  DEFAULT_GRAPH_BASE_URL,
  endpointsFromEnv,
  type SharePointEndpoints,
} from "./sharepoint-endpoints.js";

/** The app's credential: a client secret, or a PEM holding the private key and the certificate. */
export interface ClientCredentialConfig {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificatePem?: string;
}

/** The `.default` scope of the configured Graph (national clouds have their own resource). */
export function graphDefaultScope(endpoints: SharePointEndpoints): string {
  return `${new URL(endpoints.graphBaseUrl).origin}/.default`;
}

/** MSAL `auth` settings that make no discovery calls. */
export function msalAuthority(
  endpoints: SharePointEndpoints,
  tenantId: string,
): Pick<NonNullable<Configuration["auth"]>, "authority" | "knownAuthorities" | "authorityMetadata"> {
  const host = new URL(endpoints.authorityHost);
  if (host.protocol !== "https:")
    throw new RemoteError("auth", `the Entra authority host must be https: ${endpoints.authorityHost}`);
  const origin = host.origin;
  const t = encodeURIComponent(tenantId);
  return {
    authority: `${origin}/${t}`,
    knownAuthorities: [host.host],
    authorityMetadata: JSON.stringify({
      authorization_endpoint: `${origin}/${t}/oauth2/v2.0/authorize`,
      token_endpoint: `${origin}/${t}/oauth2/v2.0/token`,
      end_session_endpoint: `${origin}/${t}/oauth2/v2.0/logout`,
      jwks_uri: `${origin}/${t}/discovery/v2.0/keys`,
      issuer: `${origin}/${t}/v2.0`,
    }),
  };
}

/**
 * A ConfidentialClientApplication for the app. @throws RemoteError `auth` when neither a secret
 * nor a usable certificate is configured (the message says why, never the secret).
 */
export function createConfidentialClient(
  cfg: ClientCredentialConfig,
  endpoints: SharePointEndpoints,
  network: NetworkPolicy,
  logger?: Logger,
): ConfidentialClientApplication {
  const auth: Configuration["auth"] = { clientId: cfg.clientId, ...msalAuthority(endpoints, cfg.tenantId) };
  if (cfg.certificatePem) {
    let cert;
    try {
      cert = parseClientCertificatePem(cfg.certificatePem);
    } catch (err) {
      throw new RemoteError("auth", (err as Error).message, { cause: err });
    }
    auth.clientCertificate = { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem };
  } else if (cfg.clientSecret) {
    auth.clientSecret = cfg.clientSecret;
  } else {
    throw new RemoteError(
      "auth",
      "no Azure credential configured: set azure_client_secret or azure_client_certificate_pem",
    );
  }
  return new ConfidentialClientApplication({
    auth,
    system: {
      networkClient: msalNetworkClient(policyFetch(network)),
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: 1,
        loggerCallback: (_level, message) => logger?.debug({ msal: message }, "msal"),
      },
    },
  });
}

const AUTH_CODES = new Set([
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "invalid_scope",
  "invalid_resource",
  "interaction_required",
  "consent_required",
  "login_required",
  "invalid_request",
  "access_denied",
  "bad_token",
  "no_tokens_found",
  "state_mismatch",
  "nonce_mismatch",
]);

/** MSAL / Entra failure → RemoteError (see the module comment). */
export function authError(err: unknown, what: string): RemoteError {
  if (err instanceof RemoteError) return err;
  const denied = findDestinationDenied(err);
  if (denied) return new RemoteError("destination_denied", denied.message, { cause: err });
  const e = err as {
    errorCode?: string;
    errorMessage?: string;
    subError?: string;
    errorNo?: string;
    status?: number;
    name?: string;
    message?: string;
  };
  const code = e?.errorCode ?? "";
  const first = (e?.errorMessage ?? e?.message ?? String(err)).split(/\r?\n/)[0];
  const detail = `${code || e?.name || "error"}${e?.errorNo ? ` (AADSTS${e.errorNo})` : ""}: ${first}`;
  if (
    networkErrorCode(err) ||
    code === "network_error" ||
    code === "no_network_connectivity" ||
    (e?.status !== undefined && (e.status >= 500 || e.status === 429))
  ) {
    return new RemoteError("unreachable", `${what}: Entra ID could not be reached or is busy — ${detail}`, {
      cause: err,
    });
  }
  if (AUTH_CODES.has(code) || e?.name === "InteractionRequiredAuthError" || e?.name === "ServerError") {
    return new RemoteError("auth", `${what}: Entra ID refused — ${detail}`, { cause: err });
  }
  if (code.includes("throttl")) return new RemoteError("unreachable", `${what}: ${detail}`, { cause: err });
  return new RemoteError("auth", `${what}: ${detail}`, { cause: err });
}

/** Client-credentials tokens (app_auth). */
export class AppTokenSource implements GraphTokenSource {
  readonly app: ConfidentialClientApplication;
  private readonly scopes: string[];

  constructor(cfg: ClientCredentialConfig, endpoints: SharePointEndpoints, network: NetworkPolicy, logger?: Logger) {
    this.app = createConfidentialClient(cfg, endpoints, network, logger);
    this.scopes = [graphDefaultScope(endpoints)];
  }

  /** MSAL answers from its cache until the token nears expiry. */
  async getAccessToken(): Promise<string> {
    let result: AuthenticationResult | null;
    try {
      result = await this.app.acquireTokenByClientCredential({ scopes: this.scopes });
    } catch (err) {
      throw authError(err, "app token");
    }
    if (!result?.accessToken) throw new RemoteError("auth", "app token: Entra ID returned no access token");
    return result.accessToken;
  }
}

/** The signed-in account as ScaiDrive keeps it next to the refresh token. */
export interface UserAccount {
  /** MSAL home account id (`oid.tid`). */
  homeAccountId: string;
  /** Entra object id of the user. */
  objectId: string;
  tenantId: string;
  username: string;
  name?: string;
}

function accountOf(a: AccountInfo): UserAccount {
  return {
    homeAccountId: a.homeAccountId,
    objectId: a.localAccountId,
    tenantId: a.tenantId,
    username: a.username,
    name: a.name,
  };
}

/** The refresh token MSAL holds for an account (MSAL never returns it from its API calls). */
function cachedRefreshToken(app: ConfidentialClientApplication, homeAccountId?: string): string | undefined {
  const cache = JSON.parse(app.getTokenCache().serialize()) as {
    RefreshToken?: Record<string, { secret?: string; home_account_id?: string }>;
  };
  const tokens = Object.values(cache.RefreshToken ?? {});
  const match = tokens.find((t) => !homeAccountId || t.home_account_id === homeAccountId) ?? tokens[0];
  return match?.secret;
}

/** The browser half of user_auth: authorize URL, then code → refresh token. */
export class UserAuthFlow {
  private readonly app: ConfidentialClientApplication;
  private readonly scopes: string[];
  private readonly crypto = new CryptoProvider();

  constructor(
    cfg: ClientCredentialConfig,
    private readonly endpoints: SharePointEndpoints,
    network: NetworkPolicy,
    logger?: Logger,
  ) {
    this.app = createConfidentialClient(cfg, endpoints, network, logger);
    this.scopes = [graphDefaultScope(endpoints)];
  }

  /**
   * The URL to send the user to. Keep `pkceVerifier` and `nonce` with `state` (server-side,
   * single-use) until the callback; `loginHint` pre-fills the account.
   */
  async buildAuthorizationUrl(o: {
    state: string;
    redirectUri: string;
    loginHint?: string;
  }): Promise<{ url: string; pkceVerifier: string; nonce: string }> {
    const { verifier, challenge } = await this.crypto.generatePkceCodes();
    const nonce = this.crypto.createNewGuid();
    try {
      const url = await this.app.getAuthCodeUrl({
        scopes: this.scopes,
        redirectUri: o.redirectUri,
        state: o.state,
        nonce,
        codeChallenge: challenge,
        codeChallengeMethod: "S256",
        ...(o.loginHint ? { loginHint: o.loginHint } : {}),
      });
      return { url, pkceVerifier: verifier, nonce };
    } catch (err) {
      throw authError(err, "authorization URL");
    }
  }

  /**
   * Redeems the code the callback received. `state` and `clientInfo` are the callback's query
   * values (MSAL checks `state`); `nonce` the one from buildAuthorizationUrl.
   * @throws RemoteError `auth` for a used/expired code, a PKCE mismatch or a refused client.
   */
  async redeemCode(o: {
    code: string;
    pkceVerifier: string;
    redirectUri: string;
    state?: string;
    nonce?: string;
    clientInfo?: string;
  }): Promise<{ refreshToken: string; account: UserAccount; accessToken: string; expiresOn: Date | null }> {
    let result: AuthenticationResult;
    try {
      result = await this.app.acquireTokenByCode(
        {
          code: o.code,
          redirectUri: o.redirectUri,
          scopes: this.scopes,
          codeVerifier: o.pkceVerifier,
          ...(o.state ? { state: o.state } : {}),
          ...(o.nonce ? { nonce: o.nonce } : {}),
        },
        o.state ? { code: o.code, state: o.state, ...(o.clientInfo ? { client_info: o.clientInfo } : {}) } : undefined,
      );
    } catch (err) {
      throw authError(err, "redeem authorization code");
    }
    if (!result.account) throw new RemoteError("auth", "redeem authorization code: Entra ID returned no account");
    const refreshToken = cachedRefreshToken(this.app, result.account.homeAccountId);
    if (!refreshToken)
      throw new RemoteError(
        "auth",
        "redeem authorization code: Entra ID returned no refresh token (is offline_access allowed?)",
      );
    return {
      refreshToken,
      account: accountOf(result.account),
      accessToken: result.accessToken,
      expiresOn: result.expiresOn,
    };
  }

  get authorityHost(): string {
    return this.endpoints.authorityHost;
  }
}

export interface UserTokenSourceOptions extends ClientCredentialConfig {
  refreshToken: string;
  /**
   * Called with each new refresh token Entra rotates to; the caller seals and stores it. Errors are logged, not thrown.
   */
  onRefreshTokenRotated?(refreshToken: string): void | Promise<void>;
}

/** Delegated tokens from a stored refresh token (user_auth). */
export class UserTokenSource implements GraphTokenSource {
  private readonly app: ConfidentialClientApplication;
  private readonly scopes: string[];
  private account: AccountInfo | null = null;
  private refreshToken: string;
  private inflight: Promise<string> | null = null;

  constructor(
    private readonly o: UserTokenSourceOptions,
    endpoints: SharePointEndpoints,
    network: NetworkPolicy,
    private readonly logger?: Logger,
  ) {
    this.app = createConfidentialClient(o, endpoints, network, logger);
    this.scopes = [graphDefaultScope(endpoints)];
    this.refreshToken = o.refreshToken;
  }

  /** The account behind the tokens, known after the first successful call. */
  get user(): UserAccount | null {
    return this.account ? accountOf(this.account) : null;
  }

  getAccessToken(): Promise<string> {
    // One token request at a time: concurrent Graph calls share it instead of racing rotations.
    this.inflight ??= this.acquire().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async acquire(): Promise<string> {
    let result: AuthenticationResult | null;
    try {
      // forceCache: without it MSAL keeps nothing from a refresh-token grant for an account it has
      // not cached yet, and the rotated refresh token would be lost.
      result = this.account
        ? await this.app.acquireTokenSilent({ account: this.account, scopes: this.scopes })
        : await this.app.acquireTokenByRefreshToken({
            refreshToken: this.refreshToken,
            scopes: this.scopes,
            forceCache: true,
          });
    } catch (err) {
      throw authError(err, "user token from refresh token");
    }
    if (!result?.accessToken) throw new RemoteError("auth", "user token: Entra ID returned no access token");
    if (result.account) this.account = result.account;
    const latest = cachedRefreshToken(this.app, this.account?.homeAccountId);
    if (latest && latest !== this.refreshToken) {
      this.refreshToken = latest;
      try {
        await this.o.onRefreshTokenRotated?.(latest);
      } catch (err) {
        this.logger?.warn({ err: (err as Error).message }, "storing the rotated refresh token failed");
      }
    }
    return result.accessToken;
  }
}

/** Either token source from a connector's auth settings. */
export type SharePointAuthConfig =
  ({ authType: "app_auth" } & ClientCredentialConfig) | ({ authType: "user_auth" } & UserTokenSourceOptions);

export function createTokenSource(
  cfg: SharePointAuthConfig,
  endpoints: SharePointEndpoints,
  network: NetworkPolicy,
  logger?: Logger,
): AppTokenSource | UserTokenSource {
  if (cfg.authType === "user_auth") {
    if (!cfg.refreshToken)
      throw new RemoteError(
        "auth",
        "user_auth connector has not been authorized yet: run POST .../authorize and sign in",
      );
    return new UserTokenSource(cfg, endpoints, network, logger);
  }
  return new AppTokenSource(cfg, endpoints, network, logger);
}
