/**
 * The alert service and store on both dialects (embedded SQLite and PostgreSQL, migration 0002):
 * one open alert per (connector, kind), resolve by connector and by id, newest-first paging.
 * (The HTTP surface of alerts is covered in sharepoint-user-auth-api.test.ts.)
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openDatabase, type DatabaseHandle } from "../../../src/store/db/database.js";
import { AlertService, CONNECTOR_AUTH_FAILED_ALERT } from "../../../src/core/alert-service.js";
import { isAppError } from "../../../src/core/errors.js";
import { makeTempDir } from "../../harness/temp-dir.js";
import { createPgDatabase, pgReachable } from "../../harness/postgres-database.js";

async function exercise(handle: DatabaseHandle): Promise<void> {
  const alerts = new AlertService(handle.db);
  const a1 = await alerts.raise({ kind: CONNECTOR_AUTH_FAILED_ALERT, connectorId: "cnn_A", message: "first" });
  const again = await alerts.raise({ kind: CONNECTOR_AUTH_FAILED_ALERT, connectorId: "cnn_A", message: "second" });
  assert.equal(again.id, a1.id, "one open alert per connector and kind");
  assert.match(a1.id, /^alr_[0-9A-HJKMNP-TV-Z]{26}$/);
  const other = await alerts.raise({ kind: CONNECTOR_AUTH_FAILED_ALERT, connectorId: "cnn_B", message: "other" });
  const global = await alerts.raise({ kind: "note", connectorId: null, message: "no connector" });

  const all = await alerts.list({ limit: 10 });
  assert.deepEqual(
    all.map((a) => a.id),
    [global.id, other.id, a1.id],
  );
  assert.deepEqual(
    (await alerts.list({ limit: 10, connectorId: "cnn_A" })).map((a) => a.message),
    ["first"],
  );
  assert.deepEqual(
    (await alerts.list({ limit: 1, beforeId: other.id })).map((a) => a.id),
    [a1.id],
  );

  assert.equal(await alerts.resolveForConnector("cnn_A", CONNECTOR_AUTH_FAILED_ALERT), 1);
  assert.equal(await alerts.resolveForConnector("cnn_A", CONNECTOR_AUTH_FAILED_ALERT), 0);
  assert.deepEqual(
    (await alerts.list({ limit: 10, open: true })).map((a) => a.id),
    [global.id, other.id],
  );
  const reopened = await alerts.raise({ kind: CONNECTOR_AUTH_FAILED_ALERT, connectorId: "cnn_A", message: "again" });
  assert.notEqual(reopened.id, a1.id, "a resolved alert is not reused");

  const resolved = await alerts.resolve(other.id);
  assert.ok(resolved.resolved_at && Date.parse(resolved.resolved_at) > 0);
  assert.equal(
    (await alerts.resolve(other.id)).resolved_at,
    resolved.resolved_at,
    "resolving twice keeps the first time",
  );
  await assert.rejects(
    alerts.resolve("alr_01ARZ3NDEKTSV4RRFFQ69G5FAV"),
    (e: unknown) => isAppError(e) && e.code === "NOT_FOUND",
  );
}

describe("alert service", () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test("SQLite", async () => {
    const dir = makeTempDir("alerts");
    const handle = await openDatabase({ dataDir: dir.path });
    cleanups.push(async () => {
      await handle.close();
      dir.remove();
    });
    await exercise(handle);
  });

  test("PostgreSQL", async () => {
    assert.ok(
      await pgReachable(),
      "PostgreSQL must be reachable at SCAIDRIVE_TEST_PG_URL (default the local trust DB `test`)",
    );
    const pgdb = await createPgDatabase();
    const dir = makeTempDir("alerts-pg");
    const handle = await openDatabase({ dataDir: dir.path, databaseUrl: pgdb.url });
    cleanups.push(async () => {
      await handle.close();
      await pgdb.drop();
      dir.remove();
    });
    await exercise(handle);
  });
});
