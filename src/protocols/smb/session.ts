/**
 * SESSION_SETUP exchange (MS-SMB2 3.2.5.3) on top of an {@link SmbAuthenticator}: runs the token
 * loop, keeps the session's pre-auth integrity hash (3.1.1), derives the keys, verifies the
 * signed final response (the self-test of KDF and pre-auth hash), refuses guest/anonymous
 * sessions unless allowed, and decides whether the session signs or encrypts.
 */
import { SmbConnection, type SessionSecurity } from "./connection.js";
import { SmbError, NtStatus } from "./errors.js";
import { Command, HeaderFlags } from "./messages/header.js";
import { Dialect, SecurityMode } from "./messages/negotiate.js";
import {
  SessionFlags,
  decodeSessionSetupResponse,
  encodeLogoffRequest,
  encodeSessionSetupRequest,
} from "./messages/session-setup.js";
import { deriveSessionKeys, type SmbDialect } from "./crypto/session-keys.js";
import { verifySignature } from "./crypto/signing.js";
import { createNtlmAuthenticator } from "./auth/ntlm-authenticator.js";

export interface Credentials {
  domain: string;
  username: string;
  password: string;
  workstation?: string;
}

export interface SessionOptions {
  /** "required": encrypt every request of the session (fails on servers that cannot). */
  encrypt: "auto" | "required";
  /** "auto": sign when the server requires it; "required": always. */
  signing: "auto" | "required";
  allowGuest: boolean;
  timeoutMs: number;
}

export class SmbSession {
  private constructor(
    readonly conn: SmbConnection,
    readonly sessionId: bigint,
    /**
     * Unencrypted requests carry a signature: the server requires signing or the caller asked
     * for it. Never for guest sessions (no keys).
     */
    readonly sign: boolean,
    /** Every request of the session is encrypted (server's ENCRYPT_DATA or encrypt: "required"). */
    readonly encryptAll: boolean,
    /** The session can encrypt (3.x with a cipher); shares flagged ENCRYPT_DATA need this. */
    readonly canEncrypt: boolean,
    readonly guest: boolean,
  ) {}

  /** The session has signing keys (not guest): requests that must be signed whatever the policy can be. */
  get canSign(): boolean {
    return !this.guest;
  }

  /**
   * Authenticates a new session.
   * @throws SmbError kind "auth" for rejected credentials or a refused guest session,
   *   "unreachable" when the connection drops, "other" when encryption is required but unavailable.
   */
  static async setup(conn: SmbConnection, creds: Credentials, opts: SessionOptions): Promise<SmbSession> {
    let auth;
    try {
      auth = createNtlmAuthenticator(creds);
    } catch (e) {
      throw new SmbError(NtStatus.LOGON_FAILURE, "auth", `cannot start NTLM authentication: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const preauth = conn.preauth?.clone();
    // SIGNING_REQUIRED makes the server sign every response of the session too (MS-SMB2 3.3.5.5.3).
    const securityMode =
      SecurityMode.SIGNING_ENABLED | (opts.signing === "required" ? SecurityMode.SIGNING_REQUIRED : 0);
    let token = wrapAuth(() => auth.initialToken(conn.negotiated.securityBuffer));
    let sessionId = 0n;
    for (let round = 0; ; round++) {
      if (round > 8) throw SmbError.protocol("SESSION_SETUP did not finish");
      const res = await conn
        .request({
          command: Command.SESSION_SETUP,
          body: encodeSessionSetupRequest(securityMode, 0, token),
          sessionId,
          ok: [NtStatus.MORE_PROCESSING_REQUIRED],
          timeoutMs: opts.timeoutMs,
          noVerify: true,
          onSent: (m) => preauth?.update(m),
        })
        .catch((e: unknown) => {
          if (e instanceof SmbError && e.status === NtStatus.LOGON_FAILURE) {
            throw new SmbError(
              e.status,
              "auth",
              `SMB logon ` +
                `failed for ${creds.domain}\\${creds.username}: STATUS_LOGON_FAILURE (wrong user name or password)`,
            );
          }
          throw e;
        });
      sessionId = res.header.sessionId;
      const body = decodeSessionSetupResponse(res.message);
      if (res.header.status === NtStatus.MORE_PROCESSING_REQUIRED) {
        preauth?.update(res.message);
        token = wrapAuth(() => auth.respond(body.securityBuffer));
        continue;
      }

      wrapAuth(() => auth.finish(body.securityBuffer.length ? body.securityBuffer : undefined));
      const guest = (body.sessionFlags & (SessionFlags.IS_GUEST | SessionFlags.IS_NULL)) !== 0;
      if (guest && !opts.allowGuest) {
        await conn
          .request({ command: Command.LOGOFF, body: encodeLogoffRequest(), sessionId, noVerify: true })
          .catch(() => undefined);
        throw new SmbError(
          NtStatus.LOGON_FAILURE,
          "auth",
          `server logged ${creds.username} on as guest/anonymous; refused (allowGuest is false)`,
        );
      }
      const dialect = conn.dialect as SmbDialect;
      const cipher = conn.cipher;
      const keys = deriveSessionKeys(
        dialect,
        auth.sessionKey,
        dialect === Dialect.SMB311 ? preauth!.value : undefined,
        cipher,
      );
      const alg = conn.signingAlgorithm;
      if (!guest && res.header.flags & HeaderFlags.SIGNED) {
        if (!verifySignature(alg, keys.signingKey, res.message)) {
          throw SmbError.protocol(
            "the signature of the final SESSION_SETUP response does not verify (key derivation mismatch)",
          );
        }
      } else if (!guest && dialect === Dialect.SMB311) {
        throw SmbError.protocol("SMB 3.1.1 server did not sign the final SESSION_SETUP response");
      }
      const serverEncrypts = (body.sessionFlags & SessionFlags.ENCRYPT_DATA) !== 0;
      const canEncrypt = !guest && cipher !== undefined && dialect >= Dialect.SMB300;
      if (opts.encrypt === "required" && !canEncrypt) {
        throw new SmbError(
          NtStatus.NOT_SUPPORTED,
          "other",
          `encryption required but the server negotiated dialect 0x${dialect.toString(16)} without a usable cipher`,
        );
      }
      const encryptAll = canEncrypt && (serverEncrypts || opts.encrypt === "required");
      // What Windows and Samba clients do by default: sign when the server requires it. Signing
      // costs a MAC over every byte both ways; tampering with the NEGOTIATE (to drop the server's
      // requirement) is still caught by the 3.1.1 pre-auth hash, checked through the signed final
      // SESSION_SETUP response, and by FSCTL_VALIDATE_NEGOTIATE_INFO on 3.0.x.
      const sign = !guest && (opts.signing === "required" || conn.serverRequiresSigning);
      const security: SessionSecurity = {
        signingAlgorithm: alg,
        signingKey: keys.signingKey,
        cipher: canEncrypt ? cipher : undefined,
        encryptionKey: canEncrypt ? keys.encryptionKey : undefined,
        decryptionKey: canEncrypt ? keys.decryptionKey : undefined,
        requireSignedResponses: !guest,
      };
      conn.registerSession(sessionId, security);
      if ((conn.serverRequiresSigning || opts.signing === "required") && guest) {
        throw new SmbError(
          NtStatus.ACCESS_DENIED,
          "auth",
          `${conn.serverRequiresSigning ? "server" : "caller"} requires signing but the session is guest/anonymous`,
        );
      }
      return new SmbSession(conn, sessionId, sign, encryptAll, canEncrypt, guest);
    }
  }

  async logoff(): Promise<void> {
    await this.conn
      .request({
        command: Command.LOGOFF,
        body: encodeLogoffRequest(),
        sessionId: this.sessionId,
        sign: this.sign && !this.encryptAll,
        encrypt: this.encryptAll,
      })
      .catch(() => undefined);
    this.conn.forgetSession(this.sessionId);
  }
}

function wrapAuth<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SmbError) throw e;
    throw new SmbError(NtStatus.LOGON_FAILURE, "auth", `NTLM authentication failed: ${(e as Error).message}`, {
      cause: e,
    });
  }
}
