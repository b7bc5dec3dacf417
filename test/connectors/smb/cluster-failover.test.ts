/**
 * Three `scaidrive serve` processes on one PostgreSQL database and one data directory (blobs and
 * the secret key shared), with real Samba: an `api` node that the test talks to and two `worker`
 * nodes. A sync requested on the api node runs on a worker; that worker is SIGKILLed mid-run; the
 * other worker fails the orphan once its heartbeat is older than SCAIDRIVE_SYNC_ORPHAN_AFTER_MS
 * and, the connector having a schedule, starts the next run at once (not an hour later): it
 * resumes from the committed file-states and completes with every file present once.
 * The file count can be changed with CLUSTER_FAILOVER_FILES.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { startScaidriveProcess, type ScaidriveProcess } from "../../harness/scaidrive-process.js";
import { createPgDatabase, type PgDatabase } from "../../harness/postgres-database.js";
import { makeTempDir, type TempDir } from "../../harness/temp-dir.js";
import {
  BASE,
  ScaiSide,
  connectorBody,
  createConnector,
  expectClean,
  requestSync,
  sha256,
  smbWrite,
  syncAndWait,
  startSmbSide,
  waitJob,
  type SmbSide,
} from "./e2e-world.js";

const FILES = Number(process.env.CLUSTER_FAILOVER_FILES ?? 1200);
const ORPHAN_AFTER_MS = 5000;
const LEASE_MS = 3000;
const TICK_MS = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The run completed; its only per-file errors, if any, are the PostgreSQL insert race of issue 20
 * ("exists: the destination changed concurrently"), which the store-side fix of that issue removes
 * — then this becomes expectClean. The files those errors skipped are checked after one more run.
 */
function tolerateConcurrentInsertRace(job: any): any {
  assert.equal(job.status, "completed", JSON.stringify({ ...job, entries: undefined }));
  const other = job.entries.filter((e: any) => e.result === "error" && e.error?.code !== "exists");
  assert.deepEqual(other, [], "no per-file error other than the known insert race");
  return job;
}

describe("cluster: SIGKILL of the worker running a sync", () => {
  let smb: SmbSide;
  let db: PgDatabase;
  let data: TempDir;
  let sql: pg.Client;
  let api: ScaidriveProcess;
  const workers: ScaidriveProcess[] = [];

  before(async () => {
    smb = await startSmbSide();
    db = await createPgDatabase();
    data = makeTempDir("cluster-data");
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    const env = (role: string, token?: string): Record<string, string> => ({
      SCAIDRIVE_DATABASE_URL: db.url,
      SCAIDRIVE_ROLE: role,
      SCAIDRIVE_SYNC_ORPHAN_AFTER_MS: String(ORPHAN_AFTER_MS),
      SCAIDRIVE_SCHEDULER_LEASE_MS: String(LEASE_MS),
      SCAIDRIVE_SCHEDULER_TICK_MS: String(TICK_MS),
      ...(token ? { SCAIDRIVE_ADMIN_TOKEN: token } : {}),
    });
    // One after the other: each node runs the migrations as it opens the database.
    api = await startScaidriveProcess({ dataDir: data.path, env: env("api") });
    for (let i = 0; i < 2; i++)
      workers.push(await startScaidriveProcess({ dataDir: data.path, env: env("worker", api.adminToken) }));
  });
  after(async () => {
    for (const p of [api, ...workers]) await p?.stop({ keepData: true });
    await sql?.end();
    await db?.drop();
    await smb?.close();
    data?.remove();
  });

  test(`the surviving worker fails the orphan and the scheduled next run completes (${FILES} files)`, async (t) => {
    const health = async (p: ScaidriveProcess) => (await p.api("GET", "/api/v1/health", { token: null })).body;
    assert.equal((await health(api)).role, "api");
    const ids = await Promise.all(workers.map(async (w) => (await health(w)).node_id as string));
    assert.equal(new Set(ids).size, 2, "every node has its own id");

    const B = "failover";
    const expected = new Map<string, string>();
    for (let i = 0; i < FILES; i++) {
      const name = `d${i % 10}/file-${String(i).padStart(5, "0")}.bin`;
      const content = randomBytes(4096);
      smbWrite(smb, `${B}/${name}`, content);
      expected.set(name, sha256(content));
    }
    const scai = await ScaiSide.create(api, "Failover");
    const cnn = await createConnector(
      api,
      connectorBody(smb.samba, scai.shareId, {
        base_path: B,
        sync_direction: "smb_to_scaidrive",
        // An hour: without the orphan rule the next run would wait that long.
        sync_interval_minutes: 60,
      }),
    );
    const job = await requestSync(api, cnn);

    let seen: any;
    for (let i = 0; i < 3000; i++) {
      seen = (await api.api("GET", `${BASE}/${cnn}/jobs/${job.id}?limit=1`)).body;
      // Well into the run, so the next one has committed work to resume from.
      if (seen.files_done > FILES / 5 || !["queued", "running"].includes(seen.status)) break;
      await sleep(50);
    }
    assert.equal(seen.status, "running", `killed mid-run: ${JSON.stringify(seen)}`);
    const owner = (await sql.query("select claimed_by from sync_jobs where id = $1", [job.id])).rows[0].claimed_by;
    const victim = ids.indexOf(owner);
    assert.ok(victim >= 0, `a worker runs it (claimed_by ${owner}; workers ${ids})`);
    const survivorId = ids[1 - victim]!;
    await workers[victim]!.kill();
    const killedAt = Date.now();

    const killed = await waitJob(api, cnn, job.id, 60_000);
    assert.equal(killed.status, "failed");
    assert.match(killed.error.message, /interrupted/);
    let next: any;
    for (let i = 0; i < 600 && !next; i++) {
      const list = (await api.api("GET", `${BASE}/${cnn}/jobs`)).body.jobs;
      next = list.find((j: any) => j.id !== job.id);
      if (!next) await sleep(50);
    }
    assert.ok(next, "a next run was started");
    const startedAfter = Date.parse(next.created_at) - killedAt;
    // Heartbeat stale after ORPHAN_AFTER_MS; the leader may have been the killed node (its lease
    // runs out after LEASE_MS); then one tick. Far below the connector's one-hour interval.
    assert.ok(
      startedAfter < ORPHAN_AFTER_MS + LEASE_MS + TICK_MS + 5000,
      `the next run started ${startedAfter} ms after the kill`,
    );
    assert.equal(next.trigger, "scheduled");
    const resumed = tolerateConcurrentInsertRace(await waitJob(api, cnn, next.id, 240_000));
    const runner = (await sql.query("select claimed_by from sync_jobs where id = $1", [next.id])).rows[0].claimed_by;
    assert.equal(runner, survivorId, "the surviving worker ran the next run");
    // Resumed, not started over: what the killed run logged as copied (its file-states committed
    // before its entries) is not copied again, on another node.
    const killedLog = (await api.api("GET", `${BASE}/${cnn}/jobs/${job.id}?limit=1000`)).body;
    const copiedBefore = new Set(
      killedLog.entries.filter((e: any) => e.action === "copy" && e.result === "ok").map((e: any) => e.path),
    );
    assert.ok(copiedBefore.size > 0, "the killed run had copied files");
    const again = resumed.entries.filter((e: any) => e.action === "copy" && copiedBefore.has(e.path));
    assert.deepEqual(again, [], "finished files are not copied again");
    assert.ok(resumed.files_synced < FILES, `${resumed.files_synced} of ${FILES} copied by the next run`);
    t.diagnostic(
      `killed at files_done=${seen.files_done}/${seen.files_total}; next run started ${startedAfter} ms ` +
        `after the kill and copied ${resumed.files_synced}`,
    );

    if (resumed.error_count > 0) expectClean(await syncAndWait(api, cnn, "", 240_000));
    assert.deepEqual(await scai.files(), [...expected.keys()].sort(), "every file present exactly once");
    for (const name of [...expected.keys()].filter((_, i) => i % 50 === 0)) {
      const node = await scai.stat(name);
      assert.equal(node.sha256, expected.get(name), name);
      assert.equal((await scai.versions(node.id)).length, 1, `${name} has one version`);
    }
  });
});
