import { sql } from "kysely";
import type { Selectable } from "kysely";
import type { NodesTable } from "../db/core-tables.js";
import { isPostgres, toNumber, type DbExecutor } from "./db-executor.js";
import { fileCreationStatement, type FileCreation } from "./file-creation-statement.js";
import { runPrepared } from "./prepared.js";
import type { ShareRecord } from "./share-store.js";

export interface NodeRecord {
  id: string;
  share_id: string;
  parent_id: string | null;
  name: string;
  name_key: string;
  path: string;
  type: "file" | "folder";
  size: number;
  sha256: string | null;
  current_version_id: string | null;
  owner_id: string | null;
  created_at: string;
  modified_at: string;
  acl_inherit: boolean;
  metadata: string;
}

function toNode(row: Selectable<NodesTable>): NodeRecord {
  return { ...row, size: toNumber(row.size), acl_inherit: Number(row.acl_inherit) === 1 };
}

/** Number of characters as SQL substr() counts them (code points on SQLite and PostgreSQL). */
function sqlLength(text: string): number {
  return [...text].length;
}

export type NodePatch = Partial<
  Pick<
    NodeRecord,
    | "parent_id"
    | "name"
    | "name_key"
    | "path"
    | "size"
    | "sha256"
    | "current_version_id"
    | "owner_id"
    | "modified_at"
    | "acl_inherit"
    | "metadata"
  >
>;

/** Ids per `in (...)` list: far below SQLite's and PostgreSQL's bound-parameter limits. */
const ID_BATCH = 500;

/** Path segments resolved per shareChain query; deeper paths take further queries. */
export const CHAIN_JOIN_DEPTH = 8;

type NodeColumn = keyof NodeRecord;
const NODE_COLUMNS: readonly NodeColumn[] = [
  "id",
  "share_id",
  "parent_id",
  "name",
  "name_key",
  "path",
  "type",
  "size",
  "sha256",
  "current_version_id",
  "owner_id",
  "created_at",
  "modified_at",
  "acl_inherit",
  "metadata",
];

/**
 * `n<i>_<column>` per chain level, in NODE_COLUMNS order (`id` first): built once, since a sync looks up a chain per
 * file and building the names per row showed in its profile.
 */
const CHAIN_ALIASES: readonly (readonly string[])[] = Array.from({ length: CHAIN_JOIN_DEPTH + 1 }, (_, i) =>
  NODE_COLUMNS.map((c) => `n${i}_${c}`),
);

/**
 * First key of the two-key advisory locks on node paths (`pg_advisory_xact_lock(int, int)`, a key
 * space apart from one-bigint advisory locks): an arbitrary constant naming this use.
 */
const PATH_LOCK_CLASS = 20_260_001;
/** The same for the per-share lock that puts a share's moves one after another. */
const MOVE_LOCK_CLASS = 20_260_002;

/** Folder tree of every share. A name is unique within its parent (case-sensitive). */
export const nodeStore = {
  async insert(db: DbExecutor, n: NodeRecord): Promise<void> {
    const row: Record<NodeColumn, unknown> = { ...n, acl_inherit: n.acl_inherit ? 1 : 0 };
    await runPrepared(
      db,
      "nodes.insert",
      NODE_COLUMNS.map((c) => row[c]),
      (q, arg) => q.insertInto("nodes").values(Object.fromEntries(NODE_COLUMNS.map((c, i) => [c, arg(i)])) as never),
    );
  },

  /**
   * Inserts a folder unless its parent already has a child of that name (another writer created
   * it first); true when this call inserted it. On PostgreSQL a concurrent uncommitted insert of
   * the same name is waited for, so the caller can read the winner's row right after.
   */
  async insertIfAbsent(db: DbExecutor, n: NodeRecord): Promise<boolean> {
    const row: Record<NodeColumn, unknown> = { ...n, acl_inherit: n.acl_inherit ? 1 : 0 };
    const r = await runPrepared(
      db,
      "nodes.insertIfAbsent",
      NODE_COLUMNS.map((c) => row[c]),
      (q, arg) =>
        q
          .insertInto("nodes")
          .values(Object.fromEntries(NODE_COLUMNS.map((c, i) => [c, arg(i)])) as never)
          .onConflict((oc) => oc.columns(["parent_id", "name"]).doNothing()),
    );
    return Number(r.numAffectedRows ?? 0) > 0;
  },

  /**
   * Transaction-scoped advisory locks on paths of a share (PostgreSQL; SQLite runs one write
   * transaction at a time and needs none). Writers that create nodes hold `shared` locks on every
   * ancestor path of what they create, a move holds `exclusive` ones on its source and
   * destination: a move waits for the creators below it to commit (its descendant-path rewrite
   * then sees their rows), and a creator waits for a move above it (its path lookup then sees the
   * moved paths). Shared holders never wait for each other. Call before reading the paths.
   */
  async lockPaths(
    db: DbExecutor,
    shareId: string,
    paths: readonly string[],
    mode: "shared" | "exclusive",
  ): Promise<void> {
    if (paths.length === 0 || !isPostgres(db)) return;
    const fn = mode === "shared" ? sql.raw("pg_advisory_xact_lock_shared") : sql.raw("pg_advisory_xact_lock");
    // One round trip for the whole chain; hashtext collisions only make unrelated writers wait.
    const keys = paths.map((p) => `${shareId}:${p}`);
    await sql`select ${fn}(${PATH_LOCK_CLASS}, hashtext(p)) from unnest(cast(${keys} as text[])) as p`.execute(db);
  },

  /** Puts the moves of one share one after another (PostgreSQL; see {@link lockPaths}). */
  async lockShareMoves(db: DbExecutor, shareId: string): Promise<void> {
    if (!isPostgres(db)) return;
    await sql`select pg_advisory_xact_lock(${MOVE_LOCK_CLASS}, hashtext(${shareId}))`.execute(db);
  },

  /**
   * PostgreSQL: creates files, their first versions and (for inline content) their inline blob
   * rows in one statement — one round trip and one commit for them all, instead of seven round
   * trips and a commit per file — each provided the folders above it are still where the caller
   * found them. `ancestors` are those folders (not the root, which never moves) with the paths
   * the caller resolved: they are locked FOR SHARE, so a move (which updates them) waits for this
   * statement, or this statement waits for the move, then sees the moved paths and leaves that
   * file out. A name already taken is left out too (ON CONFLICT DO NOTHING: it does not fail the
   * others). A file's path must be its parent's path plus its name. Returns the ids of the files
   * inserted; the callers of the others take the transaction path.
   */
  async insertFilesWithVersions(db: DbExecutor, items: readonly FileCreation[]): Promise<Set<string>> {
    const result = await fileCreationStatement(items).execute(db);
    return new Set(result.rows.map((r) => r.id));
  },

  async get(db: DbExecutor, id: string): Promise<NodeRecord | undefined> {
    const { rows } = await runPrepared(db, "nodes.get", [id], (q, arg) =>
      q.selectFrom("nodes").selectAll().where("id", "=", arg(0)),
    );
    return rows[0] && toNode(rows[0]);
  },

  async root(db: DbExecutor, shareId: string): Promise<NodeRecord | undefined> {
    const row = await db
      .selectFrom("nodes")
      .selectAll()
      .where("share_id", "=", shareId)
      .where("parent_id", "is", null)
      .executeTakeFirst();
    return row && toNode(row);
  },

  /**
   * A share and its root folder in one query (the first two lookups of every path resolution).
   * Undefined when the share does not exist (or has no root).
   */
  async shareWithRoot(db: DbExecutor, shareId: string): Promise<{ share: ShareRecord; root: NodeRecord } | undefined> {
    const { rows } = await runPrepared(db, "nodes.shareWithRoot", [shareId], (q, arg) =>
      q
        .selectFrom("shares")
        .innerJoin("nodes", (join) => join.onRef("nodes.share_id", "=", "shares.id").on("nodes.parent_id", "is", null))
        .selectAll("nodes")
        .select([
          "shares.name as share_name",
          "shares.description as share_description",
          "shares.created_by as share_created_by",
          "shares.created_at as share_created_at",
        ])
        .where("shares.id", "=", arg(0)),
    );
    const row = rows[0];
    if (!row) return undefined;
    const { share_name, share_description, share_created_by, share_created_at, ...node } = row;
    return {
      share: {
        id: shareId,
        name: share_name,
        description: share_description,
        created_by: share_created_by,
        created_at: share_created_at,
      },
      root: toNode(node),
    };
  },

  /**
   * A share, its root and the existing chain below it along `names` in one query: a left join
   * per segment on (parent_id, name), stopping below a file or a missing name. Returns the
   * share with the chain root first (length 1 + the number of names found, in order), or
   * undefined for an unknown share. `mountOnChain` tells whether a node of the chain is a remote
   * mount point (so the path is at or below one), `hasMounts` whether any folder of the share is.
   * At most {@link CHAIN_JOIN_DEPTH} names per call.
   */
  async shareChain(
    db: DbExecutor,
    shareId: string,
    names: readonly string[],
  ): Promise<{ share: ShareRecord; chain: NodeRecord[]; mountOnChain: boolean; hasMounts: boolean } | undefined> {
    const depth = names.length;
    if (depth > CHAIN_JOIN_DEPTH) throw new Error(`shareChain takes at most ${CHAIN_JOIN_DEPTH} names`);
    const { rows } = await runPrepared(db, `nodes.shareChain:${depth}`, [...names, shareId], (q, arg) => {
      const select = NODE_COLUMNS.flatMap((c) =>
        Array.from({ length: depth + 1 }, (_, i) => `"n${i}"."${c}" as "n${i}_${c}"`),
      );
      const parts = [
        sql.raw(
          `select "s"."name" as "share_name", "s"."description" ` +
            `as "share_description", "s"."created_by" ` +
            `as "share_created_by", ` +
            `"s"."created_at" as "share_created_at", ` +
            // Where mounts are, so that reads and writes outside them need no lookup of their own.
            `exists (select 1 from "mounts" as "m" where "m"."share_id" = "s"."id") as "share_has_mounts", ` +
            `exists (select 1 from "mounts" as "m" where "m"."node_id" in ` +
            `(${Array.from({ length: depth + 1 }, (_, i) => `"n${i}"."id"`).join(", ")})) as "chain_has_mount", ` +
            `${select.join(", ")} from "shares" as "s" inner join "nodes" as "n0" on "n0"."share_id" = "s"."id" and "n0"."parent_id" is null`,
        ),
        ...names.map(
          (_, i) =>
            sql`${sql.raw(
              ` left join ` +
                `"nodes" as "n${i + 1}" on "n${i + 1}"."parent_id" = "n${i}"."id" and "n${i}"."type" ` +
                `= 'folder' and "n${i + 1}"."name" = `,
            )}${arg(i)}`,
        ),
        sql` where "s"."id" = ${arg(depth)}`,
      ];
      const raw = sql<Record<string, unknown>>`${sql.join(parts, sql.raw(""))}`;
      return { compile: () => raw.compile(q) };
    });
    const row = rows[0];
    if (!row) return undefined;
    const chain: NodeRecord[] = [];
    for (let i = 0; i <= depth; i++) {
      const aliases = CHAIN_ALIASES[i]!;
      if (row[aliases[0]!] === null || row[aliases[0]!] === undefined) break;
      const node: Record<string, unknown> = {};
      for (let c = 0; c < NODE_COLUMNS.length; c++) node[NODE_COLUMNS[c]!] = row[aliases[c]!];
      chain.push(toNode(node as Selectable<NodesTable>));
    }
    return {
      share: {
        id: shareId,
        name: row.share_name as string,
        description: row.share_description as string | null,
        created_by: row.share_created_by as string,
        created_at: row.share_created_at as string,
      },
      chain,
      // SQLite answers `exists` with 0/1, PostgreSQL with a boolean.
      mountOnChain: row.chain_has_mount === true || row.chain_has_mount === 1,
      hasMounts: row.share_has_mounts === true || row.share_has_mounts === 1,
    };
  },

  async child(db: DbExecutor, parentId: string, name: string): Promise<NodeRecord | undefined> {
    const { rows } = await runPrepared(db, "nodes.child", [parentId, name], (q, arg) =>
      q.selectFrom("nodes").selectAll().where("parent_id", "=", arg(0)).where("name", "=", arg(1)),
    );
    return rows[0] && toNode(rows[0]);
  },

  /** Children whose lower-cased name equals `key` (case-only twins and the exact name itself). */
  async childrenByKey(db: DbExecutor, parentId: string, key: string): Promise<NodeRecord[]> {
    const rows = await db
      .selectFrom("nodes")
      .selectAll()
      .where("parent_id", "=", parentId)
      .where("name_key", "=", key)
      .orderBy("name")
      .execute();
    return rows.map(toNode);
  },

  /** One page of children ordered by name (then id), strictly after `afterName`. */
  async children(
    db: DbExecutor,
    parentId: string,
    afterName: string | undefined,
    limit: number,
  ): Promise<NodeRecord[]> {
    let q = db
      .selectFrom("nodes")
      .selectAll()
      .where("parent_id", "=", parentId)
      .orderBy("name")
      .orderBy("id")
      .limit(limit);
    if (afterName !== undefined) q = q.where("name", ">", afterName);
    return (await q.execute()).map(toNode);
  },

  async countChildren(db: DbExecutor, parentId: string): Promise<number> {
    const r = await db
      .selectFrom("nodes")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("parent_id", "=", parentId)
      .executeTakeFirstOrThrow();
    return toNumber(r.n as number | string);
  },

  async update(db: DbExecutor, id: string, patch: NodePatch): Promise<void> {
    const { acl_inherit, ...rest } = patch;
    const values: Record<string, unknown> = {
      ...rest,
      ...(acl_inherit === undefined ? {} : { acl_inherit: acl_inherit ? 1 : 0 }),
    };
    // undefined means "leave the column alone", as Kysely's set() treats it.
    const columns = Object.keys(values)
      .filter((c) => values[c] !== undefined)
      .sort();
    if (columns.length === 0) return;
    await runPrepared(db, `nodes.update:${columns.join(",")}`, [id, ...columns.map((c) => values[c])], (q, arg) =>
      q
        .updateTable("nodes")
        .set(Object.fromEntries(columns.map((c, i) => [c, arg(i + 1)])) as never)
        .where("id", "=", arg(0)),
    );
  },

  /**
   * Rewrites the materialised path of every descendant of a moved folder: `oldPath/x` becomes
   * `newPath/x`. Portable SQL (`||`, substr counting characters) for SQLite and PostgreSQL.
   */
  async rewriteDescendantPaths(db: DbExecutor, shareId: string, oldPath: string, newPath: string): Promise<void> {
    const prefix = `${oldPath}/`;
    const n = sqlLength(prefix);
    await db
      .updateTable("nodes")
      .set({ path: sql<string>`cast(${`${newPath}/`} as text) || substr(path, cast(${n + 1} as integer))` })
      .where("share_id", "=", shareId)
      .where(sql<boolean>`substr(path, 1, cast(${n} as integer)) = cast(${prefix} as text)`)
      .execute();
  },

  /** Descendants (any depth) of a folder that break ACL inheritance. */
  async descendantsBreakingInheritance(db: DbExecutor, shareId: string, folderPath: string): Promise<NodeRecord[]> {
    const prefix = folderPath === "/" ? "/" : `${folderPath}/`;
    const rows = await db
      .selectFrom("nodes")
      .selectAll()
      .where("share_id", "=", shareId)
      .where("acl_inherit", "=", 0)
      .where(sql<boolean>`substr(path, 1, cast(${sqlLength(prefix)} as integer)) = cast(${prefix} as text)`)
      .execute();
    return rows.map(toNode);
  },

  /** Nodes by id, in no particular order; unknown ids are left out. */
  async getMany(db: DbExecutor, ids: readonly string[]): Promise<NodeRecord[]> {
    const out: NodeRecord[] = [];
    for (let i = 0; i < ids.length; i += ID_BATCH) {
      const rows = await db
        .selectFrom("nodes")
        .selectAll()
        .where("id", "in", ids.slice(i, i + ID_BATCH))
        .execute();
      for (const row of rows) out.push(toNode(row));
    }
    return out;
  },

  /**
   * One page of the nodes of a share below `prefix` ("/" for the whole share, else "/a/b/") whose
   * `name_key` contains `needle` (lower-cased NFC, as name_key is), ordered by path, strictly after
   * `afterPath`. Names have no substring index: this reads every row of the share (the
   * `share_id` index narrows it to the share), which stays in the milliseconds for tens of
   * thousands of nodes.
   */
  async search(
    db: DbExecutor,
    shareId: string,
    o: { prefix: string; needle: string; afterPath?: string; limit: number },
  ): Promise<NodeRecord[]> {
    const pattern = `%${o.needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    let q = db
      .selectFrom("nodes")
      .selectAll()
      .where("share_id", "=", shareId)
      .where(sql<boolean>`name_key like ${pattern} escape '\\'`)
      .orderBy("path")
      .limit(o.limit);
    if (o.prefix !== "/")
      q = q.where(sql<boolean>`substr(path, 1, cast(${sqlLength(o.prefix)} as integer)) = cast(${o.prefix} as text)`);
    if (o.afterPath !== undefined) q = q.where("path", ">", o.afterPath);
    return (await q.execute()).map(toNode);
  },

  /**
   * The nodes of a share that carry an ACE naming one of `principalIds` (whatever the permissions),
   * each once, ordered by path: where a person's access to a share can start.
   */
  async withAceFor(db: DbExecutor, shareId: string, principalIds: readonly string[]): Promise<NodeRecord[]> {
    if (principalIds.length === 0) return [];
    const rows = await db
      .selectFrom("nodes")
      .selectAll("nodes")
      .where("share_id", "=", shareId)
      .where("id", "in", (q) =>
        q
          .selectFrom("aces")
          .select("aces.node_id")
          .where("aces.principal_id", "in", [...principalIds]),
      )
      .orderBy("path")
      .execute();
    return rows.map(toNode);
  },

  /** Deletes the node; descendants, versions and ACEs cascade. */
  async delete(db: DbExecutor, id: string): Promise<void> {
    await db.deleteFrom("nodes").where("id", "=", id).execute();
  },
};
