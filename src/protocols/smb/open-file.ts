/**
 * A file or folder the caller opened with explicit access rights and share modes
 * ({@link SmbTree.open}) and holds until it closes it. While the handle is open the server
 * applies its share mode to every other open of that file (MS-FSA 2.1.5.1.2.2, the sharing
 * check): an open asking for an access the handle does not share fails with
 * STATUS_SHARING_VIOLATION, and so does this open when an existing one does not share what it
 * asks for. That is how a caller finds out that another client (an Office application, which
 * opens documents denying write) holds a file, and keeps others from taking such a lock while it
 * works on the file.
 */
import type { SmbHandle } from "./file-handle.js";
import type { SmbFileInfo } from "./file-info.js";

/**
 * Access rights of an open (MS-SMB2 2.2.13.1.1, file_pipe_printer_access_mask; MS-DTYP 2.4.3):
 * the subset a caller of {@link SmbTree.open} needs.
 */
export const FileAccess = {
  READ_DATA: 0x00000001,
  WRITE_DATA: 0x00000002,
  APPEND_DATA: 0x00000004,
  READ_ATTRIBUTES: 0x00000080,
  WRITE_ATTRIBUTES: 0x00000100,
  DELETE: 0x00010000,
  READ_CONTROL: 0x00020000,
  SYNCHRONIZE: 0x00100000,
} as const;

/** ShareAccess of a CREATE (MS-SMB2 2.2.13): what other opens of the same file may do meanwhile. */
export const FileShare = { NONE: 0, READ: 1, WRITE: 2, DELETE: 4, ALL: 7 } as const;

export interface OpenOptions {
  /** Bits of {@link FileAccess}. */
  access: number;
  /** Bits of {@link FileShare}. */
  share: number;
  /** true: the path must be a folder; false: must not be one (STATUS_FILE_IS_A_DIRECTORY); absent: either. */
  directory?: boolean;
}

export class SmbOpenFile {
  /** @internal Created by {@link SmbTree.open}. */
  constructor(
    /** @internal */ readonly handle: SmbHandle,
    /** What the CREATE reported: size, times, attributes and (when the server answers QFid) the file id. */
    readonly info: SmbFileInfo,
  ) {}

  get isClosed(): boolean {
    return this.handle.isClosed;
  }

  /** CLOSE; idempotent. On a dropped connection the server has already let go of it. */
  close(): Promise<void> {
    return this.handle.close();
  }
}
