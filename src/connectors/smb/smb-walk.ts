/**
 * The walk of an SMB folder tree: breadth first, parents before children, the start folder
 * itself excluded. Each folder is listed with paged QUERY_DIRECTORY; up to `concurrency` listings
 * run ahead of the consumer on the same connection. Entries of one folder come in name order,
 * so walks are repeatable.
 *
 * - Temporary upload names ({@link isSmbTempName}) are never yielded; "." and ".." never appear.
 *   One carrying `ownTempKey` is a leftover of this owner's interrupted upload (the owner never
 *   runs twice at once) and is deleted; another owner's is deleted only once stale (no write or
 *   change for {@link TEMP_STALE_AFTER_MS}), since it may be in flight. A failed delete is logged
 *   and retried by the next walk.
 * - Links: an entry the server flags as a reparse point (FILE_ATTRIBUTE_REPARSE_POINT; Windows
 *   symlinks and junctions, with the reparse tag the listing carries) is yielded flagged
 *   `reparsePoint` and never descended — its target is walked where it lives. Samba with its
 *   defaults (`follow symlinks = yes`) flags nothing: it presents a link inside the share as
 *   its target, same attributes and same file id, and no request tells the two names apart. Both
 *   are then yielded as ordinary items, as Windows Explorer or robocopy see them, and a linked
 *   folder is walked under each name. Only a real loop is cut: a folder whose file id is already
 *   one of its ancestors on the current path (`loop -> .`, `sub/up -> ..`) is yielded flagged
 *   `reparsePoint` with a `reparseReason` naming that ancestor, not descended, and logged.
 * - Samba's mangled aliases: a name in Samba's 8.3 alias form ({@link looksLikeSambaMangledName})
 *   is checked with the server; when the item is stored under another name (one Windows clients
 *   cannot hold, such as `aux.txt`), the entry keeps the listed alias as its path and carries the
 *   real name in `realName`, so the engine can match it to an item it knows by that name.
 * - A missing or non-folder start throws `not_found`; a sub-folder that vanished or denies
 *   listing is yielded flagged `childrenUnknown` (the reason) and its content skipped (logged),
 *   so the engine does not take its silence for deletions. Connection loss throws `unreachable`.
 * - A sub-folder is therefore yielded only once its own listing has come back (right before its
 *   children): within a folder, files come first, then sub-folders in breadth-first order. Still
 *   parents before children and repeatable.
 */
import type { Logger } from "pino";
import type { SmbFileInfo, SmbTree } from "../../protocols/smb/index.js";
import { RemoteError } from "../../sync/remote-errors.js";
import { baseName, joinPath, type RemoteEntry } from "../../sync/remote.js";
import { smbEntryId, toRemoteEntry } from "./smb-entry.js";
import { mapSmbErrors, toRemoteError } from "./smb-error-mapping.js";
import { looksLikeSambaMangledName } from "./smb-mangled-name.js";
import type { PathSpelling } from "./smb-path-spelling.js";
import { isSmbTempName, smbTempOwnerKey, TEMP_STALE_AFTER_MS } from "./smb-temp-name.js";

export interface SmbWalkContext {
  tree: SmbTree;
  /** Share path of a remote path. */
  full(rel: string): string;
  spelling: PathSpelling;
  concurrency: number;
  log?: Logger;
  /** Temp upload names with this owner key are leftovers of this owner's interrupted runs. */
  ownTempKey?: string;
  /** The message of a missing-root `not_found`, e.g. `base path '2026' does not exist on \\host\Share`. */
  describeRoot?(): string;
}

/** The folders from the start folder down to one folder, by file id (a linked list, innermost first). */
interface Ancestry {
  id: string;
  path: string;
  /** `path` with the real names of aliased folders (Samba's mangled names) in it. */
  real: string;
  up?: Ancestry;
}

/** Stored-name queries (one compound round trip each) in flight for one folder's aliases. */
const ALIAS_LOOKUPS_AT_ONCE = 16;

interface Listing {
  dir: string;
  /** The folder's own entry, held back until its listing is known (absent for the start folder). */
  entry?: RemoteEntry;
  ancestry: Ancestry;
  /** The folder's children, or why they could not be listed. */
  result: Promise<SmbFileInfo[] | { unlisted: string }>;
}

export async function* walkSmbTree(ctx: SmbWalkContext, start: string): AsyncGenerator<RemoteEntry> {
  const { tree } = ctx;
  const list = (dir: string, ancestry: Ancestry, entry?: RemoteEntry): Listing => {
    const result = (async () => {
      const out: SmbFileInfo[] = [];
      try {
        for await (const page of tree.readdirPages(ctx.full(dir))) out.push(...page);
        return out;
      } catch (e) {
        const err = toRemoteError(e, dir);
        if (dir !== start && (err.kind === "not_found" || err.kind === "access_denied")) {
          ctx.log?.warn({ path: dir, kind: err.kind }, "skipping unreadable folder during walk");
          return { unlisted: `${err.kind}: the folder's content could not be listed (${err.message})` };
        }
        throw err;
      }
    })();
    result.catch(() => undefined);
    return { dir, entry, ancestry, result };
  };

  const root = await mapSmbErrors(start, () => tree.stat(ctx.full(start))).catch((e: unknown) => {
    if (e instanceof RemoteError && e.kind === "not_found" && start === "" && ctx.describeRoot) {
      throw new RemoteError("not_found", ctx.describeRoot(), { path: "", cause: e });
    }
    throw e;
  });
  if (!root.isDirectory) throw new RemoteError("not_found", `"${start}" is a file, not a folder`, { path: start });
  const pending: Array<{ dir: string; entry?: RemoteEntry; ancestry: Ancestry }> = [
    { dir: start, ancestry: { id: smbEntryId(root), path: start, real: start } },
  ];
  const inflight: Listing[] = [];
  const fill = () => {
    while (inflight.length < ctx.concurrency && pending.length > 0) {
      const next = pending.shift()!;
      inflight.push(list(next.dir, next.ancestry, next.entry));
    }
  };
  try {
    fill();
    while (inflight.length > 0) {
      const { dir, entry: folder, ancestry, result } = inflight.shift()!;
      const listed = await result;
      const entries: RemoteEntry[] = [];
      if (folder) {
        if (!Array.isArray(listed)) folder.childrenUnknown = listed.unlisted;
        entries.push(folder);
      }
      const infos = Array.isArray(listed) ? listed : [];
      infos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const children: RemoteEntry[] = [];
      const aliases: RemoteEntry[] = [];
      for (const info of infos) {
        if (isSmbTempName(info.name)) {
          await removeLeftoverTemp(ctx, dir, info);
          continue;
        }
        const entry = toRemoteEntry(ctx.spelling.child(dir, info.name), info);
        if (looksLikeSambaMangledName(info.name)) aliases.push(entry);
        children.push(entry);
      }
      for (let i = 0; i < aliases.length; i += ALIAS_LOOKUPS_AT_ONCE) {
        await Promise.all(aliases.slice(i, i + ALIAS_LOOKUPS_AT_ONCE).map((e) => resolveRealName(ctx, e)));
      }
      for (const entry of children) {
        // The engine may address an aliased item by its real path: it then reaches the alias.
        const real = joinPath(ancestry.real, entry.realName ?? baseName(entry.path));
        if (real !== entry.path) ctx.spelling.alias(real, entry.path);
        if (entry.kind === "folder" && !entry.reparsePoint) {
          const loopOf = ancestorWithId(ancestry, entry.id!);
          if (loopOf) {
            entry.reparsePoint = true;
            entry.reparseReason =
              `folder loop: ` +
              `the same folder as ${loopOf.path === "" ? "the remote root" : `its ancestor "${loopOf.path}"`} (a link back ` +
              `up the tree), not descended`;
            ctx.log?.warn({ path: entry.path, ancestor: loopOf.path }, "folder loop cut during walk");
          }
        }
        if (entry.kind === "folder" && !entry.reparsePoint)
          pending.push({ dir: entry.path, entry, ancestry: { id: entry.id!, path: entry.path, real, up: ancestry } });
        else entries.push(entry);
      }
      // Sub-folder listings run while the consumer handles this folder's entries.
      fill();
      yield* entries;
    }
  } finally {
    for (const l of inflight) l.result.catch(() => undefined);
  }
}

function ancestorWithId(ancestry: Ancestry, id: string): Ancestry | undefined {
  for (let a: Ancestry | undefined = ancestry; a; a = a.up) if (a.id === id) return a;
  return undefined;
}

/**
 * Sets `entry.realName` when the server stores the item under another name than the listed one
 * (Samba's mangled alias of a name Windows clients cannot hold). The answer must have as many
 * components as the request: a Unix name holding a backslash would otherwise be cut wrongly.
 * Failures leave the entry as listed.
 */
async function resolveRealName(ctx: SmbWalkContext, entry: RemoteEntry): Promise<void> {
  const asked = ctx.full(entry.path);
  try {
    const stored = await ctx.tree.storedPath(asked);
    if (stored === undefined) return;
    const parts = stored.split("\\");
    if (parts.length !== asked.split("/").length) return;
    const name = parts[parts.length - 1]!.normalize("NFC");
    const listed = baseName(entry.path);
    if (name === "" || name.toLowerCase() === listed.toLowerCase()) return;
    entry.realName = name;
  } catch (e) {
    ctx.log?.debug(
      { path: entry.path, err: (e as Error).message },
      "could not ask the server for the stored name of a mangled-looking name",
    );
  }
}

async function removeLeftoverTemp(ctx: SmbWalkContext, dir: string, info: SmbFileInfo): Promise<void> {
  const own = ctx.ownTempKey !== undefined && smbTempOwnerKey(info.name) === ctx.ownTempKey;
  const lastTouched = Math.max(info.lastWriteTime.getTime(), info.changeTime.getTime());
  if (info.isDirectory || (!own && Date.now() - lastTouched < TEMP_STALE_AFTER_MS)) return;
  const parent = ctx.full(dir);
  const path = parent === "" ? info.name : `${parent}/${info.name}`;
  try {
    await ctx.tree.unlink(path);
    ctx.log?.info({ path: dir, temp: info.name, own }, "removed a leftover temporary upload");
  } catch (e) {
    ctx.log?.warn(
      { path: dir, temp: info.name, err: (e as Error).message },
      "could not remove a leftover temporary upload",
    );
  }
}
