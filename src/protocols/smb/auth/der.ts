import { SmbAuthError } from "./auth-error.js";

/**
 * The sliver of ASN.1 DER that SPNEGO (RFC 4178) needs: definite-length TLVs with one-byte
 * tags. Every read is bounds-checked and fails with SmbAuthError("malformed_token"); nothing
 * here recurses on input, so hostile tokens cannot exhaust the stack.
 */

export interface Tlv {
  tag: number;
  /** The value bytes (a view into the input). */
  value: Buffer;
  /** Offset just past this TLV in the buffer it was read from. */
  end: number;
}

function malformed(why: string): never {
  throw new SmbAuthError("malformed_token", `malformed SPNEGO token: ${why}`);
}

/** Reads the TLV at `offset`; lengths up to 4 bytes long-form; indefinite length refused. */
export function readTlv(buf: Buffer, offset: number): Tlv {
  if (offset + 2 > buf.length) malformed("truncated header");
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) malformed("multi-byte tags are not used by SPNEGO");
  let length = buf[offset + 1];
  let pos = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) malformed("indefinite length");
    if (count > 4) malformed("length too long");
    if (pos + count > buf.length) malformed("truncated length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos + i];
    pos += count;
  }
  if (length > buf.length - pos) malformed(`value of ${length} bytes overruns the token`);
  return { tag, value: buf.subarray(pos, pos + length), end: pos + length };
}

/** Reads a TLV that must have `tag` and be the only thing in `buf` (no trailing bytes). */
export function readOnly(buf: Buffer, tag: number, what: string): Buffer {
  const tlv = readTlv(buf, 0);
  if (tlv.tag !== tag) malformed(`${what}: expected tag 0x${tag.toString(16)}, got 0x${tlv.tag.toString(16)}`);
  if (tlv.end !== buf.length) malformed(`${what}: trailing bytes`);
  return tlv.value;
}

/** All TLVs that make up `buf`, in order. */
export function readAll(buf: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const tlv = readTlv(buf, offset);
    out.push(tlv);
    offset = tlv.end;
  }
  return out;
}

export function encodeTlv(tag: number, ...values: Buffer[]): Buffer {
  const value = Buffer.concat(values);
  const n = value.length;
  let header: Buffer;
  if (n < 0x80) header = Buffer.from([tag, n]);
  else if (n < 0x100) header = Buffer.from([tag, 0x81, n]);
  else if (n < 0x10000) header = Buffer.from([tag, 0x82, n >> 8, n & 0xff]);
  else if (n < 0x1000000) header = Buffer.from([tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  else header = Buffer.from([tag, 0x84, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([header, value]);
}

export const TAG = {
  octetString: 0x04,
  oid: 0x06,
  enumerated: 0x0a,
  sequence: 0x30,
  application0: 0x60,
  context: (n: number): number => 0xa0 + n,
} as const;
