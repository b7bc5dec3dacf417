/**
 * `POST /{tenant}/oauth2/v2.0/token`: the `client_credentials`, `authorization_code` (with PKCE),
 * `refresh_token` and `password` (ROPC, for headless tests of user-auth code paths) grants. Takes the parsed form
 * (unknown fields — MSAL's telemetry and
 * `client_info=1` among them — are ignored) and answers Entra's success JSON, or throws the
 * {@link EntraError} Entra would send.
 */
import { createHash } from "node:crypto";
import type { DirectoryApp, DirectoryTenant, DirectoryUser } from "../directory/directory.js";
import { authenticateClient, clientCredentialsOf } from "./client-auth.js";
import type { EntraContext } from "./entra-context.js";
import { aadsts } from "./entra-error.js";
import { hasScope, parseScopes, type ParsedScopes } from "./scopes.js";
import { clientInfo, mintAppAccessToken, mintIdToken, mintUserAccessToken, type ClientAcr } from "./token-mint.js";

/** Tenant segments that name no tenant; the tenant then comes from the code, token or user. */
export const MULTI_TENANT_SEGMENTS = new Set(["common", "organizations", "consumers"]);

/** The tenant a URL segment names, `null` for common/organizations; throws AADSTS90002. */
export function resolveTenantSegment(ctx: EntraContext, segment: string): DirectoryTenant | null {
  if (MULTI_TENANT_SEGMENTS.has(segment.toLowerCase())) return null;
  const t = ctx.directory.findTenant(segment);
  if (!t) throw aadsts.tenantNotFound(segment);
  return t;
}

export function handleTokenRequest(
  ctx: EntraContext,
  baseUrl: string,
  tenantSegment: string,
  form: Record<string, string>,
  authorization?: string,
): Record<string, unknown> {
  const tenant = resolveTenantSegment(ctx, tenantSegment);
  const grantType = form.grant_type;
  if (!grantType) throw aadsts.missingParameter("grant_type");
  const creds = clientCredentialsOf(form, authorization);
  if (!creds.clientId) throw aadsts.missingParameter("client_id");
  let result: Record<string, unknown>;
  switch (grantType) {
    case "client_credentials":
      result = clientCredentials(ctx, baseUrl, tenant, tenantSegment, creds, form);
      break;
    case "authorization_code":
      result = authorizationCode(ctx, baseUrl, tenant, tenantSegment, creds, form);
      break;
    case "refresh_token":
      result = refreshToken(ctx, baseUrl, tenant, tenantSegment, creds, form);
      break;
    case "password":
      result = resourceOwnerPassword(ctx, baseUrl, tenant, tenantSegment, creds, form);
      break;
    default:
      throw aadsts.unsupportedGrant(grantType);
  }
  ctx.stats.issued[grantType] = (ctx.stats.issued[grantType] ?? 0) + 1;
  return result;
}

function appOf(ctx: EntraContext, tenant: DirectoryTenant, clientId: string): DirectoryApp {
  const app = ctx.directory.findApp(tenant.id, clientId);
  if (!app) throw aadsts.appNotFound(clientId, tenant.domain);
  return app;
}

function clientCredentials(
  ctx: EntraContext,
  baseUrl: string,
  tenant: DirectoryTenant | null,
  segment: string,
  creds: ReturnType<typeof clientCredentialsOf>,
  form: Record<string, string>,
): Record<string, unknown> {
  if (!tenant) throw aadsts.noTenantInfo();
  const app = appOf(ctx, tenant, creds.clientId!);
  if (!form.scope) throw aadsts.missingParameter("scope");
  const scopes = parseScopes(form.scope, baseUrl, segment);
  if (scopes.oidc.length || scopes.graph.length !== 1 || scopes.graph[0] !== ".default") {
    throw aadsts.scopeNotDefault(form.scope);
  }
  const acr = authenticateClient(baseUrl, tenant, app, creds, false);
  const { token, expiresIn } = mintAppAccessToken(ctx, baseUrl, tenant, app, acr);
  return { token_type: "Bearer", expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token };
}

/**
 * The tenant, app and user a code or refresh token was issued for, checked against the URL's
 * tenant (a code or token from another tenant is malformed there) and the requesting client.
 */
function grantParties(
  ctx: EntraContext,
  segmentTenant: DirectoryTenant | null,
  creds: ReturnType<typeof clientCredentialsOf>,
  grant: { tenantId: string; appId: string; userId: string },
): { tenant: DirectoryTenant; app: DirectoryApp; user: DirectoryUser } {
  const tenant = ctx.directory.findTenant(grant.tenantId)!;
  if (segmentTenant && segmentTenant.id !== tenant.id) throw aadsts.codeInvalid();
  const app = appOf(ctx, tenant, creds.clientId!);
  if (grant.appId !== app.appId) throw aadsts.grantOtherClient();
  const user = ctx.directory.findUser(tenant.id, grant.userId)!;
  if (!user.accountEnabled) throw aadsts.userDisabled();
  return { tenant, app, user };
}

function authorizationCode(
  ctx: EntraContext,
  baseUrl: string,
  segmentTenant: DirectoryTenant | null,
  segment: string,
  creds: ReturnType<typeof clientCredentialsOf>,
  form: Record<string, string>,
): Record<string, unknown> {
  if (!form.code) throw aadsts.missingParameter("code");
  if (!form.redirect_uri) throw aadsts.missingParameter("redirect_uri");
  const looked = ctx.directory.grants.redeemCode(form.code);
  if (!looked.ok) {
    if (looked.reason === "redeemed") throw aadsts.codeRedeemed();
    if (looked.reason === "expired") throw aadsts.grantExpired();
    throw aadsts.codeInvalid();
  }
  const grant = looked.grant;
  const { tenant, app, user } = grantParties(ctx, segmentTenant, creds, grant);
  if (grant.redirectUri !== form.redirect_uri) throw aadsts.redirectMismatch(form.redirect_uri, app.appId);
  const acr = authenticateClient(baseUrl, tenant, app, creds, true);
  if (grant.codeChallenge) {
    const verifier = form.code_verifier;
    if (!verifier) throw aadsts.pkceMissing();
    const computed =
      grant.codeChallengeMethod === "plain" ? verifier : createHash("sha256").update(verifier).digest("base64url");
    if (computed !== grant.codeChallenge) throw aadsts.pkceMismatch();
  }
  const scopes = parseScopes(form.scope ?? grant.scopes.join(" "), baseUrl, segment);
  return userTokens(ctx, baseUrl, tenant, app, user, scopes, acr, grant.nonce, undefined);
}

function refreshToken(
  ctx: EntraContext,
  baseUrl: string,
  segmentTenant: DirectoryTenant | null,
  segment: string,
  creds: ReturnType<typeof clientCredentialsOf>,
  form: Record<string, string>,
): Record<string, unknown> {
  if (!form.refresh_token) throw aadsts.missingParameter("refresh_token");
  const looked = ctx.directory.grants.lookupRefreshToken(form.refresh_token);
  if (!looked.ok) {
    if (looked.reason === "revoked") throw aadsts.grantRevoked();
    if (looked.reason === "expired") throw aadsts.refreshExpired();
    throw aadsts.grantExpired();
  }
  const grant = looked.grant;
  const { tenant, app, user } = grantParties(ctx, segmentTenant, creds, grant);
  const acr = authenticateClient(baseUrl, tenant, app, creds, true);
  const scopes = parseScopes(form.scope ?? grant.scopes.join(" "), baseUrl, segment);
  return userTokens(ctx, baseUrl, tenant, app, user, scopes, acr, undefined, grant.sessionId);
}

/** ROPC: the fixture user's password stands in for the interactive sign-in. */
function resourceOwnerPassword(
  ctx: EntraContext,
  baseUrl: string,
  segmentTenant: DirectoryTenant | null,
  segment: string,
  creds: ReturnType<typeof clientCredentialsOf>,
  form: Record<string, string>,
): Record<string, unknown> {
  if (!form.username) throw aadsts.missingParameter("username");
  if (!form.password) throw aadsts.missingParameter("password");
  const user = segmentTenant
    ? ctx.directory.findUser(segmentTenant.id, form.username)
    : ctx.directory.findUserAnyTenant(form.username);
  if (!user) throw aadsts.userNotFound(segmentTenant?.domain ?? segment);
  const tenant = ctx.directory.findTenant(user.tenantId)!;
  const app = appOf(ctx, tenant, creds.clientId!);
  const acr = authenticateClient(baseUrl, tenant, app, creds, true);
  if (user.password === undefined || user.password !== form.password) throw aadsts.badPassword();
  if (!user.accountEnabled) throw aadsts.userDisabled();
  return userTokens(
    ctx,
    baseUrl,
    tenant,
    app,
    user,
    parseScopes(form.scope, baseUrl, segment),
    acr,
    undefined,
    undefined,
  );
}

/**
 * The delegated token set. `scp` is the Graph scopes asked for (`.default` = the app's consented
 * delegated scopes); an app that declares `delegatedScopes` may not get others (AADSTS65001).
 * A refresh token is returned when `offline_access` was asked for, as Entra does.
 */
function userTokens(
  ctx: EntraContext,
  baseUrl: string,
  tenant: DirectoryTenant,
  app: DirectoryApp,
  user: DirectoryUser,
  scopes: ParsedScopes,
  acr: ClientAcr,
  nonce: string | undefined,
  sessionId: string | undefined,
): Record<string, unknown> {
  const scp: string[] = [];
  for (const s of scopes.graph) {
    if (s === ".default") {
      for (const d of app.delegatedScopes.length ? app.delegatedScopes : ["User.Read"])
        if (!hasScope(scp, d)) scp.push(d);
    } else {
      if (app.delegatedScopes.length && !hasScope(app.delegatedScopes, s))
        throw aadsts.consentRequired(app.appId, app.displayName);
      if (!hasScope(scp, s)) scp.push(s);
    }
  }
  if (scp.length === 0) scp.push("User.Read");
  const access = mintUserAccessToken(ctx, baseUrl, tenant, app, user, scp, acr);
  const out: Record<string, unknown> = {
    token_type: "Bearer",
    scope: [
      ...scopes.requested.filter((s) => s.toLowerCase() !== "offline_access"),
      ...(scopes.graph.length ? [] : scp),
    ].join(" "),
    expires_in: access.expiresIn,
    ext_expires_in: access.expiresIn,
    access_token: access.token,
  };
  const wantsOidc = scopes.oidc.includes("openid") || scopes.oidc.includes("profile") || scopes.oidc.includes("email");
  if (scopes.oidc.includes("offline_access")) {
    out.refresh_token = ctx.directory.grants.issueRefreshToken({
      tenantId: tenant.id,
      appId: app.appId,
      userId: user.id,
      scopes: scopes.requested,
      sessionId,
    });
  }
  if (wantsOidc) {
    out.id_token = mintIdToken(ctx, baseUrl, tenant, app, user, { nonce, email: scopes.oidc.includes("email") });
  }
  out.client_info = clientInfo(user);
  return out;
}
