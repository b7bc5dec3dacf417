/**
 * Why a cryptographic check on SMB traffic failed. The connection treats every one as fatal
 * for the message (and, for a bad transform, for the connection): a failed tag or signature
 * means tampering or a key mismatch, never a transient fault worth retrying.
 */
export type SmbCryptoErrorCode = "malformed_transform" | "unknown_session" | "bad_tag" | "bad_key";

export class SmbCryptoError extends Error {
  override readonly name = "SmbCryptoError";
  constructor(
    readonly code: SmbCryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}
