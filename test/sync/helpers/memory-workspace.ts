/** A run workspace in an in-memory SQLite database (the real tables and queries), for unit tests. */
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import type { Database } from "../../../src/store/db/schema.js";
import { migrateToLatest } from "../../../src/store/db/migrate.js";
import { RunWorkspace } from "../../../src/store/sync/run-workspace-store.js";
import { newUlid } from "../../../src/core/ids.js";

let shared: Promise<Kysely<Database>> | undefined;

function memoryDb(): Promise<Kysely<Database>> {
  shared ??= (async () => {
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(":memory:") }) });
    await migrateToLatest(db);
    return db;
  })();
  return shared;
}

/** A fresh workspace (its own run id) in the shared in-memory database; clear it when done. */
export async function memoryWorkspace(caseInsensitive = false): Promise<RunWorkspace> {
  return new RunWorkspace(await memoryDb(), `run_${newUlid()}`, caseInsensitive ? (p) => p.toLowerCase() : (p) => p);
}
