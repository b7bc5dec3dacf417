/**
 * SESSION_SETUP request (MS-SMB2 2.2.5) and response (2.2.6); LOGOFF request/response (2.2.7/2.2.8).
 */
import { HEADER_SIZE } from "./header.js";
import { WireReader } from "./wire-reader.js";
import { SmbError } from "../errors.js";

export const SessionFlags = { IS_GUEST: 0x0001, IS_NULL: 0x0002, ENCRYPT_DATA: 0x0004 } as const;

export function encodeSessionSetupRequest(
  securityMode: number,
  capabilities: number,
  token: Buffer,
  previousSessionId = 0n,
): Buffer {
  const fixed = Buffer.alloc(24);
  fixed.writeUInt16LE(25, 0);
  fixed.writeUInt8(0, 2); // Flags (no binding)
  fixed.writeUInt8(securityMode, 3);
  fixed.writeUInt32LE(capabilities & 0x01, 4); // only DFS is defined here
  fixed.writeUInt32LE(0, 8); // Channel
  fixed.writeUInt16LE(HEADER_SIZE + 24, 12);
  fixed.writeUInt16LE(token.length, 14);
  fixed.writeBigUInt64LE(previousSessionId, 16);
  return Buffer.concat([fixed, token]);
}

export function decodeSessionSetupResponse(msg: Buffer): { sessionFlags: number; securityBuffer: Buffer } {
  const r = new WireReader(msg, "SESSION_SETUP response");
  const b = HEADER_SIZE;
  if (r.u16(b) !== 9) throw SmbError.protocol("SESSION_SETUP response: bad StructureSize");
  const off = r.u16(b + 4);
  const len = r.u16(b + 6);
  return { sessionFlags: r.u16(b + 2), securityBuffer: len ? Buffer.from(r.bytes(off, len)) : Buffer.alloc(0) };
}

export function encodeLogoffRequest(): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(4, 0);
  return b;
}
