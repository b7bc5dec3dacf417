/**
 * The one error type a {@link Remote} throws. Adapters translate their wire errors (NTSTATUS,
 * Graph error codes, errno) into a kind at their own edge, so the engine decides what to do from
 * the kind alone and never from the adapter's name:
 *
 * | kind | engine reaction |
 * |---|---|
 * | `auth` | job fails with `CONNECTOR_AUTH_FAILED`, no retry |
 * | `unreachable` | the job fails with `CONNECTOR_UNREACHABLE` (after the engine's retries when `retryable`) |
 * | `destination_denied` | job fails with `DESTINATION_DENIED`, no retry: the server's connector network policy refuses
 * the address (nothing was sent to it) |
 * | `cursor_expired` | delta cursor dropped, the run falls back to walk + compare |
 * | `not_found`, `access_denied`, `locked`, `invalid_name`, `precondition_failed`, `exists`, `changed_during_transfer`,
 * `other` | per-file error: counted, logged, retried next run |
 *
 * Independently of the kind, `retryable` tells the engine whether to try the same call again
 * within the run (retry-policy.ts): only `unreachable` is retryable unless the adapter says
 * otherwise, and an adapter that already retried a failure itself (a pacer that spent its budget)
 * hands it over with `retryable: false`, so no failure is retried in two layers.
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

/** A locked file or one that changed mid-copy waits for the next run rather than a quick retry. */
const RETRYABLE_BY_DEFAULT: ReadonlySet<RemoteErrorKind> = new Set(["unreachable"]);

export class RemoteError extends Error {
  readonly kind: RemoteErrorKind;
  /**
   * True when the engine should try the same call again soon: the failure is transient (the same
   * call may succeed without anyone changing anything) and no layer below retried it already.
   */
  readonly retryable: boolean;
  /** Relative path the error is about, when there is one. */
  readonly path?: string;

  constructor(
    kind: RemoteErrorKind,
    message: string,
    options?: { path?: string; retryable?: boolean; cause?: unknown },
  ) {
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
