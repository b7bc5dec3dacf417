import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { openDatabase, type DatabaseHandle } from "../../src/store/db/database.js";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";
import { createPgDatabase, pgReachable, type PgDatabase } from "../harness/postgres-database.js";

/** On PostgreSQL, repeated statements run prepared on the server; a changed table never leaves one failing. */
describe("PostgreSQL: repeated statements are prepared once per connection", () => {
  let dir: TempDir;
  let handle: DatabaseHandle;
  let database: PgDatabase;

  before(async () => {
    assert.ok(await pgReachable(), "PostgreSQL must be reachable at SCAIDRIVE_TEST_PG_URL");
    dir = makeTempDir("pg-prepared");
    database = await createPgDatabase();
    handle = await openDatabase({ dataDir: dir.path, databaseUrl: database.url });
  });

  after(async () => {
    await handle?.close();
    await database?.drop();
    dir?.remove();
  });

  /** Names of this connection's server-side prepared statements (run inside the caller's transaction). */
  const preparedOn = async (trx: DatabaseHandle["db"]) =>
    (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(trx)).rows.map(
      (r) => r.statement,
    );

  test("a text seen once stays unnamed; from its second run on it is prepared and gives the same rows", async () => {
    await handle.db.transaction().execute(async (trx) => {
      const byId = (id: string) => trx.selectFrom("users").select(["id", "email"]).where("id", "=", id).execute();
      assert.deepEqual(await byId("usr_none"), []);
      assert.ok(!(await preparedOn(trx)).some((s) => /from "users"/.test(s)), "not prepared after one run");
      assert.deepEqual(await byId("usr_none"), []);
      assert.deepEqual(await byId("usr_other"), []);
      const prepared = (await preparedOn(trx)).filter((s) => /from "users"/.test(s));
      assert.equal(prepared.length, 1, "one prepared statement for the repeated text");
    });
  });

  test("DDL is never prepared", async () => {
    await handle.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 3; i++) await sql`create temporary table if not exists scratch (a int)`.execute(trx);
      assert.ok(!(await preparedOn(trx)).some((s) => /create temporary/i.test(s)));
    });
  });

  test("a table whose columns change: the prepared select fails at most once, then runs unnamed", async () => {
    await sql`create table widened (a int)`.execute(handle.db);
    await sql`insert into widened values (1)`.execute(handle.db);
    await handle.db.transaction().execute(async (trx) => {
      const all = () => sql<Record<string, number>>`select * from widened`.execute(trx);
      await all();
      await all();
      assert.ok((await preparedOn(trx)).some((s) => /from widened/.test(s)));
    });
    await sql`alter table widened add column b int default 2`.execute(handle.db);
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      try {
        const { rows } = await sql<Record<string, number>>`select * from widened`.execute(handle.db);
        assert.deepEqual(rows, [{ a: 1, b: 2 }]);
        outcomes.push("ok");
      } catch (err) {
        assert.match((err as Error).message, /cached plan must not change result type/);
        outcomes.push("stale");
      }
    }
    assert.ok(outcomes.filter((o) => o === "stale").length <= 1, outcomes.join(", "));
    assert.deepEqual(outcomes.slice(-2), ["ok", "ok"]);
  });
});
