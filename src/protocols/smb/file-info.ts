/**
 * The public shape of file metadata, built from FileIdBothDirectoryInformation (listing) or
 * FileAllInformation (stat). Times come both as Date and as the raw FILETIME (100 ns since
 * 1601-01-01 UTC) so a sync engine can compare them without losing precision.
 */
import { FileAttribute } from "./messages/create.js";

export interface SmbAttributes {
  readOnly: boolean;
  hidden: boolean;
  system: boolean;
  directory: boolean;
  archive: boolean;
  reparsePoint: boolean;
  /** The raw MS-FSCC 2.6 attribute bits. */
  raw: number;
}

export interface SmbFileInfo {
  name: string;
  /** End of file in bytes. */
  size: number;
  allocationSize: number;
  creationTime: Date;
  lastAccessTime: Date;
  lastWriteTime: Date;
  changeTime: Date;
  /** Raw FILETIMEs of the four times above. */
  filetimes: { creation: bigint; lastAccess: bigint; lastWrite: bigint; change: bigint };
  attributes: SmbAttributes;
  isDirectory: boolean;
  /** Server file id (FileId / IndexNumber); stable for the life of the file on most servers. */
  fileId: bigint;
  /**
   * The reparse tag (MS-FSCC 2.1.2.1) of a reparse point, as a directory listing reports it
   * ({@link ReparseTag}); absent for other items and in what stat / CREATE return.
   */
  reparseTag?: number;
}

/** Reparse tags (MS-FSCC 2.1.2.1) that make an item a link to another place. */
export const ReparseTag = {
  MOUNT_POINT: 0xa0000003,
  SYMLINK: 0xa000000c,
  NFS: 0x80000014,
  LX_SYMLINK: 0xa000001d,
} as const;

const EPOCH_DIFF = 116444736000000000n;

export function filetimeToDate(ft: bigint): Date {
  return new Date(Number((ft - EPOCH_DIFF) / 10000n));
}

/** Keeps sub-millisecond precision when `d` carries none (Date has ms resolution). */
export function dateToFiletime(d: Date): bigint {
  return BigInt(d.getTime()) * 10000n + EPOCH_DIFF;
}

export function decodeAttributes(raw: number): SmbAttributes {
  return {
    readOnly: (raw & FileAttribute.READONLY) !== 0,
    hidden: (raw & FileAttribute.HIDDEN) !== 0,
    system: (raw & FileAttribute.SYSTEM) !== 0,
    directory: (raw & FileAttribute.DIRECTORY) !== 0,
    archive: (raw & FileAttribute.ARCHIVE) !== 0,
    reparsePoint: (raw & FileAttribute.REPARSE_POINT) !== 0,
    raw,
  };
}

export function makeFileInfo(v: {
  name: string;
  endOfFile: bigint;
  allocationSize: bigint;
  creationTime: bigint;
  lastAccessTime: bigint;
  lastWriteTime: bigint;
  changeTime: bigint;
  fileAttributes: number;
  fileId: bigint;
  reparseTag?: number;
}): SmbFileInfo {
  const attributes = decodeAttributes(v.fileAttributes);
  const info: SmbFileInfo = {
    name: v.name,
    size: Number(v.endOfFile),
    allocationSize: Number(v.allocationSize),
    creationTime: filetimeToDate(v.creationTime),
    lastAccessTime: filetimeToDate(v.lastAccessTime),
    lastWriteTime: filetimeToDate(v.lastWriteTime),
    changeTime: filetimeToDate(v.changeTime),
    filetimes: {
      creation: v.creationTime,
      lastAccess: v.lastAccessTime,
      lastWrite: v.lastWriteTime,
      change: v.changeTime,
    },
    attributes,
    isDirectory: attributes.directory,
    fileId: v.fileId,
  };
  if (v.reparseTag !== undefined) info.reparseTag = v.reparseTag;
  return info;
}

/** Share-relative path with backslashes, no leading/trailing separator; "" is the share root. */
export function toSmbPath(path: string): string {
  return path
    .split(/[\\/]+/)
    .filter((p) => p !== "" && p !== ".")
    .join("\\");
}

export function baseName(smbPath: string): string {
  const i = smbPath.lastIndexOf("\\");
  return i < 0 ? smbPath : smbPath.slice(i + 1);
}
