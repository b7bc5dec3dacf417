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
 * - Reparse points are yielded and not descended. Samba (4.17 defaults) follows symlinks inside
 *   the share and reports them as their target, with the target's file id, so the second name
 *   met for a file id is treated as an alias: yielded with `reparsePoint: true` and
 *   `extra.aliasOf` (the first name), never descended — a linked folder is walked once and a
 *   link to an ancestor cannot loop. Which name counts as the original is the first in walk order.
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
import type { RemoteEntry } from "../../sync/remote.js";
import { smbEntryId, toRemoteEntry } from "./smb-entry.js";
import { mapSmbErrors, toRemoteError } from "./smb-error-mapping.js";
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

interface Listing {
  dir: string;
  /** The folder's own entry, held back until its listing is known (absent for the start folder). */
  entry?: RemoteEntry;
  /** The folder's children, or why they could not be listed. */
  result: Promise<SmbFileInfo[] | { unlisted: string }>;
}

export async function* walkSmbTree(ctx: SmbWalkContext, start: string): AsyncGenerator<RemoteEntry> {
  const { tree } = ctx;
  const list = (dir: string, entry?: RemoteEntry): Listing => {
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
    return { dir, entry, result };
  };

  const root = await mapSmbErrors(start, () => tree.stat(ctx.full(start))).catch((e: unknown) => {
    if (e instanceof RemoteError && e.kind === "not_found" && start === "" && ctx.describeRoot) {
      throw new RemoteError("not_found", ctx.describeRoot(), { path: "", cause: e });
    }
    throw e;
  });
  if (!root.isDirectory) throw new RemoteError("not_found", `"${start}" is a file, not a folder`, { path: start });
  const seen = new Map<string, string>([[smbEntryId(root), start]]);
  const pending: Array<{ dir: string; entry?: RemoteEntry }> = [{ dir: start }];
  const inflight: Listing[] = [];
  const fill = () => {
    while (inflight.length < ctx.concurrency && pending.length > 0) {
      const next = pending.shift()!;
      inflight.push(list(next.dir, next.entry));
    }
  };
  try {
    fill();
    while (inflight.length > 0) {
      const { dir, entry: folder, result } = inflight.shift()!;
      const listed = await result;
      const entries: RemoteEntry[] = [];
      if (folder) {
        if (!Array.isArray(listed)) folder.childrenUnknown = listed.unlisted;
        entries.push(folder);
      }
      const infos = Array.isArray(listed) ? listed : [];
      infos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const info of infos) {
        if (isSmbTempName(info.name)) {
          await removeLeftoverTemp(ctx, dir, info);
          continue;
        }
        const entry = toRemoteEntry(ctx.spelling.child(dir, info.name), info);
        const first = seen.get(entry.id!);
        if (first !== undefined) {
          entry.reparsePoint = true;
          entry.extra = { aliasOf: first };
        } else {
          seen.set(entry.id!, entry.path);
        }
        if (entry.kind === "folder" && !entry.reparsePoint) pending.push({ dir: entry.path, entry });
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
    ctx.log?.warn({ path: dir, temp: info.name, err: (e as Error).message }, "could not remove a leftover temporary upload");
  }
}
