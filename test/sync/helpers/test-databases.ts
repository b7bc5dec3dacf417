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

/** A fresh schema on the test PostgreSQL server: a URL whose search_path is it, and its drop. */
export async function newPgSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `sync_test_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.end();
  return {
    url: `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA "${schema}" CASCADE`);
      await c.end();
    },
  };
}

export async function openPostgres(): Promise<TestDatabase> {
  const schema = await newPgSchema();
  const handle = await openDatabase({ databaseUrl: schema.url, dataDir: tmpdir() });
  return {
    handle,
    cleanup: async () => {
      await handle.close();
      await schema.drop();
    },
  };
}

export const DIALECTS: Array<{ name: string; open: () => Promise<TestDatabase> }> = [
  { name: "sqlite", open: openSqlite },
  { name: "postgres", open: openPostgres },
];
