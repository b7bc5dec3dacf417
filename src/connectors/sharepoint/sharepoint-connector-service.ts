/**
 * What only SharePoint connectors offer beside the generic connector service:
 *
 * - The user-auth sign-in (`user_auth`): {@link authorize} hands out an Entra ID sign-in URL whose
 *   `state` is single-use, bound to the connector and valid 10 minutes, with the PKCE verifier and
 *   nonce kept server-side (sharepoint-oauth-state.ts); {@link completeSignIn} redeems the code
 *   through MSAL, stores the refresh token sealed and re-enables a connector an auth failure
 *   disabled (resolving its alert).
 * - Browsing what the credential reaches: sites, drives, Entra users and groups (their ids are the
 *   remote principals of identity mappings).
 *
 * Access: all of it needs MANAGE_PERMISSIONS on the connector's target share (admins always), as
 * changing the connector does; an invisible connector is 404. The sign-in completion is the
 * exception: it is authenticated by the `state` alone (Entra's redirect carries no ScaiDrive token).
 */
import type { Logger } from "pino";
import { AppError } from "../../core/errors.js";
import type { Actor } from "../../core/actor.js";
import type { ConnectorRecord, ConnectorStore } from "../../store/sync/connector-store.js";
import type { SecretsVault } from "../../store/secrets/secrets-vault.js";
import { RemoteError } from "../../sync/remote-errors.js";
import { openConfig, type ConnectorDefinition } from "../connector-definition.js";
import type { ConnectorAccess } from "../connector-access.js";
import type { ConnectorAuthGuard } from "../connector-auth-guard.js";
import type { NetworkPolicy } from "../network-policy.js";
import { sharePointSettings } from "./sharepoint-definition.js";
import { endpointsFromEnv } from "./sharepoint-endpoints.js";
import { loadSharePointRuntime } from "./sharepoint-runtime-loader.js";
import type { OAuthStateStore, PendingSignIn } from "./sharepoint-oauth-state.js";
import { clampLimit, decodeCursor, encodeCursor } from "../../core/pagination.js";
import type { DirectoryPrincipal, DriveSummary, FolderSummary, SiteSummary } from "./sharepoint-discovery.js";

/** A RemoteError from a helper call → the API's error table. */
function apiError(err: unknown, what: string): unknown {
  if (!(err instanceof RemoteError)) return err;
  switch (err.kind) {
    case "auth":
      return new AppError("CONNECTOR_AUTH_FAILED", `${what}: ${err.message}`, undefined, { cause: err });
    case "unreachable":
      return new AppError("CONNECTOR_UNREACHABLE", `${what}: ${err.message}`, undefined, { cause: err });
    case "destination_denied":
      return new AppError("DESTINATION_DENIED", `${what}: ${err.message}`, undefined, { cause: err });
    case "not_found":
      return new AppError("NOT_FOUND", `${what}: ${err.message}`, undefined, { cause: err });
    case "access_denied":
      return new AppError("FORBIDDEN", `${what}: SharePoint refused access: ${err.message}`, undefined, { cause: err });
    default:
      return new AppError("CONNECTOR_UNREACHABLE", `${what}: ${err.message}`, undefined, { cause: err });
  }
}

/** Folders by name, case-insensitively, ties broken by exact name (names in a folder are unique): the page order. */
function byFolderName(a: { name: string }, b: { name: string }): number {
  return (
    a.name.localeCompare(b.name, undefined, { sensitivity: "base" }) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}

/** A sign-in that failed after its state was recognised: the callback can send the browser back to its connector. */
export class SignInFailed extends AppError {
  constructor(
    readonly connectorId: string,
    err: AppError,
  ) {
    super(err.code, err.message, err.details, { cause: err });
  }
}

export interface SharePointConnectorServiceOptions {
  def: ConnectorDefinition;
  connectors: Pick<ConnectorStore, "get" | "update">;
  access: ConnectorAccess;
  authGuard: Pick<ConnectorAuthGuard, "saved">;
  states: OAuthStateStore;
  vault: SecretsVault;
  network: NetworkPolicy;
  logger: Logger;
}

/** The query Entra's redirect brings to the callback. */
export interface SignInCallback {
  code?: string;
  state?: string;
  client_info?: string;
  error?: string;
  error_description?: string;
}

export class SharePointConnectorService {
  /** Pending sign-ins (tests move its clock). */
  readonly states: OAuthStateStore;
  private readonly log: Logger;

  constructor(private readonly o: SharePointConnectorServiceOptions) {
    this.states = o.states;
    this.log = o.logger.child({ component: "sharepoint-api" });
  }

  /**
   * A sign-in URL for a `user_auth` connector; `loginHint` (the request's `login_hint`, unchecked)
   * pre-fills the account. @throws NOT_FOUND, FORBIDDEN, VALIDATION_FAILED (app_auth connector,
   * bad hint), CONNECTOR_UNREACHABLE…
   */
  async authorize(
    actor: Actor,
    id: string,
    loginHint: unknown,
    redirectUri: string,
  ): Promise<{ authorization_url: string; expires_at: string }> {
    const connector = await this.loadManaged(actor, id);
    if (connector.config.auth_type !== "user_auth") {
      throw new AppError("VALIDATION_FAILED", "authorize is for auth_type user_auth; this connector uses app_auth", {
        field: "auth_type",
      });
    }
    if (loginHint !== undefined && (typeof loginHint !== "string" || loginHint.length > 320)) {
      throw new AppError("VALIDATION_FAILED", "login_hint must be a user principal name (at most 320 characters)", {
        field: "login_hint",
      });
    }
    const hint = typeof loginHint === "string" && loginHint !== "" ? loginHint : undefined;
    const flow = await this.userAuthFlow(connector);
    const state = this.states.newState();
    let built;
    try {
      built = await flow.buildAuthorizationUrl({ state, redirectUri, loginHint: hint });
    } catch (err) {
      throw apiError(err, "authorization URL");
    }
    const entry = await this.states.put(state, {
      connectorId: connector.id,
      pkceVerifier: built.pkceVerifier,
      nonce: built.nonce,
      redirectUri,
      userId: actor.userId,
    });
    this.log.info({ connectorId: connector.id, userId: actor.userId }, "user-auth sign-in started");
    return { authorization_url: built.url, expires_at: new Date(entry.expiresAtMs).toISOString() };
  }

  /**
   * Redeems the code of a sign-in started by {@link authorize}: stores the refresh token sealed
   * and re-enables the connector if an auth failure disabled it. The state is consumed whether or
   * not redemption succeeds. @throws VALIDATION_FAILED (unknown, used or expired state; a refused
   * sign-in; no code), NOT_FOUND (connector gone), CONNECTOR_AUTH_FAILED…
   */
  async completeSignIn(
    q: SignInCallback,
  ): Promise<{ connectorId: string; enabled: boolean; user: { id: string; email: string; name: string | null } }> {
    const entry = q.state ? await this.states.take(q.state) : undefined;
    if (!entry)
      throw new AppError(
        "VALIDATION_FAILED",
        "state is unknown, already used or expired: start again with POST /api/v1/sharepoint-connectors/{id}/authorize",
        { field: "state" },
      );
    try {
      return await this.redeem(entry, q);
    } catch (err) {
      throw err instanceof AppError ? new SignInFailed(entry.connectorId, err) : err;
    }
  }

  private async redeem(
    entry: PendingSignIn,
    q: SignInCallback,
  ): Promise<{ connectorId: string; enabled: boolean; user: { id: string; email: string; name: string | null } }> {
    if (q.error)
      throw new AppError(
        "VALIDATION_FAILED",
        `the sign-in ` +
          `was not completed: ${q.error}${q.error_description ? ` (${q.error_description.split(/\r?\n/)[0]})` : ""}`,
        { field: "error" },
      );
    if (!q.code) throw new AppError("VALIDATION_FAILED", "code is missing", { field: "code" });
    const connector = await this.o.connectors.get(entry.connectorId);
    if (!connector || connector.type !== this.o.def.type)
      throw new AppError("NOT_FOUND", `connector ${entry.connectorId} no longer exists`);
    const flow = await this.userAuthFlow(connector);
    let redeemed;
    try {
      redeemed = await flow.redeemCode({
        code: q.code,
        pkceVerifier: entry.pkceVerifier,
        redirectUri: entry.redirectUri,
        state: q.state,
        nonce: entry.nonce,
        clientInfo: q.client_info,
      });
    } catch (err) {
      throw apiError(err, "redeeming the authorization code");
    }
    const user = {
      id: redeemed.account.objectId,
      email: redeemed.account.username,
      name: redeemed.account.name ?? null,
    };
    let updated = await this.o.connectors.update(connector.id, {
      secrets: { ...connector.secrets, refresh_token: this.o.vault.seal(redeemed.refreshToken) },
      config: {
        ...connector.config,
        authorized_user: { name: user.name, email: user.email },
        authorized_at: new Date().toISOString(),
      },
    });
    updated = await this.o.authGuard.saved(updated);
    this.log.info({ connectorId: connector.id, userId: entry.userId }, "user-auth sign-in completed");
    return {
      connectorId: connector.id,
      enabled: updated.status === "enabled",
      user,
    };
  }

  /** Sites the credential can read matching `search` ("" or * for all). */
  async sites(actor: Actor, id: string, search: string): Promise<{ sites: SiteSummary[] }> {
    const connector = await this.loadManaged(actor, id);
    try {
      return { sites: await (await loadSharePointRuntime()).searchSites(await this.graphOf(connector), search) };
    } catch (err) {
      throw apiError(err, "site search");
    }
  }

  /** Document libraries of `siteId`, default the connector's site. @throws VALIDATION_FAILED without either */
  async drives(actor: Actor, id: string, siteId: string | undefined): Promise<{ drives: DriveSummary[] }> {
    const connector = await this.loadManaged(actor, id);
    const site = siteId ?? (typeof connector.config.site_id === "string" ? connector.config.site_id : undefined);
    if (!site)
      throw new AppError("VALIDATION_FAILED", "site_id is required (the connector has none)", { field: "site_id" });
    try {
      return { drives: await (await loadSharePointRuntime()).listDrives(await this.graphOf(connector), site) };
    } catch (err) {
      throw apiError(err, "drive listing");
    }
  }

  /**
   * One page of the sub-folders of `path` ("" = the root) in library `driveId` (default the connector's), by name.
   * @throws VALIDATION_FAILED (no drive, a path with `..`, a bad cursor), NOT_FOUND (unknown library or folder)
   */
  async folders(
    actor: Actor,
    id: string,
    q: { drive_id?: string; path?: string; limit?: number; cursor?: string },
  ): Promise<{ items: FolderSummary[]; next_cursor: string | null }> {
    const connector = await this.loadManaged(actor, id);
    const drive = q.drive_id ?? (typeof connector.config.drive_id === "string" ? connector.config.drive_id : undefined);
    if (!drive)
      throw new AppError("VALIDATION_FAILED", "drive_id is required (the connector has none)", { field: "drive_id" });
    const path = (q.path ?? "").replace(/^\/+|\/+$/g, "");
    if (path.split("/").some((s) => s === ".." || s === ".") || /[\x00-\x1f\\]/.test(path))
      throw new AppError("VALIDATION_FAILED", "path must be a folder path inside the library, e.g. Campaigns/2026", {
        field: "path",
      });
    const limit = clampLimit(q.limit);
    const after = decodeCursor(q.cursor, ["after"])?.after;
    let all: FolderSummary[];
    try {
      all = await (await loadSharePointRuntime()).listFolders(await this.graphOf(connector), drive, path);
    } catch (err) {
      throw apiError(err, path === "" ? "folder listing" : `folder listing of ${path}`);
    }
    all.sort(byFolderName);
    const rest = after === undefined ? all : all.filter((f) => byFolderName(f, { name: after }) > 0);
    const items = rest.slice(0, limit);
    return {
      items,
      next_cursor: rest.length > limit ? encodeCursor({ after: items[items.length - 1]!.name }) : null,
    };
  }

  /** Entra ID users or groups matching `query` (name or e-mail prefix). */
  async searchPrincipals<K extends "users" | "groups">(
    actor: Actor,
    id: string,
    kind: K,
    query: string,
  ): Promise<{ [k in K]: DirectoryPrincipal[] }> {
    const connector = await this.loadManaged(actor, id);
    try {
      const graph = await this.graphOf(connector);
      const { searchUsers, searchGroups } = await loadSharePointRuntime();
      const found = kind === "users" ? await searchUsers(graph, query) : await searchGroups(graph, query);
      return { [kind]: found } as { [k in K]: DirectoryPrincipal[] };
    } catch (err) {
      throw apiError(err, `${kind} search`);
    }
  }

  /** @throws NOT_FOUND, FORBIDDEN */
  private loadManaged(actor: Actor, id: string): Promise<ConnectorRecord> {
    return this.o.access.requireManager(actor, id, this.o.def.type, {
      forbidden: `connector ${id} needs MANAGE_PERMISSIONS on its target share`,
    });
  }

  private async userAuthFlow(connector: ConnectorRecord) {
    const s = sharePointSettings(openConfig(this.o.def, connector, this.o.vault));
    const { UserAuthFlow } = await loadSharePointRuntime();
    return new UserAuthFlow(
      {
        tenantId: s.azure_tenant_id,
        clientId: s.azure_client_id,
        clientSecret: s.azure_client_secret,
        certificatePem: s.azure_client_certificate_pem,
      },
      endpointsFromEnv(process.env),
      this.o.network,
      this.log,
    );
  }

  private async graphOf(c: ConnectorRecord) {
    const settings = sharePointSettings(openConfig(this.o.def, c, this.o.vault));
    return (await loadSharePointRuntime()).openGraph(settings, {
      endpoints: endpointsFromEnv(process.env),
      network: this.o.network,
      logger: this.log.child({ connectorId: c.id }),
    }).graph;
  }
}
