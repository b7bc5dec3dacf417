import { randomBytes } from "node:crypto";
import pg from "pg";

/** Base URL of the PostgreSQL used by tests (SCAIDRIVE_TEST_PG_URL, default the local trust DB `test`). */
export const TEST_PG_URL = process.env.SCAIDRIVE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface PgDatabase {
  /** Connection URL of the fresh database. */
  url: string;
  name: string;
  /** Drops the database with everything in it (closing leftover sessions). */
  drop(): Promise<void>;
}

async function admin(sqlText: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}

/**
 * A fresh, uniquely named database, so runs never see each other's tables and can run twice.
 * A database rather than a schema: Kysely's migrator looks for its own tables in every schema
 * it can introspect, so two schemas of one database would see each other's migration tables.
 */
export async function createPgDatabase(): Promise<PgDatabase> {
  const name = `sd_test_${randomBytes(6).toString("hex")}`;
  await admin(`create database ${name}`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
}

export async function pgReachable(): Promise<boolean> {
  try {
    await admin("select 1");
    return true;
  } catch {
    return false;
  }
}
