/**
 * Errors of the emulated token and authorize endpoints, in Entra's JSON shape:
 * `{error, error_description: "AADSTSnnn: ...\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: ...",
 * error_codes: [nnn], timestamp, trace_id, correlation_id, error_uri}`. MSAL builds its
 * `ServerError` / `InteractionRequiredAuthError` from exactly these fields (`errorCode` = `error`,
 * `errorNo` = `error_codes[0]`), so tests assert on them the way applications see them.
 */
import { randomUUID } from "node:crypto";

export type OAuthError =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "invalid_scope"
  | "invalid_resource"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "consent_required"
  | "interaction_required"
  | "login_required"
  | "access_denied";

export class EntraError extends Error {
  constructor(
    readonly error: OAuthError,
    /** The numeric part of AADSTSnnn. */
    readonly code: number,
    readonly description: string,
    readonly status = error === "invalid_client" ? 401 : 400,
    /** Entra's `suberror` (`bad_token`, `consent_required`): what makes MSAL throw InteractionRequiredAuthError. */
    readonly suberror?: string,
  ) {
    super(`AADSTS${code}: ${description}`);
    this.name = "EntraError";
  }
}

/** `2026-01-09 02:02:12Z`, the format of Entra's `timestamp` field. */
export function entraTimestamp(d = new Date()): string {
  return d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
}

export function entraErrorBody(
  err: EntraError,
  baseUrl: string,
  correlationId: string = randomUUID(),
): Record<string, unknown> {
  const traceId = randomUUID();
  const timestamp = entraTimestamp();
  return {
    error: err.error,
    error_description: `${err.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [err.code],
    ...(err.suberror ? { suberror: err.suberror } : {}),
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${baseUrl}/error?code=${err.code}`,
  };
}

const DOCS = "Review the documentation at https://learn.microsoft.com/entra/identity-platform/ .";

/** Constructors for the errors the emulator answers, one per AADSTS code it uses. */
export const aadsts = {
  missingParameter: (name: string) =>
    new EntraError("invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`),
  unsupportedGrant: (grant: string) =>
    new EntraError("unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grant}'.`),
  tenantNotFound: (tenant: string) =>
    new EntraError(
      "invalid_request",
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing ` +
        `into the correct cloud. Check with your subscription administrator, ` +
        `this may happen if there are no active subscriptions for the tenant.`,
    ),
  noTenantInfo: () =>
    new EntraError(
      "invalid_request",
      50059,
      "No tenant-identifying information found in either the request or implied by any provided credentials.",
    ),
  appNotFound: (appId: string, tenant: string) =>
    new EntraError(
      "unauthorized_client",
      700016,
      `Application ` +
        `with identifier '${appId}' was not found ` +
        `in the directory '${tenant}'. This can happen if the application has not been installed by the administrator ` +
        `of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  invalidSecret: (appId: string) =>
    new EntraError(
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being ` +
        `sent in the request is the client ` +
        `secret value, not the client secret ID, for a secret added to app '${appId}'.`,
    ),
  expiredSecret: (appId: string) =>
    new EntraError(
      "invalid_client",
      7000222,
      `The provided client ` +
        `secret keys ` +
        `for app '${appId}' are expired. Visit the Azure portal to create new keys for your ` +
        `app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    ),
  credentialMissing: () =>
    new EntraError(
      "invalid_client",
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  malformedAssertion: (why: string) =>
    new EntraError("invalid_client", 50027, `JWT token is invalid or malformed. [Reason - ${why}]`),
  badAssertionSignature: (reason: string, thumbprint: string, appId: string) =>
    new EntraError(
      "invalid_client",
      700027,
      `Client assertion contains ` +
        `an invalid ` +
        `signature. ` +
        `[Reason - ${reason}, Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${appId}'. ${DOCS}]`,
    ),
  assertionClientMismatch: () =>
    new EntraError(
      "invalid_client",
      700021,
      `Client assertion application identifier doesn't match 'client_id' parameter. ${DOCS}`,
    ),
  assertionAudience: () =>
    new EntraError("invalid_client", 700023, `Client assertion audience claim does not match Realm issuer. ${DOCS}`),
  assertionTime: (now: number, exp: unknown, nbf: unknown) =>
    new EntraError(
      "invalid_client",
      700024,
      `Client assertion is not ` +
        `within its valid ` +
        `time range. ` +
        `Current time: ${new Date(now * 1000).toISOString()}, assertion valid from ${typeof nbf === "number" ? new Date(nbf * 1000).toISOString() : "(none)"}, expiry time of assertion ${typeof exp === "number" ? new Date(exp * 1000).toISOString() : "(none)"}. ${DOCS}`,
    ),
  scopeNotDefault: (scope: string) =>
    new EntraError(
      "invalid_scope",
      1002012,
      `The provided ` +
        `value for scope ${scope} is not valid. Client credential flows must have ` +
        `a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  resourceNotFound: (resource: string, tenant: string) =>
    new EntraError(
      "invalid_resource",
      500011,
      `The resource ` +
        `principal named ${resource} was not found ` +
        `in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator ` +
        `of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  consentRequired: (appId: string, appName: string) =>
    new EntraError(
      "invalid_grant",
      65001,
      `The user or administrator ` +
        `has not consented ` +
        `to use the ` +
        `application with ID '${appId}' named '${appName}'. Send an interactive authorization request for this user and resource.`,
      400,
      "consent_required",
    ),
  codeInvalid: () => new EntraError("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."),
  codeRedeemed: () =>
    new EntraError(
      "invalid_grant",
      54005,
      "OAuth2 Authorization code was already redeemed, please retry " +
        "with a new valid code or use an existing refresh token.",
    ),
  grantExpired: () =>
    new EntraError(
      "invalid_grant",
      70008,
      "The provided authorization code or refresh token has expired due to inactivity. " +
        "Send a new interactive authorization request for this user and resource.",
      400,
      "bad_token",
    ),
  refreshExpired: () =>
    new EntraError(
      "invalid_grant",
      700082,
      "The refresh token has expired due to inactivity. The token " +
        "was issued on a date past its 90-day inactivity window.",
      400,
      "bad_token",
    ),
  grantRevoked: () =>
    new EntraError(
      "invalid_grant",
      50173,
      "The provided grant has expired due to it being revoked, a fresh auth " +
        "token is needed. The user might have changed or reset their password.",
      400,
      "bad_token",
    ),
  grantOtherClient: () =>
    new EntraError(
      "invalid_grant",
      70000,
      "Provided grant is invalid or malformed. The grant was issued to a different client.",
    ),
  redirectMismatch: (uri: string, appId: string) =>
    new EntraError(
      "invalid_request",
      50011,
      `The redirect URI '${uri}' specified in the request does ` +
        `not match the redirect ` +
        `URIs configured ` +
        `for the application '${appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
    ),
  pkceMissing: () =>
    new EntraError(
      "invalid_grant",
      501481,
      "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
    ),
  pkceMismatch: () =>
    new EntraError(
      "invalid_grant",
      50148,
      "The code_verifier provided does not match the code_challenge supplied in the authorization request for PKCE.",
    ),
  userNotFound: (tenant: string) =>
    new EntraError(
      "invalid_grant",
      50034,
      `The user account ` +
        `does not ` +
        `exist in the ${tenant} directory. To sign into this application, the account must be added to the directory.`,
    ),
  badPassword: () =>
    new EntraError("invalid_grant", 50126, "Error validating credentials due to invalid username or password."),
  userDisabled: () => new EntraError("invalid_grant", 50057, "The user account is disabled."),
  loginRequired: () =>
    new EntraError("login_required", 50058, "A silent sign-in request was sent but no user is signed in."),
  unsupportedResponseType: (t: string) =>
    new EntraError("unsupported_response_type", 700054, `response_type '${t}' is not enabled for the application.`),
};
