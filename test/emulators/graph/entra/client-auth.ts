/**
 * Authenticates the client of a token request: `client_secret` (form or HTTP Basic) or a
 * `client_assertion` JWT signed with a registered certificate, or none for a public client.
 *
 * Assertion checks, in Entra's order: well-formed JWT → RS256/PS256 → a registered certificate
 * whose SHA-256 (`x5t#S256`) or SHA-1 (`x5t`) thumbprint the header names → signature → the
 * certificate is not expired → `iss` = `sub` = client id → `aud` is this tenant's token endpoint
 * (tenant id or domain form, v2.0 or v1 path) → `exp`/`nbf` with five minutes of clock skew.
 */
import type { DirectoryApp, DirectoryTenant } from "../directory/directory.js";
import { aadsts } from "./entra-error.js";
import { decodeJwt, verifyJwtSignature, type JwtAlg } from "./jwt-codec.js";
import type { ClientAcr } from "./token-mint.js";

export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const SKEW_SEC = 300;

export interface ClientCredentials {
  clientId?: string;
  clientSecret?: string;
  clientAssertion?: string;
  clientAssertionType?: string;
}

/** Reads client id/secret from the form, or from `Authorization: Basic` (client_secret_basic). */
export function clientCredentialsOf(form: Record<string, string>, authorization?: string): ClientCredentials {
  const creds: ClientCredentials = {
    clientId: form.client_id || undefined,
    clientSecret: form.client_secret || undefined,
    clientAssertion: form.client_assertion || undefined,
    clientAssertionType: form.client_assertion_type || undefined,
  };
  const m = /^Basic\s+(.+)$/i.exec(authorization ?? "");
  if (m) {
    const decoded = Buffer.from(m[1], "base64").toString("utf8");
    const i = decoded.indexOf(":");
    if (i > 0) {
      creds.clientId ??= decodeURIComponent(decoded.slice(0, i));
      creds.clientSecret ??= decodeURIComponent(decoded.slice(i + 1));
    }
  }
  return creds;
}

/**
 * Answers how the client authenticated (`appidacr`), or throws the EntraError Entra would send.
 * `allowPublic`: the grant may be redeemed without a credential when the app is a public client.
 */
export function authenticateClient(
  baseUrl: string,
  tenant: DirectoryTenant,
  app: DirectoryApp,
  creds: ClientCredentials,
  allowPublic: boolean,
): ClientAcr {
  if (creds.clientSecret !== undefined) {
    const hit = app.secrets.find((s) => s.value === creds.clientSecret);
    if (!hit) throw aadsts.invalidSecret(app.appId);
    if (hit.endDateTime && hit.endDateTime.getTime() < Date.now()) throw aadsts.expiredSecret(app.appId);
    return "1";
  }
  if (creds.clientAssertion !== undefined) {
    if (creds.clientAssertionType !== JWT_BEARER) throw aadsts.missingParameter("client_assertion_type");
    verifyAssertion(baseUrl, tenant, app, creds.clientAssertion);
    return "2";
  }
  if (allowPublic && app.publicClient) return "0";
  throw aadsts.credentialMissing();
}

function verifyAssertion(baseUrl: string, tenant: DirectoryTenant, app: DirectoryApp, assertion: string): void {
  const jwt = decodeJwt(assertion);
  if (!jwt) throw aadsts.malformedAssertion("not a compact JWS");
  const alg = jwt.header.alg;
  const x5tS256 = typeof jwt.header["x5t#S256"] === "string" ? (jwt.header["x5t#S256"] as string) : undefined;
  const x5t = typeof jwt.header.x5t === "string" ? (jwt.header.x5t as string) : undefined;
  const shown = thumbprintHex(x5tS256 ?? x5t ?? "");
  if (alg !== "RS256" && alg !== "PS256") {
    throw aadsts.badAssertionSignature(`The algorithm '${String(alg)}' is not supported`, shown, app.appId);
  }
  const cert = x5tS256
    ? app.certificates.find((c) => c.thumbprintSha256 === thumbprintHex(x5tS256))
    : x5t
      ? app.certificates.find((c) => c.thumbprintSha1 === thumbprintHex(x5t))
      : undefined;
  if (!cert) throw aadsts.badAssertionSignature("The key was not found.", shown, app.appId);
  if (!verifyJwtSignature(jwt, alg as JwtAlg, cert.publicKeyPem)) {
    throw aadsts.badAssertionSignature(
      "The provided signature value did not match the expected signature value.",
      shown,
      app.appId,
    );
  }
  if (cert.endDateTime && cert.endDateTime.getTime() < Date.now()) {
    throw aadsts.badAssertionSignature("The key used is expired.", shown, app.appId);
  }
  const { iss, sub, aud, exp, nbf } = jwt.payload;
  if (iss !== app.appId || sub !== app.appId) throw aadsts.assertionClientMismatch();
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.some((a) => typeof a === "string" && isTokenEndpoint(baseUrl, tenant, a)))
    throw aadsts.assertionAudience();
  const now = Math.floor(Date.now() / 1000);
  if (typeof exp !== "number" || exp + SKEW_SEC < now || (typeof nbf === "number" && nbf - SKEW_SEC > now)) {
    throw aadsts.assertionTime(now, exp, nbf);
  }
}

/** `x5t` values are base64url of the raw digest; Entra reports them as upper-case hex. */
function thumbprintHex(b64url: string): string {
  return Buffer.from(b64url, "base64url").toString("hex").toUpperCase();
}

function isTokenEndpoint(baseUrl: string, tenant: DirectoryTenant, aud: string): boolean {
  let u: URL;
  try {
    u = new URL(aud);
  } catch {
    return false;
  }
  if (baseUrl && u.origin !== new URL(baseUrl).origin) return false;
  const m = /^\/([^/]+)\/oauth2\/(v2\.0\/)?token\/?$/.exec(u.pathname);
  if (!m) return false;
  const seg = decodeURIComponent(m[1]).toLowerCase();
  return seg === tenant.id || seg === tenant.domain || seg === tenant.name.toLowerCase();
}
