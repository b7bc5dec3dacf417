import { sql, SqliteAdapter, type Kysely } from "kysely";

/**
 * The working set of one sync run, kept in the database instead of in memory so that a run over a
 * million items plans and executes in bounded memory: both sides' listings and the base
 * (`sync_run_rows`), and the plan (`sync_run_actions`). Rows are keyed by run (the job id) and
 * removed when the run ends; a process that died leaves them to the next start's sweep.
 *
 * `sort_key` orders a subtree right after its folder (the path separator is encoded as U+0001, so
 * `a/b` sorts before `a.txt`); it is compared byte by byte (SQLite's BINARY, PostgreSQL's "C"
 * collation), the same order on both databases. On PostgreSQL the tables are UNLOGGED: they are
 * scratch space a crash may lose (the run fails and the next one starts over).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const unlogged = sqlite ? sql`` : sql`UNLOGGED`;
  const collate = sqlite ? sql`` : sql`COLLATE "C"`;
  await sql`CREATE ${unlogged} TABLE sync_run_rows (
    run_id text NOT NULL,
    src text NOT NULL,
    seq bigint NOT NULL,
    sort_key text ${collate} NOT NULL,
    path text NOT NULL,
    kind text NOT NULL,
    item_id text,
    item_id2 text,
    scope text,
    blocked integer NOT NULL DEFAULT 0,
    body text NOT NULL,
    PRIMARY KEY (run_id, src, seq)
  )`.execute(db);
  await sql`CREATE INDEX sync_run_rows_key ON sync_run_rows (run_id, sort_key, src)`.execute(db);
  await sql`CREATE INDEX sync_run_rows_id ON sync_run_rows (run_id, src, item_id)`.execute(db);
  await sql`CREATE INDEX sync_run_rows_id2 ON sync_run_rows (run_id, src, item_id2)`.execute(db);
  await sql`CREATE ${unlogged} TABLE sync_run_actions (
    run_id text NOT NULL,
    phase integer NOT NULL,
    seq bigint NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (run_id, phase, seq)
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("sync_run_actions").execute();
  await db.schema.dropTable("sync_run_rows").execute();
}
