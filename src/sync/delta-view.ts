/**
 * For delta remotes: the remote's current listing rebuilt in the run's working set from the last
 * synced listing (the remote columns of file-states) plus the delta pages since the stored cursor,
 * so a run reads only what changed — page by page, in bounded memory. Upserts replace the entry
 * with the same id (a rename moves a folder's descendants with it); deletions remove the item and
 * everything below it.
 *
 * An id may be known at several paths (a remote that shows one item under two names, as Samba
 * does with a symbolic link and its target). A deletion of that id removes every name; an upsert
 * moves an old name only when the id was known at exactly one other path, and otherwise just
 * adds or replaces the entry at its own path — which name moved cannot be told.
 */
import type { ChangePage, RemoteEntry } from "./remote.js";
import type { RunSide, RunWorkspace } from "../store/sync/run-workspace-store.js";

/** Applies one page of changes to `side` of the working set (deletions first, then upserts in order). */
export async function applyChangePage(ws: RunWorkspace, side: RunSide, page: ChangePage): Promise<void> {
  if (page.deletions.length > 0) {
    const known = await ws.keysForIds(
      side,
      page.deletions.map((d) => d.id),
    );
    for (const d of page.deletions) {
      const keys = known.get(d.id) ?? (d.path !== undefined ? [ws.sortKey(d.path)] : []);
      for (const k of keys) await ws.deleteSubtree(side, k);
    }
  }
  if (page.upserts.length === 0) return;
  const known = await ws.keysForIds(
    side,
    page.upserts.flatMap((u) => (u.id ? [u.id] : [])),
  );
  let puts: RemoteEntry[] = [];
  const flush = async () => {
    if (puts.length > 0) await ws.putMany(side, puts);
    puts = [];
  };
  for (const u of page.upserts) {
    const k = ws.sortKey(u.path);
    const keys = u.id ? (known.get(u.id) ?? []) : [];
    const old = keys.length === 1 && keys[0] !== k ? keys[0]! : undefined;
    if (old !== undefined) {
      // A moved folder takes its known descendants along (what was queued goes first: order matters).
      await flush();
      const [row] = await ws.sideAt(side, old);
      if (row) await ws.rekey(side, { sortKey: old, path: row.entry.path }, { sortKey: k, path: u.path });
    }
    puts.push(u);
    if (u.id) known.set(u.id, old !== undefined ? [k] : [...keys.filter((x) => x !== k), k]);
  }
  await flush();
}
