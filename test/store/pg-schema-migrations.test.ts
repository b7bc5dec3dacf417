import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import { newPgSchema } from "../sync/helpers/test-databases.js";
import { openDatabase } from "../../src/store/db/database.js";
import { makeTempDir } from "../harness/temp-dir.js";

test("ScaiDrive migrates its own schema in a database where another schema already holds migrated tables", async () => {
  // Kysely, without a named migration schema, took another schema's kysely_migration table for
  // ScaiDrive's: the second installation skipped creating its own and failed on it.
  const dir = makeTempDir("pg-schema-migrations");
  const first = await newPgSchema();
  const second = await newPgSchema();
  try {
    const a = await openDatabase({ dataDir: dir.path, databaseUrl: first.url });
    try {
      const b = await openDatabase({ dataDir: dir.path, databaseUrl: second.url });
      try {
        const tables = await sql<{ schema: string; n: string }>`
          select table_schema as schema, count(*) as n from information_schema.tables
          where table_name in ('nodes', 'kysely_migration') and table_schema = current_schema()
          group by table_schema`.execute(b.db);
        assert.equal(Number(tables.rows[0]?.n), 2, "the second schema has its own tables");
        await b.db
          .insertInto("shares")
          .values({ id: "shr_b", name: "B", description: null, created_by: "u", created_at: "t" })
          .execute();
        const inFirst = await a.db.selectFrom("shares").select("id").execute();
        assert.deepEqual(inFirst, [], "the installations do not share tables");
      } finally {
        await b.close();
      }
      // Opening again finds its migrations done.
      await (await openDatabase({ dataDir: dir.path, databaseUrl: first.url })).close();
    } finally {
      await a.close();
    }
  } finally {
    await first.drop();
    await second.drop();
    dir.remove();
  }
});
