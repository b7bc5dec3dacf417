/**
 * The working set of one sync run in the database (migration 0103): both sides' listings and the
 * base as rows, the plan as actions. The engine plans and executes through it in bounded memory —
 * a listing of a million items is never held in JavaScript objects.
 *
 * Keys: a row's `sort_key` is its path's key (lower-cased on case-insensitive remotes; see
 * {@link sortKeyOf}) with "/" encoded as U+0001, so a folder's subtree is the contiguous range
 * right after the folder, and parents sort before their children. Both databases compare it byte
 * by byte, so every ordered read returns the same order on SQLite and PostgreSQL.
 *
 * One instance serves one run (`runId`, the job id). Reads of the merged listing are paged by key
 * ({@link RunWorkspace.groups}); writes are batched.
 */
import { sql, type Insertable, type Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { SyncRunRowsTable } from "../db/sync-tables.js";
import type { RemoteEntry } from "../../sync/remote.js";
import type { BaseEntry, NoteEntry, PlanAction } from "../../sync/sync-planner.js";
import { num } from "./store-values.js";
import { isPostgres } from "../core/db-executor.js";

export type RunSide = "remote" | "scaidrive";
type Src = "r" | "s" | "b";
const SRC: Record<RunSide, Src> = { remote: "r", scaidrive: "s" };

/** The path separator inside sort keys: below every character a name may hold. */
export const KEY_SEP = "\u0001";
/** Just above {@link KEY_SEP}: `key + KEY_END` bounds a subtree's range from above. */
const KEY_END = "\u0002";

/** The sort key of a key ("a/b" → "a\u0001b"). */
export function sortKeyOf(key: string): string {
  return key.replaceAll("/", KEY_SEP);
}

/** True when `sk` lies strictly below the folder `parent` (both sort keys). */
export function isBelowKey(sk: string, parent: string): boolean {
  return parent === ""
    ? sk !== ""
    : sk.length > parent.length && sk.startsWith(parent) && sk.charCodeAt(parent.length) === 1;
}

/** Characters (code points) of `s`, as SQL's `substr` and `length` count them. */
function chars(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export interface SideRow {
  seq: number;
  sortKey: string;
  entry: RemoteEntry;
  /** Why the filter leaves the item out, or null when it is in scope. */
  scope: string | null;
  blocked: boolean;
}

export interface BaseRow {
  seq: number;
  sortKey: string;
  /** The synced base, or null for a row that only carries a note. */
  base: BaseEntry | null;
  note: NoteEntry | null;
}

/** Everything the run knows at one key, in merge order. */
export interface KeyGroup {
  sortKey: string;
  remote: SideRow[];
  scaidrive: SideRow[];
  base?: BaseRow;
}

interface RawRow {
  src: string;
  seq: number | string;
  sort_key: string;
  path: string;
  kind: string;
  item_id: string | null;
  item_id2: string | null;
  scope: string | null;
  blocked: number;
  body: string;
}

/** Rows per multi-row insert: 11 parameters each, far below both databases' limits. */
const INSERT_ROWS = 250;
/** Rows per page of the merged listing. */
const PAGE_ROWS = 1000;
/** Sequence numbers per DELETE when a run's working set is cleared. */
const CLEAR_ROWS = 20_000;

function toSideRow(r: RawRow): SideRow {
  return {
    seq: num(r.seq),
    sortKey: r.sort_key,
    entry: { ...(JSON.parse(r.body) as Omit<RemoteEntry, "path">), path: r.path },
    scope: r.scope,
    blocked: r.blocked === 1,
  };
}

function toBaseRow(r: RawRow): BaseRow {
  const body = JSON.parse(r.body) as { base: Omit<BaseEntry, "path"> | null; note: Omit<NoteEntry, "path"> | null };
  return {
    seq: num(r.seq),
    sortKey: r.sort_key,
    base: body.base && { ...body.base, path: r.path },
    note: body.note && { ...body.note, path: r.path },
  };
}

function entryBody(e: RemoteEntry): string {
  const { path: _path, ...rest } = e;
  return JSON.stringify(rest);
}

export class RunWorkspace {
  private seq = 0;

  /**
   * @param keyOf a path's key (identity): the path itself, or lower-cased on a case-insensitive remote
   */
  constructor(
    private readonly db: Kysely<Database>,
    readonly runId: string,
    private readonly keyOf: (path: string) => string,
  ) {}

  sortKey(path: string): string {
    return sortKeyOf(this.keyOf(path));
  }

  // ---- writing ---------------------------------------------------------------------------------

  /** Adds listed items of a side (`scope`: why the filter leaves it out, or null). */
  async addEntries(side: RunSide, items: ReadonlyArray<{ entry: RemoteEntry; scope?: string | null }>): Promise<void> {
    const src = SRC[side];
    const rows = items.map(({ entry, scope }) => ({
      run_id: this.runId,
      src,
      seq: ++this.seq,
      sort_key: this.sortKey(entry.path),
      path: entry.path,
      kind: entry.kind,
      item_id: entry.id ?? null,
      item_id2: null,
      scope: scope ?? null,
      blocked: 0,
      body: entryBody(entry),
    }));
    await this.insert(rows);
  }

  /** Adds base rows (a synced base, a note, or both at one path). */
  async addBase(
    items: ReadonlyArray<{ path: string; kind: "file" | "folder"; base: BaseEntry | null; note: NoteEntry | null }>,
  ): Promise<void> {
    const rows = items.map((i) => {
      const strip = <T extends { path: string }>(o: T | null) => {
        if (!o) return null;
        const { path: _p, ...rest } = o;
        return rest;
      };
      return {
        run_id: this.runId,
        src: "b" as const,
        seq: ++this.seq,
        sort_key: this.sortKey(i.path),
        path: i.path,
        kind: i.kind,
        item_id: i.base?.remoteId ?? null,
        item_id2: i.base?.scaidriveId ?? null,
        scope: null,
        blocked: 0,
        body: JSON.stringify({ base: strip(i.base), note: strip(i.note) }),
      };
    });
    await this.insert(rows);
  }

  private async insert(rows: Array<Insertable<SyncRunRowsTable>>): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_ROWS)
      await this.db
        .insertInto("sync_run_rows")
        .values(rows.slice(i, i + INSERT_ROWS))
        .execute();
  }

  /** Replaces whatever a side holds at the entry's key (a delta upsert). */
  async put(side: RunSide, entry: RemoteEntry): Promise<void> {
    await this.db
      .deleteFrom("sync_run_rows")
      .where("run_id", "=", this.runId)
      .where("src", "=", SRC[side])
      .where("sort_key", "=", this.sortKey(entry.path))
      .execute();
    await this.addEntries(side, [{ entry }]);
  }

  /** Replaces whatever a side holds at each entry's key (a page of delta upserts), in one batch. */
  async putMany(side: RunSide, entries: readonly RemoteEntry[]): Promise<void> {
    const keys = [...new Set(entries.map((e) => this.sortKey(e.path)))];
    for (let i = 0; i < keys.length; i += INSERT_ROWS) {
      await this.db
        .deleteFrom("sync_run_rows")
        .where("run_id", "=", this.runId)
        .where("src", "=", SRC[side])
        .where("sort_key", "in", keys.slice(i, i + INSERT_ROWS))
        .execute();
    }
    // The last upsert of a key wins, as applying them one by one would.
    const last = new Map<string, RemoteEntry>();
    for (const e of entries) last.set(this.sortKey(e.path), e);
    await this.addEntries(
      side,
      [...last.values()].map((entry) => ({ entry })),
    );
  }

  /** The sort keys each of `ids` has on a side (out-of-scope rows included), in one query per batch. */
  async keysForIds(side: RunSide, ids: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += INSERT_ROWS) {
      const rows = await this.db
        .selectFrom("sync_run_rows")
        .select(["item_id", "sort_key"])
        .where("run_id", "=", this.runId)
        .where("src", "=", SRC[side])
        .where("item_id", "in", unique.slice(i, i + INSERT_ROWS))
        .execute();
      for (const r of rows) {
        const list = out.get(r.item_id!);
        if (list) list.push(r.sort_key);
        else out.set(r.item_id!, [r.sort_key]);
      }
    }
    return out;
  }

  /** Removes what lies strictly below a folder on a side. */
  async deleteBelow(side: RunSide, sortKey: string): Promise<void> {
    await this.db
      .deleteFrom("sync_run_rows")
      .where("run_id", "=", this.runId)
      .where("src", "=", SRC[side])
      .where("sort_key", ">", sortKey + KEY_SEP)
      .where("sort_key", "<", sortKey + KEY_END)
      .execute();
  }

  /** Removes the item at `sortKey` and its subtree from a side (a delta deletion). */
  async deleteSubtree(side: RunSide, sortKey: string): Promise<void> {
    await this.subtree(
      this.db.deleteFrom("sync_run_rows").where("run_id", "=", this.runId).where("src", "=", SRC[side]),
      sortKey,
    ).execute();
  }

  async deleteRow(side: RunSide, seq: number): Promise<void> {
    await this.db
      .deleteFrom("sync_run_rows")
      .where("run_id", "=", this.runId)
      .where("src", "=", SRC[side])
      .where("seq", "=", seq)
      .execute();
  }

  async setScope(side: RunSide, seq: number, scope: string | null): Promise<void> {
    await this.db
      .updateTable("sync_run_rows")
      .set({ scope })
      .where("run_id", "=", this.runId)
      .where("src", "=", SRC[side])
      .where("seq", "=", seq)
      .execute();
  }

  /** Sets aside a side's rows at `sortKey` and, with `subtree`, below it (colliding names). */
  async block(side: RunSide, sortKey: string, subtree: boolean): Promise<void> {
    let q = this.db
      .updateTable("sync_run_rows")
      .set({ blocked: 1 })
      .where("run_id", "=", this.runId)
      .where("src", "=", SRC[side]);
    q = subtree ? this.subtree(q, sortKey) : q.where("sort_key", "=", sortKey);
    await q.execute();
  }

  /**
   * Moves the item at `from` (and its subtree) to `to` in a source: keys and paths of the subtree
   * are rewritten under the new prefix. `fromPath` is how that source spells the moved item.
   */
  async rekey(
    src: RunSide | "base",
    from: { sortKey: string; path: string },
    to: { sortKey: string; path: string },
  ): Promise<void> {
    const s: Src = src === "base" ? "b" : SRC[src];
    const q = this.db
      .updateTable("sync_run_rows")
      .set({
        sort_key: sql<string>`${to.sortKey} || substr(sort_key, ${chars(from.sortKey) + 1})`,
        path: sql<string>`${to.path} || substr(path, ${chars(from.path) + 1})`,
      })
      .where("run_id", "=", this.runId)
      .where("src", "=", s);
    await this.subtree(q, from.sortKey).execute();
  }

  private subtree<Q extends { where: (...args: any[]) => Q }>(q: Q, sortKey: string): Q {
    return q.where((eb: any) =>
      eb.or([
        eb("sort_key", "=", sortKey),
        eb.and([eb("sort_key", ">", sortKey + KEY_SEP), eb("sort_key", "<", sortKey + KEY_END)]),
      ]),
    );
  }

  // ---- lookups -----------------------------------------------------------------------------------

  /** A side's rows at a key (several when names collide), blocked ones included. */
  async sideAt(side: RunSide, sortKey: string): Promise<SideRow[]> {
    const rows = await this.db
      .selectFrom("sync_run_rows")
      .selectAll()
      .where("run_id", "=", this.runId)
      .where("src", "=", SRC[side])
      .where("sort_key", "=", sortKey)
      .orderBy("seq")
      .execute();
    return rows.map((r) => toSideRow(r as RawRow));
  }

  /** The in-scope, not set-aside entry of a side at a key. */
  async liveAt(side: RunSide, sortKey: string): Promise<SideRow | undefined> {
    return (await this.sideAt(side, sortKey)).find((r) => r.scope === null && !r.blocked);
  }

  async baseAt(sortKey: string): Promise<BaseRow | undefined> {
    const r = await this.db
      .selectFrom("sync_run_rows")
      .selectAll()
      .where("run_id", "=", this.runId)
      .where("src", "=", "b")
      .where("sort_key", "=", sortKey)
      .executeTakeFirst();
    return r ? toBaseRow(r as RawRow) : undefined;
  }

  /** The sort keys of a side's in-scope, not set-aside entries with id `id`. */
  async liveKeysWithId(side: RunSide, id: string, limit = 2): Promise<string[]> {
    const rows = await this.db
      .selectFrom("sync_run_rows")
      .select("sort_key")
      .where("run_id", "=", this.runId)
      .where("src", "=", SRC[side])
      .where("item_id", "=", id)
      .where("scope", "is", null)
      .where("blocked", "=", 0)
      .limit(limit)
      .execute();
    return rows.map((r) => r.sort_key);
  }

  /** Sort keys of a side's rows with id `id`, out-of-scope ones included (delta bookkeeping). */
  async keysWithId(side: RunSide, id: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("sync_run_rows")
      .select("sort_key")
      .where("run_id", "=", this.runId)
      .where("src", "=", SRC[side])
      .where("item_id", "=", id)
      .execute();
    return rows.map((r) => r.sort_key);
  }

  /** How many base rows carry `id` on a side (more than one: several synced names share it). */
  async baseRowsWithId(side: RunSide, id: string): Promise<number> {
    const column = side === "remote" ? "item_id" : "item_id2";
    const rows = await this.db
      .selectFrom("sync_run_rows")
      .select("seq")
      .where("run_id", "=", this.runId)
      .where("src", "=", "b")
      .where(column, "=", id)
      .limit(2)
      .execute();
    return rows.length;
  }

  /** Whether any source holds something at the key. */
  async taken(sortKey: string): Promise<boolean> {
    return !!(await this.db
      .selectFrom("sync_run_rows")
      .select("seq")
      .where("run_id", "=", this.runId)
      .where("sort_key", "=", sortKey)
      .where("blocked", "=", 0)
      .executeTakeFirst());
  }

  /** Keys where a side lists more than one in-scope name (case or normal-form twins). */
  async collidingKeys(side: RunSide): Promise<string[]> {
    const rows = await this.db
      .selectFrom("sync_run_rows")
      .select("sort_key")
      .where("run_id", "=", this.runId)
      .where("src", "=", SRC[side])
      .where("scope", "is", null)
      .groupBy("sort_key")
      .having(sql`count(*)`, ">", 1)
      .orderBy("sort_key")
      .execute();
    return rows.map((r) => r.sort_key);
  }

  /** A side's not-yet-blocked rows strictly below a key, in key order. */
  async *below(side: RunSide, sortKey: string): AsyncIterable<SideRow> {
    yield* this.pagedSideRows(side, { from: sortKey + KEY_SEP, to: sortKey + KEY_END, unblockedOnly: true });
  }

  /** In-scope folders of either side whose content could not be listed. */
  async unlistedFolders(): Promise<Array<{ side: RunSide; row: SideRow }>> {
    const rows = await this.db
      .selectFrom("sync_run_rows")
      .selectAll()
      .where("run_id", "=", this.runId)
      .where("src", "in", ["r", "s"])
      .where("kind", "=", "folder")
      .where("scope", "is", null)
      .where("blocked", "=", 0)
      .where("body", "like", '%"childrenUnknown"%')
      .orderBy("sort_key")
      .execute();
    return rows
      .map((r) => ({ side: r.src === "r" ? ("remote" as const) : ("scaidrive" as const), row: toSideRow(r as RawRow) }))
      .filter((x) => x.row.entry.childrenUnknown !== undefined);
  }

  /** Remote rows the listing shows under a server-made alias (`realName`), parents first. */
  async aliasedRemoteRows(): Promise<SideRow[]> {
    const rows = await this.db
      .selectFrom("sync_run_rows")
      .selectAll()
      .where("run_id", "=", this.runId)
      .where("src", "=", "r")
      .where("scope", "is", null)
      .where("blocked", "=", 0)
      .where("body", "like", '%"realName"%')
      .orderBy("sort_key")
      .execute();
    return rows.map((r) => toSideRow(r as RawRow)).filter((r) => r.entry.realName !== undefined);
  }

  /**
   * Base rows whose remote id or ScaiDrive id shows at another key on that side (rename
   * candidates), by depth then key, one page after `after` (`[depth, sortKey]`).
   */
  async renameCandidates(
    after: [number, string] | undefined,
    limit = PAGE_ROWS,
  ): Promise<Array<BaseRow & { depth: number }>> {
    const depth = sql<number>`(length(b.sort_key) - length(replace(b.sort_key, ${KEY_SEP}, '')))`;
    const elsewhere = (src: Src, id: "item_id" | "item_id2") =>
      sql<boolean>`exists (select 1 from sync_run_rows e where e.run_id = b.run_id and e.src = ${src} and e.item_id = b.${sql.ref(id)}
        and e.sort_key <> b.sort_key and e.scope is null and e.blocked = 0)`;
    let q = this.db
      .selectFrom("sync_run_rows as b")
      .selectAll("b")
      .select(depth.as("depth"))
      .where("b.run_id", "=", this.runId)
      .where("b.src", "=", "b")
      .where(sql<boolean>`(${elsewhere("r", "item_id")} or ${elsewhere("s", "item_id2")})`);
    if (after)
      q = q.where(sql<boolean>`(${depth} > ${after[0]} or (${depth} = ${after[0]} and b.sort_key > ${after[1]}))`);
    const rows = await q.orderBy(depth).orderBy("b.sort_key").limit(limit).execute();
    return rows.map((r) => ({
      ...toBaseRow(r as unknown as RawRow),
      depth: num((r as { depth: number | string }).depth),
    }));
  }

  /**
   * Refreshes PostgreSQL's statistics of the workspace once the listings are in. The tables are
   * filled within seconds, long before autovacuum would analyze them; planned on the statistics of
   * an empty table, the rename-candidate query scans the whole workspace once per base row (13 s
   * for 10,000 files, quadratic). Sampled (about 30,000 rows whatever the size); skipped when
   * another node is analyzing. SQLite plans on its indexes without statistics.
   */
  async refreshStatistics(): Promise<void> {
    if (!isPostgres(this.db)) return;
    await sql`ANALYZE (SKIP_LOCKED) sync_run_rows`.execute(this.db);
  }

  /** Removes a side's rows (a walk that starts over after a dropped connection). */
  async clearSide(side: RunSide): Promise<void> {
    await this.db.deleteFrom("sync_run_rows").where("run_id", "=", this.runId).where("src", "=", SRC[side]).execute();
  }

  // ---- the merged listing ------------------------------------------------------------------------

  /** Every key of every source, in key order (parents before their subtrees), grouped. */
  async *groups(): AsyncIterable<KeyGroup> {
    let after: string | undefined;
    for (;;) {
      let q = this.db.selectFrom("sync_run_rows").selectAll().where("run_id", "=", this.runId);
      if (after !== undefined) q = q.where("sort_key", ">", after);
      const rows = (await q.orderBy("sort_key").orderBy("src").orderBy("seq").limit(PAGE_ROWS).execute()) as RawRow[];
      if (rows.length === 0) return;
      let end = rows.length;
      // A full page may end inside a key's rows: leave that key for the next page.
      if (rows.length === PAGE_ROWS) {
        const lastKey = rows[rows.length - 1]!.sort_key;
        while (end > 0 && rows[end - 1]!.sort_key === lastKey) end--;
        if (end === 0) throw new Error(`more than ${PAGE_ROWS} rows at one key of sync run ${this.runId}`);
      }
      let group: KeyGroup | undefined;
      for (let i = 0; i < end; i++) {
        const r = rows[i]!;
        if (!group || group.sortKey !== r.sort_key) {
          if (group) yield group;
          group = { sortKey: r.sort_key, remote: [], scaidrive: [] };
        }
        if (r.src === "b") group.base = toBaseRow(r);
        else (r.src === "r" ? group.remote : group.scaidrive).push(toSideRow(r));
      }
      if (group) yield group;
      after = rows[end - 1]!.sort_key;
    }
  }

  /** Every row of a side, parents before their subtrees. */
  async *sideRows(side: RunSide): AsyncIterable<SideRow> {
    yield* this.pagedSideRows(side, {});
  }

  /** A side's rows in (sort key, insertion) order, paged; `from` inclusive, `to` exclusive. */
  private async *pagedSideRows(
    side: RunSide,
    o: { from?: string; to?: string; unblockedOnly?: boolean },
  ): AsyncIterable<SideRow> {
    let after: { sortKey: string; seq: number } | undefined;
    for (;;) {
      let q = this.db
        .selectFrom("sync_run_rows")
        .selectAll()
        .where("run_id", "=", this.runId)
        .where("src", "=", SRC[side]);
      if (o.unblockedOnly) q = q.where("blocked", "=", 0);
      if (o.from !== undefined) q = q.where("sort_key", ">=", o.from);
      if (o.to !== undefined) q = q.where("sort_key", "<", o.to);
      if (after) {
        const a = after;
        q = q.where((eb) =>
          eb.or([eb("sort_key", ">", a.sortKey), eb.and([eb("sort_key", "=", a.sortKey), eb("seq", ">", a.seq)])]),
        );
      }
      const rows = (await q.orderBy("sort_key").orderBy("seq").limit(PAGE_ROWS).execute()) as RawRow[];
      if (rows.length === 0) return;
      for (const r of rows) yield toSideRow(r);
      const last = rows[rows.length - 1]!;
      after = { sortKey: last.sort_key, seq: num(last.seq) };
    }
  }

  // ---- counts ------------------------------------------------------------------------------------

  /** In-scope (not set-aside) entries and files per side, out-of-scope items per side, base files. */
  async counts(): Promise<{
    live: Record<RunSide, { all: number; files: number }>;
    outOfScope: Record<RunSide, number>;
    baseFiles: number;
    distinctFiles: number;
  }> {
    const rows = await this.db
      .selectFrom("sync_run_rows")
      .select([
        "src",
        "kind",
        sql<number>`count(*)`.as("n"),
        sql<number>`sum(case when scope is null and blocked = 0 then 1 else 0 end)`.as("live"),
        sql<number>`sum(case when scope is not null then 1 else 0 end)`.as("oos"),
      ])
      .where("run_id", "=", this.runId)
      .where((eb) => eb.or([eb("src", "<>", "b"), eb("body", "not like", '{"base":null%')]))
      .groupBy(["src", "kind"])
      .execute();
    const out = {
      live: { remote: { all: 0, files: 0 }, scaidrive: { all: 0, files: 0 } },
      outOfScope: { remote: 0, scaidrive: 0 },
      baseFiles: 0,
      distinctFiles: 0,
    };
    for (const r of rows) {
      if (r.src === "b") {
        if (r.kind === "file") out.baseFiles += num(r.n);
        continue;
      }
      const side: RunSide = r.src === "r" ? "remote" : "scaidrive";
      out.live[side].all += num(r.live);
      if (r.kind === "file") out.live[side].files += num(r.live);
      out.outOfScope[side] += num(r.oos);
    }
    const distinct = await this.db
      .selectFrom("sync_run_rows")
      .select(sql<number>`count(distinct sort_key)`.as("n"))
      .where("run_id", "=", this.runId)
      .where("src", "in", ["r", "s"])
      .where("kind", "=", "file")
      .where("scope", "is", null)
      .executeTakeFirst();
    out.distinctFiles = num(distinct?.n ?? 0);
    return out;
  }

  // ---- the plan ----------------------------------------------------------------------------------

  /** Appends actions to a phase (they run in the order added; see {@link actions}). */
  async addActions(phase: number, actions: readonly PlanAction[]): Promise<void> {
    const rows = actions.map((a) => ({ run_id: this.runId, phase, seq: ++this.seq, body: JSON.stringify(a) }));
    for (let i = 0; i < rows.length; i += INSERT_ROWS)
      await this.db
        .insertInto("sync_run_actions")
        .values(rows.slice(i, i + INSERT_ROWS))
        .execute();
  }

  /** A phase's actions in the order added, or the reverse. */
  async *actions(phase: number, order: "asc" | "desc" = "asc"): AsyncIterable<PlanAction> {
    let after: number | undefined;
    for (;;) {
      let q = this.db
        .selectFrom("sync_run_actions")
        .select(["seq", "body"])
        .where("run_id", "=", this.runId)
        .where("phase", "=", phase);
      if (after !== undefined) q = q.where("seq", order === "asc" ? ">" : "<", after);
      const rows = await q.orderBy("seq", order).limit(PAGE_ROWS).execute();
      if (rows.length === 0) return;
      for (const r of rows) yield JSON.parse(r.body) as PlanAction;
      after = num(rows[rows.length - 1]!.seq);
    }
  }

  async actionCount(): Promise<number> {
    const r = await this.db
      .selectFrom("sync_run_actions")
      .select(sql<number>`count(*)`.as("n"))
      .where("run_id", "=", this.runId)
      .executeTakeFirst();
    return num(r?.n ?? 0);
  }

  /**
   * Removes the run's rows and plan, in primary-key ranges of {@link CLEAR_ROWS} sequence numbers:
   * a million-file run holds millions of rows, and one DELETE of them all would hold SQLite's
   * single write lock (every upload and commit of the server) for seconds.
   */
  async clear(): Promise<void> {
    // Ranges within (run_id, src|phase, seq), the primary keys' order, so each is an index range.
    const phases = (
      await this.db.selectFrom("sync_run_actions").select("phase").distinct().where("run_id", "=", this.runId).execute()
    ).map((r) => r.phase);
    for (let lo = 0; lo < this.seq; lo += CLEAR_ROWS) {
      const range = <Q extends { where: (...args: any[]) => Q }>(q: Q) =>
        q.where("seq", ">", lo).where("seq", "<=", lo + CLEAR_ROWS);
      for (const src of ["r", "s", "b"] as const)
        await range(
          this.db.deleteFrom("sync_run_rows").where("run_id", "=", this.runId).where("src", "=", src),
        ).execute();
      for (const phase of phases)
        await range(
          this.db.deleteFrom("sync_run_actions").where("run_id", "=", this.runId).where("phase", "=", phase),
        ).execute();
    }
    // Rows of another instance of the same run, if any (none in practice): whatever is left.
    await this.db.deleteFrom("sync_run_rows").where("run_id", "=", this.runId).execute();
    await this.db.deleteFrom("sync_run_actions").where("run_id", "=", this.runId).execute();
  }

  /**
   * Removes the working sets of runs whose job is no longer queued or running (left by a process
   * that died mid-run; a live run clears its own).
   */
  static async sweep(db: Kysely<Database>): Promise<void> {
    const active = db.selectFrom("sync_jobs").select("id").where("status", "in", ["queued", "running"]);
    await db.deleteFrom("sync_run_rows").where("run_id", "not in", active).execute();
    await db.deleteFrom("sync_run_actions").where("run_id", "not in", active).execute();
  }
}
