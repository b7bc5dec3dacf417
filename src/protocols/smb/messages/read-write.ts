/**
 * READ request (MS-SMB2 2.2.19) / response (2.2.20); WRITE request (2.2.21) / response (2.2.22);
 * FLUSH (2.2.17).
 */
import { HEADER_SIZE } from "./header.js";
import { WireReader } from "./wire-reader.js";
import { SmbError } from "../errors.js";
import { type FileId, writeFileId } from "./create.js";

export function encodeReadRequest(fileId: FileId, offset: bigint, length: number, minimumCount = 0): Buffer {
  const b = Buffer.alloc(49);
  b.writeUInt16LE(49, 0);
  b.writeUInt8(0x50, 2); // Padding: ask for data right after the 80-byte header+response
  b.writeUInt32LE(length, 4);
  b.writeBigUInt64LE(offset, 8);
  writeFileId(b, 16, fileId);
  b.writeUInt32LE(minimumCount, 32);
  return b;
}

/** Returns a view of the data inside `msg` (no copy). */
export function decodeReadResponse(msg: Buffer): Buffer {
  const r = new WireReader(msg, "READ response");
  const b = HEADER_SIZE;
  if (r.u16(b) !== 17) throw SmbError.protocol("READ response: bad StructureSize");
  const off = r.u8(b + 2);
  const len = r.u32(b + 4);
  return len ? r.bytes(off, len) : Buffer.alloc(0);
}

/** Fixed part of a WRITE request; the data follows it (the caller concatenates, no copy here). */
export function encodeWriteRequestHead(fileId: FileId, offset: bigint, length: number): Buffer {
  const b = Buffer.alloc(48);
  b.writeUInt16LE(49, 0);
  b.writeUInt16LE(HEADER_SIZE + 48, 2);
  b.writeUInt32LE(length, 4);
  b.writeBigUInt64LE(offset, 8);
  writeFileId(b, 16, fileId);
  return b;
}

export function decodeWriteResponse(msg: Buffer): number {
  const r = new WireReader(msg, "WRITE response");
  if (r.u16(HEADER_SIZE) !== 17) throw SmbError.protocol("WRITE response: bad StructureSize");
  return r.u32(HEADER_SIZE + 4);
}

export function encodeFlushRequest(fileId: FileId): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(24, 0);
  writeFileId(b, 8, fileId);
  return b;
}
