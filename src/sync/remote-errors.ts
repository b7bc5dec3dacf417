/**
 * The one error type a {@link Remote} throws. Adapters translate their wire errors (NTSTATUS,
 * Graph error codes, errno) into a kind at their own edge, so the engine decides what to do from
 * the kind alone and never from the adapter's name:
 *
 * | kind | engine reaction |
 * |---|---|
 * | `auth` | job fails with `CONNECTOR_AUTH_FAILED`, no retry |
 * | `unreachable` | retried with backoff; if it persists the job fails with `CONNECTOR_UNREACHABLE` |
 * | `destination_denied` | job fails with `DESTINATION_DENIED`, no retry: the server's connector network policy refuses the address (nothing was sent to it) |
 * | `cursor_expired` | delta cursor dropped, the run falls back to walk + compare |
 * | `not_found`, `access_denied`, `locked`, `invalid_name`, `precondition_failed`, `exists`, `changed_during_transfer`, `other` | per-file error: counted, logged, retried next run |
 */
export type RemoteErrorKind =
  | "auth"
  | "unreachable"
  | "destination_denied"
  | "not_found"
  | "access_denied"
  | "locked"
  | "invalid_name"
  | "precondition_failed"
  | "exists"
  | "changed_during_transfer"
  | "cursor_expired"
  | "other";

const RETRYABLE_BY_DEFAULT: ReadonlySet<RemoteErrorKind> = new Set(["unreachable", "locked", "changed_during_transfer"]);

export class RemoteError extends Error {
  readonly kind: RemoteErrorKind;
  /** True when the same call may succeed later without anyone changing anything. */
  readonly retryable: boolean;
  /** Relative path the error is about, when there is one. */
  readonly path?: string;

  constructor(kind: RemoteErrorKind, message: string, options?: { path?: string; retryable?: boolean; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RemoteError";
    this.kind = kind;
    this.path = options?.path;
    this.retryable = options?.retryable ?? RETRYABLE_BY_DEFAULT.has(kind);
  }
}

export function isRemoteError(err: unknown, kind?: RemoteErrorKind): err is RemoteError {
  return err instanceof RemoteError && (kind === undefined || err.kind === kind);
}

/** Errors that end the whole job rather than one file. */
export function isJobLevel(err: unknown): err is RemoteError {
  return isRemoteError(err) && (err.kind === "auth" || err.kind === "unreachable" || err.kind === "destination_denied");
}

/** A short lower_snake code for per-file logs: the remote kind, or `other` for anything foreign. */
export function fileErrorCode(err: unknown): RemoteErrorKind {
  return isRemoteError(err) ? err.kind : "other";
}
