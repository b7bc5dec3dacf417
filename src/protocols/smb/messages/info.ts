/**
 * QUERY_INFO request (MS-SMB2 2.2.37) / response (2.2.38), SET_INFO request (2.2.39) / response
 * (2.2.40), and the MS-FSCC 2.4 information classes the client uses.
 */
import { HEADER_SIZE } from "./header.js";
import { WireReader } from "./wire-reader.js";
import { SmbError } from "../errors.js";
import { type FileId, writeFileId } from "./create.js";

export const InfoType = { FILE: 1, FILESYSTEM: 2, SECURITY: 3, QUOTA: 4 } as const;
export const FileInfoClass = {
  BASIC: 4,
  INTERNAL: 6,
  RENAME: 10,
  DISPOSITION: 13,
  ALL: 18,
  END_OF_FILE: 20,
  NETWORK_OPEN: 34,
} as const;
/** AdditionalInformation for InfoType SECURITY (MS-SMB2 2.2.37). */
export const SecurityInformation = { OWNER: 0x1, GROUP: 0x2, DACL: 0x4, SACL: 0x8 } as const;

export function encodeQueryInfoRequest(
  fileId: FileId,
  infoType: number,
  infoClass: number,
  outputBufferLength: number,
  additionalInformation = 0,
): Buffer {
  const b = Buffer.alloc(41);
  b.writeUInt16LE(41, 0);
  b.writeUInt8(infoType, 2);
  b.writeUInt8(infoClass, 3);
  b.writeUInt32LE(outputBufferLength, 4);
  b.writeUInt16LE(0, 8);
  b.writeUInt32LE(0, 12);
  b.writeUInt32LE(additionalInformation, 16);
  b.writeUInt32LE(0, 20);
  writeFileId(b, 24, fileId);
  return b;
}

export function encodeSetInfoRequest(
  fileId: FileId,
  infoType: number,
  infoClass: number,
  data: Buffer,
  additionalInformation = 0,
): Buffer {
  const fixed = Buffer.alloc(32);
  fixed.writeUInt16LE(33, 0);
  fixed.writeUInt8(infoType, 2);
  fixed.writeUInt8(infoClass, 3);
  fixed.writeUInt32LE(data.length, 4);
  fixed.writeUInt16LE(HEADER_SIZE + 32, 8);
  fixed.writeUInt32LE(additionalInformation, 12);
  writeFileId(fixed, 16, fileId);
  return Buffer.concat([fixed, data]);
}

export function decodeSetInfoResponse(msg: Buffer): void {
  const r = new WireReader(msg, "SET_INFO response");
  if (r.u16(HEADER_SIZE) !== 2) throw SmbError.protocol("SET_INFO response: bad StructureSize");
}

/** MS-FSCC 2.4.2 FileAllInformation: the fields a stat needs. */
export interface FileAllInformation {
  creationTime: bigint;
  lastAccessTime: bigint;
  lastWriteTime: bigint;
  changeTime: bigint;
  fileAttributes: number;
  allocationSize: bigint;
  endOfFile: bigint;
  numberOfLinks: number;
  deletePending: boolean;
  directory: boolean;
  fileId: bigint;
  /**
   * FileNameInformation: the item's path from the share root as the server stores it (leading
   * "\\"), whatever name the request used; absent when the output buffer cut it off.
   */
  name?: string;
}

export function decodeFileAllInformation(buf: Buffer): FileAllInformation {
  const r = new WireReader(buf, "FileAllInformation");
  return {
    creationTime: r.u64(0),
    lastAccessTime: r.u64(8),
    lastWriteTime: r.u64(16),
    changeTime: r.u64(24),
    fileAttributes: r.u32(32),
    allocationSize: r.u64(40),
    endOfFile: r.u64(48),
    numberOfLinks: r.u32(56),
    deletePending: r.u8(60) !== 0,
    directory: r.u8(61) !== 0,
    fileId: r.u64(64),
    name: decodeTrailingName(buf, r),
  };
}

/** The FileNameInformation at offset 96 of FileAllInformation, if the buffer holds all of it. */
function decodeTrailingName(buf: Buffer, r: WireReader): string | undefined {
  if (buf.length < 100) return undefined;
  const len = r.u32(96);
  return 100 + len <= buf.length ? r.utf16(100, len) : undefined;
}

/** MS-FSCC 2.4.7 FileBasicInformation; 0n for a time and 0 for attributes mean "leave unchanged". */
export function encodeFileBasicInformation(v: {
  creationTime?: bigint;
  lastAccessTime?: bigint;
  lastWriteTime?: bigint;
  changeTime?: bigint;
  fileAttributes?: number;
}): Buffer {
  const b = Buffer.alloc(40);
  b.writeBigUInt64LE(v.creationTime ?? 0n, 0);
  b.writeBigUInt64LE(v.lastAccessTime ?? 0n, 8);
  b.writeBigUInt64LE(v.lastWriteTime ?? 0n, 16);
  b.writeBigUInt64LE(v.changeTime ?? 0n, 24);
  b.writeUInt32LE(v.fileAttributes ?? 0, 32);
  return b;
}

/** MS-FSCC 2.4.37.2 FileRenameInformation for SMB2; `target` is share-relative. */
export function encodeFileRenameInformation(target: string, replace: boolean): Buffer {
  const name = Buffer.from(target, "utf16le");
  const b = Buffer.alloc(20 + Math.max(name.length, 4));
  b.writeUInt8(replace ? 1 : 0, 0);
  b.writeBigUInt64LE(0n, 8);
  b.writeUInt32LE(name.length, 16);
  name.copy(b, 20);
  return b;
}

/** MS-FSCC 2.4.11 FileDispositionInformation. */
export function encodeFileDispositionInformation(deletePending: boolean): Buffer {
  return Buffer.from([deletePending ? 1 : 0]);
}

/** MS-FSCC 2.4.13 FileEndOfFileInformation. */
export function encodeFileEndOfFileInformation(size: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(size, 0);
  return b;
}
