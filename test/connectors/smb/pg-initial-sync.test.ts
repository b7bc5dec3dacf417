/**
 * An initial SMB → ScaiDrive sync of 10,000 small files on PostgreSQL, against a real smbd and
 * the real server over HTTP. The sync's concurrent writers create the same parent folders and
 * insert siblings into the same folders at once; on PostgreSQL this used to end with dozens of
 * per-file errors ("the destination changed concurrently"). Every file must arrive, 0 errors.
 * Then resyncs: with nothing changed the run is told from one walk and the base (no planning); a
 * file rewritten on the share sends the next run through the planner, which syncs it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startSamba, type SambaInstance } from "../../harness/samba.js";
import { startTestServer, type TestServer } from "../../harness/server.js";
import { waitForJob } from "../../harness/api-helpers.js";
import { smbConnectorRoutes } from "../../../src/server/routes/smb-connector-routes.js";
import { captureLogs } from "../../security/log-capture.js";

const FILES = 10_000;
const PER_FOLDER = 100;
const BASE = "/api/v1/smb-connectors";

describe("initial SMB sync of 10,000 files on PostgreSQL", () => {
  let samba: SambaInstance;
  let s: TestServer;
  let shareId: string;
  let connectorId: string;
  const logs = captureLogs("info");
  const content = (i: number) => `file ${i}\n`;
  const rel = (i: number) => `d${String(Math.floor(i / PER_FOLDER)).padStart(3, "0")}/f${i}.txt`;

  before(async () => {
    samba = await startSamba({ shares: { Big: {} } });
    const root = join(samba.shares.Big!, "tree");
    for (let i = 0; i < FILES; i++) {
      if (i % PER_FOLDER === 0) mkdirSync(join(root, rel(i), ".."), { recursive: true });
      writeFileSync(join(root, rel(i)), content(i));
    }
    execFileSync("chown", ["-R", `${samba.uid}:${samba.gid}`, root]);
    s = await startTestServer({ dialect: "postgres", plugins: [smbConnectorRoutes], logger: logs.logger });
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Big" } })).body.id;
  });
  after(async () => {
    await s?.close();
    await samba?.stop();
  });

  test("every file arrives, no per-file error", async () => {
    const c = await s.api("POST", BASE, {
      json: {
        name: "big",
        server_host: samba.host,
        server_port: samba.port,
        share_name: "Big",
        base_path: "tree",
        domain: samba.domain,
        username: samba.username,
        password: samba.password,
        target_share_id: shareId,
        target_path: "/From SMB",
        sync_direction: "smb_to_scaidrive",
      },
    });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    connectorId = c.body.id;
    const t0 = performance.now();
    const started = await s.api("POST", `${BASE}/${c.body.id}/sync`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const job = await waitForJob(s.api, c.body.id, started.body.id, { maxPolls: 3000, intervalMs: 200 });
    const seconds = (performance.now() - t0) / 1000;
    const errors = (job.entries ?? []).filter((e: { result: string }) => e.result === "error");
    assert.equal(job.error_count, 0, JSON.stringify(errors.slice(0, 5)));
    assert.equal(job.status, "completed", JSON.stringify({ ...job, entries: undefined }));
    assert.equal(job.files_synced, FILES);
    console.log(`# ${FILES} files synced on PostgreSQL in ${seconds.toFixed(1)} s`);

    const { n } = await s.built.context.db
      .selectFrom("nodes")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("share_id", "=", shareId)
      .where("type", "=", "file")
      .executeTakeFirstOrThrow();
    assert.equal(Number(n), FILES);
    for (const i of [0, 1, 4_999, 5_050, FILES - 1]) {
      const r = await s.api(
        "GET",
        `/api/v1/shares/${shareId}/content?path=${encodeURIComponent(`/From SMB/${rel(i)}`)}`,
      );
      assert.equal(r.status, 200, rel(i));
      assert.equal(String(r.body), content(i));
    }
  });

  test("a resync with nothing changed is told from one walk; a file changed on the share is then synced", async () => {
    const run = async () => {
      const started = await s.api("POST", `${BASE}/${connectorId}/sync`);
      assert.equal(started.status, 202, JSON.stringify(started.body));
      return waitForJob(s.api, connectorId, started.body.id, { maxPolls: 3000, intervalMs: 100 });
    };
    const phases = () => logs.lines.filter((l) => String(l.msg).startsWith("sync run phases"));
    const noop = await run();
    assert.equal(noop.status, "completed", JSON.stringify({ ...noop, entries: undefined }));
    assert.equal(noop.files_total, 0);
    assert.equal(noop.files_scanned, FILES);
    assert.equal(phases().at(-1)?.msg, "sync run phases: nothing changed");

    writeFileSync(join(samba.shares.Big!, "tree", rel(4_242)), "changed on the share\n");
    const changed = await run();
    assert.equal(changed.status, "completed", JSON.stringify({ ...changed, entries: undefined }));
    assert.equal(changed.files_synced, 1);
    assert.equal(phases().at(-1)?.msg, "sync run phases");
    assert.ok(logs.lines.some((l) => l.msg === "the run has work to do; planning it" && /changed/.test(l.reason)));
    const r = await s.api(
      "GET",
      `/api/v1/shares/${shareId}/content?path=${encodeURIComponent(`/From SMB/${rel(4_242)}`)}`,
    );
    assert.equal(String(r.body), "changed on the share\n");
    assert.equal((await run()).files_total, 0);
    assert.equal(phases().at(-1)?.msg, "sync run phases: nothing changed");
  });
});
