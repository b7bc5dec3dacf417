import { createCipheriv } from "node:crypto";

/**
 * AES-128-CMAC (RFC 4493), the SMB 3.0/3.0.2 signing MAC and the 3.1.1 default.
 * Node has no CMAC. The subkeys come from one aes-128-ecb block (cached per key: a session signs
 * every message with the same key); the message goes through one aes-128-cbc pass with a zero
 * IV, whose last block is fed already XORed with K1/K2. CBC-MAC with that tweaked last block is
 * exactly CMAC, computed by OpenSSL at AES-NI speed rather than block by block in JavaScript;
 * signed SMB messages can be several MiB (multi-credit writes).
 */

const BLOCK = 16;
const RB = 0x87;
const CHUNK = 64 * 1024;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
const SUBKEY_CACHE_LIMIT = 64;
const subkeyCache = new Map<string, { k1: Buffer; k2: Buffer }>();

function shiftLeftOne(input: Buffer): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    out[i] = ((input[i] << 1) | (i + 1 < BLOCK ? input[i + 1] >> 7 : 0)) & 0xff;
  }
  if (input[0] & 0x80) out[BLOCK - 1] ^= RB;
  return out;
}

function subkeys(key: Buffer): { k1: Buffer; k2: Buffer } {
  const id = key.toString("hex");
  const cached = subkeyCache.get(id);
  if (cached) return cached;
  const ecb = createCipheriv("aes-128-ecb", key, null);
  ecb.setAutoPadding(false);
  const l = ecb.update(ZERO_BLOCK);
  const k1 = shiftLeftOne(l);
  const derived = { k1, k2: shiftLeftOne(k1) };
  if (subkeyCache.size >= SUBKEY_CACHE_LIMIT) subkeyCache.clear();
  subkeyCache.set(id, derived);
  return derived;
}

/** Copies bytes [start, end) of the virtual concatenation of `parts` into a new buffer. */
function sliceParts(parts: readonly Buffer[], start: number, end: number): Buffer {
  const out = Buffer.alloc(end - start);
  let offset = 0;
  for (const part of parts) {
    const partEnd = offset + part.length;
    const from = Math.max(start, offset);
    const to = Math.min(end, partEnd);
    if (from < to) part.copy(out, from - start, from - offset, to - offset);
    offset = partEnd;
  }
  return out;
}

/**
 * CMAC over the concatenation of `parts`, without concatenating them (signing feeds the header
 * with a zeroed signature field and the body as separate parts).
 * @throws RangeError when the key is not 16 bytes.
 */
export function aesCmacParts(key: Buffer, parts: readonly Buffer[]): Buffer {
  if (key.length !== 16) throw new RangeError("AES-128-CMAC key must be 16 bytes");
  const { k1, k2 } = subkeys(key);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const complete = total > 0 && total % BLOCK === 0;
  const lastStart = total === 0 ? 0 : complete ? total - BLOCK : total - (total % BLOCK);

  const cbc = createCipheriv("aes-128-cbc", key, ZERO_BLOCK);
  cbc.setAutoPadding(false);
  let offset = 0;
  for (const part of parts) {
    if (offset >= lastStart) break;
    const take = Math.min(part.length, lastStart - offset);
    for (let p = 0; p < take; p += CHUNK) cbc.update(part.subarray(p, Math.min(take, p + CHUNK)));
    offset += take;
  }

  const last = sliceParts(parts, lastStart, total);
  const block = Buffer.alloc(BLOCK);
  last.copy(block);
  if (!complete) block[last.length] = 0x80;
  const subkey = complete ? k1 : k2;
  for (let i = 0; i < BLOCK; i++) block[i] ^= subkey[i];
  const out = cbc.update(block);
  cbc.final();
  return Buffer.from(out.subarray(out.length - BLOCK));
}

/** RFC 4493 AES-CMAC of `message` under a 16-byte key; returns the 16-byte tag. */
export function aesCmac(key: Buffer, message: Buffer): Buffer {
  return aesCmacParts(key, [message]);
}
