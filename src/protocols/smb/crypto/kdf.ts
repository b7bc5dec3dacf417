import { createHmac } from "node:crypto";

/**
 * SP800-108 key derivation in counter mode with HMAC-SHA256 as the PRF, as MS-SMB2 3.1.4.2
 * fixes it: r = 32, one iteration (L <= 256), input = i(1, 32-bit BE) || Label || 0x00 ||
 * Context || L (32-bit BE). `label` and `context` are passed exactly as MS-SMB2 lists them,
 * including their own trailing NUL where the spec has one ("SMB2AESCMAC\0"); the 0x00
 * separator is added here.
 */
export function smb3Kdf(key: Buffer, label: Buffer, context: Buffer, lengthBits: 128 | 256): Buffer {
  const counter = Buffer.from([0, 0, 0, 1]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(lengthBits);
  const out = createHmac("sha256", key)
    .update(counter)
    .update(label)
    .update(Buffer.from([0]))
    .update(context)
    .update(length)
    .digest();
  return out.subarray(0, lengthBits / 8);
}
