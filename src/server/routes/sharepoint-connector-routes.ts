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
 *   when the request accepts `application/json`. A sign-in that fails after its state was recognised
 *   (refused consent, a code Entra will not redeem) sends a browser to the same page with
 *   `?sign_in_error=<message>`; JSON callers and unknown states get the 400.
 * - `GET /{id}/sites?search=`, `GET /{id}/drives?site_id=`, `GET /{id}/folders?drive_id=&path=` (a page of
 *   sub-folders `{items: [{name, path, child_count, web_url}], next_cursor}`, for choosing a `base_path`),
 *   `POST /{id}/azure/users/search`,
 *   `POST /{id}/azure/groups/search` (`{"query"}` → `{"users"|"groups": [{id, email, name}]}`).
 * - `POST /{id}/test` answers `{success, message, error, site_accessible, permissions: {access, via}}`
 *   (the generic route, with the fields the definition's `testResultSchema` declares).
 *
 * Everything else comes from the generic layer through the definition: auth failures of a run,
 * push/pull job or mount disable the connector and raise a `connector_auth_failed` alert
 * (`disableOnAuthFailure`, see `connectors/connector-auth-guard.ts`); PATCH (even `{}`) re-enables it;
 * opening a remote persists rotated refresh tokens and resolved site/drive ids (`env.saveConfig`);
 * PATCH swaps the credential kind (`preparePatch`).
 *
 * The redirect URI registered on the app must be `SCAIDRIVE_PUBLIC_URL` (default
 * `http://<HOST>:<PORT>`) + `/api/v1/sharepoint-connectors/oauth/callback`.
 *
 * Access: every SharePoint-only route needs MANAGE_PERMISSIONS on the connector's target share
 * (admins always), as changing the connector does; an invisible connector is 404. The rules live
 * in the SharePoint connector service (`connectors/sharepoint/sharepoint-connector-service.ts`);
 * the handlers here parse, call it and answer.
 */
import { Type } from "typebox";
import type { AppInstance, RouteContext, RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { JSON_BODY, Page, PageQuery, errors } from "../schemas.js";
import { connectorSharedSchemas, createConnectorRoutes } from "../connector-routes.js";
import { sharepointDefinition as def } from "../../connectors/sharepoint/sharepoint-definition.js";
import { SignInFailed } from "../../connectors/sharepoint/sharepoint-connector-service.js";

export const SHAREPOINT_BASE = "/api/v1/sharepoint-connectors";
export const OAUTH_CALLBACK_PATH = `${SHAREPOINT_BASE}/oauth/callback`;

/** `SCAIDRIVE_PUBLIC_URL`, else `http://<HOST>:<PORT>` (the port actually bound when PORT is 0). */
function publicUrl(app: AppInstance, ctx: RouteContext): string {
  const fromEnv = process.env.SCAIDRIVE_PUBLIC_URL?.trim();
  if (fromEnv) return fromEnv.replace(/\/+$/, "");
  const addr = app.server.address();
  const port = ctx.config.port || (typeof addr === "object" && addr ? addr.port : 0);
  const host = ctx.config.host.includes(":") ? `[${ctx.config.host}]` : ctx.config.host;
  return `http://${host}:${port}`;
}

const IdParams = Type.Object({ id: Type.String() });
const SearchBody = Type.Object(
  { query: Type.String({ maxLength: 256, description: "name or e-mail prefix; " + '"" lists the first page' }) },
  { additionalProperties: false },
);
const Principal = Type.Object({
  id: Type.String({ description: "Entra object id (use as smb_principal in identity mappings)" }),
  email: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
});

export const sharepointConnectorRoutes: RouteModule = async (app, ctx) => {
  const sharepoint = ctx.sharepoint;
  if (!sharepoint) throw new Error(`connector type ${def.type} is not registered with the sync engine`);
  const tags = ["sharepoint-connectors"];

  await createConnectorRoutes(def, SHAREPOINT_BASE)(app, ctx);

  app.post(
    `${SHAREPOINT_BASE}/:id/authorize`,
    {
      schema: {
        tags,
        summary: "Start the user-auth sign-in (user_auth)",
        description:
          "Returns the Entra ID sign-in URL. Its `state` is single-use, bound " +
          "to this connector and valid 10 minutes; the PKCE verifier stays " +
          "on the server. Optional JSON body `{login_hint: <user principal " +
          "name>}` pre-fills the account; the bodiless POST of the spec works.",
        params: IdParams,
        response: {
          200: Type.Object({ authorization_url: Type.String(), expires_at: Type.String({ format: "date-time" }) }),
          ...errors(400, 401, 403, 404, 502, 504),
        },
      },
    },
    async (req) => {
      const hint = (req.body as { login_hint?: unknown } | null | undefined)?.login_hint;
      return sharepoint.authorize(
        await requireUser(req),
        req.params.id,
        hint,
        `${publicUrl(app, ctx)}${OAUTH_CALLBACK_PATH}`,
      );
    },
  );

  app.get(
    OAUTH_CALLBACK_PATH,
    {
      config: { public: true },
      schema: {
        tags,
        summary: "OAuth redirect target (Entra ID sends the browser here)",
        security: [],
        description:
          "Public: authenticated by the single-use `state`. 400 for an unknown, used or expired state or a refused " +
          "sign-in. Redirects (302) to the web client, or answers JSON when the request accepts application/json. " +
          "A browser whose sign-in fails after a valid state is redirected to the connection's page with " +
          "`?sign_in_error=<message>` instead of the 400.",
        querystring: Type.Object({
          code: Type.Optional(Type.String()),
          state: Type.Optional(Type.String()),
          client_info: Type.Optional(Type.String()),
          session_state: Type.Optional(Type.String()),
          error: Type.Optional(Type.String()),
          error_description: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({
            connector_id: Type.String(),
            authorized: Type.Boolean(),
            enabled: Type.Boolean(),
            user: Type.Object({
              id: Type.String(),
              email: Type.String(),
              name: Type.Union([Type.String(), Type.Null()]),
            }),
          }),
          302: Type.Null(),
          ...errors(400, 404, 502, 504),
        },
      },
    },
    async (req, reply) => {
      const accept = String(req.headers.accept ?? "");
      const page = (id: string) => `${publicUrl(app, ctx)}/connectors/sharepoint/${encodeURIComponent(id)}`;
      let done;
      try {
        done = await sharepoint.completeSignIn(req.query);
      } catch (err) {
        // A browser whose sign-in failed goes back to its connection's page, which shows why.
        if (err instanceof SignInFailed && !accept.includes("application/json"))
          return reply.redirect(`${page(err.connectorId)}?sign_in_error=${encodeURIComponent(err.message)}`, 302);
        throw err;
      }
      if (accept.includes("application/json"))
        return { connector_id: done.connectorId, authorized: true, enabled: done.enabled, user: done.user };
      return reply.redirect(`${page(done.connectorId)}?authorized=true`, 302);
    },
  );

  app.get(
    `${SHAREPOINT_BASE}/:id/sites`,
    {
      schema: {
        tags,
        summary: "Sites the connector's credential can read",
        params: IdParams,
        querystring: Type.Object({
          search: Type.Optional(
            Type.String({ maxLength: 256, description: "keyword; empty or * lists every readable site" }),
          ),
        }),
        response: {
          200: Type.Object({
            sites: Type.Array(
              Type.Object({
                site_id: Type.String(),
                name: Type.String(),
                display_name: Type.String(),
                web_url: Type.String(),
                description: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
          ...errors(400, 401, 403, 404, 502, 504),
        },
      },
    },
    async (req) => sharepoint.sites(await requireUser(req), req.params.id, req.query.search ?? ""),
  );

  app.get(
    `${SHAREPOINT_BASE}/:id/drives`,
    {
      schema: {
        tags,
        summary: "Document libraries (drives) of a site",
        params: IdParams,
        querystring: Type.Object({
          site_id: Type.Optional(
            Type.String({ minLength: 1, maxLength: 512, description: "default: the connector's site_id" }),
          ),
        }),
        response: {
          200: Type.Object({
            drives: Type.Array(
              Type.Object({
                drive_id: Type.String(),
                name: Type.String(),
                drive_type: Type.String(),
                web_url: Type.String(),
                description: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
          ...errors(400, 401, 403, 404, 502, 504),
        },
      },
    },
    async (req) => sharepoint.drives(await requireUser(req), req.params.id, req.query.site_id),
  );

  app.get(
    `${SHAREPOINT_BASE}/:id/folders`,
    {
      schema: {
        tags,
        summary: "Sub-folders of a folder in a document library",
        description:
          "For choosing `base_path`: the folders directly inside `path` of library `drive_id`, by name, a page at " +
          "a time. Files and OneNote notebooks are left out. `path` is an item's `path` (library-relative, no " +
          "leading slash). 404 NOT_FOUND for an unknown library or folder.",
        params: IdParams,
        querystring: Type.Object({
          drive_id: Type.Optional(
            Type.String({ minLength: 1, maxLength: 512, description: "default: the connector's drive_id" }),
          ),
          path: Type.Optional(
            Type.String({ maxLength: 4096, description: 'folder inside the library; "" (default) = the root' }),
          ),
          ...PageQuery,
        }),
        response: {
          200: Page(
            Type.Object({
              name: Type.String(),
              path: Type.String({ description: "library-relative path: the base_path that syncs this folder" }),
              child_count: Type.Union([Type.Integer(), Type.Null()], {
                description: "items directly inside (files and folders)",
              }),
              web_url: Type.String(),
            }),
          ),
          ...errors(400, 401, 403, 404, 502, 504),
        },
      },
    },
    async (req) => sharepoint.folders(await requireUser(req), req.params.id, req.query),
  );

  for (const kind of ["users", "groups"] as const) {
    app.post(
      `${SHAREPOINT_BASE}/:id/azure/${kind}/search`,
      {
        schema: {
          tags,
          summary: `Search Entra ID ${kind} (for identity mappings: their id is the smb_principal)`,
          params: IdParams,
          body: SearchBody,
          response: {
            200: Type.Object({ [kind]: Type.Array(Principal) }),
            ...errors(JSON_BODY, 401, 403, 404, 502, 504),
          },
        },
      },
      async (req) => sharepoint.searchPrincipals(await requireUser(req), req.params.id, kind, req.body.query),
    );
  }
};
sharepointConnectorRoutes.sharedSchemas = connectorSharedSchemas(def);
