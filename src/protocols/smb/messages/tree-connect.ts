/**
 * TREE_CONNECT request (MS-SMB2 2.2.9) / response (2.2.10); TREE_DISCONNECT (2.2.11/2.2.12).
 */
import { HEADER_SIZE } from "./header.js";
import { WireReader } from "./wire-reader.js";
import { SmbError } from "../errors.js";

export const ShareType = { DISK: 1, PIPE: 2, PRINT: 3 } as const;
export const ShareFlags = { ENCRYPT_DATA: 0x00008000 } as const;

/** `path` is the UNC share path, `\\server\share`. */
export function encodeTreeConnectRequest(path: string): Buffer {
  const name = Buffer.from(path, "utf16le");
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(9, 0);
  fixed.writeUInt16LE(0, 2);
  fixed.writeUInt16LE(HEADER_SIZE + 8, 4);
  fixed.writeUInt16LE(name.length, 6);
  return Buffer.concat([fixed, name]);
}

export interface TreeConnectResponse {
  shareType: number;
  shareFlags: number;
  capabilities: number;
  maximalAccess: number;
}

export function decodeTreeConnectResponse(msg: Buffer): TreeConnectResponse {
  const r = new WireReader(msg, "TREE_CONNECT response");
  const b = HEADER_SIZE;
  if (r.u16(b) !== 16) throw SmbError.protocol("TREE_CONNECT response: bad StructureSize");
  return { shareType: r.u8(b + 2), shareFlags: r.u32(b + 4), capabilities: r.u32(b + 8), maximalAccess: r.u32(b + 12) };
}

export function encodeTreeDisconnectRequest(): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(4, 0);
  return b;
}
