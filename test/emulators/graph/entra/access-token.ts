/**
 * What Graph needs from Entra for each request: who the bearer token speaks for
 * ({@link verifyAccessToken}) and what that principal may do on a site ({@link siteAccess}).
 */
import type { EntraContext } from "./entra-context.js";
import { decodeJwt, verifyJwtSignature } from "./jwt-codec.js";
import { GRAPH_APP_ID, GRAPH_RESOURCE } from "./scopes.js";
import { accessTokenIssuer } from "./token-mint.js";

export interface TokenPrincipal {
  tenantId: string;
  appId: string;
  kind: "app" | "delegated";
  /** Application permissions (`roles` claim); empty for delegated tokens. */
  roles: string[];
  /** Delegated permissions (`scp` claim, split); empty for app tokens. */
  scopes: string[];
  /** The signed-in user's object id (delegated tokens only). */
  userId?: string;
}

/**
 * A rejected bearer token. `status` 401 and `code` `InvalidAuthenticationToken` are what Graph
 * answers (with a `WWW-Authenticate: Bearer` challenge in `headers`); the message names the cause
 * the way Graph's does (expired, bad signature, wrong audience, unknown tenant...).
 */
export class EntraTokenError extends Error {
  readonly status = 401;
  readonly code = "InvalidAuthenticationToken";
  readonly headers: Record<string, string>;
  constructor(message: string, baseUrl: string) {
    super(message);
    this.name = "EntraTokenError";
    this.headers = {
      "WWW-Authenticate":
        `Bearer realm="", ` + `authorization_uri="${baseUrl}/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`,
    };
  }
}

const ACCEPTED_AUDIENCES = [GRAPH_RESOURCE, `${GRAPH_RESOURCE}/`, GRAPH_APP_ID];

/**
 * Verifies signature (the run's key; tokens of an earlier run fail), `exp`/`nbf` (no clock skew
 * on `exp`, so a test that lets a token lapse sees 401 at once), audience (Graph's URI or app id,
 * or the emulator's own origin) and issuer tenant. Access tokens stay valid until they expire
 * even if their refresh session is revoked — as on the real service.
 */
export function verifyAccessToken(ctx: EntraContext, bearer: string): TokenPrincipal {
  const fail = (msg: string): never => {
    throw new EntraTokenError(msg, ctx.publicOrigin?.current() || ctx.baseUrl);
  };
  if (!bearer) fail("Access token is empty.");
  const jwt = decodeJwt(bearer);
  if (!jwt)
    return fail(
      "IDX14100: JWT is not well formed, there are no dots (.).\nThe " +
        "token needs to be in JWS or JWE Compact Serialization Format.",
    );
  if (
    jwt.header.alg !== "RS256" ||
    jwt.header.kid !== ctx.signingKey.kid ||
    !verifyJwtSignature(jwt, "RS256", ctx.signingKey.publicKey)
  ) {
    fail("Access token validation failure. Invalid signature.");
  }
  const c = jwt.payload;
  const now = Math.floor(Date.now() / 1000);
  if (typeof c.exp !== "number" || c.exp <= now) fail("Lifetime validation failed, the token is expired.");
  if (typeof c.nbf === "number" && c.nbf - 300 > now) fail("Lifetime validation failed, the token is not yet valid.");
  const audiences = [...ACCEPTED_AUDIENCES, ...(ctx.baseUrl ? [ctx.baseUrl, `${ctx.baseUrl}/`] : [])];
  if (typeof c.aud !== "string" || !(audiences.includes(c.aud) || isOwnOrigin(ctx, c.aud.replace(/\/$/, ""))))
    fail("Invalid audience.");
  const tenant = typeof c.tid === "string" ? ctx.directory.findTenant(c.tid) : undefined;
  if (!tenant) return fail("Access token validation failure. Invalid tenant.");
  if (ctx.baseUrl && !issuedHere(ctx, c.iss, tenant.id)) fail("Access token validation failure. Invalid issuer.");
  const appId = typeof c.appid === "string" ? c.appid : typeof c.azp === "string" ? c.azp : "";
  if (!ctx.directory.findApp(tenant.id, appId)) fail("Access token validation failure. Unknown application.");
  if (c.idtyp === "user" || typeof c.scp === "string") {
    const userId = typeof c.oid === "string" ? c.oid : "";
    const user = ctx.directory.findUser(tenant.id, userId);
    if (!user) return fail("Access token validation failure. Unknown user.");
    if (!user.accountEnabled) fail("Access token validation failure. User account is disabled.");
    return {
      tenantId: tenant.id,
      appId,
      kind: "delegated",
      roles: [],
      scopes: typeof c.scp === "string" ? c.scp.split(" ").filter(Boolean) : [],
      userId: user.id,
    };
  }
  return {
    tenantId: tenant.id,
    appId,
    kind: "app",
    roles: Array.isArray(c.roles) ? c.roles.filter((r): r is string => typeof r === "string") : [],
    scopes: [],
  };
}

/** An origin (no path) the emulator answers as; only with a {@link EntraContext.publicOrigin}. */
function isOwnOrigin(ctx: EntraContext, value: string): boolean {
  if (!ctx.publicOrigin || !/^https:\/\/[^/]+$/i.test(value)) return false;
  return ctx.publicOrigin.isOwn(value);
}

/**
 * Whether `iss` is this emulator's access-token issuer for the tenant. The issuer follows the
 * host the token was requested from (`https://login.microsoftonline.com/{tid}/` when the client
 * called that name), so any of the emulator's own origins counts, not only the listening one.
 */
function issuedHere(ctx: EntraContext, iss: unknown, tenantId: string): boolean {
  if (typeof iss !== "string") return false;
  if (iss === accessTokenIssuer(ctx.baseUrl, tenantId)) return true;
  let origin: string;
  try {
    origin = new URL(iss).origin;
  } catch {
    return false;
  }
  return iss === accessTokenIssuer(origin, tenantId) && isOwnOrigin(ctx, origin);
}

/** Permissions that reach every site, by what they allow. Names compare case-insensitively. */
const WRITE_ALL = ["Sites.FullControl.All", "Sites.Manage.All", "Sites.ReadWrite.All", "Files.ReadWrite.All"];
const READ_ALL = ["Sites.Read.All", "Files.Read.All"];

/**
 * The effective access of a token to a site and the grant that gave it (`via`, e.g.
 * `role:Sites.ReadWrite.All`, `scope:Sites.Read.All`, `Sites.Selected:write`), taking the
 * strongest. App tokens use their roles; delegated tokens their scopes. `Sites.Selected` (role or
 * scope) counts only with a per-site grant for the app, matched by site id or — through
 * `ctx.siteUrlOf` — by the site's web URL. For delegated tokens this is the app-side ceiling
 * only: the user's own permissions on the site are the Graph side's to apply.
 */
export function siteAccess(
  ctx: EntraContext,
  p: TokenPrincipal,
  siteId: string,
): { access: "none" | "read" | "write"; via: string } {
  const perms = p.kind === "app" ? p.roles : p.scopes;
  const kind = p.kind === "app" ? "role" : "scope";
  const has = (name: string): boolean => perms.some((x) => x.toLowerCase() === name.toLowerCase());
  const write = WRITE_ALL.find(has);
  if (write) return { access: "write", via: `${kind}:${write}` };
  let best: { access: "none" | "read" | "write"; via: string } = { access: "none", via: "none" };
  const read = READ_ALL.find(has);
  if (read) best = { access: "read", via: `${kind}:${read}` };
  if (has("Sites.Selected")) {
    const app = ctx.directory.findApp(p.tenantId, p.appId);
    const url = ctx.siteUrlOf?.(siteId)?.replace(/\/+$/, "").toLowerCase();
    const names = new Set([siteId.toLowerCase(), ...(url ? [url] : [])]);
    for (const g of app?.siteGrants ?? []) {
      if (!names.has(g.site.replace(/\/+$/, "").toLowerCase())) continue;
      const level = g.roles.some((r) => r !== "read") ? "write" : g.roles.includes("read") ? "read" : "none";
      if (level === "write") return { access: "write", via: `Sites.Selected:${g.roles.join(",")}` };
      if (level === "read" && best.access === "none") best = { access: "read", via: `Sites.Selected:read` };
    }
  }
  return best;
}
