import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { SmbCryptoError } from "./crypto-error.js";
import type { CipherId } from "./session-keys.js";

/**
 * MS-SMB2 2.2.41 SMB2 TRANSFORM_HEADER:
 *   0 ProtocolId 0xFD 'S' 'M' 'B' | 4 Signature (AEAD tag, 16) | 20 Nonce (16; 11 bytes used by
 *   CCM, 12 by GCM) | 36 OriginalMessageSize (4) | 40 Reserved (2) | 42 Flags = 0x0001 (2) |
 *   44 SessionId (8). The AAD is bytes 20..52 (MS-SMB2 3.1.4.3).
 */
export const TRANSFORM_HEADER_BYTES = 52;
const PROTOCOL_ID = 0x424d53fd;
const AAD_OFFSET = 20;
const TAG_BYTES = 16;
const FLAG_ENCRYPTED = 0x0001;

function nonceBytes(cipher: CipherId): number {
  return cipher.endsWith("ccm") ? 11 : 12;
}

function keyBytes(cipher: CipherId): number {
  return cipher.startsWith("aes-256") ? 32 : 16;
}

function checkKey(cipher: CipherId, key: Buffer): void {
  if (key.length !== keyBytes(cipher)) {
    throw new SmbCryptoError("bad_key", `${cipher} needs a ${keyBytes(cipher)}-byte key, got ${key.length}`);
  }
}

/**
 * Encrypts with a caller-chosen nonce. Exists for known-answer tests and for callers that keep
 * their own nonce counter; a nonce must never repeat under one key (GCM loses all integrity).
 */
export function encryptMessageWithNonce(
  cipher: CipherId,
  key: Buffer,
  sessionId: bigint,
  message: Buffer,
  nonce: Buffer,
): Buffer {
  const parts = encryptParts(cipher, key, sessionId, [message], nonce);
  return Buffer.concat(parts);
}

/**
 * The transform of the message made of `message` parts back to back, returned as parts
 * (transform header, then ciphertext) for the transport to send without concatenating: a
 * multi-MiB WRITE is then copied once, by the cipher. GCM takes the parts one by one; CCM
 * (one-shot in OpenSSL) needs them joined first.
 */
function encryptParts(
  cipher: CipherId,
  key: Buffer,
  sessionId: bigint,
  message: readonly Buffer[],
  nonce: Buffer,
): Buffer[] {
  checkKey(cipher, key);
  const size = nonceBytes(cipher);
  if (nonce.length !== size) throw new RangeError(`${cipher} nonce must be ${size} bytes`);
  let length = 0;
  for (const p of message) length += p.length;
  if (length > 0xffff_ffff) throw new RangeError("message too large for a transform header");

  const header = Buffer.alloc(TRANSFORM_HEADER_BYTES);
  header.writeUInt32LE(PROTOCOL_ID, 0);
  nonce.copy(header, 20);
  header.writeUInt32LE(length, 36);
  header.writeUInt16LE(FLAG_ENCRYPTED, 42);
  header.writeBigUInt64LE(BigInt.asUintN(64, sessionId), 44);
  const aad = header.subarray(AAD_OFFSET);

  const out: Buffer[] = [header];
  if (cipher.endsWith("ccm")) {
    const c = createCipheriv(cipher as "aes-128-ccm", key, nonce, { authTagLength: TAG_BYTES });
    c.setAAD(aad, { plaintextLength: length });
    out.push(c.update(message.length === 1 ? message[0] : Buffer.concat(message, length)));
    c.final();
    c.getAuthTag().copy(header, 4);
  } else {
    const c = createCipheriv(cipher as "aes-128-gcm", key, nonce, { authTagLength: TAG_BYTES });
    c.setAAD(aad);
    for (const p of message) out.push(c.update(p));
    c.final();
    c.getAuthTag().copy(header, 4);
  }
  return out;
}

/** MS-SMB2 3.1.4.3: transform header + ciphertext of `message` with a fresh random nonce. */
export function encryptMessage(cipher: CipherId, key: Buffer, sessionId: bigint, message: Buffer): Buffer {
  return encryptMessageWithNonce(cipher, key, sessionId, message, randomBytes(nonceBytes(cipher)));
}

/**
 * {@link encryptMessage} of the message made of `message` parts, returned as parts to send back
 * to back (see encryptParts).
 */
export function encryptMessageParts(
  cipher: CipherId,
  key: Buffer,
  sessionId: bigint,
  message: readonly Buffer[],
): Buffer[] {
  return encryptParts(cipher, key, sessionId, message, randomBytes(nonceBytes(cipher)));
}

/** Reads the SessionId of a transform header so the caller can pick the session's key. */
export function transformSessionId(data: Buffer): bigint {
  if (data.length < TRANSFORM_HEADER_BYTES || data.readUInt32LE(0) !== PROTOCOL_ID) {
    throw new SmbCryptoError("malformed_transform", "not an SMB2 TRANSFORM_HEADER");
  }
  return data.readBigUInt64LE(44);
}

/**
 * MS-SMB2 3.2.5.1.1: checks and decrypts one transformed message.
 * @throws SmbCryptoError "malformed_transform" when the header is short, has the wrong
 *   ProtocolId or Flags, or OriginalMessageSize disagrees with the ciphertext length;
 *   "bad_tag" when authentication fails (tampering or the wrong key); "bad_key" on a key of
 *   the wrong length for the cipher.
 */
export function decryptMessage(cipher: CipherId, key: Buffer, data: Buffer): { sessionId: bigint; message: Buffer } {
  checkKey(cipher, key);
  const sessionId = transformSessionId(data);
  const flags = data.readUInt16LE(42);
  if (flags !== FLAG_ENCRYPTED)
    throw new SmbCryptoError("malformed_transform", `unexpected transform flags 0x${flags.toString(16)}`);
  const size = data.readUInt32LE(36);
  const ciphertext = data.subarray(TRANSFORM_HEADER_BYTES);
  if (size !== ciphertext.length) {
    throw new SmbCryptoError(
      "malformed_transform",
      `OriginalMessageSize ${size} but ${ciphertext.length} bytes follow`,
    );
  }
  const nonce = data.subarray(20, 20 + nonceBytes(cipher));
  const tag = data.subarray(4, 4 + TAG_BYTES);
  const aad = data.subarray(AAD_OFFSET, TRANSFORM_HEADER_BYTES);
  try {
    let message: Buffer;
    if (cipher.endsWith("ccm")) {
      const d = createDecipheriv(cipher as "aes-128-ccm", key, nonce, { authTagLength: TAG_BYTES });
      d.setAuthTag(tag);
      d.setAAD(aad, { plaintextLength: ciphertext.length });
      message = d.update(ciphertext);
      d.final();
    } else {
      const d = createDecipheriv(cipher as "aes-128-gcm", key, nonce, { authTagLength: TAG_BYTES });
      d.setAuthTag(tag);
      d.setAAD(aad);
      message = d.update(ciphertext);
      d.final();
    }
    return { sessionId, message };
  } catch {
    throw new SmbCryptoError("bad_tag", "transformed message failed authentication");
  }
}
