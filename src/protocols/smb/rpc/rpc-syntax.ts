import { RpcError } from "./rpc-errors.js";

/** A presentation syntax: interface or transfer syntax UUID plus version (C706 12.6.3.1 p_syntax_id_t). */
export interface SyntaxId {
  uuid: string;
  major: number;
  minor: number;
}

/** MS-LSAT 1.9 / MS-LSAD 1.9: the lsarpc interface. */
export const LSARPC_SYNTAX: SyntaxId = { uuid: "12345778-1234-abcd-ef00-0123456789ab", major: 0, minor: 0 };
/** C706 appendix I: NDR 2.0 transfer syntax. */
export const NDR_SYNTAX: SyntaxId = { uuid: "8a885d04-1ceb-11c9-9fe8-08002b104860", major: 2, minor: 0 };

/** UUID on the wire: time_low, time_mid, time_hi little-endian, the last 8 bytes as written (C706 A.1). */
export function encodeUuid(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RpcError("protocol", `not a UUID: ${uuid}`);
  const b = Buffer.from(hex, "hex");
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

export function decodeUuid(b: Buffer): string {
  const c = Buffer.from(b.subarray(0, 16));
  c.subarray(0, 4).reverse();
  c.subarray(4, 6).reverse();
  c.subarray(6, 8).reverse();
  const h = c.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** 20 bytes: UUID + major (u16) + minor (u16). */
export function encodeSyntax(s: SyntaxId): Buffer {
  const out = Buffer.alloc(20);
  encodeUuid(s.uuid).copy(out, 0);
  out.writeUInt16LE(s.major, 16);
  out.writeUInt16LE(s.minor, 18);
  return out;
}

export function decodeSyntax(b: Buffer, offset: number): SyntaxId {
  return {
    uuid: decodeUuid(b.subarray(offset, offset + 16)),
    major: b.readUInt16LE(offset + 16),
    minor: b.readUInt16LE(offset + 18),
  };
}

export function sameSyntax(a: SyntaxId, b: SyntaxId): boolean {
  return a.uuid.toLowerCase() === b.uuid.toLowerCase() && a.major === b.major && a.minor === b.minor;
}
