/**
 * For delta remotes: the remote's current listing rebuilt from the last synced listing (the
 * remote columns of file-states) plus the delta pages since the stored cursor, so a run reads
 * only what changed. Upserts replace the entry with the same id (a rename moves a folder's
 * descendants with it); deletions remove the item and everything below it.
 *
 * An id may be known at several paths (a remote that shows one item under two names, as Samba
 * does with a symbolic link and its target). A deletion of that id removes every name; an upsert
 * moves an old name only when the id was known at exactly one other path, and otherwise just
 * adds or replaces the entry at its own path — which name moved cannot be told.
 */
import { isUnder, type ChangePage, type RemoteEntry } from "./remote.js";

function depth(path: string): number {
  return path.split("/").length;
}

/** Returns the view sorted parents first. Pure; `previous` is not modified. */
export function applyChangePages(previous: RemoteEntry[], pages: Iterable<ChangePage>): RemoteEntry[] {
  const byPath = new Map<string, RemoteEntry>();
  const pathsById = new Map<string, Set<string>>();
  const link = (id: string | undefined, path: string) => {
    if (!id) return;
    const paths = pathsById.get(id);
    if (paths) paths.add(path);
    else pathsById.set(id, new Set([path]));
  };
  const unlink = (id: string | undefined, path: string) => {
    if (!id) return;
    const paths = pathsById.get(id);
    paths?.delete(path);
    if (paths?.size === 0) pathsById.delete(id);
  };
  const put = (e: RemoteEntry) => {
    const prior = byPath.get(e.path);
    if (prior) unlink(prior.id, e.path);
    byPath.set(e.path, e);
    link(e.id, e.path);
  };
  for (const e of previous) put(e);
  const removeSubtree = (path: string) => {
    for (const [p, e] of [...byPath]) {
      if (p === path || isUnder(p, path)) {
        byPath.delete(p);
        unlink(e.id, p);
      }
    }
  };
  for (const page of pages) {
    for (const d of page.deletions) {
      const known = pathsById.get(d.id);
      const paths = known ? [...known] : d.path !== undefined ? [d.path] : [];
      for (const path of paths) removeSubtree(path);
    }
    for (const u of page.upserts) {
      const known = u.id ? pathsById.get(u.id) : undefined;
      const old = known?.size === 1 && !known.has(u.path) ? [...known][0]! : undefined;
      if (old !== undefined) {
        // A moved folder takes its known descendants along.
        for (const [p, e] of [...byPath]) {
          if (!isUnder(p, old)) continue;
          byPath.delete(p);
          unlink(e.id, p);
          put({ ...e, path: u.path + p.slice(old.length) });
        }
        byPath.delete(old);
        unlink(u.id, old);
      }
      put(u);
    }
  }
  return [...byPath.values()].sort((a, b) => depth(a.path) - depth(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
