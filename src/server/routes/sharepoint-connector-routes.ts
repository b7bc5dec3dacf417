/**
 * `/api/v1/sharepoint-connectors` (spec `sharepoint-connector.md`): the generic connector routes
 * with the SharePoint definition, plus what only SharePoint has:
 *
 * - `POST /{id}/authorize` → `{authorization_url, expires_at}` (user_auth): a single-use `state`
 *   bound to the connector, valid 10 minutes, with the PKCE verifier and nonce kept server-side.
 * - `GET /oauth/callback` (public: Entra's redirect carries no ScaiDrive token; the state is the
 *   credential) redeems the code through MSAL, stores the refresh token sealed (`refresh_token_set`),
 *   re-enables a connector disabled by an auth failure and resolves its alert, then redirects to
 *   the web client (`<public url>/connectors/sharepoint/<id>?authorized=true`) or answers JSON
 *   when the request accepts `application/json`.
 * - `GET /{id}/sites?search=`, `GET /{id}/drives?site_id=`, `POST /{id}/azure/users/search`,
 *   `POST /{id}/azure/groups/search` (`{"query"}` → `{"users"|"groups": [{id, email, name}]}`).
 * - `POST /{id}/test` answers `{success, message, error, site_accessible, permissions: {access, via}}`
 *   (the generic route, with the fields the definition's `testResultSchema` declares).
 *
 * Everything else comes from the generic layer through the definition: auth failures of a run,
 * push/pull job or mount disable the connector and raise a `connector_auth_failed` alert
 * (`disableOnAuthFailure`, see `server/connector-auth-guard.ts`); PATCH (even `{}`) re-enables it;
 * opening a remote persists rotated refresh tokens and resolved site/drive ids (`env.saveConfig`);
 * PATCH swaps the credential kind (`preparePatch`).
 *
 * The redirect URI registered on the app must be `SCAIDRIVE_PUBLIC_URL` (default
 * `http://<HOST>:<PORT>`) + `/api/v1/sharepoint-connectors/oauth/callback`.
 *
 * Access: every SharePoint-only route needs MANAGE_PERMISSIONS on the connector's target share
 * (admins always), as changing the connector does; an invisible connector is 404.
 */
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { AppContext } from "../app-context.js";
import type { AppInstance, RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { JSON_BODY, errors } from "../schemas.js";
import { attachSyncRuntime } from "../sync-runtime.js";
import { connectorSharedSchemas, createConnectorRoutes } from "./connector-routes.js";
import { AppError, isAppError } from "../../core/errors.js";
import type { Actor } from "../../core/actor.js";
import type { ConnectorRecord } from "../../store/sync/connector-store.js";
import { openConfig } from "../../connectors/connector-definition.js";
import { sharePointSettings, sharepointDefinition as def } from "../../connectors/sharepoint/sharepoint-definition.js";
import { endpointsFromEnv } from "../../connectors/sharepoint/sharepoint-endpoints.js";
import { loadSharePointRuntime } from "../../connectors/sharepoint/sharepoint-runtime-loader.js";
import { RemoteError } from "../../sync/remote-errors.js";
import { OAuthStateStore, oauthStatesOf } from "./sharepoint-oauth-state.js";

export const SHAREPOINT_BASE = "/api/v1/sharepoint-connectors";
export const OAUTH_CALLBACK_PATH = `${SHAREPOINT_BASE}/oauth/callback`;
/** A RemoteError from a helper call → the API's error table. */
function apiError(err: unknown, what: string): unknown {
  if (!(err instanceof RemoteError)) return err;
  switch (err.kind) {
    case "auth": return new AppError("CONNECTOR_AUTH_FAILED", `${what}: ${err.message}`, undefined, { cause: err });
    case "unreachable": return new AppError("CONNECTOR_UNREACHABLE", `${what}: ${err.message}`, undefined, { cause: err });
    case "destination_denied": return new AppError("DESTINATION_DENIED", `${what}: ${err.message}`, undefined, { cause: err });
    case "not_found": return new AppError("NOT_FOUND", `${what}: ${err.message}`, undefined, { cause: err });
    case "access_denied": return new AppError("FORBIDDEN", `${what}: SharePoint refused access: ${err.message}`, undefined, { cause: err });
    default: return new AppError("CONNECTOR_UNREACHABLE", `${what}: ${err.message}`, undefined, { cause: err });
  }
}

/** `SCAIDRIVE_PUBLIC_URL`, else `http://<HOST>:<PORT>` (the port actually bound when PORT is 0). */
function publicUrl(app: AppInstance, ctx: AppContext): string {
  const fromEnv = process.env.SCAIDRIVE_PUBLIC_URL?.trim();
  if (fromEnv) return fromEnv.replace(/\/+$/, "");
  const addr = app.server.address();
  const port = ctx.config.port || (typeof addr === "object" && addr ? addr.port : 0);
  const host = ctx.config.host.includes(":") ? `[${ctx.config.host}]` : ctx.config.host;
  return `http://${host}:${port}`;
}

const IdParams = Type.Object({ id: Type.String() });
const SearchBody = Type.Object({ query: Type.String({ maxLength: 256, description: "name or e-mail prefix; \"\" lists the first page" }) }, { additionalProperties: false });
const Principal = Type.Object({ id: Type.String({ description: "Entra object id (use as smb_principal in identity mappings)" }), email: Type.Union([Type.String(), Type.Null()]), name: Type.String() });

export const sharepointConnectorRoutes: RouteModule = async (app, ctx) => {
  const runtime = attachSyncRuntime(app, ctx);
  const { stores } = runtime;
  const states: OAuthStateStore = oauthStatesOf(ctx);
  const log = ctx.logger.child({ component: "sharepoint-api" });
  const tags = ["sharepoint-connectors"];

  /** The connector if the caller may change it (admins, or MANAGE_PERMISSIONS on the target). @throws NOT_FOUND, FORBIDDEN */
  const loadManaged = async (req: FastifyRequest, id: string): Promise<{ actor: Actor; connector: ConnectorRecord }> => {
    const actor = await requireUser(req);
    const connector = await stores.connectors.get(id);
    if (!connector || connector.type !== def.type) throw new AppError("NOT_FOUND", `connector ${id} not found`);
    if (!actor.isAdmin) {
      try {
        await ctx.nodes.locate(actor, connector.target_share_id, "/", "MANAGE_PERMISSIONS");
      } catch (err) {
        if (isAppError(err) && err.code === "NOT_FOUND") throw new AppError("NOT_FOUND", `connector ${id} not found`);
        if (isAppError(err) && err.code === "FORBIDDEN") throw new AppError("FORBIDDEN", `connector ${id} needs MANAGE_PERMISSIONS on its target share`);
        throw err;
      }
    }
    return { actor, connector };
  };

  const graphOf = async (c: ConnectorRecord) =>
    (await loadSharePointRuntime()).openGraph(sharePointSettings(openConfig(def, c, ctx.vault)), { endpoints: endpointsFromEnv(process.env), network: ctx.config.connectorNetwork, logger: log.child({ connectorId: c.id }) }).graph;

  await createConnectorRoutes(def, SHAREPOINT_BASE)(app, ctx);

  app.post(`${SHAREPOINT_BASE}/:id/authorize`, {
    schema: {
      tags, summary: "Start the user-auth sign-in (user_auth)",
      description: "Returns the Entra ID sign-in URL. Its `state` is single-use, bound to this connector and valid 10 minutes; the PKCE verifier stays on the server. Optional JSON body `{login_hint: <user principal name>}` pre-fills the account; the bodiless POST of the spec works.",
      params: IdParams,
      response: { 200: Type.Object({ authorization_url: Type.String(), expires_at: Type.String({ format: "date-time" }) }), ...errors(400, 401, 403, 404, 502, 504) },
    },
  }, async (req) => {
    const { connector, actor } = await loadManaged(req, req.params.id);
    if (connector.config.auth_type !== "user_auth") {
      throw new AppError("VALIDATION_FAILED", "authorize is for auth_type user_auth; this connector uses app_auth", { field: "auth_type" });
    }
    const hint = (req.body as { login_hint?: unknown } | null | undefined)?.login_hint;
    if (hint !== undefined && (typeof hint !== "string" || hint.length > 320)) {
      throw new AppError("VALIDATION_FAILED", "login_hint must be a user principal name (at most 320 characters)", { field: "login_hint" });
    }
    const loginHint = typeof hint === "string" && hint !== "" ? hint : undefined;
    const config = openConfig(def, connector, ctx.vault);
    const s = sharePointSettings(config);
    const redirectUri = `${publicUrl(app, ctx)}${OAUTH_CALLBACK_PATH}`;
    const { UserAuthFlow } = await loadSharePointRuntime();
    const flow = new UserAuthFlow({ tenantId: s.azure_tenant_id, clientId: s.azure_client_id, clientSecret: s.azure_client_secret, certificatePem: s.azure_client_certificate_pem }, endpointsFromEnv(process.env), ctx.config.connectorNetwork, log);
    const state = states.newState();
    let built;
    try {
      built = await flow.buildAuthorizationUrl({ state, redirectUri, loginHint });
    } catch (err) {
      throw apiError(err, "authorization URL");
    }
    const entry = states.put(state, { connectorId: connector.id, pkceVerifier: built.pkceVerifier, nonce: built.nonce, redirectUri, userId: actor.userId });
    log.info({ connectorId: connector.id, userId: actor.userId }, "user-auth sign-in started");
    return { authorization_url: built.url, expires_at: new Date(entry.expiresAtMs).toISOString() };
  });

  app.get(OAUTH_CALLBACK_PATH, {
    config: { public: true },
    schema: {
      tags, summary: "OAuth redirect target (Entra ID sends the browser here)",
      security: [],
      description: "Public: authenticated by the single-use `state`. 400 for an unknown, used or expired state or a refused sign-in. Redirects (302) to the web client, or answers JSON when the request accepts application/json.",
      querystring: Type.Object({
        code: Type.Optional(Type.String()), state: Type.Optional(Type.String()), client_info: Type.Optional(Type.String()),
        session_state: Type.Optional(Type.String()), error: Type.Optional(Type.String()), error_description: Type.Optional(Type.String()),
      }),
      response: {
        200: Type.Object({ connector_id: Type.String(), authorized: Type.Boolean(), enabled: Type.Boolean(), user: Type.Object({ id: Type.String(), email: Type.String(), name: Type.Union([Type.String(), Type.Null()]) }) }),
        302: Type.Null(),
        ...errors(400, 404, 502, 504),
      },
    },
  }, async (req, reply) => {
    const q = req.query;
    const entry = q.state ? states.take(q.state) : undefined;
    if (!entry) throw new AppError("VALIDATION_FAILED", "state is unknown, already used or expired: start again with POST /api/v1/sharepoint-connectors/{id}/authorize", { field: "state" });
    if (q.error) throw new AppError("VALIDATION_FAILED", `the sign-in was not completed: ${q.error}${q.error_description ? ` (${q.error_description.split(/\r?\n/)[0]})` : ""}`, { field: "error" });
    if (!q.code) throw new AppError("VALIDATION_FAILED", "code is missing", { field: "code" });
    const connector = await stores.connectors.get(entry.connectorId);
    if (!connector || connector.type !== def.type) throw new AppError("NOT_FOUND", `connector ${entry.connectorId} no longer exists`);
    const s = sharePointSettings(openConfig(def, connector, ctx.vault));
    const { UserAuthFlow } = await loadSharePointRuntime();
    const flow = new UserAuthFlow({ tenantId: s.azure_tenant_id, clientId: s.azure_client_id, clientSecret: s.azure_client_secret, certificatePem: s.azure_client_certificate_pem }, endpointsFromEnv(process.env), ctx.config.connectorNetwork, log);
    let redeemed;
    try {
      redeemed = await flow.redeemCode({ code: q.code, pkceVerifier: entry.pkceVerifier, redirectUri: entry.redirectUri, state: q.state, nonce: entry.nonce, clientInfo: q.client_info });
    } catch (err) {
      throw apiError(err, "redeeming the authorization code");
    }
    let updated = await stores.connectors.update(connector.id, {
      secrets: { ...connector.secrets, refresh_token: ctx.vault.seal(redeemed.refreshToken) },
    });
    updated = await runtime.authGuard.saved(updated);
    log.info({ connectorId: connector.id, userId: entry.userId }, "user-auth sign-in completed");
    const accept = String(req.headers.accept ?? "");
    if (accept.includes("application/json")) {
      return {
        connector_id: connector.id, authorized: true, enabled: updated.status === "enabled",
        user: { id: redeemed.account.objectId, email: redeemed.account.username, name: redeemed.account.name ?? null },
      };
    }
    return reply.redirect(`${publicUrl(app, ctx)}/connectors/sharepoint/${encodeURIComponent(connector.id)}?authorized=true`, 302);
  });

  app.get(`${SHAREPOINT_BASE}/:id/sites`, {
    schema: {
      tags, summary: "Sites the connector's credential can read",
      params: IdParams,
      querystring: Type.Object({ search: Type.Optional(Type.String({ maxLength: 256, description: "keyword; empty or * lists every readable site" })) }),
      response: {
        200: Type.Object({ sites: Type.Array(Type.Object({ site_id: Type.String(), name: Type.String(), display_name: Type.String(), web_url: Type.String(), description: Type.Union([Type.String(), Type.Null()]) })) }),
        ...errors(400, 401, 403, 404, 502, 504),
      },
    },
  }, async (req) => {
    const { connector } = await loadManaged(req, req.params.id);
    try {
      return { sites: await (await loadSharePointRuntime()).searchSites(await graphOf(connector), req.query.search ?? "") };
    } catch (err) {
      throw apiError(err, "site search");
    }
  });

  app.get(`${SHAREPOINT_BASE}/:id/drives`, {
    schema: {
      tags, summary: "Document libraries (drives) of a site",
      params: IdParams,
      querystring: Type.Object({ site_id: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: "default: the connector's site_id" })) }),
      response: {
        200: Type.Object({ drives: Type.Array(Type.Object({ drive_id: Type.String(), name: Type.String(), drive_type: Type.String(), web_url: Type.String(), description: Type.Union([Type.String(), Type.Null()]) })) }),
        ...errors(400, 401, 403, 404, 502, 504),
      },
    },
  }, async (req) => {
    const { connector } = await loadManaged(req, req.params.id);
    const siteId = req.query.site_id ?? (typeof connector.config.site_id === "string" ? connector.config.site_id : undefined);
    if (!siteId) throw new AppError("VALIDATION_FAILED", "site_id is required (the connector has none)", { field: "site_id" });
    try {
      return { drives: await (await loadSharePointRuntime()).listDrives(await graphOf(connector), siteId) };
    } catch (err) {
      throw apiError(err, "drive listing");
    }
  });

  for (const kind of ["users", "groups"] as const) {
    app.post(`${SHAREPOINT_BASE}/:id/azure/${kind}/search`, {
      schema: {
        tags, summary: `Search Entra ID ${kind} (for identity mappings: their id is the smb_principal)`,
        params: IdParams, body: SearchBody,
        response: { 200: Type.Object({ [kind]: Type.Array(Principal) }), ...errors(JSON_BODY, 401, 403, 404, 502, 504) },
      },
    }, async (req) => {
      const { connector } = await loadManaged(req, req.params.id);
      try {
        const graph = await graphOf(connector);
        const { searchUsers, searchGroups } = await loadSharePointRuntime();
        const found = kind === "users" ? await searchUsers(graph, req.body.query) : await searchGroups(graph, req.body.query);
        return { [kind]: found };
      } catch (err) {
        throw apiError(err, `${kind} search`);
      }
    });
  }
};
sharepointConnectorRoutes.sharedSchemas = connectorSharedSchemas(def);
