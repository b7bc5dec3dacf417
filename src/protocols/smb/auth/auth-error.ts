/**
 * Why authentication could not proceed on the client side. The SMB client reports all of these
 * as an "auth" failure; `code` says whether the server's token was unreadable, the server
 * offered nothing we accept, or an integrity check (MIC) failed.
 */
export type SmbAuthErrorCode =
  | "malformed_token"
  | "unsupported_mechanism"
  | "unsupported_server"
  | "rejected"
  | "bad_mic"
  | "bad_state"
  | "bad_credentials";

export class SmbAuthError extends Error {
  override readonly name = "SmbAuthError";
  constructor(
    readonly code: SmbAuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}
