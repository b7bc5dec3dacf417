import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { md4 } from "../crypto/md4.js";
import { Rc4Stream } from "../crypto/rc4.js";
import { NTLM_FLAGS } from "./ntlm-flags.js";

/**
 * NTLMv2 computations of MS-NLMP 3.3.2 and the session security of 3.4 (extended session
 * security only: NTLMv1-style signing is never negotiated by this client).
 */

function hmacMd5(key: Buffer, ...data: Buffer[]): Buffer {
  const h = createHmac("md5", key);
  for (const d of data) h.update(d);
  return h.digest();
}

/**
 * Uppercase the way Windows does for NTOWFv2: per UTF-16 code unit, never changing the length
 * (JavaScript maps "ß" to "SS"; Windows leaves it).
 */
function upcaseUnits(text: string): string {
  let out = "";
  for (const ch of text) {
    const up = ch.toUpperCase();
    out += up.length === ch.length ? up : ch;
  }
  return out;
}

/** NTOWFv1 = MD4(UTF-16LE(password)), the NT hash. */
export function ntowfv1(password: string): Buffer {
  return md4(Buffer.from(password, "utf16le"));
}

/** NTOWFv2 = HMAC_MD5(NTOWFv1(password), UTF-16LE(Uppercase(user) || domain)) = ResponseKeyNT = ResponseKeyLM. */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(ntowfv1(password), Buffer.from(upcaseUnits(user) + domain, "utf16le"));
}

/**
 * The NTLMv2 client challenge structure ("temp" in 3.3.2): RespType 1, HiRespType 1, Z(6),
 * Time (FILETIME), ClientChallenge, Z(4), the AV pairs (EOL included), Z(4).
 */
export function ntlmv2ClientBlob(timestamp: Buffer, clientChallenge: Buffer, avPairs: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
    timestamp,
    clientChallenge,
    Buffer.alloc(4),
    avPairs,
    Buffer.alloc(4),
  ]);
}

export interface Ntlmv2Response {
  ntProofStr: Buffer;
  /** NTProofStr || temp. */
  ntChallengeResponse: Buffer;
  /** HMAC_MD5(ResponseKeyNT, NTProofStr); also the KeyExchangeKey for NTLMv2. */
  sessionBaseKey: Buffer;
}

export function ntlmv2Response(responseKeyNT: Buffer, serverChallenge: Buffer, blob: Buffer): Ntlmv2Response {
  const ntProofStr = hmacMd5(responseKeyNT, serverChallenge, blob);
  return {
    ntProofStr,
    ntChallengeResponse: Buffer.concat([ntProofStr, blob]),
    sessionBaseKey: hmacMd5(responseKeyNT, ntProofStr),
  };
}

/** LMv2 response: HMAC_MD5(ResponseKeyLM, ServerChallenge || ClientChallenge) || ClientChallenge. */
export function lmv2Response(responseKeyLM: Buffer, serverChallenge: Buffer, clientChallenge: Buffer): Buffer {
  return Buffer.concat([hmacMd5(responseKeyLM, serverChallenge, clientChallenge), clientChallenge]);
}

export type Direction = "client-to-server" | "server-to-client";

/** MS-NLMP 3.4.5.2 SIGNKEY with extended session security. */
export function signKey(exportedSessionKey: Buffer, direction: Direction): Buffer {
  return createHash("md5")
    .update(exportedSessionKey)
    .update(`session key to ${direction} signing key magic constant\0`, "latin1")
    .digest();
}

/** MS-NLMP 3.4.5.3 SEALKEY with extended session security: 128, 56 or 40 bits of the key, then MD5. */
export function sealKey(exportedSessionKey: Buffer, flags: number, direction: Direction): Buffer {
  const bytes = flags & NTLM_FLAGS.NEGOTIATE_128 ? 16 : flags & NTLM_FLAGS.NEGOTIATE_56 ? 7 : 5;
  return createHash("md5")
    .update(exportedSessionKey.subarray(0, bytes))
    .update(`session key to ${direction} sealing key magic constant\0`, "latin1")
    .digest();
}

/**
 * One direction of NTLM session security (MS-NLMP 3.4.4.2 MAC, 3.4.3 sealing) with extended
 * session security: an RC4 handle that runs for the life of the context and a sequence number
 * that counts every signature made. SPNEGO uses it for the mechListMIC only.
 */
export class NtlmSecurityContext {
  private readonly handle: Rc4Stream;
  private seq = 0;

  constructor(
    private readonly signingKey: Buffer,
    sealingKey: Buffer,
    private readonly keyExchange: boolean,
  ) {
    this.handle = new Rc4Stream(sealingKey);
  }

  /** NTLMSSP_MESSAGE_SIGNATURE: Version 1 || checksum (8) || SeqNum (4). */
  mac(message: Buffer): Buffer {
    const seq = Buffer.alloc(4);
    seq.writeUInt32LE(this.seq);
    let checksum = hmacMd5(this.signingKey, seq, message).subarray(0, 8);
    if (this.keyExchange) checksum = this.handle.process(checksum);
    this.seq = (this.seq + 1) >>> 0;
    return Buffer.concat([Buffer.from([1, 0, 0, 0]), checksum, seq]);
  }

  /** GSS_WrapEx: seals `message` with the handle, then signs the plaintext (the RC4 stream continues). */
  seal(message: Buffer): { sealed: Buffer; signature: Buffer } {
    const sealed = this.handle.process(message);
    return { sealed, signature: this.mac(message) };
  }

  /**
   * Checks a peer's signature (the peer's direction keys). Advances the sequence number and
   * RC4 stream as the peer did, whether or not the signature matches.
   */
  verifyMac(message: Buffer, signature: Buffer): boolean {
    const expected = this.mac(message);
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}
