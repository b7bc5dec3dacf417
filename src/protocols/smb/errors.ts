/**
 * The one error type of the SMB client. Every failure the client reports — a server NTSTATUS, a
 * transport failure, a protocol violation — is an {@link SmbError} whose `kind` tells the caller
 * what to do: `auth` (fix credentials, do not retry), `unreachable` (retry later; the next call
 * reconnects), per-file kinds (`not_found`, `access_denied`, `sharing_violation`, `exists`,
 * `not_empty`, `invalid_name`) and `other`.
 */
export type SmbErrorKind =
  | "auth"
  | "unreachable"
  | "not_found"
  | "access_denied"
  | "sharing_violation"
  | "exists"
  | "not_empty"
  | "invalid_name"
  | "other";

/** NTSTATUS values the client names (MS-ERREF 2.3.1). */
export const NtStatus = {
  SUCCESS: 0x00000000,
  PENDING: 0x00000103,
  NOTIFY_ENUM_DIR: 0x0000010c,
  BUFFER_OVERFLOW: 0x80000005,
  NO_MORE_FILES: 0x80000006,
  INVALID_PARAMETER: 0xc000000d,
  NO_SUCH_FILE: 0xc000000f,
  END_OF_FILE: 0xc0000011,
  MORE_PROCESSING_REQUIRED: 0xc0000016,
  ACCESS_DENIED: 0xc0000022,
  BUFFER_TOO_SMALL: 0xc0000023,
  OBJECT_NAME_INVALID: 0xc0000033,
  OBJECT_NAME_NOT_FOUND: 0xc0000034,
  OBJECT_NAME_COLLISION: 0xc0000035,
  OBJECT_PATH_INVALID: 0xc0000039,
  OBJECT_PATH_NOT_FOUND: 0xc000003a,
  OBJECT_PATH_SYNTAX_BAD: 0xc000003b,
  SHARING_VIOLATION: 0xc0000043,
  DELETE_PENDING: 0xc0000056,
  PRIVILEGE_NOT_HELD: 0xc0000061,
  WRONG_PASSWORD: 0xc000006a,
  LOGON_FAILURE: 0xc000006d,
  ACCOUNT_RESTRICTION: 0xc000006e,
  INVALID_LOGON_HOURS: 0xc000006f,
  INVALID_WORKSTATION: 0xc0000070,
  PASSWORD_EXPIRED: 0xc0000071,
  ACCOUNT_DISABLED: 0xc0000072,
  NONE_MAPPED: 0xc0000073,
  INSUFFICIENT_RESOURCES: 0xc000009a,
  FILE_IS_A_DIRECTORY: 0xc00000ba,
  NOT_SUPPORTED: 0xc00000bb,
  NETWORK_NAME_DELETED: 0xc00000c9,
  BAD_NETWORK_NAME: 0xc00000cc,
  REQUEST_NOT_ACCEPTED: 0xc00000d0,
  IO_TIMEOUT: 0xc00000b5,
  DIRECTORY_NOT_EMPTY: 0xc0000101,
  NOT_A_DIRECTORY: 0xc0000103,
  CANCELLED: 0xc0000120,
  FILE_CLOSED: 0xc0000128,
  INVALID_DEVICE_REQUEST: 0xc0000010,
  PIPE_BROKEN: 0xc000014b,
  ACCOUNT_EXPIRED: 0xc0000193,
  NETWORK_SESSION_EXPIRED: 0xc000035c,
  USER_SESSION_DELETED: 0xc0000203,
  PASSWORD_MUST_CHANGE: 0xc0000224,
  ACCOUNT_LOCKED_OUT: 0xc0000234,
  NOT_A_REPARSE_POINT: 0xc0000275,
  STOPPED_ON_SYMLINK: 0x8000002d,
  NOT_FOUND: 0xc0000225,
  DISK_FULL: 0xc000007f,
  FILE_INVALID: 0xc0000098,
  CANNOT_DELETE: 0xc0000121,
  ENCRYPTION_REQUIRED: 0xc000042c,
  ACCESS_DENIED_SIGNING: 0xc000a100,
  SOME_NOT_MAPPED: 0x00000107,
  INVALID_HANDLE: 0xc0000008,
  INVALID_INFO_CLASS: 0xc0000003,
  NOT_SAME_DEVICE: 0xc00000d4,
  OBJECTID_EXISTS: 0xc000022b,
  FILE_NOT_AVAILABLE: 0xc0000467,
  LOCK_NOT_GRANTED: 0xc0000055,
  FILE_LOCK_CONFLICT: 0xc0000054,
  NOTIFY_CLEANUP: 0x0000010b,
} as const;

const NAMES = new Map<number, string>(Object.entries(NtStatus).map(([k, v]) => [v, `STATUS_${k}`]));

export function ntStatusName(status: number): string {
  return NAMES.get(status >>> 0) ?? `0x${(status >>> 0).toString(16).padStart(8, "0")}`;
}

const KIND = new Map<number, SmbErrorKind>([
  [NtStatus.LOGON_FAILURE, "auth"],
  [NtStatus.WRONG_PASSWORD, "auth"],
  [NtStatus.ACCOUNT_RESTRICTION, "auth"],
  [NtStatus.INVALID_LOGON_HOURS, "auth"],
  [NtStatus.INVALID_WORKSTATION, "auth"],
  [NtStatus.PASSWORD_EXPIRED, "auth"],
  [NtStatus.PASSWORD_MUST_CHANGE, "auth"],
  [NtStatus.ACCOUNT_DISABLED, "auth"],
  [NtStatus.ACCOUNT_EXPIRED, "auth"],
  [NtStatus.ACCOUNT_LOCKED_OUT, "auth"],
  [NtStatus.NETWORK_SESSION_EXPIRED, "unreachable"],
  [NtStatus.USER_SESSION_DELETED, "unreachable"],
  [NtStatus.NETWORK_NAME_DELETED, "unreachable"],
  [NtStatus.IO_TIMEOUT, "unreachable"],
  [NtStatus.NO_SUCH_FILE, "not_found"],
  [NtStatus.OBJECT_NAME_NOT_FOUND, "not_found"],
  [NtStatus.OBJECT_PATH_NOT_FOUND, "not_found"],
  [NtStatus.NOT_FOUND, "not_found"],
  [NtStatus.BAD_NETWORK_NAME, "not_found"],
  [NtStatus.DELETE_PENDING, "not_found"],
  [NtStatus.ACCESS_DENIED, "access_denied"],
  [NtStatus.PRIVILEGE_NOT_HELD, "access_denied"],
  [NtStatus.CANNOT_DELETE, "access_denied"],
  [NtStatus.SHARING_VIOLATION, "sharing_violation"],
  [NtStatus.FILE_LOCK_CONFLICT, "sharing_violation"],
  [NtStatus.LOCK_NOT_GRANTED, "sharing_violation"],
  [NtStatus.OBJECT_NAME_COLLISION, "exists"],
  [NtStatus.DIRECTORY_NOT_EMPTY, "not_empty"],
  [NtStatus.OBJECT_NAME_INVALID, "invalid_name"],
  [NtStatus.OBJECT_PATH_INVALID, "invalid_name"],
  [NtStatus.OBJECT_PATH_SYNTAX_BAD, "invalid_name"],
]);

/** Pseudo statuses for failures that never reached the server (status 0 would read as success). */
export const TransportStatus = {
  /** connection refused / reset / closed, DNS failure, timeout */
  UNREACHABLE: -1,
  /** the peer broke the protocol (bad signature, malformed message) */
  PROTOCOL: -2,
} as const;

export class SmbError extends Error {
  override readonly name = "SmbError";
  /** The NTSTATUS (unsigned) or a negative {@link TransportStatus}. */
  readonly status: number;
  readonly statusName: string;
  readonly kind: SmbErrorKind;

  constructor(status: number, kind: SmbErrorKind, message: string, options?: { cause?: unknown; statusName?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.statusName =
      options?.statusName ??
      (status < 0 ? (status === TransportStatus.UNREACHABLE ? "UNREACHABLE" : "PROTOCOL_ERROR") : ntStatusName(status));
    this.kind = kind;
  }

  /** An error for an NTSTATUS the server answered; `what` names the operation and path. */
  static fromStatus(status: number, what: string): SmbError {
    const s = status >>> 0;
    const name = ntStatusName(s);
    return new SmbError(s, KIND.get(s) ?? "other", `${what}: ${name}`);
  }

  static unreachable(message: string, cause?: unknown): SmbError {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    return new SmbError(TransportStatus.UNREACHABLE, "unreachable", code ? `${message} (${code})` : message, { cause });
  }

  static protocol(message: string): SmbError {
    return new SmbError(TransportStatus.PROTOCOL, "other", message);
  }
}

export function classifyStatus(status: number): SmbErrorKind {
  return KIND.get(status >>> 0) ?? "other";
}
