/**
 * SharePoint-specific sync hooks: version history and list-item columns.
 *
 * `sync_versions` — when the engine pulls a file into ScaiDrive, the SharePoint versions that
 * ScaiDrive does not hold yet are imported (oldest first, each with its SharePoint time as the
 * version's `created_at`, so the engine's copy of the current content stays the current version).
 * Which SharePoint versions ScaiDrive already holds is remembered per item in the file-state's
 * `extra.sharepoint_versions` (`{ids, unnamed}`): `ids` are SharePoint version ids already in
 * ScaiDrive; `unnamed` counts the newest SharePoint versions whose content ScaiDrive holds but
 * whose ids were not known at the time (the current version the engine copied, plus one per push
 * of ScaiDrive content), so on the next pull the `unnamed` oldest versions not in `ids` are
 * those and are not imported again. A re-run therefore adds exactly the versions made since.
 * The engine rewrites `extra` when it commits a pull, so the state is read once per run in
 * `beforeRun` (keyed by driveItem id: renames keep it) and written back after the import.
 * Fallback when the state is lost (crash between the engine's commit and this hook, or a
 * `full_sync` that re-recorded the row): a SharePoint version is skipped if ScaiDrive already has
 * a version with the same size and `created_at` (what an import writes) — the previously pulled
 * current version may then be imported once more as history.
 *
 * `sync_metadata` (connector config) — the file's column values (`remote.fields`, keys
 * `sharepoint.<InternalName>`, plus `sharepoint.Author` / `sharepoint.Editor`) are merged into
 * the ScaiDrive metadata dict; `sharepoint.*` keys SharePoint no longer reports are removed.
 * Keys without the prefix (set by ScaiDrive users) are never touched.
 *
 * Notebooks (`opaquePackage`) have no version history of their own and are skipped for versions.
 * Every failure is a warning on the item (engine rule for hooks); costs per pulled file: versions
 * = 2 Graph requests + 2 per imported version, metadata = 2.
 */
import type { Readable } from "node:stream";
import type { FileStateStore } from "../../store/sync/file-state-store.js";
import type { HookContext, SyncHooks } from "../../sync/sync-hooks.js";
import type { Remote, RemoteEntry, RemoteVersion } from "../../sync/remote.js";
import { METADATA_PREFIX } from "./sharepoint-fields.js";

/** Key in `file_states.extra` holding {@link VersionState}. */
export const VERSION_STATE_KEY = "sharepoint_versions";

export interface VersionState {
  /** SharePoint version ids ScaiDrive already holds. */
  ids: string[];
  /** How many SharePoint versions newer than every one in `ids` ScaiDrive already holds (ids not known yet). */
  unnamed: number;
}

export interface SharePointSyncHookOptions {
  connectorId: string;
  syncVersions: boolean;
  syncMetadata: boolean;
  fileStates: Pick<FileStateStore, "list" | "get" | "markSynced">;
}

interface VersionTarget {
  importVersion(path: string, source: Readable, options: { createdAtMs: number; author?: string }): Promise<string>;
  versions(path: string): Promise<RemoteVersion[]>;
  stat(path: string): Promise<RemoteEntry>;
}

interface MetadataTarget {
  patchMetadata(path: string, patch: Record<string, unknown>): Promise<Record<string, unknown>>;
  fields(path: string): Promise<Record<string, unknown>>;
}

function isVersionTarget(x: unknown): x is VersionTarget {
  return (
    typeof (x as VersionTarget).importVersion === "function" && typeof (x as VersionTarget).versions === "function"
  );
}

function isMetadataTarget(x: unknown): x is MetadataTarget {
  return (
    typeof (x as MetadataTarget).patchMetadata === "function" && typeof (x as MetadataTarget).fields === "function"
  );
}

function readsVersions(r: Remote): r is Remote & Required<Pick<Remote, "versions" | "readVersion">> {
  return r.capabilities.versions && typeof r.versions === "function" && typeof r.readVersion === "function";
}

function readsFields(r: Remote): r is Remote & Required<Pick<Remote, "fields">> {
  return r.capabilities.metadata && typeof r.fields === "function";
}

function parseState(extra: Record<string, unknown> | null | undefined): VersionState | undefined {
  const s = extra?.[VERSION_STATE_KEY] as Partial<VersionState> | undefined;
  if (!s || !Array.isArray(s.ids)) return undefined;
  return {
    ids: s.ids.filter((x): x is string => typeof x === "string"),
    unnamed: typeof s.unnamed === "number" && s.unnamed > 0 ? Math.floor(s.unnamed) : 0,
  };
}

/** One hooks object per run (the state snapshot lives for that run only). */
export function createSharePointSyncHooks(o: SharePointSyncHookOptions): SyncHooks {
  const states = new Map<string, VersionState>();

  const saveState = async (path: string, itemId: string, state: VersionState) => {
    states.set(itemId, state);
    const row = await o.fileStates.get(o.connectorId, path);
    if (!row || !row.synced) return;
    await o.fileStates.markSynced(o.connectorId, {
      path: row.path,
      kind: row.kind,
      remote_id: row.remote_id,
      remote_fingerprint: row.remote_fingerprint ?? "",
      remote_mtime_ms: row.remote_mtime_ms,
      remote_size: row.remote_size,
      scaidrive_node_id: row.scaidrive_node_id,
      scaidrive_version_id: row.scaidrive_version_id ?? "",
      sha256: row.sha256,
      extra: { ...(row.extra ?? {}), [VERSION_STATE_KEY]: state },
    });
  };

  const importVersions = async (ctx: HookContext, remoteEntry: RemoteEntry, scaidrivePath: string) => {
    if (!readsVersions(ctx.remote) || !isVersionTarget(ctx.scaidrive) || !remoteEntry.id) return;
    const remote = ctx.remote;
    const target = ctx.scaidrive;
    const previous = states.get(remoteEntry.id);
    const known = new Set(previous?.ids ?? []);
    // Graph lists newest first; times have second precision, so ties keep Graph's order reversed.
    const older = (await remote.versions(remoteEntry.path))
      .slice()
      .reverse()
      .sort((a, b) => a.mtimeMs - b.mtimeMs);
    const unknown = older.filter((v) => !known.has(v.id));
    for (let n = previous?.unnamed ?? 0; n > 0 && unknown.length > 0; n--) known.add(unknown.shift()!.id);
    if (unknown.length > 0 && !previous) {
      const held = await target.versions(scaidrivePath);
      const key = (size: number, ms: number) => `${size}:${Math.floor(ms / 1000)}`;
      const existing = new Set(held.map((v) => key(v.size, v.mtimeMs)));
      for (let i = unknown.length - 1; i >= 0; i--) {
        if (existing.has(key(unknown[i]!.size, unknown[i]!.mtimeMs))) known.add(unknown.splice(i, 1)[0]!.id);
      }
    }
    let lastMs = -Infinity;
    try {
      for (const v of unknown) {
        if (ctx.signal.aborted) return;
        const stream = await remote.readVersion(remoteEntry.path, v.id);
        // Strictly increasing times keep versions made within one second in their order.
        lastMs = Math.max(v.mtimeMs, lastMs + 1);
        await target.importVersion(scaidrivePath, stream, {
          createdAtMs: lastMs,
          ...(v.author ? { author: v.author } : {}),
        });
        known.add(v.id);
      }
    } finally {
      await saveState(remoteEntry.path, remoteEntry.id, { ids: [...known], unnamed: 1 });
    }
  };

  const copyFields = async (ctx: HookContext, remoteEntry: RemoteEntry, scaidrivePath: string) => {
    if (!readsFields(ctx.remote) || !isMetadataTarget(ctx.scaidrive)) return;
    const fields = await ctx.remote.fields(remoteEntry.path);
    const current = await ctx.scaidrive.fields(scaidrivePath);
    const patch: Record<string, unknown> = {};
    for (const key of Object.keys(current)) if (key.startsWith(METADATA_PREFIX) && !(key in fields)) patch[key] = null;
    for (const [key, value] of Object.entries(fields))
      if (JSON.stringify(current[key]) !== JSON.stringify(value)) patch[key] = value;
    if (Object.keys(patch).length > 0) await ctx.scaidrive.patchMetadata(scaidrivePath, patch);
  };

  return {
    async beforeRun() {
      if (!o.syncVersions) return;
      let after: string | undefined;
      for (;;) {
        const page = await o.fileStates.list(o.connectorId, { after, limit: 1000 });
        for (const row of page) {
          const s = parseState(row.extra);
          if (s && row.remote_id) states.set(row.remote_id, s);
        }
        if (page.length < 1000) break;
        after = page.at(-1)!.path;
      }
    },
    async afterPull(ctx, remoteEntry, scaidriveEntry) {
      if (remoteEntry.kind !== "file") return;
      const failures: string[] = [];
      if (o.syncVersions && !remoteEntry.opaquePackage) {
        await importVersions(ctx, remoteEntry, scaidriveEntry.path).catch((err: unknown) =>
          failures.push(`versions: ${(err as Error).message}`),
        );
      }
      if (o.syncMetadata) {
        await copyFields(ctx, remoteEntry, scaidriveEntry.path).catch((err: unknown) =>
          failures.push(`columns: ${(err as Error).message}`),
        );
      }
      if (failures.length > 0) throw new Error(failures.join("; "));
    },
    async afterPush(_ctx, _scaidriveEntry, remoteEntry) {
      // The SharePoint version this push created holds ScaiDrive's content: never import it back.
      if (!o.syncVersions || remoteEntry.kind !== "file" || !remoteEntry.id) return;
      const previous = states.get(remoteEntry.id);
      await saveState(remoteEntry.path, remoteEntry.id, {
        ids: previous?.ids ?? [],
        unnamed: (previous?.unnamed ?? 0) + 1,
      });
    },
  };
}
