/**
 * Mints the tokens Entra hands out: Graph access tokens (v1.0 claims, as Graph receives them:
 * `aud`, `iss`, `tid`, `oid`, `sub`, `appid`, `azp`, `roles` or `scp`, `idtyp`), v2.0 id tokens
 * (with the authorize request's `nonce`) and `client_info`. Everything is signed RS256 with the
 * run's key; lifetimes come from the context at minting time.
 */
import { createHash, randomBytes } from "node:crypto";
import type { DirectoryApp, DirectoryTenant, DirectoryUser } from "../directory/directory.js";
import type { EntraContext } from "./entra-context.js";
import { signJwt } from "./jwt-codec.js";
import { GRAPH_RESOURCE } from "./scopes.js";

/** How the client authenticated: `appidacr` 0 public, 1 secret, 2 certificate. */
export type ClientAcr = "0" | "1" | "2";

const nowSec = (): number => Math.floor(Date.now() / 1000);
const uti = (): string => randomBytes(16).toString("base64url").slice(0, 22);

/** Issuer of access tokens (v1.0 shape, `https://sts.windows.net/{tid}/` on the real service). */
export const accessTokenIssuer = (baseUrl: string, tenantId: string): string => `${baseUrl}/${tenantId}/`;
/** Issuer of id tokens and of the OpenID configuration (v2.0). */
export const v2Issuer = (baseUrl: string, tenantId: string): string => `${baseUrl}/${tenantId}/v2.0`;

/** Stable object id of an app's service principal in its tenant (apps have one per tenant). */
export function servicePrincipalId(tenantId: string, appId: string): string {
  const h = createHash("sha1").update(`sp:${tenantId}:${appId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The pairwise `sub` of a user as one app sees it. */
function pairwiseSub(appId: string, userId: string): string {
  return createHash("sha256").update(`${appId}:${userId}`).digest("base64url").slice(0, 43);
}

/** Claims every Graph access token carries, whoever it speaks for. */
function baseAccessClaims(
  ctx: EntraContext,
  baseUrl: string,
  tenant: DirectoryTenant,
  app: DirectoryApp,
  acr: ClientAcr,
): Record<string, unknown> {
  const iat = nowSec();
  return {
    aud: GRAPH_RESOURCE,
    iss: accessTokenIssuer(baseUrl, tenant.id),
    iat,
    nbf: iat,
    exp: iat + ctx.tokenLifetimeSec,
    app_displayname: app.displayName,
    appid: app.appId,
    azp: app.appId,
    appidacr: acr,
    tid: tenant.id,
    uti: uti(),
    ver: "1.0",
  };
}

function signAccess(ctx: EntraContext, payload: Record<string, unknown>): { token: string; expiresIn: number } {
  const token = signJwt(
    { alg: "RS256", kid: ctx.signingKey.kid, x5t: ctx.signingKey.kid },
    payload,
    ctx.signingKey.privateKey,
  );
  return { token, expiresIn: (payload.exp as number) - (payload.iat as number) };
}

export function mintAppAccessToken(
  ctx: EntraContext,
  baseUrl: string,
  tenant: DirectoryTenant,
  app: DirectoryApp,
  acr: ClientAcr,
): { token: string; expiresIn: number } {
  const sp = servicePrincipalId(tenant.id, app.appId);
  const payload: Record<string, unknown> = {
    ...baseAccessClaims(ctx, baseUrl, tenant, app, acr),
    idp: accessTokenIssuer(baseUrl, tenant.id),
    idtyp: "app",
    oid: sp,
    sub: sp,
  };
  if (app.appRoles.length) payload.roles = [...app.appRoles];
  return signAccess(ctx, payload);
}

export function mintUserAccessToken(
  ctx: EntraContext,
  baseUrl: string,
  tenant: DirectoryTenant,
  app: DirectoryApp,
  user: DirectoryUser,
  scp: string[],
  acr: ClientAcr,
): { token: string; expiresIn: number } {
  return signAccess(ctx, {
    ...baseAccessClaims(ctx, baseUrl, tenant, app, acr),
    acr: "1",
    amr: ["pwd"],
    family_name: user.surname ?? undefined,
    given_name: user.givenName ?? undefined,
    idtyp: "user",
    name: user.displayName,
    oid: user.id,
    scp: scp.join(" "),
    sub: pairwiseSub(app.appId, user.id),
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
  });
}

export function mintIdToken(
  ctx: EntraContext,
  baseUrl: string,
  tenant: DirectoryTenant,
  app: DirectoryApp,
  user: DirectoryUser,
  opts: { nonce?: string; email?: boolean },
): string {
  const iat = nowSec();
  const payload: Record<string, unknown> = {
    aud: app.appId,
    iss: v2Issuer(baseUrl, tenant.id),
    iat,
    nbf: iat,
    exp: iat + ctx.tokenLifetimeSec,
    name: user.displayName,
    oid: user.id,
    preferred_username: user.userPrincipalName,
    rh: "0.emulated",
    sub: pairwiseSub(app.appId, user.id),
    tid: tenant.id,
    uti: uti(),
    ver: "2.0",
  };
  if (opts.nonce) payload.nonce = opts.nonce;
  if (opts.email) payload.email = user.mail;
  return signJwt({ alg: "RS256", kid: ctx.signingKey.kid }, payload, ctx.signingKey.privateKey);
}

/** base64url JSON `{uid, utid}`: MSAL's home account id is `uid.utid`. */
export function clientInfo(user: DirectoryUser): string {
  return Buffer.from(JSON.stringify({ uid: user.id, utid: user.tenantId })).toString("base64url");
}
