/**
 * file-states: per connector and relative path, what both sides looked like after the last
 * successful transfer (the planner's base), plus the last per-file error and a standing note
 * (an item out of the filter's scope, a folder kept on one side because it is not empty). Each
 * file's row is written as soon as that file is done, which is what makes a killed run resumable.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { sql, type Kysely, type Selectable } from "kysely";
import type { Database } from "../db/schema.js";
import type { FileStatesTable } from "../db/sync-tables.js";
import type { BaseEntry, NoteEntry } from "../../sync/sync-planner.js";
import { bool, nowIso, num, numOrNull, parseJson } from "./store-values.js";

export interface FileStateRecord {
  connector_id: string;
  path: string;
  kind: "file" | "folder";
  /** False for a row that only records an error for a path never synced. */
  synced: boolean;
  remote_id: string | null;
  remote_fingerprint: string | null;
  remote_mtime_ms: number | null;
  remote_size: number | null;
  scaidrive_node_id: string | null;
  scaidrive_version_id: string | null;
  sha256: string | null;
  last_synced_at: string | null;
  last_error_code: string | null;
  last_error: string | null;
  extra: Record<string, unknown> | null;
  /** A standing state that is not an error: `out_of_scope`, `kept_on_remote`, `kept_on_scaidrive`. */
  note_code: string | null;
  note: string | null;
}

export interface SyncedState {
  path: string;
  kind: "file" | "folder";
  remote_id: string | null;
  remote_fingerprint: string;
  remote_mtime_ms: number | null;
  remote_size: number | null;
  scaidrive_node_id: string | null;
  scaidrive_version_id: string;
  sha256: string | null;
  extra?: Record<string, unknown> | null;
}

/** One file-state change of a batch (see {@link FileStateStore.applyBatch}). */
export type FileStateOp =
  | { op: "synced"; state: SyncedState }
  | { op: "forget"; path: string }
  | { op: "error"; path: string; kind: "file" | "folder"; code: string; message: string }
  /**
   * A standing note: the row stops being a base (`synced` false) but keeps the columns it had
   * (which node it was, for people and for a delta remote's listing); the error is replaced by
   * `error` (none if absent).
   */
  | {
      op: "note";
      path: string;
      kind: "file" | "folder";
      code: string;
      message: string;
      error?: { code: string; message: string };
    };

/** Rows per multi-row upsert: 14 parameters each stays far below SQLite's and PostgreSQL's limits. */
const UPSERT_ROWS = 200;

function syncedValues(s: SyncedState, at: string) {
  return {
    kind: s.kind,
    synced: 1,
    remote_id: s.remote_id,
    remote_fingerprint: s.remote_fingerprint,
    remote_mtime_ms: s.remote_mtime_ms,
    remote_size: s.remote_size,
    scaidrive_node_id: s.scaidrive_node_id,
    scaidrive_version_id: s.scaidrive_version_id,
    sha256: s.sha256,
    last_synced_at: at,
    last_error_code: null,
    last_error: null,
    extra: s.extra ? JSON.stringify(s.extra) : null,
    note_code: null,
    note: null,
  };
}

function toRecord(row: Selectable<FileStatesTable>): FileStateRecord {
  return {
    connector_id: row.connector_id,
    path: row.path,
    kind: row.kind === "folder" ? "folder" : "file",
    synced: bool(row.synced),
    remote_id: row.remote_id,
    remote_fingerprint: row.remote_fingerprint,
    remote_mtime_ms: numOrNull(row.remote_mtime_ms),
    remote_size: numOrNull(row.remote_size),
    scaidrive_node_id: row.scaidrive_node_id,
    scaidrive_version_id: row.scaidrive_version_id,
    sha256: row.sha256,
    last_synced_at: row.last_synced_at,
    last_error_code: row.last_error_code,
    last_error: row.last_error,
    extra: parseJson(row.extra, null),
    note_code: row.note_code ?? null,
    note: row.note ?? null,
  };
}

export class FileStateStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The planner's base: every synced row of the connector. */
  async loadBase(connectorId: string): Promise<BaseEntry[]> {
    const rows = await this.db
      .selectFrom("file_states")
      .selectAll()
      .where("connector_id", "=", connectorId)
      .where("synced", "=", 1)
      .execute();
    return rows.map((r) => ({
      path: r.path,
      kind: r.kind === "folder" ? "folder" : "file",
      remoteId: r.remote_id,
      remoteFingerprint: r.remote_fingerprint ?? "",
      scaidriveId: r.scaidrive_node_id,
      scaidriveFingerprint: r.scaidrive_version_id ?? "",
      sha256: r.sha256,
    }));
  }

  /** Rows carrying a standing note (out of scope, folder kept on one side), for the planner. */
  async loadNotes(connectorId: string): Promise<NoteEntry[]> {
    const rows = await this.db
      .selectFrom("file_states")
      .select(["path", "kind", "note_code", "note"])
      .where("connector_id", "=", connectorId)
      .where("note_code", "is not", null)
      .execute();
    return rows.map((r) => ({
      path: r.path,
      kind: r.kind === "folder" ? "folder" : "file",
      code: r.note_code!,
      message: r.note ?? "",
    }));
  }

  /**
   * The base at a glance: its rows, its files, and the rows that are not a clean base (never
   * synced, a standing note, or the last attempt's error).
   */
  async baseHealth(connectorId: string): Promise<{ rows: number; files: number; unclean: number }> {
    const row = await this.db
      .selectFrom("file_states")
      .select((eb) => [
        eb.fn.countAll<number | string>().as("rows"),
        sql<number | string | null>`sum(case when kind = 'file' then 1 else 0 end)`.as("files"),
        sql<number | string | null>`sum(case when synced = 0 or note_code is not null
          or last_error_code is not null then 1 else 0 end)`.as("unclean"),
      ])
      .where("connector_id", "=", connectorId)
      .executeTakeFirstOrThrow();
    return { rows: num(row.rows), files: num(row.files), unclean: num(row.unclean) };
  }

  /** The remote side of the synced rows at these paths (at most a few hundred per call). */
  async remoteBaseAt(
    connectorId: string,
    paths: readonly string[],
  ): Promise<Array<{ path: string; kind: string; remote_fingerprint: string | null }>> {
    if (paths.length === 0) return [];
    return this.db
      .selectFrom("file_states")
      .select(["path", "kind", "remote_fingerprint"])
      .where("connector_id", "=", connectorId)
      .where("synced", "=", 1)
      .where("path", "in", paths)
      .execute();
  }

  /**
   * Whether the ScaiDrive subtree at `root` (a share path, "/" or "/a/b") holds exactly the base's
   * items as they were synced: every synced row's node still at its path, of its kind, files at
   * the synced version, and no other node below the root. Answered in the database, no listing:
   * what lets a run with nothing to do skip listing the ScaiDrive side. Read in chunks of `chunk`
   * rows (`chunk / 20` folders when counting their children) with a turn of the event loop between
   * them, so a million rows never hold SQLite's one thread in one statement.
   */
  async scaidriveMatchesBase(connectorId: string, shareId: string, root: string, chunk = 20_000): Promise<boolean> {
    const prefix = root === "/" ? "/" : `${root}/`;
    let rows = 0;
    for (let after = ""; ;) {
      const page = await sql<{ n: number | string; bad: number | string | null; last: string | null }>`
        select count(*) as n, sum(bad) as bad, max(path) as last from (
          select fs.path, case when n.id is null or n.share_id <> ${shareId} or n.type <> fs.kind
            or n.path <> (${prefix} || fs.path) or (fs.kind = 'file'
              and coalesce(n.current_version_id, '') <> coalesce(fs.scaidrive_version_id, ''))
            then 1 else 0 end as bad
          from file_states fs left join nodes n on n.id = fs.scaidrive_node_id
          where fs.connector_id = ${connectorId} and fs.path > ${after}
          order by fs.path limit ${chunk}) c
      `.execute(this.db);
      const { n, bad, last } = page.rows[0] ?? { n: 0, bad: 0, last: null };
      if (num(bad) !== 0) return false;
      if (num(n) === 0 || last === null) break;
      rows += num(n);
      after = last;
      await nextTurn();
    }
    // No node below the root but the base's: then the root's and the base folders' children are
    // exactly the base's nodes (each base node is one of them, and anything else below the root
    // would make one more child of the root or of a base folder). Counted on the parent index.
    const top = await sql<{ id: string | null; path: string | null }>`
      select p.id, p.path from file_states fs
      join nodes n on n.id = fs.scaidrive_node_id join nodes p on p.id = n.parent_id
      where fs.connector_id = ${connectorId} and fs.path not like '%/%' limit 1
    `.execute(this.db);
    const rootNode = top.rows[0];
    if (!rootNode?.id || rootNode.path !== root) return false;
    const atRoot = await sql<{ n: number | string }>`
      select count(*) as n from nodes where share_id = ${shareId} and parent_id = ${rootNode.id}
    `.execute(this.db);
    let children = num(atRoot.rows[0]?.n);
    for (let after = ""; children <= rows;) {
      const page = await sql<{ folders: number | string; children: number | string; last: string | null }>`
        select count(distinct f.path) as folders, count(n.id) as children, max(f.path) as last from (
          select path, scaidrive_node_id from file_states
          where connector_id = ${connectorId} and kind = 'folder' and path > ${after}
          order by path limit ${Math.max(1, Math.floor(chunk / 20))}) f
        left join nodes n on n.share_id = ${shareId} and n.parent_id = f.scaidrive_node_id
      `.execute(this.db);
      const { folders, children: inPage, last } = page.rows[0] ?? { folders: 0, children: 0, last: null };
      if (num(folders) === 0 || last === null) break;
      children += num(inPage);
      after = last;
      await nextTurn();
    }
    return children === rows;
  }

  /** Every row of the connector, a page at a time (bounded memory for a million rows). */
  async *pages(connectorId: string, pageSize = 1000): AsyncIterable<FileStateRecord[]> {
    let after: string | undefined;
    for (;;) {
      const page = await this.list(connectorId, { after, limit: pageSize });
      if (page.length === 0) return;
      yield page;
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.path;
    }
  }

  /** Path order, keyset-paginated by path. */
  /** A page in path order; `search` keeps paths containing it, ignoring case (ASCII letters on SQLite). */
  async list(
    connectorId: string,
    options: { after?: string; limit?: number; search?: string } = {},
  ): Promise<FileStateRecord[]> {
    let q = this.db.selectFrom("file_states").selectAll().where("connector_id", "=", connectorId).orderBy("path");
    if (options.after !== undefined) q = q.where("path", ">", options.after);
    if (options.search) {
      const pattern = `%${options.search.toLowerCase().replace(/[\\%_]/g, "\\$&")}%`;
      q = q.where(sql<boolean>`lower(path) LIKE ${pattern} ESCAPE '\\'`);
    }
    if (options.limit) q = q.limit(options.limit);
    return (await q.execute()).map(toRecord);
  }

  async get(connectorId: string, path: string): Promise<FileStateRecord | undefined> {
    const row = await this.db
      .selectFrom("file_states")
      .selectAll()
      .where("connector_id", "=", connectorId)
      .where("path", "=", path)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Records a completed transfer (or an adopted identical pair) and clears the path's error. */
  async markSynced(connectorId: string, s: SyncedState): Promise<void> {
    const values = syncedValues(s, nowIso());
    await this.db
      .insertInto("file_states")
      .values({ connector_id: connectorId, path: s.path, ...values })
      .onConflict((oc) => oc.columns(["connector_id", "path"]).doUpdateSet(values))
      .execute();
  }

  /**
   * Applies `ops` in order in one transaction, as `markSynced` / `forget` / `markError` one by one
   * would: consecutive `synced` rows go in multi-row upserts (a path named twice keeps its last
   * state), consecutive forgets in one DELETE. All or nothing.
   */
  async applyBatch(connectorId: string, ops: readonly FileStateOp[]): Promise<void> {
    if (ops.length === 0) return;
    const at = nowIso();
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < ops.length;) {
        const op = ops[i]!;
        if (op.op === "error") {
          await trx
            .insertInto("file_states")
            .values({
              connector_id: connectorId,
              path: op.path,
              kind: op.kind,
              synced: 0,
              last_error_code: op.code,
              last_error: op.message,
            })
            .onConflict((oc) =>
              oc.columns(["connector_id", "path"]).doUpdateSet({ last_error_code: op.code, last_error: op.message }),
            )
            .execute();
          i++;
          continue;
        }
        if (op.op === "note") {
          const values = {
            kind: op.kind,
            synced: 0,
            note_code: op.code,
            note: op.message,
            last_error_code: op.error?.code ?? null,
            last_error: op.error?.message ?? null,
          };
          await trx
            .insertInto("file_states")
            .values({ connector_id: connectorId, path: op.path, ...values })
            .onConflict((oc) => oc.columns(["connector_id", "path"]).doUpdateSet(values))
            .execute();
          i++;
          continue;
        }
        let j = i;
        while (j < ops.length && ops[j]!.op === op.op) j++;
        const run = ops.slice(i, j);
        i = j;
        if (op.op === "forget") {
          const paths = [...new Set(run.map((o) => (o as { path: string }).path))];
          for (let k = 0; k < paths.length; k += UPSERT_ROWS) {
            await trx
              .deleteFrom("file_states")
              .where("connector_id", "=", connectorId)
              .where("path", "in", paths.slice(k, k + UPSERT_ROWS))
              .execute();
          }
          continue;
        }
        // Both databases refuse an upsert that touches one row twice.
        const latest = new Map<string, SyncedState>();
        for (const o of run) latest.set((o as { state: SyncedState }).state.path, (o as { state: SyncedState }).state);
        const rows = [...latest.values()].map((st) => ({
          connector_id: connectorId,
          path: st.path,
          ...syncedValues(st, at),
        }));
        for (let k = 0; k < rows.length; k += UPSERT_ROWS) {
          await trx
            .insertInto("file_states")
            .values(rows.slice(k, k + UPSERT_ROWS))
            .onConflict((oc) =>
              oc.columns(["connector_id", "path"]).doUpdateSet((eb) => ({
                kind: eb.ref("excluded.kind"),
                synced: eb.ref("excluded.synced"),
                remote_id: eb.ref("excluded.remote_id"),
                remote_fingerprint: eb.ref("excluded.remote_fingerprint"),
                remote_mtime_ms: eb.ref("excluded.remote_mtime_ms"),
                remote_size: eb.ref("excluded.remote_size"),
                scaidrive_node_id: eb.ref("excluded.scaidrive_node_id"),
                scaidrive_version_id: eb.ref("excluded.scaidrive_version_id"),
                sha256: eb.ref("excluded.sha256"),
                last_synced_at: eb.ref("excluded.last_synced_at"),
                last_error_code: eb.ref("excluded.last_error_code"),
                last_error: eb.ref("excluded.last_error"),
                extra: eb.ref("excluded.extra"),
                note_code: eb.ref("excluded.note_code"),
                note: eb.ref("excluded.note"),
              })),
            )
            .execute();
        }
      }
    });
  }

  /** Records a per-file error; an existing base is kept so the next run plans against it again. */
  async markError(
    connectorId: string,
    path: string,
    kind: "file" | "folder",
    code: string,
    message: string,
  ): Promise<void> {
    await this.db
      .insertInto("file_states")
      .values({ connector_id: connectorId, path, kind, synced: 0, last_error_code: code, last_error: message })
      .onConflict((oc) =>
        oc.columns(["connector_id", "path"]).doUpdateSet({ last_error_code: code, last_error: message }),
      )
      .execute();
  }

  /** Drops the row of `path` (after a delete propagated, or when both sides are gone). */
  async forget(connectorId: string, path: string): Promise<void> {
    await this.db.deleteFrom("file_states").where("connector_id", "=", connectorId).where("path", "=", path).execute();
  }

  /**
   * Re-keys `from` and everything below it to `to` after a move, in one transaction. Rows
   * already at the destination are replaced.
   */
  async rename(connectorId: string, from: string, to: string): Promise<void> {
    if (from === to) return;
    await this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom("file_states")
        .selectAll()
        .where("connector_id", "=", connectorId)
        .where((eb) =>
          eb.or([eb("path", "=", from), sql<boolean>`path LIKE ${`${from.replace(/[\\%_]/g, "\\$&")}/%`} ESCAPE '\\'`]),
        )
        .execute();
      const moved = rows.filter((r) => r.path === from || r.path.startsWith(`${from}/`));
      for (const r of moved) {
        const path = to + r.path.slice(from.length);
        await trx.deleteFrom("file_states").where("connector_id", "=", connectorId).where("path", "=", path).execute();
        await trx
          .deleteFrom("file_states")
          .where("connector_id", "=", connectorId)
          .where("path", "=", r.path)
          .execute();
        await trx
          .insertInto("file_states")
          .values({ ...r, path })
          .execute();
      }
    });
  }
}
