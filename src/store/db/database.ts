import { mkdirSync } from "node:fs";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import pg from "pg";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import type { Database } from "./schema.js";
import { migrateToLatest } from "./migrate.js";

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
}

/**
 * Opens the store's database. SQLite runs in WAL mode with foreign keys enforced; PostgreSQL
 * through a pg pool. Services must not depend on which one they got.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  let handle: DatabaseHandle;
  if (options.databaseUrl && /^postgres(ql)?:\/\//.test(options.databaseUrl)) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle pooled connection that the server drops (restart, admin termination) emits 'error';
    // unhandled, that would crash the process. pg discards the client and the next query reconnects.
    pool.on("error", (err) => options.onConnectionError?.(err));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    handle = { db, dialect: "postgres", close: () => db.destroy() };
  } else {
    mkdirSync(options.dataDir, { recursive: true });
    const sqlite = new SQLite(join(options.dataDir, "scaidrive.db"));
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("busy_timeout = 5000");
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    handle = { db, dialect: "sqlite", close: () => db.destroy() };
  }
  if (options.migrate !== false) await migrateToLatest(handle.db);
  return handle;
}
