import { joinPath } from "../../api/paths";
import type { FileNode } from "../../api/types";
import { topLevelNames, type PickedTree } from "./picked-files";
import type { UploadRequest } from "./upload-transport";

/** Entries of the destination folder that picked items would overwrite (same name at the top level). */
export function existingConflicts(tree: PickedTree, listing: readonly FileNode[]): FileNode[] {
  const names = topLevelNames(tree);
  return listing.filter((n) => names.has(n.name));
}

/**
 * What to send for a pick into `folder`. Replaced files carry the ETag the listing showed (If-Match: the server
 * refuses if the file changed since); new top-level names are sent create-only (If-None-Match: *), so a file someone
 * else added meanwhile is not overwritten unasked. Skipped names are left out entirely.
 */
export function planUploads(
  shareId: string,
  folder: string,
  tree: PickedTree,
  listing: readonly FileNode[],
  replace: boolean,
): { requests: UploadRequest[]; emptyFolders: string[] } {
  const existing = new Map(listing.map((n) => [n.name, n]));
  const requests: UploadRequest[] = [];
  for (const { file, relativePath } of tree.files) {
    const top = relativePath.split("/")[0]!;
    const hit = existing.get(top);
    if (hit && !replace) continue;
    const isTopFile = top === relativePath;
    const request: UploadRequest = { shareId, path: joinPath(folder, relativePath), file };
    if (isTopFile && hit?.type === "file" && hit.sha256) request.ifMatch = hit.sha256;
    else if (!hit) request.ifNoneMatch = true;
    requests.push(request);
  }
  const emptyFolders = tree.emptyFolders
    .filter((rel) => replace || !existing.has(rel.split("/")[0]!))
    .map((rel) => joinPath(folder, rel));
  return { requests, emptyFolders };
}
