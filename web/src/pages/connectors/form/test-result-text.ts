/** A connection test's answer in words: what the error code means to a person, then the server's own sentence. */
import type { ConnectionTestResult } from "../../../api/connector-edit";

const REASONS: Record<string, string> = {
  STATUS_LOGON_FAILURE: "The server refused the user name or password.",
  STATUS_ACCOUNT_LOCKED_OUT: "The account is locked out on the server.",
  STATUS_ACCOUNT_DISABLED: "The account is disabled on the server.",
  STATUS_PASSWORD_EXPIRED: "The account's password has expired.",
  STATUS_PASSWORD_MUST_CHANGE: "The account must change its password before it can sign in.",
  STATUS_ACCESS_DENIED: "The account may not open this share or folder.",
  STATUS_BAD_NETWORK_NAME: "The server has no share by that name.",
  STATUS_OBJECT_NAME_NOT_FOUND: "The folder was not found in the share.",
  STATUS_OBJECT_PATH_NOT_FOUND: "The folder was not found in the share.",
  NOT_A_DIRECTORY: "The base folder is a file, not a folder.",
  INVALID_BASE_PATH: "The base folder is not a valid path.",
  ECONNREFUSED: "The host is reachable but nothing answers on that port.",
  ETIMEDOUT: "The host did not answer (it is down, or a firewall blocks the port).",
  EHOSTUNREACH: "The host is unreachable from the ScaiDrive server.",
  ENETUNREACH: "The host's network is unreachable from the ScaiDrive server.",
  ENOTFOUND: "The host name was not found (DNS).",
  EAI_AGAIN: "The host name could not be looked up (DNS did not answer).",
  ECONNRESET: "The server closed the connection.",
  DESTINATION_DENIED: "This ScaiDrive server's network policy does not allow connections to that address.",
  invalid_client: "Microsoft refused the app's credentials (wrong client secret or certificate, or it expired).",
  unauthorized_client: "The app is not allowed to sign in this way in that tenant.",
  invalid_grant: "The Microsoft sign-in is no longer valid: sign in again.",
  invalid_request: "Microsoft refused the sign-in request (check the tenant and client IDs).",
  invalid_tenant: "The tenant was not found.",
  itemNotFound: "The site, library or folder was not found.",
  accessDenied: "The app or account has no access to this site or library.",
  access_denied: "The app or account has no access to this site or library.",
  unauthenticated: "Microsoft did not accept the access token.",
  auth: "The sign-in failed.",
  unreachable: "The server could not be reached.",
};

/** The person-facing reason for an error code, or null when the code has none. */
export function reasonFor(code: string | null | undefined): string | null {
  if (!code) return null;
  return REASONS[code] ?? REASONS[code.toUpperCase()] ?? null;
}

/** Title and detail of a test answer: the reason in words and the server's message. */
export function testResultText(r: ConnectionTestResult): { title: string; detail: string } {
  if (r.success) {
    const access =
      r.permissions?.access === "read" ? " The app may read but not write: syncing into SharePoint will fail." : "";
    return { title: "Connection works", detail: `${r.message}.${access}`.replace(/\.\./g, ".") };
  }
  const reason = reasonFor(r.error);
  return {
    title: reason ?? "The connection failed.",
    detail: `${r.message}${r.error ? ` (${r.error})` : ""}`,
  };
}
