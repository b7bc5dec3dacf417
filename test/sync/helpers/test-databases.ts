/**
 * Opens a fresh, migrated database of each dialect for store tests: SQLite in a temp dir, and
 * PostgreSQL at SCAIDRIVE_TEST_PG_URL (default the local trust server) in a new schema that is
 * dropped afterwards. PostgreSQL is skipped only when the server is not reachable at all.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openDatabase, type DatabaseHandle } from "../../../src/store/db/database.js";

export const PG_URL = process.env.SCAIDRIVE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  handle: DatabaseHandle;
  cleanup(): Promise<void>;
}

export async function openSqlite(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "scaidrive-sync-db-"));
  const handle = await openDatabase({ dataDir: dir });
  return {
    handle,
    cleanup: async () => {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function openPostgres(): Promise<TestDatabase> {
  const schema = `sync_test_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.end();
  const url = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const handle = await openDatabase({ databaseUrl: url, dataDir: tmpdir() });
  return {
    handle,
    cleanup: async () => {
      await handle.close();
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA "${schema}" CASCADE`);
      await c.end();
    },
  };
}

export const DIALECTS: Array<{ name: string; open: () => Promise<TestDatabase> }> = [
  { name: "sqlite", open: openSqlite },
  { name: "postgres", open: openPostgres },
];
