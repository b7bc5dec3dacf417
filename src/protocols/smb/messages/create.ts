/**
 * CREATE request (MS-SMB2 2.2.13) / response (2.2.14); CLOSE request (2.2.15) / response (2.2.16).
 */
import { HEADER_SIZE } from "./header.js";
import { WireReader } from "./wire-reader.js";
import { SmbError } from "../errors.js";

/** Access mask bits (MS-SMB2 2.2.13.1.1 / MS-DTYP 2.4.3). */
export const Access = {
  FILE_READ_DATA: 0x00000001,
  FILE_WRITE_DATA: 0x00000002,
  FILE_APPEND_DATA: 0x00000004,
  FILE_READ_EA: 0x00000008,
  FILE_WRITE_EA: 0x00000010,
  FILE_EXECUTE: 0x00000020,
  FILE_DELETE_CHILD: 0x00000040,
  FILE_READ_ATTRIBUTES: 0x00000080,
  FILE_WRITE_ATTRIBUTES: 0x00000100,
  DELETE: 0x00010000,
  READ_CONTROL: 0x00020000,
  WRITE_DAC: 0x00040000,
  WRITE_OWNER: 0x00080000,
  SYNCHRONIZE: 0x00100000,
  ACCESS_SYSTEM_SECURITY: 0x01000000,
  MAXIMUM_ALLOWED: 0x02000000,
  GENERIC_ALL: 0x10000000,
  GENERIC_WRITE: 0x40000000,
  GENERIC_READ: 0x80000000,
} as const;

export const ShareAccess = { READ: 1, WRITE: 2, DELETE: 4, ALL: 7 } as const;

export const Disposition = { SUPERSEDE: 0, OPEN: 1, CREATE: 2, OPEN_IF: 3, OVERWRITE: 4, OVERWRITE_IF: 5 } as const;

export const CreateOptions = {
  DIRECTORY_FILE: 0x00000001,
  WRITE_THROUGH: 0x00000002,
  SEQUENTIAL_ONLY: 0x00000004,
  NON_DIRECTORY_FILE: 0x00000040,
  DELETE_ON_CLOSE: 0x00001000,
  OPEN_REPARSE_POINT: 0x00200000,
} as const;

/** MS-FSCC 2.6 file attributes. */
export const FileAttribute = {
  READONLY: 0x0001,
  HIDDEN: 0x0002,
  SYSTEM: 0x0004,
  DIRECTORY: 0x0010,
  ARCHIVE: 0x0020,
  NORMAL: 0x0080,
  TEMPORARY: 0x0100,
  REPARSE_POINT: 0x0400,
} as const;

export const ImpersonationLevel = { IMPERSONATION: 2 } as const;

export interface CreateRequest {
  /** Path relative to the share root, backslash-separated, no leading separator ("" = root). */
  name: string;
  desiredAccess: number;
  fileAttributes: number;
  shareAccess: number;
  disposition: number;
  options: number;
  /**
   * Ask for the on-disk file id (SMB2_CREATE_QUERY_ON_DISK_ID, "QFid", MS-SMB2 2.2.13.2.9) so
   * the CREATE response alone says what stat would (size, times, attributes, file id).
   */
  queryOnDiskId?: boolean;
}

/** "QFid" context without data (MS-SMB2 2.2.13.2): header 16 bytes, name 4, padded to 8. */
function qfidContext(): Buffer {
  const c = Buffer.alloc(24);
  c.writeUInt16LE(16, 4); // NameOffset
  c.writeUInt16LE(4, 6); // NameLength
  c.write("QFid", 16, "latin1");
  return c;
}

export function encodeCreateRequest(req: CreateRequest): Buffer {
  const name = Buffer.from(req.name, "utf16le");
  const fixed = Buffer.alloc(56);
  fixed.writeUInt16LE(57, 0);
  fixed.writeUInt8(0, 3); // SMB2_OPLOCK_LEVEL_NONE
  fixed.writeUInt32LE(ImpersonationLevel.IMPERSONATION, 4);
  fixed.writeUInt32LE(req.desiredAccess >>> 0, 24);
  fixed.writeUInt32LE(req.fileAttributes, 28);
  fixed.writeUInt32LE(req.shareAccess, 32);
  fixed.writeUInt32LE(req.disposition, 36);
  fixed.writeUInt32LE(req.options, 40);
  fixed.writeUInt16LE(HEADER_SIZE + 56, 44);
  fixed.writeUInt16LE(name.length, 46);
  // The variable part must be at least one byte even for the share root.
  const variable = name.length ? name : Buffer.alloc(1);
  if (!req.queryOnDiskId) return Buffer.concat([fixed, variable]);
  // Contexts start 8-aligned from the header: 64 + 56 is aligned, so pad the name to 8.
  const nameArea = (variable.length + 7) & ~7;
  fixed.writeUInt32LE(HEADER_SIZE + 56 + nameArea, 48);
  const ctx = qfidContext();
  fixed.writeUInt32LE(ctx.length, 52);
  return Buffer.concat([fixed, variable, Buffer.alloc(nameArea - variable.length), ctx]);
}

export interface FileId {
  persistent: bigint;
  volatile: bigint;
}

export interface CreateResponse {
  createAction: number;
  creationTime: bigint;
  lastAccessTime: bigint;
  lastWriteTime: bigint;
  changeTime: bigint;
  allocationSize: bigint;
  endOfFile: bigint;
  fileAttributes: number;
  fileId: FileId;
  /** The server's file id (inode) when the request asked for QFid and the server answered it. */
  diskFileId?: bigint;
}

export function decodeCreateResponse(msg: Buffer): CreateResponse {
  const r = new WireReader(msg, "CREATE response");
  const b = HEADER_SIZE;
  if (r.u16(b) !== 89) throw SmbError.protocol("CREATE response: bad StructureSize");
  return {
    createAction: r.u32(b + 4),
    creationTime: r.u64(b + 8),
    lastAccessTime: r.u64(b + 16),
    lastWriteTime: r.u64(b + 24),
    changeTime: r.u64(b + 32),
    allocationSize: r.u64(b + 40),
    endOfFile: r.u64(b + 48),
    fileAttributes: r.u32(b + 56),
    fileId: { persistent: r.u64(b + 64), volatile: r.u64(b + 72) },
    diskFileId: decodeQfid(r, b),
  };
}

/** Walks the response's create contexts (MS-SMB2 2.2.14.2) for "QFid"; its first 8 bytes are the file id. */
function decodeQfid(r: WireReader, b: number): bigint | undefined {
  if (r.buf.length < b + 88) return undefined;
  const ctxOffset = r.u32(b + 80);
  const ctxLength = r.u32(b + 84);
  if (!ctxOffset || !ctxLength) return undefined;
  r.need(ctxOffset, ctxLength);
  const end = ctxOffset + ctxLength;
  let at = ctxOffset;
  for (let guard = 0; guard < 64 && at + 16 <= end; guard++) {
    const next = r.u32(at);
    const nameOffset = r.u16(at + 4);
    const nameLength = r.u16(at + 6);
    const dataOffset = r.u16(at + 10);
    const dataLength = r.u32(at + 12);
    if (nameLength === 4 && r.bytes(at + nameOffset, 4).toString("latin1") === "QFid" && dataLength >= 8) {
      return r.u64(at + dataOffset);
    }
    if (!next) break;
    at += next;
  }
  return undefined;
}

export function writeFileId(out: Buffer, offset: number, id: FileId): void {
  out.writeBigUInt64LE(id.persistent, offset);
  out.writeBigUInt64LE(id.volatile, offset + 8);
}

export function encodeCloseRequest(fileId: FileId): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(24, 0);
  writeFileId(b, 8, fileId);
  return b;
}

export function decodeCloseResponse(msg: Buffer): void {
  const r = new WireReader(msg, "CLOSE response");
  if (r.u16(HEADER_SIZE) !== 60) throw SmbError.protocol("CLOSE response: bad StructureSize");
}
