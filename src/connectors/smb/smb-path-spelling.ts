/**
 * The server's spelling of NFC paths. The engine speaks NFC; a name stored decomposed on the
 * server (NFD, as some clients and local tools write them) is listed NFC by the walk, and this
 * map remembers how the server spells it so later calls with the NFC path reach that same item
 * instead of missing it or creating an NFC twin beside it. Only non-NFC paths are stored.
 *
 * It also remembers the aliases Samba lists names Windows clients cannot hold under (its mangled
 * 8.3 names): the engine may address such an item by its real path (`aux.txt`, `a:b.txt`), and
 * the request then names the alias, which reaches the same item and is a name any SMB request
 * can carry.
 */
import { joinPath, parentPath } from "../../sync/remote.js";

export class PathSpelling {
  private readonly byNfc = new Map<string, string>();

  /** The server path of `rel` (NFC): the remembered spelling of its longest remembered prefix, else `rel`. */
  onServer(rel: string): string {
    if (this.byNfc.size === 0) return rel;
    for (let p = rel; p !== ""; p = parentPath(p)) {
      const server = this.byNfc.get(p);
      if (server !== undefined) return server + rel.slice(p.length);
    }
    return rel;
  }

  /** Records the child `serverName` of folder `dir` (NFC path) when it is not NFC; returns its NFC path. */
  child(dir: string, serverName: string): string {
    const name = serverName.normalize("NFC");
    const path = joinPath(dir, name);
    if (name !== serverName) this.byNfc.set(path, joinPath(this.onServer(dir), serverName));
    return path;
  }

  /** Records that `realPath` (NFC) is the item the walk listed at `listedPath` (an alias). */
  alias(realPath: string, listedPath: string): void {
    this.byNfc.set(realPath, this.onServer(listedPath));
  }

  /** Drops what is known about `rel` and everything below it (after a move or delete). */
  forget(rel: string): void {
    if (this.byNfc.size === 0) return;
    for (const k of [...this.byNfc.keys()]) if (k === rel || k.startsWith(`${rel}/`)) this.byNfc.delete(k);
  }
}
