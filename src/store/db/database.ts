import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement } from "kysely";
import { withPreparedStatements } from "./pg-prepared-pool.js";
import type { Database } from "./schema.js";
import { migrateToLatest } from "./migrate.js";
import { preparePrivateDir, preparePrivateFile } from "../data-dir.js";
import { startWalCheckpointer, type WalCheckpointerOptions } from "./wal-checkpointer.js";

export type DialectName = "sqlite" | "postgres";

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: DialectName;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://...` selects PostgreSQL; absent means the embedded SQLite file under dataDir. */
  databaseUrl?: string;
  dataDir: string;
  /** Run pending migrations before returning (default true). */
  migrate?: boolean;
  /** Told when the server drops an idle pooled PostgreSQL connection (the pool reconnects by itself). */
  onConnectionError?: (err: Error) => void;
  /** SQLite: when WAL checkpoints move to a worker thread (see WalCheckpointer). */
  walCheckpointer?: WalCheckpointerOptions;
}

/**
 * Opens the store's database. SQLite runs in WAL mode with foreign keys enforced; PostgreSQL
 * through a pg pool. Services must not depend on which one they got.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  let handle: DatabaseHandle;
  if (options.databaseUrl && /^postgres(ql)?:\/\//.test(options.databaseUrl)) {
    // Loaded only for PostgreSQL: the embedded store should not carry the driver's memory.
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle pooled connection that the server drops (restart, admin termination) emits 'error';
    // unhandled, that would crash the process. pg discards the client and the next query reconnects.
    pool.on("error", (err) => options.onConnectionError?.(err));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool) }) });
    handle = { db, dialect: "postgres", close: () => db.destroy() };
  } else {
    preparePrivateDir(options.dataDir);
    const dbPath = join(options.dataDir, "scaidrive.db");
    preparePrivateFile(dbPath);
    const sqlite = new SQLite(dbPath);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("busy_timeout = 5000");
    // Each checkpoint fsyncs the WAL and the database on the committing (main) thread; at the
    // default 1000 pages that lands every ~100 uploads and costs more than the commits around it.
    // Under write traffic a worker thread checkpoints instead (WalCheckpointer); this larger WAL
    // limit (~32 MiB) is the main connection's backstop and what a lightly written database uses.
    sqlite.pragma("wal_autocheckpoint = 8192");
    const checkpointer = startWalCheckpointer(dbPath, options.walCheckpointer);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    handle = {
      db,
      dialect: "sqlite",
      close: async () => {
        await checkpointer.close();
        await db.destroy();
      },
    };
  }
  if (options.migrate !== false) {
    try {
      await migrateToLatest(handle.db);
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }
  return handle;
}

/** Distinct SQL texts kept prepared; variable-length IN lists make the set open-ended, so it is capped. */
const STATEMENT_CACHE_SIZE = 512;
/**
 * A statement with this many parameters or more is "large": a multi-row insert, whose compiled program takes
 * ~1 KB of native memory per row (a 250-row insert, ~250 KB), against a few KB for the indexed queries of the hot
 * paths. Batches end with a partial chunk of any length, so each batching call site brings up to a chunk's worth
 * of distinct large texts; kept among the 512 they grew the process by tens of MiB over a long run.
 */
const LARGE_STATEMENT_PARAMS = 64;
/** Large statements kept: enough for every batching call site's full-chunk text, reused on every full chunk. */
const LARGE_STATEMENT_CACHE_SIZE = 16;

/**
 * Kysely's SQLite driver prepares every query anew, and preparing (parse + plan) costs more than
 * running the small indexed queries the services issue. Statements are keyed by their SQL text and
 * reused, least recently used out first. Reuse is safe because Kysely runs one query at a time on the
 * single connection (a streamed query holds the connection until it ends), and SQLite re-prepares a
 * cached statement itself after a schema change.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const small = new Map<string, SqliteStatement>();
  const large = new Map<string, SqliteStatement>();
  const keep = (cache: Map<string, SqliteStatement>, max: number, sql: string, stmt: SqliteStatement) => {
    if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    cache.set(sql, stmt);
  };
  return {
    close: () => {
      small.clear();
      large.clear();
      sqlite.close();
    },
    prepare(sql: string): SqliteStatement {
      const cache = small.has(sql) ? small : large;
      const hit = cache.get(sql);
      if (hit !== undefined) {
        // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = sqlite.prepare(sql) as unknown as SqliteStatement;
      if (parameterCount(sql) >= LARGE_STATEMENT_PARAMS) keep(large, LARGE_STATEMENT_CACHE_SIZE, sql, stmt);
      else keep(small, STATEMENT_CACHE_SIZE, sql, stmt);
      return stmt;
    },
  };
}

/** Kysely's SQLite placeholders are `?`; a `?` inside a string literal only makes the count err on the large side. */
function parameterCount(sql: string): number {
  let n = 0;
  for (let i = sql.indexOf("?"); i !== -1; i = sql.indexOf("?", i + 1)) n++;
  return n;
}
