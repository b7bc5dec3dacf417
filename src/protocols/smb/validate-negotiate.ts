/**
 * FSCTL_VALIDATE_NEGOTIATE_INFO (MS-SMB2 3.2.5.5, 2.2.31.4): on 3.0 / 3.0.2 the client repeats
 * its NEGOTIATE over the signed session and checks the server's answer, so a man in the middle
 * that rewrote the unsigned NEGOTIATE (to force a weaker dialect or drop signing) is caught.
 * 3.1.1 gets the same protection from the pre-auth integrity hash; 2.x cannot have it.
 */
import type { BoundTree } from "./file-handle.js";
import { Command } from "./messages/header.js";
import { Dialect } from "./messages/negotiate.js";
import {
  FSCTL_VALIDATE_NEGOTIATE_INFO,
  NO_FILE_ID,
  decodeIoctlResponse,
  decodeValidateNegotiateInfo,
  encodeIoctlRequest,
  encodeValidateNegotiateInfo,
} from "./messages/notify-ioctl.js";
import { NtStatus, SmbError } from "./errors.js";

/**
 * Runs the validation once per connection (later calls share the first result).
 * @throws SmbError (protocol) when the server's answer disagrees with the NEGOTIATE exchange;
 *   the caller must then drop the connection.
 */
export function validateNegotiate(tree: BoundTree): Promise<void> {
  const conn = tree.conn;
  const d = conn.dialect;
  if ((d !== Dialect.SMB300 && d !== Dialect.SMB302) || !tree.session.canSign) return Promise.resolve();
  return (conn.negotiateValidation ??= (async () => {
    const input = encodeValidateNegotiateInfo(
      conn.sent.capabilities,
      conn.clientGuid,
      conn.sent.securityMode,
      conn.sent.dialects,
    );
    const res = await tree
      // Signed even when the session does not sign (MS-SMB2 3.2.5.5): the point is to catch a
      // NEGOTIATE rewritten to drop the server's signing requirement.
      .send(Command.IOCTL, encodeIoctlRequest(NO_FILE_ID, FSCTL_VALIDATE_NEGOTIATE_INFO, input, 24), {
        sign: !tree.encrypt,
      })
      .catch((e: unknown) => {
        // Servers that do not implement it answer with these; signed, so not forged (3.2.5.5).
        if (
          e instanceof SmbError &&
          (e.status === NtStatus.NOT_SUPPORTED || e.status === NtStatus.INVALID_DEVICE_REQUEST)
        )
          return undefined;
        throw e;
      });
    if (!res) return;
    const v = decodeValidateNegotiateInfo(decodeIoctlResponse(res.message));
    const n = conn.negotiated;
    if (
      v.dialect !== n.dialect ||
      v.securityMode !== n.securityMode ||
      v.capabilities !== n.capabilities ||
      !v.guid.equals(n.serverGuid)
    ) {
      const err = SmbError.protocol("FSCTL_VALIDATE_NEGOTIATE_INFO mismatch: the NEGOTIATE exchange was tampered with");
      conn.fail(err);
      throw err;
    }
  })());
}
