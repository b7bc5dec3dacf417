/**
 * `GET|POST /{tenant}/oauth2/v2.0/authorize`: the sign-in and consent step of the auth code flow.
 *
 * GET validates tenant, client and `redirect_uri` (failures there render an error page, never a
 * redirect, as Entra does: the redirect URI is not trusted yet). Then, with a `login_hint` naming
 * a fixture user (and no `prompt=login`), consent is given at once and the browser is sent to
 * `redirect_uri` with `code`, `state`, `client_info` (when `client_info=1`) and `session_state`;
 * otherwise a sign-in and consent form is shown whose POST checks the user's password
 * (AADSTS50126 on the page when wrong). `response_mode` query (default), fragment and form_post
 * are honoured; `prompt=none` without a hint redirects with `login_required`.
 */
import { randomUUID } from "node:crypto";
import type { DirectoryApp, DirectoryTenant, DirectoryUser } from "../directory/directory.js";
import type { EntraContext } from "./entra-context.js";
import { aadsts, EntraError, entraTimestamp } from "./entra-error.js";
import { parseScopes } from "./scopes.js";
import { resolveTenantSegment } from "./token-endpoint.js";
import { clientInfo } from "./token-mint.js";

export type AuthorizeOutcome = { kind: "redirect"; location: string } | { kind: "html"; status: number; html: string };

interface Checked {
  tenant: DirectoryTenant;
  app: DirectoryApp;
  redirectUri: string;
}

export function authorizeGet(
  ctx: EntraContext,
  baseUrl: string,
  segment: string,
  q: Record<string, string>,
): AuthorizeOutcome {
  const checked = check(ctx, segment, q);
  if ("kind" in checked) return checked;
  const { tenant, app, redirectUri } = checked;
  if ((q.response_type ?? "") !== "code") {
    return errorRedirect(redirectUri, q, aadsts.unsupportedResponseType(q.response_type ?? ""));
  }
  const hinted = q.login_hint ? ctx.directory.findUser(tenant.id, q.login_hint) : undefined;
  if (hinted && hinted.accountEnabled && q.prompt !== "login")
    return consent(ctx, baseUrl, tenant, app, hinted, redirectUri, q);
  if (q.prompt === "none") return errorRedirect(redirectUri, q, aadsts.loginRequired());
  return { kind: "html", status: 200, html: page(app, tenant, q, segment, undefined) };
}

/** The sign-in form's POST: the original authorize parameters plus `login` and `passwd`. */
export function authorizePost(
  ctx: EntraContext,
  baseUrl: string,
  segment: string,
  form: Record<string, string>,
): AuthorizeOutcome {
  const checked = check(ctx, segment, form);
  if ("kind" in checked) return checked;
  const { tenant, app, redirectUri } = checked;
  const user = ctx.directory.findUser(tenant.id, form.login ?? "");
  if (!user)
    return { kind: "html", status: 200, html: page(app, tenant, form, segment, aadsts.userNotFound(tenant.domain)) };
  if (user.password === undefined || user.password !== form.passwd) {
    return { kind: "html", status: 200, html: page(app, tenant, form, segment, aadsts.badPassword()) };
  }
  if (!user.accountEnabled)
    return { kind: "html", status: 200, html: page(app, tenant, form, segment, aadsts.userDisabled()) };
  return consent(ctx, baseUrl, tenant, app, user, redirectUri, form);
}

function check(ctx: EntraContext, segment: string, q: Record<string, string>): Checked | AuthorizeOutcome {
  let tenant: DirectoryTenant | null;
  try {
    tenant = resolveTenantSegment(ctx, segment);
  } catch (e) {
    return errorPage(e as EntraError);
  }
  if (!q.client_id) return errorPage(aadsts.missingParameter("client_id"));
  if (!tenant) {
    const hinted = ctx.directory.findUserAnyTenant(q.login_hint ?? q.login ?? "");
    tenant =
      (hinted && ctx.directory.findTenant(hinted.tenantId)) ||
      ctx.directory.tenants.find((t) => ctx.directory.findApp(t.id, q.client_id)) ||
      null;
    if (!tenant) return errorPage(aadsts.appNotFound(q.client_id, segment));
  }
  const app = ctx.directory.findApp(tenant.id, q.client_id);
  if (!app) return errorPage(aadsts.appNotFound(q.client_id, tenant.domain));
  if (!q.redirect_uri) return errorPage(aadsts.missingParameter("redirect_uri"));
  if (!redirectAllowed(app, q.redirect_uri)) return errorPage(aadsts.redirectMismatch(q.redirect_uri, app.appId));
  return { tenant, app, redirectUri: q.redirect_uri };
}

/** Registered URIs match exactly; an app without any accepts loopback http(s) URIs only. */
function redirectAllowed(app: DirectoryApp, uri: string): boolean {
  if (app.redirectUris.length) return app.redirectUris.includes(uri);
  try {
    const u = new URL(uri);
    return (
      (u.protocol === "http:" || u.protocol === "https:") && ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname)
    );
  } catch {
    return false;
  }
}

function consent(
  ctx: EntraContext,
  baseUrl: string,
  tenant: DirectoryTenant,
  app: DirectoryApp,
  user: DirectoryUser,
  redirectUri: string,
  q: Record<string, string>,
): AuthorizeOutcome {
  let scopes: string[];
  try {
    scopes = parseScopes(q.scope, baseUrl, tenant.domain).requested;
  } catch (e) {
    return errorRedirect(redirectUri, q, e as EntraError);
  }
  const method = q.code_challenge_method === "plain" ? "plain" : "S256";
  const code = ctx.directory.grants.issueCode({
    tenantId: tenant.id,
    appId: app.appId,
    userId: user.id,
    redirectUri,
    scopes,
    codeChallenge: q.code_challenge || undefined,
    codeChallengeMethod: q.code_challenge ? method : undefined,
    nonce: q.nonce || undefined,
  });
  const params: Record<string, string> = { code };
  if (q.client_info === "1") params.client_info = clientInfo(user);
  if (q.state) params.state = q.state;
  params.session_state = randomUUID();
  return respond(redirectUri, q.response_mode, params);
}

function errorRedirect(redirectUri: string, q: Record<string, string>, err: EntraError): AuthorizeOutcome {
  const params: Record<string, string> = {
    error: err.error,
    error_description: `${err.message}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${entraTimestamp()}`,
    error_uri: `https://login.microsoftonline.com/error?code=${err.code}`,
  };
  if (q.state) params.state = q.state;
  return respond(redirectUri, q.response_mode, params);
}

function respond(redirectUri: string, mode: string | undefined, params: Record<string, string>): AuthorizeOutcome {
  const qs = new URLSearchParams(params).toString();
  if (mode === "form_post") {
    const inputs = Object.entries(params)
      .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
      .join("");
    return {
      kind: "html",
      status: 200,
      html:
        `<!DOCTYPE html><html><head><title>Working...</title></head><body ` +
        `onload="document.forms[0].submit()"><form ` +
        `method="POST" ` +
        `action="${esc(redirectUri)}">${inputs}<noscript><button>Continue</button></noscript></form></body></html>`,
    };
  }
  if (mode === "fragment") return { kind: "redirect", location: `${redirectUri.split("#")[0]}#${qs}` };
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return { kind: "redirect", location: u.toString() };
}

function errorPage(err: EntraError): AuthorizeOutcome {
  return {
    kind: "html",
    status: 400,
    html: shell(
      "Sign in to your account",
      `<h1>Sorry, but we’re having ` +
        `trouble signing you ` +
        `in.</h1><p id="error">AADSTS${err.code}: ${esc(err.description)}</p><p>Error: ${esc(err.error)}</p>`,
    ),
  };
}

function page(
  app: DirectoryApp,
  tenant: DirectoryTenant,
  q: Record<string, string>,
  segment: string,
  err: EntraError | undefined,
): string {
  const keep = Object.entries(q)
    .filter(([k]) => k !== "login" && k !== "passwd")
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join("\n");
  const scopes = (q.scope ?? "").split(/\s+/).filter(Boolean);
  return shell(
    "Permissions requested",
    `<h1>Permissions requested</h1>
<p><strong>${esc(app.displayName)}</strong> (${esc(app.appId)}) wants to access ${esc(tenant.displayName)} on your behalf:</p>
<ul>${scopes.map((s) => `<li>${esc(s)}</li>`).join("")}</ul>
${err ? `<p id="error" role="alert">AADSTS${err.code}: ${esc(err.description)}</p>` : ""}
<form method="POST" action="/${esc(encodeURIComponent(segment))}/oauth2/v2.0/authorize">
${keep}
<label>Email, phone, or Skype <input name="login" type="email" value="${esc(q.login ?? q.login_hint ?? "")}"></label>
<label>Password <input name="passwd" type="password"></label>
<button type="submit">Accept</button>
</form>`,
  );
}

function shell(title: string, body: string): string {
  return (
    `<!DOCTYPE html><html lang="en"><head><meta ` +
    `charset="utf-8"><title>${esc(title)}</title></head><body>${body}</body></html>`
  );
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
