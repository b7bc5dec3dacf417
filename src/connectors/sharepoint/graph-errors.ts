/**
 * The one place Graph and Entra failures become {@link RemoteError} kinds (design habit 5): the
 * engine decides from the kind alone. Inputs are the SDK's `GraphError` (status + code + JSON
 * body), a raw HTTP status from a pre-authenticated URL (downloads, upload fragments), a
 * network error, or an MSAL error.
 *
 * | Graph | kind |
 * |---|---|
 * | 401, MSAL `invalid_client` / `invalid_grant` / `unauthorized_client` / interaction required | `auth` |
 * | 403 (`accessDenied`, `notAllowed`) | `access_denied` |
 * | 404 | `not_found` |
 * | 409 (`nameAlreadyExists`) | `exists` |
 * | 410 (`resyncRequired`) | `cursor_expired` |
 * | 412 (`resourceModified`) | `precondition_failed` |
 * | 423 (`resourceLocked`) | `locked` |
 * | 400 with `invalidName` / `pathIsTooLong` or a "name is not valid" message | `invalid_name` |
 * | 408 / 429 / 500 / 502 / 503 / 504, connection reset/refused, DNS, timeouts | `unreachable` |
 * | an address the connector network policy refuses (Graph, Entra, a download URL or redirect) | `destination_denied` |
 * | anything else | `other` |
 *
 * `retryable` is true exactly for `unreachable`: every 4xx Graph means (404, 403, 409…) fails at
 * once. The transport (graph-http.ts) then clears it for what its pacer already retried and gave
 * up on (graph-pacer.ts), so the engine never retries a request a second time over.
 */
import { RemoteError, type RemoteErrorKind } from "../../sync/remote-errors.js";
import { retryAfterMs } from "../../sync/retry-policy.js";
import { DESTINATION_DENIED_ERROR_NAME, findDestinationDenied } from "../network-policy.js";

/** Status, codes and message extracted from whatever failed. */
export interface GraphFailure {
  status: number;
  code?: string;
  innerCodes: string[];
  message: string;
  retryAfterSec?: number;
}

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);

/** The errno-like code of a network failure anywhere in an error's cause chain, if any. */
export function networkErrorCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 6 && cur; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    if (cur instanceof TypeError && cur.message === "fetch failed" && !(cur as { cause?: unknown }).cause)
      return "FETCH_FAILED";
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The message of a refused destination: a DestinationDeniedError in the cause chain, or the
 * SDK's GraphError(-1) rebuilt from one (the SDK keeps only the thrown error's name and message).
 */
export function deniedMessage(err: unknown): string | undefined {
  const denied = findDestinationDenied(err);
  if (denied) return denied.message;
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown } | null;
  if (e?.statusCode === -1 && e.code === DESTINATION_DENIED_ERROR_NAME && typeof e.message === "string")
    return e.message;
  return undefined;
}

/** Collects the `innerError.code` chain of a Graph error object. */
function innerCodes(error: Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  let cur = error?.innerError ?? error?.innererror;
  for (let i = 0; i < 4 && cur && typeof cur === "object"; i++) {
    const c = (cur as Record<string, unknown>).code;
    if (typeof c === "string") out.push(c);
    cur = (cur as Record<string, unknown>).innerError ?? (cur as Record<string, unknown>).innererror;
  }
  return out;
}

/** Parses Graph's `{"error": {...}}` envelope (or the SDK's stringified inner object). */
export function parseGraphErrorBody(text: string | undefined): { code?: string; message?: string; inner: string[] } {
  if (!text) return { inner: [] };
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const error = (parsed.error && typeof parsed.error === "object" ? parsed.error : parsed) as Record<string, unknown>;
    return {
      code: typeof error.code === "string" ? error.code : undefined,
      message: typeof error.message === "string" ? error.message : undefined,
      inner: innerCodes(error),
    };
  } catch {
    return { message: text.slice(0, 300), inner: [] };
  }
}

function kindFor(f: GraphFailure): RemoteErrorKind {
  const codes = [f.code ?? "", ...f.innerCodes].map((c) => c.toLowerCase());
  switch (f.status) {
    case 401:
      return "auth";
    case 403:
      return "access_denied";
    case 404:
      return "not_found";
    case 409:
      return "exists";
    case 410:
      return "cursor_expired";
    case 412:
      return "precondition_failed";
    case 423:
      return "locked";
    case 400:
      if (codes.some((c) => c === "invalidname" || c === "pathistoolong" || c === "namecontainsinvalidcharacters"))
        return "invalid_name";
      if (/name .*is not valid|not a valid name|invalid name/i.test(f.message)) return "invalid_name";
      return "other";
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return "unreachable";
    default:
      return f.status <= 0 ? "unreachable" : "other";
  }
}

function secondsOf(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

/** Describes a failure from an HTTP answer (status, body text, headers). */
export function failureFromResponse(
  status: number,
  bodyText: string | undefined,
  retryAfter?: string | null,
): GraphFailure {
  const parsed = parseGraphErrorBody(bodyText);
  return {
    status,
    code: parsed.code,
    innerCodes: parsed.inner,
    message: parsed.message ?? `HTTP ${status}`,
    retryAfterSec: secondsOf(retryAfterMs(retryAfter)),
  };
}

export function remoteErrorFromFailure(f: GraphFailure, context: string, path?: string, cause?: unknown): RemoteError {
  const kind = kindFor(f);
  const code = f.code ? ` ${f.code}` : "";
  return new RemoteError(kind, `${context}: Graph answered ${f.status}${code}: ${f.message}`, {
    path,
    cause,
    retryable: kind === "unreachable",
  });
}

/**
 * Any error thrown while talking to Graph → RemoteError. RemoteErrors pass through unchanged.
 * `context` names the operation ("stat Campaigns/a.docx") for the message.
 */
export function toRemoteError(err: unknown, context: string, path?: string): RemoteError {
  if (err instanceof RemoteError) return err;
  const denied = deniedMessage(err);
  if (denied) return new RemoteError("destination_denied", denied, { path, cause: err });
  const net = networkErrorCode(err);
  if (net)
    return new RemoteError("unreachable", `${context}: network failure talking to Graph (${net})`, {
      path,
      cause: err,
    });
  const e = err as {
    statusCode?: unknown;
    code?: unknown;
    body?: unknown;
    message?: unknown;
    headers?: { get?(n: string): string | null };
  };
  if (typeof e?.statusCode === "number") {
    const parsed = parseGraphErrorBody(typeof e.body === "string" ? e.body : undefined);
    const status = e.statusCode;
    if (status <= 0)
      return new RemoteError(
        "unreachable",
        `${context}: Graph could not be reached (${String(e.message ?? e.code ?? "no answer")})`,
        { path, cause: err },
      );
    const failure: GraphFailure = {
      status,
      code: (typeof e.code === "string" && e.code) || parsed.code,
      innerCodes: parsed.inner,
      message: (typeof e.message === "string" && e.message) || parsed.message || `HTTP ${status}`,
    };
    return remoteErrorFromFailure(failure, context, path, err);
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new RemoteError("other", `${context}: ${msg}`, { path, cause: err });
}
