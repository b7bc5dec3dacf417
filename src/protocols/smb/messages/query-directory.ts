/**
 * QUERY_DIRECTORY request (MS-SMB2 2.2.33) / response (2.2.34), and the
 * FileIdBothDirectoryInformation entries it returns (MS-FSCC 2.4.17).
 */
import { HEADER_SIZE } from "./header.js";
import { WireReader } from "./wire-reader.js";
import { SmbError } from "../errors.js";
import { type FileId, writeFileId } from "./create.js";

export const FILE_ID_BOTH_DIRECTORY_INFORMATION = 0x25;
export const QueryDirectoryFlags = {
  RESTART_SCANS: 0x01,
  RETURN_SINGLE_ENTRY: 0x02,
  INDEX_SPECIFIED: 0x04,
  REOPEN: 0x10,
} as const;

export function encodeQueryDirectoryRequest(
  fileId: FileId,
  pattern: string,
  outputBufferLength: number,
  flags: number,
): Buffer {
  const name = Buffer.from(pattern, "utf16le");
  const fixed = Buffer.alloc(32);
  fixed.writeUInt16LE(33, 0);
  fixed.writeUInt8(FILE_ID_BOTH_DIRECTORY_INFORMATION, 2);
  fixed.writeUInt8(flags, 3);
  writeFileId(fixed, 8, fileId);
  fixed.writeUInt16LE(HEADER_SIZE + 32, 24);
  fixed.writeUInt16LE(name.length, 26);
  fixed.writeUInt32LE(outputBufferLength, 28);
  return Buffer.concat([fixed, name.length ? name : Buffer.alloc(1)]);
}

/** The OutputBuffer of a QUERY_DIRECTORY / QUERY_INFO / CHANGE_NOTIFY response (same 2.2.34/2.2.36/2.2.38 shape). */
export function decodeOutputBufferResponse(msg: Buffer, what: string): Buffer {
  const r = new WireReader(msg, what);
  if (r.u16(HEADER_SIZE) !== 9) throw SmbError.protocol(`${what}: bad StructureSize`);
  const off = r.u16(HEADER_SIZE + 2);
  const len = r.u32(HEADER_SIZE + 4);
  return len ? r.bytes(off, len) : Buffer.alloc(0);
}

export interface RawDirEntry {
  name: string;
  creationTime: bigint;
  lastAccessTime: bigint;
  lastWriteTime: bigint;
  changeTime: bigint;
  endOfFile: bigint;
  allocationSize: bigint;
  fileAttributes: number;
  fileId: bigint;
  /** The reparse tag (MS-FSCC 2.1.2.1), present when FILE_ATTRIBUTE_REPARSE_POINT is set: EaSize then carries it. */
  reparseTag?: number;
}

const FILE_ATTRIBUTE_REPARSE_POINT = 0x400;

export function decodeFileIdBothDirectoryInformation(buf: Buffer): RawDirEntry[] {
  const r = new WireReader(buf, "FileIdBothDirectoryInformation");
  const out: RawDirEntry[] = [];
  let off = 0;
  for (;;) {
    const next = r.u32(off);
    const nameLen = r.u32(off + 60);
    const fileAttributes = r.u32(off + 56);
    out.push({
      creationTime: r.u64(off + 8),
      lastAccessTime: r.u64(off + 16),
      lastWriteTime: r.u64(off + 24),
      changeTime: r.u64(off + 32),
      endOfFile: r.u64(off + 40),
      allocationSize: r.u64(off + 48),
      fileAttributes,
      fileId: r.u64(off + 96),
      name: r.utf16(off + 104, nameLen),
      ...((fileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) !== 0 ? { reparseTag: r.u32(off + 64) } : {}),
    });
    if (next === 0) break;
    off += next;
  }
  return out;
}
