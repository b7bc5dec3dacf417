/**
 * The nodes of a new deployment start together on one empty PostgreSQL database, each with the same
 * SCAIDRIVE_ADMIN_TOKEN: every one bootstraps the admin at the same moment (separate connection
 * pools, as separate processes have). All must succeed, leaving one admin and one token row for the
 * configured token. Before the bootstrap retried a lost race, one start in a few died with
 * `duplicate key value violates unique constraint "tokens_token_hash_key"`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { openDatabase, type DatabaseHandle } from "../../src/store/db/database.js";
import { PrincipalService } from "../../src/core/principal-service.js";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";
import { createPgDatabase, pgReachable, type PgDatabase } from "../harness/postgres-database.js";

const NODES = 4;
const ROUNDS = 3;

describe("admin bootstrap by nodes starting together on PostgreSQL", () => {
  let dir: TempDir;
  const databases: PgDatabase[] = [];
  const handles: DatabaseHandle[] = [];

  before(async () => {
    assert.ok(await pgReachable(), "PostgreSQL must be reachable at SCAIDRIVE_TEST_PG_URL");
    dir = makeTempDir("bootstrap-race");
  });
  after(async () => {
    for (const h of handles) await h.close();
    for (const d of databases) await d.drop();
    dir?.remove();
  });

  test(`${NODES} nodes bootstrap at once, ${ROUNDS} times: all start, one admin, one configured token`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const database = await createPgDatabase();
      databases.push(database);
      // The first handle runs the migrations; the nodes then race on the empty tables.
      const first = await openDatabase({ dataDir: dir.path, databaseUrl: database.url });
      handles.push(first);
      const nodes = await Promise.all(
        Array.from({ length: NODES }, () => openDatabase({ dataDir: dir.path, databaseUrl: database.url })),
      );
      handles.push(...nodes);
      const adminToken = `test-admin-${randomBytes(16).toString("hex")}`;
      const results = await Promise.allSettled(
        nodes.map((h) =>
          new PrincipalService(h.db).bootstrapAdmin({ adminToken, adminPassword: "correct horse battery" }),
        ),
      );
      const failures = results.filter((r) => r.status === "rejected").map((r) => String(r.reason));
      assert.deepEqual(failures, [], `round ${round}: every node starts`);
      const admins = await first.db.selectFrom("users").select("id").where("is_admin", "=", 1).execute();
      assert.equal(admins.length, 1, `round ${round}: one admin`);
      const tokens = await first.db
        .selectFrom("tokens")
        .select("id")
        .where("name", "=", "SCAIDRIVE_ADMIN_TOKEN")
        .execute();
      assert.equal(tokens.length, 1, `round ${round}: one row for the configured token`);
    }
  });
});
