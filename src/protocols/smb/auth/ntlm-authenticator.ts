import { createHmac, randomBytes as cryptoRandomBytes } from "node:crypto";
import { rc4 } from "../crypto/rc4.js";
import { SmbAuthError } from "./auth-error.js";
import {
  NtlmSecurityContext,
  ntlmv2ClientBlob,
  ntlmv2Response,
  ntowfv2,
  lmv2Response,
  sealKey,
  signKey,
} from "./ntlm-crypto.js";
import { CLIENT_FLAGS, NTLM_FLAGS } from "./ntlm-flags.js";
import {
  AV_FLAG_MIC_PRESENT,
  AV_ID,
  type AvPair,
  decodeAvPairs,
  decodeChallenge,
  encodeAuthenticate,
  encodeAvPairs,
  encodeNegotiate,
  MIC_OFFSET,
} from "./ntlm-messages.js";
import {
  decodeNegTokenInit,
  decodeNegTokenResp,
  encodeMechTypeList,
  encodeNegTokenInit,
  encodeNegTokenResp,
  NTLMSSP_OID,
} from "./spnego.js";

export interface SmbAuthenticator {
  /**
   * First SESSION_SETUP security buffer: SPNEGO NegTokenInit carrying NTLM NEGOTIATE. serverHint = NEGOTIATE response
   * security buffer (may be empty).
   */
  initialToken(serverHint: Buffer): Buffer;
  /**
   * Server's first SESSION_SETUP response buffer (NegTokenResp with NTLM CHALLENGE) -> NegTokenResp with NTLM
   * AUTHENTICATE (with MIC) and mechListMIC. Throws SmbAuthError if the server offers nothing usable.
   */
  respond(serverToken: Buffer): Buffer;
  /** Final server token (accept-completed, maybe server mechListMIC): verifies it; throws on a bad MIC. */
  finish(serverToken: Buffer | undefined): void;
  /** Exported session key (16 bytes), known after respond(). */
  readonly sessionKey: Buffer;
}

export interface NtlmCredentials {
  domain: string;
  username: string;
  password: string;
  /** Sent as the AUTHENTICATE Workstation field; empty when not given. */
  workstation?: string;
  /**
   * MsvAvTargetName, the SPN the client believes it is talking to ("cifs/host"). Defaults to
   * "cifs/" + the server's DNS (else NetBIOS) computer name from its CHALLENGE.
   */
  targetName?: string;
}

/** Sources of randomness and time, replaceable so tests can reproduce the MS-NLMP examples. */
export interface NtlmEntropy {
  randomBytes(size: number): Buffer;
  /** Current time as a FILETIME (100 ns since 1601-01-01 UTC); used only when the server sends no MsvAvTimestamp. */
  now(): bigint;
}

const defaultEntropy: NtlmEntropy = {
  randomBytes: (size) => cryptoRandomBytes(size),
  now: () => BigInt(Date.now()) * 10_000n + 116_444_736_000_000_000n,
};

type State = "start" | "negotiated" | "responded" | "finished";

function fail(code: ConstructorParameters<typeof SmbAuthError>[0], message: string): never {
  throw new SmbAuthError(code, message);
}

/**
 * The client's AV pairs (MS-NLMP 3.1.5.1.2): the server's, with MsvAvFlags' MIC bit set and,
 * as Windows clients send them, MsvAvChannelBindings of 16 zero bytes (no TLS channel) and
 * MsvAvTargetName. Returns the list and the server's MsvAvTimestamp if it sent one.
 */
function clientAvPairs(serverPairs: AvPair[], targetName: string | undefined): { pairs: Buffer; timestamp?: Buffer } {
  const out: AvPair[] = [];
  let timestamp: Buffer | undefined;
  let sawFlags = false;
  let computer: string | undefined;
  let nbComputer: string | undefined;
  for (const pair of serverPairs) {
    if (pair.id === AV_ID.TargetName || pair.id === AV_ID.ChannelBindings) continue;
    if (pair.id === AV_ID.Timestamp) {
      if (pair.value.length !== 8) fail("malformed_token", "MsvAvTimestamp is not 8 bytes");
      timestamp = pair.value;
    }
    if (pair.id === AV_ID.DnsComputerName) computer = pair.value.toString("utf16le");
    if (pair.id === AV_ID.NbComputerName) nbComputer = pair.value.toString("utf16le");
    if (pair.id === AV_ID.Flags) {
      if (pair.value.length !== 4) fail("malformed_token", "MsvAvFlags is not 4 bytes");
      const value = Buffer.alloc(4);
      value.writeUInt32LE((pair.value.readUInt32LE(0) | AV_FLAG_MIC_PRESENT) >>> 0);
      out.push({ id: AV_ID.Flags, value });
      sawFlags = true;
      continue;
    }
    out.push(pair);
  }
  if (!sawFlags) {
    const value = Buffer.alloc(4);
    value.writeUInt32LE(AV_FLAG_MIC_PRESENT);
    out.push({ id: AV_ID.Flags, value });
  }
  out.push({ id: AV_ID.ChannelBindings, value: Buffer.alloc(16) });
  const spn = targetName ?? ((computer ?? nbComputer) ? `cifs/${computer ?? nbComputer}` : undefined);
  if (spn) out.push({ id: AV_ID.TargetName, value: Buffer.from(spn, "utf16le") });
  return { pairs: encodeAvPairs(out), timestamp };
}

class NtlmAuthenticator implements SmbAuthenticator {
  private state: State = "start";
  private negotiateMessage: Buffer = Buffer.alloc(0);
  private readonly mechTypeList = encodeMechTypeList([NTLMSSP_OID]);
  private exportedSessionKey: Buffer | undefined;
  private serverSecurity: NtlmSecurityContext | undefined;

  constructor(
    private readonly creds: NtlmCredentials,
    private readonly entropy: NtlmEntropy,
  ) {}

  get sessionKey(): Buffer {
    if (!this.exportedSessionKey) fail("bad_state", "the session key is known only after respond()");
    return Buffer.from(this.exportedSessionKey);
  }

  initialToken(serverHint: Buffer): Buffer {
    if (this.state !== "start") fail("bad_state", "initialToken() called twice");
    if (serverHint.length > 0) {
      const hint = decodeNegTokenInit(serverHint);
      if (!hint.mechTypes.some((m) => m.equals(NTLMSSP_OID))) {
        fail("unsupported_mechanism", "the server does not offer NTLMSSP in SPNEGO");
      }
    }
    this.negotiateMessage = encodeNegotiate(CLIENT_FLAGS);
    this.state = "negotiated";
    return encodeNegTokenInit(this.mechTypeList, this.negotiateMessage);
  }

  respond(serverToken: Buffer): Buffer {
    if (this.state !== "negotiated") fail("bad_state", "respond() must follow initialToken() once");
    const resp = decodeNegTokenResp(serverToken);
    if (resp.negState === "reject") fail("rejected", "the server rejected the SPNEGO negotiation");
    if (resp.supportedMech && !resp.supportedMech.equals(NTLMSSP_OID)) {
      fail("unsupported_mechanism", "the server selected a mechanism other than NTLMSSP");
    }
    if (!resp.responseToken) fail("malformed_token", "the server sent no NTLM CHALLENGE");
    const challengeMessage = resp.responseToken;
    const challenge = decodeChallenge(challengeMessage);

    if (!(challenge.flags & NTLM_FLAGS.UNICODE)) fail("unsupported_server", "the server does not negotiate Unicode");
    if (!(challenge.flags & NTLM_FLAGS.EXTENDED_SESSIONSECURITY)) {
      fail("unsupported_server", "the server does not negotiate NTLM extended session security");
    }
    if (challenge.targetInfo.length === 0)
      fail("unsupported_server", "the server sent no TargetInfo (needed for NTLMv2)");

    const flags = ((CLIENT_FLAGS & challenge.flags) | NTLM_FLAGS.UNICODE | NTLM_FLAGS.VERSION) >>> 0;
    const { pairs, timestamp } = clientAvPairs(decodeAvPairs(challenge.targetInfo), this.creds.targetName);
    const time =
      timestamp ??
      (() => {
        const t = Buffer.alloc(8);
        t.writeBigUInt64LE(this.entropy.now());
        return t;
      })();

    const clientChallenge = this.entropy.randomBytes(8);
    const responseKey = ntowfv2(this.creds.password, this.creds.username, this.creds.domain);
    const blob = ntlmv2ClientBlob(time, clientChallenge, pairs);
    const nt = ntlmv2Response(responseKey, challenge.serverChallenge, blob);
    // MS-NLMP 3.1.5.1.2: with MsvAvTimestamp the client sends Z(24) instead of the LMv2 response.
    const lm = timestamp ? Buffer.alloc(24) : lmv2Response(responseKey, challenge.serverChallenge, clientChallenge);

    let exported: Buffer = nt.sessionBaseKey;
    let encryptedKey: Buffer = Buffer.alloc(0);
    if (flags & NTLM_FLAGS.KEY_EXCH) {
      exported = this.entropy.randomBytes(16);
      encryptedKey = rc4(nt.sessionBaseKey, exported);
    }

    const authenticate = encodeAuthenticate({
      flags,
      lmChallengeResponse: lm,
      ntChallengeResponse: nt.ntChallengeResponse,
      domain: this.creds.domain,
      user: this.creds.username,
      workstation: this.creds.workstation ?? "",
      encryptedRandomSessionKey: encryptedKey,
    });
    createHmac("md5", exported)
      .update(this.negotiateMessage)
      .update(challengeMessage)
      .update(authenticate)
      .digest()
      .copy(authenticate, MIC_OFFSET);

    const keyExchange = (flags & NTLM_FLAGS.KEY_EXCH) !== 0;
    const client = new NtlmSecurityContext(
      signKey(exported, "client-to-server"),
      sealKey(exported, flags, "client-to-server"),
      keyExchange,
    );
    this.serverSecurity = new NtlmSecurityContext(
      signKey(exported, "server-to-client"),
      sealKey(exported, flags, "server-to-client"),
      keyExchange,
    );
    this.exportedSessionKey = exported;
    this.state = "responded";
    return encodeNegTokenResp({ responseToken: authenticate, mechListMIC: client.mac(this.mechTypeList) });
  }

  /**
   * An absent or empty final token is accepted: SMB2 servers may omit it, and the session's
   * signed SESSION_SETUP response (3.x) or first signed response still proves the key.
   */
  finish(serverToken: Buffer | undefined): void {
    if (this.state !== "responded" || !this.serverSecurity) fail("bad_state", "finish() must follow respond() once");
    this.state = "finished";
    if (!serverToken || serverToken.length === 0) return;
    const resp = decodeNegTokenResp(serverToken);
    if (resp.negState === "reject") fail("rejected", "the server rejected the authentication");
    if (resp.negState !== undefined && resp.negState !== "accept-completed") {
      fail("unsupported_server", `the server wants another round (${resp.negState}); NTLM has none`);
    }
    if (resp.mechListMIC && !this.serverSecurity.verifyMac(this.mechTypeList, resp.mechListMIC)) {
      fail("bad_mic", "the server's SPNEGO mechListMIC does not verify");
    }
  }
}

/**
 * NTLMv2 inside SPNEGO for one SESSION_SETUP exchange. Never anonymous and never NTLMv1: an
 * empty user name is refused up front. Whether the server treated us as guest is visible only
 * in SESSION_SETUP's SessionFlags, which the client checks.
 * @throws SmbAuthError("bad_credentials") for an empty user name.
 */
export function createNtlmAuthenticator(
  opts: NtlmCredentials,
  entropy: NtlmEntropy = defaultEntropy,
): SmbAuthenticator {
  if (!opts.username) fail("bad_credentials", "a user name is required (anonymous logon is not supported)");
  return new NtlmAuthenticator(opts, entropy);
}
