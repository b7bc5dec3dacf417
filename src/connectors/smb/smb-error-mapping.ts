/**
 * The one place where SMB client failures become {@link RemoteError} kinds, so the sync engine
 * decides what to do (fail the job, retry with backoff, count a per-file error) without knowing
 * it talks SMB:
 *
 * | SmbError.kind | RemoteError kind | why |
 * |---|---|---|
 * | `auth` | `auth` | wrong credentials, locked/disabled account: the job fails, no retry |
 * | `unreachable` | `unreachable` | refused, reset, DNS, timeout, dropped session: `retryable`, the engine retries it
 * with backoff (the adapter retries nothing itself; the next call reconnects) |
 * | `not_found` | `not_found` | missing path or share |
 * | `access_denied` | `access_denied` | the service account lacks the right |
 * | `sharing_violation` | `locked` | another client holds the file open (Office, a scanner): not retried in the run,
 * the next run tries again |
 * | `exists` | `exists` | create-only write, mkdir or rename onto a taken name |
 * | `not_empty` | `precondition_failed` | delete of a non-empty folder |
 * | `invalid_name` | `invalid_name` | a name the server refuses (`:` `*` `?` trailing dot...) |
 * | `other` | `other` | anything else, including protocol violations |
 *
 * A connect the server's network policy refused (a DestinationDeniedError anywhere in the cause
 * chain) is `destination_denied`, whatever SmbError carries it: it is not retried.
 *
 * Errors of the LSA/RPC layer (`RpcError`) and undecodable security descriptors are `other`:
 * they concern one item's ACL, not the connection (a dropped pipe arrives as an SmbError).
 * An error that already is a RemoteError passes through unchanged.
 */
import { SmbError, type SmbErrorKind } from "../../protocols/smb/index.js";
import { RemoteError, type RemoteErrorKind } from "../../sync/remote-errors.js";
import { findDestinationDenied } from "../network-policy.js";

const KINDS: Record<SmbErrorKind, RemoteErrorKind> = {
  auth: "auth",
  unreachable: "unreachable",
  not_found: "not_found",
  access_denied: "access_denied",
  sharing_violation: "locked",
  exists: "exists",
  not_empty: "precondition_failed",
  invalid_name: "invalid_name",
  other: "other",
};

export function remoteKindOf(kind: SmbErrorKind): RemoteErrorKind {
  return KINDS[kind] ?? "other";
}

/**
 * Wraps `err` as a RemoteError about `path` (the remote-relative path, for logs). The SMB status
 * name stays in the message and the original error in `cause`.
 */
export function toRemoteError(err: unknown, path?: string): RemoteError {
  if (err instanceof RemoteError) return err;
  const denied = findDestinationDenied(err);
  if (denied) return new RemoteError("destination_denied", denied.message, { path, cause: err });
  if (err instanceof SmbError) {
    return new RemoteError(remoteKindOf(err.kind), err.message, { path, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new RemoteError("other", message, { path, cause: err });
}

/** Runs `fn`, rethrowing any failure as a RemoteError about `path`. */
export async function mapSmbErrors<T>(path: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toRemoteError(err, path);
  }
}
