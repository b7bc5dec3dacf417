/**
 * driveItem → {@link RemoteEntry}. The content fingerprint of a file is built from what every
 * listing of SharePoint returns alike — children, item reads AND delta: `qxh:<quickXorHash>:<size>`
 * ({@link contentFingerprint}). Not the cTag: SharePoint's delta leaves it out, so a cTag
 * fingerprint from a walk would flip to something else after every delta and cost a content
 * comparison; not the eTag either, which also moves on renames, column edits, check-outs and
 * permission changes. A file Graph lists without a hash falls back to its eTag (over-reports,
 * never misses). The eTag, cTag and quickXorHash go to `extra` for the file-states row. Folders
 * have fingerprint "". A OneNote notebook (`package` facet, no `folder` facet on SharePoint) is
 * one opaque entry (`opaquePackage`, kind `file`) that is never descended into; the remote
 * replaces its size and fingerprint by those of the notebook's archive (sharepoint-package.ts).
 */
import type { RemoteEntry } from "../../sync/remote.js";
import type { DriveItem } from "./graph-types.js";

/** Marker used as `checkoutOwner` when Graph says a file is checked out (driveItems do not name the holder). */
export const CHECKED_OUT_IN_SHAREPOINT = "SharePoint user (checked out)";

/** Prefix of a hash-based fingerprint; anything else is a tag (eTag/cTag) from an older listing. */
export const HASH_FINGERPRINT_PREFIX = "qxh:";

/** A file's content fingerprint from a driveItem as delta and non-delta listings both return it. */
export function contentFingerprint(item: DriveItem): string {
  const quickXorHash = item.file?.hashes?.quickXorHash;
  if (quickXorHash) return `${HASH_FINGERPRINT_PREFIX}${quickXorHash}:${item.size ?? 0}`;
  return item.eTag ?? item.cTag ?? "";
}

export function isPackage(item: DriveItem): boolean {
  return item.package !== undefined && item.package !== null;
}

/** A folder the adapter descends into (packages excluded). */
export function isFolder(item: DriveItem): boolean {
  return item.folder !== undefined && !isPackage(item) && item.file === undefined;
}

function timeOf(item: DriveItem): number {
  const t = item.fileSystemInfo?.lastModifiedDateTime ?? item.lastModifiedDateTime;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

export function entryFromItem(item: DriveItem, relPath: string): RemoteEntry {
  const pkg = isPackage(item);
  const folder = isFolder(item);
  const quickXorHash = item.file?.hashes?.quickXorHash;
  const entry: RemoteEntry = {
    path: relPath,
    kind: folder ? "folder" : "file",
    size: folder ? 0 : (item.size ?? 0),
    mtimeMs: timeOf(item),
    id: item.id,
    fingerprint: folder ? "" : contentFingerprint(item),
    extra: { eTag: item.eTag ?? null, cTag: item.cTag ?? null, ...(quickXorHash ? { quickXorHash } : {}) },
  };
  if (quickXorHash) entry.hashes = { quickXorHash };
  if (pkg) {
    entry.opaquePackage = true;
    entry.extra = { ...entry.extra, packageType: item.package?.type ?? "unknown" };
  }
  if (item.publication?.level === "checkout") entry.checkoutOwner = CHECKED_OUT_IN_SHAREPOINT;
  const owner = item.createdBy?.user?.id;
  if (owner) entry.owner = owner;
  return entry;
}

/**
 * The library-relative path of a non-delta driveItem from `parentReference.path`
 * (`/drives/{id}/root:/a/b`), NFC; undefined when Graph did not send it (delta responses).
 */
export function libraryPathOf(item: DriveItem): string | undefined {
  if (item.root) return "";
  const p = item.parentReference?.path;
  if (p === undefined || item.name === undefined) return undefined;
  const i = p.indexOf("root:");
  if (i < 0) return undefined;
  const parent = decodeURIComponent(p.slice(i + 5))
    .replace(/^\/+/, "")
    .normalize("NFC");
  const name = item.name.normalize("NFC");
  return parent === "" ? name : `${parent}/${name}`;
}
