/**
 * SMB file metadata → {@link RemoteEntry}. The fingerprint is `<size>:<LastWriteTime FILETIME>:<FileId>`:
 * size and the raw 100 ns write time catch edits (mtime alone can be set back by tools), the file
 * id catches a file replaced by rename (Office saves, our own atomic writes). Folders carry ""
 * because their content is their children.
 *
 * `id` is the FileId (decimal). Samba's FileId is the inode number, which ext4 and others hand to
 * the next new file as soon as one is deleted, so the adapter declares `reusesIds` and the planner
 * takes a same-id file for a rename only while its fingerprint is unchanged. The creation time is
 * no help: Samba computes it for files created on the server's disk, and on the harness Samba 4.17
 * it moved by up to a second across a local rename. A new folder given a deleted folder's inode
 * can still pass for its rename (known gap: folders have no content fingerprint). The id survives
 * renames and moves but not replacement (a write through {@link createSmbRemote} renames a new
 * file over the old one, so the returned entry has the new id).
 */
import { ReparseTag, type SmbFileInfo } from "../../protocols/smb/index.js";
import type { RemoteEntry } from "../../sync/remote.js";

export function smbFingerprint(info: SmbFileInfo): string {
  return info.isDirectory ? "" : `${info.size}:${info.filetimes.lastWrite}:${info.fileId}`;
}

export function smbEntryId(info: SmbFileInfo): string {
  return info.fileId.toString(10);
}

export function toRemoteEntry(path: string, info: SmbFileInfo): RemoteEntry {
  const a = info.attributes;
  const entry: RemoteEntry = {
    path,
    kind: info.isDirectory ? "folder" : "file",
    size: info.isDirectory ? 0 : info.size,
    mtimeMs: info.lastWriteTime.getTime(),
    id: smbEntryId(info),
    fingerprint: smbFingerprint(info),
  };
  if (a.hidden) entry.hidden = true;
  if (a.system) entry.system = true;
  if (a.reparsePoint) {
    entry.reparsePoint = true;
    entry.reparseReason = describeReparsePoint(info.reparseTag);
  }
  return entry;
}

/** The job log's words for a reparse point the walk does not follow, by its tag. */
export function describeReparsePoint(tag: number | undefined): string {
  switch (tag) {
    case ReparseTag.SYMLINK:
    case ReparseTag.LX_SYMLINK:
    case ReparseTag.NFS:
      return "symbolic link, not followed; its target is synced where it lives";
    case ReparseTag.MOUNT_POINT:
      return "junction, not followed; its target is synced where it lives";
    case undefined:
      return "reparse point (symbolic link or junction), not followed; its target is synced where it lives";
    default:
      return `reparse point (tag 0x${tag.toString(16).padStart(8, "0")}), not followed`;
  }
}
