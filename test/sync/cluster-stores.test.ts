/**
 * The stores behind several nodes, on SQLite and PostgreSQL: the scheduler lease (taken by one of
 * many at once, renewed by its holder, taken over once expired or released) and job claiming
 * (one claimant per job, cancelled jobs never claimed, orphans only among running
 * jobs with a stale heartbeat).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DIALECTS, type TestDatabase } from "./helpers/test-databases.js";
import { createSyncStores, type SyncStores } from "../../src/store/sync/sync-stores.js";

const OPTS = { full_sync: false, dry_run: false, force: false };

for (const dialect of DIALECTS) {
  describe(`cluster stores on ${dialect.name}`, () => {
    let tdb: TestDatabase;
    let s: SyncStores;
    before(async () => {
      tdb = await dialect.open();
      s = createSyncStores(tdb.handle.db);
    });
    after(async () => tdb.cleanup());

    const newConnector = () =>
      s.connectors.create({
        type: "smb",
        name: "Finance",
        description: null,
        target_share_id: "shr_X",
        target_path: "/x",
        sync_direction: "bidirectional",
        conflict_resolution: "LAST_WRITER_WINS",
        include_patterns: null,
        exclude_patterns: null,
        sync_hidden_files: false,
        sync_system_files: false,
        sync_permissions: false,
        sync_versions: false,
        sync_interval_minutes: 15,
        max_delete_percent: 50,
        config: {},
        secrets: {},
        created_by: "usr_A",
      });

    test("a lease: one of many takes it, the holder renews, others take it once expired or released", async () => {
      const now = Date.parse("2030-01-01T00:00:00Z");
      const got = await Promise.all(
        Array.from({ length: 8 }, (_, i) => s.leases.acquire("scheduler", `node_${i}`, 10_000, now)),
      );
      assert.equal(got.filter(Boolean).length, 1, `one holder: ${got}`);
      const holder = `node_${got.indexOf(true)}`;
      const other = holder === "node_0" ? "node_1" : "node_0";
      assert.equal((await s.leases.get("scheduler"))?.holder, holder);
      assert.equal(await s.leases.acquire("scheduler", holder, 10_000, now + 5_000), true, "renewed");
      assert.equal(await s.leases.acquire("scheduler", other, 10_000, now + 14_000), false, "renewal counted");
      assert.equal(await s.leases.acquire("scheduler", other, 10_000, now + 15_000), true, "taken once expired");
      assert.equal(await s.leases.acquire("scheduler", holder, 10_000, now + 16_000), false, "lost");
      await s.leases.release("scheduler", holder);
      assert.equal((await s.leases.get("scheduler"))?.holder, other, "only the holder can release");
      await s.leases.release("scheduler", other);
      assert.equal(await s.leases.acquire("scheduler", holder, 10_000, now + 17_000), true, "free after release");
    });

    test("claims: one claimant per job, cancelled never claimed, stale running jobs are orphans", async () => {
      const [a, b, c] = [await newConnector(), await newConnector(), await newConnector()];
      const ja = (await s.jobs.createActive(a.id, "manual", OPTS))!;
      const jb = (await s.jobs.createActive(b.id, "push", OPTS, { after_copy: "delete", path: "x/y" }))!;
      const jc = (await s.jobs.createActive(c.id, "manual", OPTS))!;
      assert.equal(ja.claimed_by, null);
      assert.deepEqual(jb.params, { after_copy: "delete", path: "x/y" });
      await s.jobs.finish(jc.id, "cancelled", {});
      const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => s.jobs.claimNext(`node_${i}`)));
      const won = claims.filter((x) => x !== undefined);
      assert.deepEqual(won.map((j) => j.id).sort(), [ja.id, jb.id].sort(), "each waiting job claimed once");
      for (const j of won) {
        assert.equal(j.status, "running");
        assert.ok(j.started_at);
        assert.match(j.claimed_by!, /^node_\d$/);
      }
      assert.deepEqual(won.find((j) => j.id === jb.id)!.params, { after_copy: "delete", path: "x/y" });
      assert.equal(await s.jobs.claim(ja.id, "node_late"), undefined, "a claimed job is not claimed again");
      assert.equal(await s.jobs.claimNext("node_late"), undefined);
      assert.equal((await s.jobs.get(jc.id))!.status, "cancelled");

      // A queued job waits for a node however old; a running one is an orphan once its heartbeat is stale.
      const d = await newConnector();
      const jd = (await s.jobs.createActive(d.id, "manual", OPTS))!;
      const future = new Date(Date.now() + 60_000).toISOString();
      const reason = { code: "INTERNAL", message: "interrupted" };
      assert.equal(await s.jobs.failOrphans(reason, { staleBefore: future, exclude: [jb.id] }), 1);
      assert.equal((await s.jobs.get(ja.id))!.status, "failed");
      assert.equal((await s.jobs.get(jb.id))!.status, "running", "excluded");
      assert.equal((await s.jobs.get(jd.id))!.status, "queued", "queued jobs are nobody's orphans");
      assert.deepEqual(await s.jobs.endedAmong([ja.id, jb.id, jd.id]), [ja.id]);
    });
  });
}
