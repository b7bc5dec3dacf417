import { createCipheriv, createHmac, timingSafeEqual } from "node:crypto";
import { aesCmacParts } from "./aes-cmac.js";
import type { SigningAlgorithm } from "./session-keys.js";

/** SMB2 header layout (MS-SMB2 2.2.1) as far as signing needs it. */
const HEADER_BYTES = 64;
const COMMAND_OFFSET = 12;
const FLAGS_OFFSET = 16;
const MESSAGE_ID_OFFSET = 24;
const SIGNATURE_OFFSET = 48;
const SIGNATURE_BYTES = 16;
const FLAG_SERVER_TO_REDIR = 0x0000_0001;
const COMMAND_CANCEL = 0x000c;
const ZERO_SIGNATURE = Buffer.alloc(SIGNATURE_BYTES);

/**
 * The message as parts with a zero signature field, so that signing a multi-MiB WRITE never
 * copies its body. `parts[0]` holds at least the 64-byte header.
 */
function zeroedParts(parts: readonly Buffer[]): Buffer[] {
  const head = parts[0];
  if (!head || head.length < HEADER_BYTES)
    throw new RangeError("an SMB2 message is at least 64 bytes (in its first part)");
  return [
    head.subarray(0, SIGNATURE_OFFSET),
    ZERO_SIGNATURE,
    head.subarray(SIGNATURE_OFFSET + SIGNATURE_BYTES),
    ...parts.slice(1),
  ];
}

/**
 * MS-SMB2 3.1.4.1 AES-GMAC nonce: MessageId (8 bytes LE), then a 32-bit field with bit 0 set
 * for a server-to-client message and bit 1 set for a CANCEL request, the rest zero.
 */
export function gmacNonce(message: Buffer): Buffer {
  const nonce = Buffer.alloc(12);
  message.copy(nonce, 0, MESSAGE_ID_OFFSET, MESSAGE_ID_OFFSET + 8);
  const flags = message.readUInt32LE(FLAGS_OFFSET);
  const command = message.readUInt16LE(COMMAND_OFFSET);
  let bits = 0;
  if (flags & FLAG_SERVER_TO_REDIR) bits |= 1;
  if (command === COMMAND_CANCEL) bits |= 2;
  nonce.writeUInt32LE(bits, 8);
  return nonce;
}

/**
 * message = the whole SMB2 message (header + body, a compounded part alone); the 16-byte
 * signature field (offset 48) is treated as zero. Returns the 16-byte signature.
 * HMAC-SHA256 (2.x) is truncated to 16 bytes; AES-CMAC and AES-GMAC need a 16-byte key.
 * @throws RangeError on a message shorter than the SMB2 header or a wrong key length.
 */
export function computeSignature(alg: SigningAlgorithm, key: Buffer, message: Buffer): Buffer {
  return computeSignatureParts(alg, key, [message]);
}

/**
 * {@link computeSignature} of the message made of `parts` back to back, without concatenating
 * them; the first part must hold the whole 64-byte header.
 */
export function computeSignatureParts(alg: SigningAlgorithm, key: Buffer, message: readonly Buffer[]): Buffer {
  const parts = zeroedParts(message);
  switch (alg) {
    case "hmac-sha256": {
      const hmac = createHmac("sha256", key);
      for (const part of parts) hmac.update(part);
      return hmac.digest().subarray(0, SIGNATURE_BYTES);
    }
    case "aes-cmac":
      return aesCmacParts(key, parts);
    case "aes-gmac": {
      if (key.length !== 16) throw new RangeError("AES-128-GMAC key must be 16 bytes");
      const gcm = createCipheriv("aes-128-gcm", key, gmacNonce(message[0]), { authTagLength: 16 });
      for (const part of parts) gcm.setAAD(part);
      gcm.final();
      return gcm.getAuthTag();
    }
  }
}

/**
 * True when the signature field of `message` matches (constant-time comparison).
 * A message too short to carry a header is simply not valid, never an exception.
 */
export function verifySignature(alg: SigningAlgorithm, key: Buffer, message: Buffer): boolean {
  if (message.length < HEADER_BYTES) return false;
  const expected = computeSignature(alg, key, message);
  return timingSafeEqual(expected, message.subarray(SIGNATURE_OFFSET, SIGNATURE_OFFSET + SIGNATURE_BYTES));
}
