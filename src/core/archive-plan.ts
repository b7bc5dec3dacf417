/**
 * What a ZIP download of several paths holds: one entry per readable file and folder, named
 * relative to the selection's common parent folder, decided completely before the first byte is
 * sent (so a missing path is a 404, not a truncated archive, and the archive's size is known).
 */
import { AppError } from "./errors.js";
import type { Actor } from "./actor.js";
import { parentPath, parsePath } from "./name-rules.js";
import type { NodeService } from "./node-service.js";
import { toNode, type Node } from "./node-types.js";

export const MAX_ARCHIVE_PATHS = 1000;

export interface ArchiveEntry {
  /** Inside the archive: relative to the common parent, `/`-separated, no leading `/`. */
  name: string;
  type: "file" | "folder";
  size: number;
  /** The current content (files). */
  sha256: string | null;
  modifiedAt: Date;
}

export interface ArchivePlan {
  /**
   * The archive's name without `.zip`: the folder's name when one folder is selected, else the
   * common parent folder's (the share's name for its root).
   */
  baseName: string;
  entries: ArchiveEntry[];
  /** Bytes of file content (the archive adds its headers). */
  contentBytes: number;
}

/**
 * Entries for `paths` of a share. Each path must exist and be readable (@throws NOT_FOUND naming
 * the first that is not; INVALID_NAME for a malformed one). Folders recurse; what the actor cannot
 * read is left out (a folder with its subtree), as is everything at or below a path in `skipBelow`
 * (remote mount points: their content is the remote's). A path inside another selected folder
 * adds nothing more.
 */
export async function planArchive(
  nodes: NodeService,
  shareId: string,
  rawPaths: readonly string[],
  actor: Actor,
  opts: { skipBelow?: readonly string[] } = {},
): Promise<ArchivePlan> {
  if (rawPaths.length === 0 || rawPaths.length > MAX_ARCHIVE_PATHS)
    throw new AppError("VALIDATION_FAILED", `give between 1 and ${MAX_ARCHIVE_PATHS} paths`, { field: "path" });
  const selected = [...new Set(rawPaths.map((p) => parsePath(p).path))].sort();
  const roots = selected.filter((p, i) => !selected.slice(0, i).some((q) => contains(q, p)));
  const located: Node[] = [];
  let shareName = "";
  for (const path of roots) {
    const { share, node } = await nodes.locate(actor, shareId, path);
    located.push(toNode(node));
    shareName = share.name;
  }
  const parent = commonParent(roots.map((p) => (p === "/" ? "/" : parentPath(p))));
  const skip = (path: string) => (opts.skipBelow ?? []).some((m) => contains(m, path));
  const entries: ArchiveEntry[] = [];
  let contentBytes = 0;
  const add = (node: Node) => {
    const name = entryName(parent, node.path);
    if (name === "") return;
    entries.push({
      name,
      type: node.type,
      size: node.type === "file" ? node.size : 0,
      sha256: node.type === "file" ? node.sha256 : null,
      modifiedAt: new Date(node.modified_at),
    });
    if (node.type === "file") contentBytes += node.size;
  };
  for (const node of located) {
    if (skip(node.path)) continue;
    add(node);
    if (node.type === "folder") for await (const child of nodes.walk(shareId, node.path, actor, { skip })) add(child);
  }
  const single = located.length === 1 && located[0]!.type === "folder" ? located[0]!.path : parent;
  const baseName = single === "/" ? shareName : single.slice(single.lastIndexOf("/") + 1);
  return { baseName, entries, contentBytes };
}

/** Whether `path` is `folder` or below it. */
function contains(folder: string, path: string): boolean {
  return folder === "/" || path === folder || path.startsWith(`${folder}/`);
}

function commonParent(folders: string[]): string {
  let common = folders[0]!.split("/").filter(Boolean);
  for (const f of folders.slice(1)) {
    const segments = f.split("/").filter(Boolean);
    let i = 0;
    while (i < common.length && i < segments.length && common[i] === segments[i]) i++;
    common = common.slice(0, i);
  }
  return "/" + common.join("/");
}

/**
 * `path` relative to `parent`, made safe for ZIP readers: a backslash would be read as a folder
 * separator and a leading drive letter (`C:`) as an absolute path, so both become `_`.
 */
function entryName(parent: string, path: string): string {
  const rel = parent === "/" ? path.slice(1) : path.slice(parent.length + 1);
  return rel
    .split("/")
    .map((s, i) => (i === 0 && /^[A-Za-z]:$/.test(s) ? `${s[0]}_` : s.replaceAll("\\", "_")))
    .join("/");
}
