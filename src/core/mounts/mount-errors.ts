/**
 * The one place where a mount's remote failures become API errors, so every route under a mount
 * answers with the §5 envelope and never a bare 500 for a remote's refusal:
 *
 * | RemoteError kind | AppError code (status) |
 * |---|---|
 * | not_found | NOT_FOUND (404) |
 * | access_denied | FORBIDDEN (403) |
 * | invalid_name | INVALID_NAME (400) |
 * | auth | CONNECTOR_AUTH_FAILED (502) |
 * | unreachable | CONNECTOR_UNREACHABLE (504) |
 * | destination_denied | DESTINATION_DENIED (400) |
 * | locked | CONFLICT (409, details.reason "locked") — the table has no 423 |
 * | exists | ALREADY_EXISTS (409) |
 * | precondition_failed, changed_during_transfer | CONFLICT (409) |
 * | other | INTERNAL (500, the remote's message) |
 *
 * Network errors that escaped an adapter untranslated (ECONNREFUSED, ETIMEDOUT…) count as
 * unreachable. AppErrors pass through unchanged.
 */
import { AppError } from "../errors.js";
import { isRemoteError } from "../../sync/remote-errors.js";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "EAI_AGAIN",
]);

export function mountError(err: unknown, path: string): AppError {
  if (err instanceof AppError) return err;
  const details = { path };
  if (isRemoteError(err)) {
    const msg = err.message;
    switch (err.kind) {
      // The same body as a missing ScaiDrive node (see notFound).
      case "not_found":
        return new AppError("NOT_FOUND", `${path} not found`, details, { cause: err });
      case "access_denied":
        return new AppError("FORBIDDEN", `the remote denied access to ${path}: ${msg}`, details, { cause: err });
      case "invalid_name":
        return new AppError("INVALID_NAME", `the remote refuses the name: ${msg}`, details, { cause: err });
      case "auth":
        return new AppError(
          "CONNECTOR_AUTH_FAILED",
          `the remote rejected the connector's credentials: ${msg}`,
          details,
          { cause: err },
        );
      case "unreachable":
        return new AppError("CONNECTOR_UNREACHABLE", `the remote is unreachable: ${msg}`, details, { cause: err });
      case "destination_denied":
        return new AppError("DESTINATION_DENIED", msg, details, { cause: err });
      case "locked":
        return new AppError(
          "CONFLICT",
          `${path} is locked on the remote: ${msg}`,
          { ...details, reason: "locked" },
          { cause: err },
        );
      case "exists":
        return new AppError("ALREADY_EXISTS", `${path} already exists on the remote`, details, { cause: err });
      case "precondition_failed":
      case "changed_during_transfer":
        return new AppError("CONFLICT", `${path}: ${msg}`, { ...details, reason: err.kind }, { cause: err });
      default:
        return new AppError("INTERNAL", `remote error on ${path}: ${msg}`, details, { cause: err });
    }
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && NETWORK_CODES.has(code)) {
    return new AppError("CONNECTOR_UNREACHABLE", `the remote is unreachable (${code})`, details, { cause: err });
  }
  return new AppError(
    "INTERNAL",
    `remote operation on ${path} failed: ${(err as Error)?.message ?? String(err)}`,
    details,
    { cause: err },
  );
}

/** Whether the failure means the cached connection is no longer usable (reconnect next time). */
export function dropsConnection(err: unknown): boolean {
  return (
    err instanceof AppError &&
    (err.code === "CONNECTOR_UNREACHABLE" || err.code === "CONNECTOR_AUTH_FAILED" || err.code === "DESTINATION_DENIED")
  );
}
