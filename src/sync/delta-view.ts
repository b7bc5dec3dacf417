/**
 * For delta remotes: the remote's current listing rebuilt from the last synced listing (the
 * remote columns of file-states) plus the delta pages since the stored cursor, so a run reads
 * only what changed. Upserts replace the entry with the same id (a rename moves a folder's
 * descendants with it); deletions remove the item and everything below it.
 */
import { isUnder, type ChangePage, type RemoteEntry } from "./remote.js";

function depth(path: string): number {
  return path.split("/").length;
}

/** Returns the view sorted parents first. Pure; `previous` is not modified. */
export function applyChangePages(previous: RemoteEntry[], pages: Iterable<ChangePage>): RemoteEntry[] {
  const byPath = new Map<string, RemoteEntry>();
  const pathById = new Map<string, string>();
  for (const e of previous) {
    byPath.set(e.path, e);
    if (e.id) pathById.set(e.id, e.path);
  }
  const removeSubtree = (path: string) => {
    for (const [p, e] of [...byPath]) {
      if (p === path || isUnder(p, path)) {
        byPath.delete(p);
        if (e.id && pathById.get(e.id) === p) pathById.delete(e.id);
      }
    }
  };
  for (const page of pages) {
    for (const d of page.deletions) {
      const path = pathById.get(d.id) ?? d.path;
      if (path !== undefined) removeSubtree(path);
    }
    for (const u of page.upserts) {
      const old = u.id ? pathById.get(u.id) : undefined;
      if (old !== undefined && old !== u.path) {
        // A moved folder takes its known descendants along.
        for (const [p, e] of [...byPath]) {
          if (!isUnder(p, old)) continue;
          byPath.delete(p);
          const moved = { ...e, path: u.path + p.slice(old.length) };
          byPath.set(moved.path, moved);
          if (moved.id) pathById.set(moved.id, moved.path);
        }
        byPath.delete(old);
      }
      byPath.set(u.path, u);
      if (u.id) pathById.set(u.id, u.path);
    }
  }
  return [...byPath.values()].sort((a, b) => depth(a.path) - depth(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
