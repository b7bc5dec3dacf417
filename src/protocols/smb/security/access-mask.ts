/**
 * ACCESS_MASK bits for files and directories (MS-DTYP 2.4.3, MS-SMB2 2.2.13.1.1) and the
 * coarse summary ScaiDrive's ACL mapping uses. Directory meanings share the bits:
 * FILE_LIST_DIRECTORY = FILE_READ_DATA, FILE_ADD_FILE = FILE_WRITE_DATA,
 * FILE_ADD_SUBDIRECTORY = FILE_APPEND_DATA, FILE_TRAVERSE = FILE_EXECUTE.
 */
export const FileAccess = {
  FILE_READ_DATA: 0x0000_0001,
  FILE_WRITE_DATA: 0x0000_0002,
  FILE_APPEND_DATA: 0x0000_0004,
  FILE_READ_EA: 0x0000_0008,
  FILE_WRITE_EA: 0x0000_0010,
  FILE_EXECUTE: 0x0000_0020,
  FILE_DELETE_CHILD: 0x0000_0040,
  FILE_READ_ATTRIBUTES: 0x0000_0080,
  FILE_WRITE_ATTRIBUTES: 0x0000_0100,
  DELETE: 0x0001_0000,
  READ_CONTROL: 0x0002_0000,
  WRITE_DAC: 0x0004_0000,
  WRITE_OWNER: 0x0008_0000,
  SYNCHRONIZE: 0x0010_0000,
  ACCESS_SYSTEM_SECURITY: 0x0100_0000,
  MAXIMUM_ALLOWED: 0x0200_0000,
  GENERIC_ALL: 0x1000_0000,
  GENERIC_EXECUTE: 0x2000_0000,
  GENERIC_WRITE: 0x4000_0000,
  GENERIC_READ: 0x8000_0000,
} as const;

export type FileAccessRight = keyof typeof FileAccess;

const A = FileAccess;
/** Composite rights as Windows defines them (winnt.h); smbcacls' READ/CHANGE/FULL use the same values. */
export const FILE_GENERIC_READ =
  A.READ_CONTROL | A.FILE_READ_DATA | A.FILE_READ_ATTRIBUTES | A.FILE_READ_EA | A.SYNCHRONIZE; // 0x120089
export const FILE_GENERIC_WRITE =
  // 0x120116
  A.READ_CONTROL | A.FILE_WRITE_DATA | A.FILE_WRITE_ATTRIBUTES | A.FILE_WRITE_EA | A.FILE_APPEND_DATA | A.SYNCHRONIZE;
// 0x1200a0
export const FILE_GENERIC_EXECUTE = A.READ_CONTROL | A.FILE_READ_ATTRIBUTES | A.FILE_EXECUTE | A.SYNCHRONIZE;
export const FILE_ALL_ACCESS = 0x001f_01ff;
/** smbcacls "READ" (R + X) and "CHANGE" (R + W + X + D). */
export const SMBCACLS_READ = FILE_GENERIC_READ | FILE_GENERIC_EXECUTE; // 0x1200a9
export const SMBCACLS_CHANGE = SMBCACLS_READ | FILE_GENERIC_WRITE | A.DELETE; // 0x1301bf

/**
 * Replaces the four GENERIC_* bits with the file rights they stand for (MS-SMB2 3.3.5.9 generic
 * mapping), so a mask from an inheritable ACE compares like one from an explicit ACE.
 * MAXIMUM_ALLOWED and ACCESS_SYSTEM_SECURITY are kept as they are.
 */
export function mapGenericMask(mask: number): number {
  let out = mask & ~(A.GENERIC_ALL | A.GENERIC_EXECUTE | A.GENERIC_WRITE | A.GENERIC_READ);
  if (mask & A.GENERIC_READ) out |= FILE_GENERIC_READ;
  if (mask & A.GENERIC_WRITE) out |= FILE_GENERIC_WRITE;
  if (mask & A.GENERIC_EXECUTE) out |= FILE_GENERIC_EXECUTE;
  if (mask & A.GENERIC_ALL) out |= FILE_ALL_ACCESS;
  return out >>> 0;
}

/** Names of the bits set in `mask`, lowest bit first; unnamed bits appear as "0x…". */
export function accessMaskNames(mask: number): string[] {
  const names: string[] = [];
  let rest = mask >>> 0;
  for (const [name, bit] of Object.entries(FileAccess)) {
    if (rest & bit) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  for (let bit = 0; bit < 32; bit++) {
    const v = (1 << bit) >>> 0;
    if (rest & v) names.push("0x" + v.toString(16).padStart(8, "0"));
  }
  return names;
}

/**
 * What an ACE's mask grants (or denies), after generic mapping:
 * - `read`: FILE_READ_DATA (read file content / list a directory);
 * - `write`: FILE_WRITE_DATA or FILE_APPEND_DATA (change content / add entries);
 * - `delete`: DELETE on the object itself (FILE_DELETE_CHILD on the parent is not counted);
 * - `changePermissions`: WRITE_DAC; `takeOwnership`: WRITE_OWNER;
 * - `fullControl`: every bit of FILE_ALL_ACCESS (0x1f01ff).
 * `level` is the highest of "full" > "change" (read + write + delete) > "write" > "read" > "none"
 * — a mask that writes without reading is "write".
 */
export interface AccessSummary {
  read: boolean;
  write: boolean;
  delete: boolean;
  changePermissions: boolean;
  takeOwnership: boolean;
  fullControl: boolean;
  level: "full" | "change" | "write" | "read" | "none";
}

export function summarizeAccessMask(mask: number): AccessSummary {
  const m = mapGenericMask(mask);
  const read = (m & A.FILE_READ_DATA) !== 0;
  const write = (m & (A.FILE_WRITE_DATA | A.FILE_APPEND_DATA)) !== 0;
  const del = (m & A.DELETE) !== 0;
  const fullControl = (m & FILE_ALL_ACCESS) === FILE_ALL_ACCESS;
  const level = fullControl ? "full" : read && write && del ? "change" : write ? "write" : read ? "read" : "none";
  return {
    read,
    write,
    delete: del,
    changePermissions: (m & A.WRITE_DAC) !== 0,
    takeOwnership: (m & A.WRITE_OWNER) !== 0,
    fullControl,
    level,
  };
}
