/**
 * The one table of error codes ScaiDrive answers with. Services throw {@link AppError} with a
 * code from this table; only the HTTP layer turns the code into a status and the error envelope
 * `{"error": {"code", "message", "details"}}`. Adapters translate NTSTATUS / Graph errors into
 * these codes at their own edge.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, retryable: false },
  INVALID_NAME: { status: 400, retryable: false },
  SECRET_REQUIRED: { status: 400, retryable: false },
  /** Not valid HTTP or not a valid URL (bad bytes, conflicting Content-Length, bad chunk, unknown method...). */
  MALFORMED_REQUEST: { status: 400, retryable: false },
  /** A set-password link that is unknown, used or expired. */
  LINK_INVALID: { status: 400, retryable: false },
  /** The current password given to change it is wrong. */
  WRONG_PASSWORD: { status: 400, retryable: false },
  UNAUTHENTICATED: { status: 401, retryable: false },
  /** Sign-in: wrong email or password (one answer for every reason, so accounts cannot be told apart). */
  INVALID_CREDENTIALS: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  /** Sign-in with the right password for a disabled account. */
  ACCOUNT_DISABLED: { status: 403, retryable: false },
  /** A cookie-authenticated write without the right Origin or X-CSRF-Token. */
  CSRF_REJECTED: { status: 403, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false },
  /** The request (its headers, or a body that stopped arriving) took too long. */
  REQUEST_TIMEOUT: { status: 408, retryable: true },
  CONFLICT: { status: 409, retryable: false },
  IMMUTABLE_FIELD: { status: 409, retryable: false },
  ALREADY_EXISTS: { status: 409, retryable: false },
  /** The change would leave no enabled administrator, or an administrator would disable or demote themselves. */
  LAST_ADMIN: { status: 409, retryable: false },
  SYNC_ALREADY_RUNNING: { status: 409, retryable: true },
  PRECONDITION_FAILED: { status: 412, retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  URI_TOO_LONG: { status: 414, retryable: false },
  RANGE_NOT_SATISFIABLE: { status: 416, retryable: false },
  SYNC_SAFETY_ABORT: { status: 409, retryable: false },
  TOO_MANY_REQUESTS: { status: 429, retryable: true },
  /** Too many failed sign-ins for the account or from the address; `details.retry_after_seconds`. */
  TOO_MANY_ATTEMPTS: { status: 429, retryable: true },
  HEADERS_TOO_LARGE: { status: 431, retryable: false },
  CONNECTOR_AUTH_FAILED: { status: 502, retryable: false },
  CONNECTOR_UNREACHABLE: { status: 504, retryable: true },
  /** The server's connector network policy refuses the address a connector would connect to. */
  DESTINATION_DENIED: { status: 400, retryable: false },
  INTERNAL: { status: 500, retryable: false },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
