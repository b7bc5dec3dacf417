/**
 * Job-level behaviour through the API: an unreachable server (closed port) → test success:false
 * with ECONNREFUSED and a failed job CONNECTOR_UNREACHABLE; a scheduled run started by the real
 * scheduler timer (short test tick; the connector's creation is backdated past its interval
 * because intervals are minutes); a scheduled run due while one is running recorded as skipped
 * (scheduler pass invoked with a clock past the interval); cancel; a disabled connector.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSamba, type SambaInstance } from "../../harness/samba.js";
import { freePort } from "../../harness/free-port.js";
import { startConnectorApiServer, type ConnectorApiServer } from "../api/connector-api-server.js";

const BASE = "/api/v1/smb-connectors";

describe("SMB connector jobs: unreachable, schedule, skip, cancel", () => {
  let samba: SambaInstance;
  let fast: ConnectorApiServer;
  let slow: ConnectorApiServer;
  let closedPort: number;

  const body = (shareId: string, over: Record<string, unknown> = {}) => ({
    name: "Finance Fileserver",
    server_host: samba.host,
    server_port: samba.port,
    share_name: "share",
    domain: samba.domain,
    username: samba.username,
    password: samba.password,
    target_share_id: shareId,
    target_path: "/From Fileserver",
    ...over,
  });
  const newShare = async (s: ConnectorApiServer) =>
    (await s.api("POST", "/api/v1/shares", { json: { name: "Jobs" } })).body.id as string;

  before(async () => {
    samba = await startSamba();
    const dir = join(samba.shares.share!, "docs");
    mkdirSync(dir);
    chownSync(dir, samba.uid, samba.gid);
    writeFileSync(join(dir, "a.txt"), "scheduled content");
    chownSync(join(dir, "a.txt"), samba.uid, samba.gid);
    closedPort = await freePort();
    fast = await startConnectorApiServer({ schedulerTickMs: 100 });
    // Unreachable runs keep retrying for ~20 s here, long enough to overlap a scheduled run.
    slow = await startConnectorApiServer({ retry: { attempts: 200, baseDelayMs: 100, maxDelayMs: 100 } });
  });
  after(async () => {
    await fast?.close();
    await slow?.close();
    await samba?.stop();
  });

  test("closed port: test says refused, the job fails CONNECTOR_UNREACHABLE", async () => {
    const shareId = await newShare(fast);
    const c = await fast.api("POST", BASE, {
      json: body(shareId, { server_host: "127.0.0.1", server_port: closedPort }),
    });
    assert.equal(c.status, 201);
    const t = await fast.api("POST", `${BASE}/${c.body.id}/test`);
    assert.equal(t.status, 200);
    assert.equal(t.body.success, false);
    assert.equal(t.body.error, "ECONNREFUSED");
    assert.match(t.body.message, /refused/);
    const job = await fast.api("POST", `${BASE}/${c.body.id}/sync`);
    assert.equal(job.status, 202);
    const done = await fast.waitJob(c.body.id, job.body.id);
    assert.equal(done.status, "failed");
    assert.equal(done.error.code, "CONNECTOR_UNREACHABLE");
    assert.ok(done.finished_at);
    // A dry run that cannot connect is an error with the job's code, not an empty plan.
    const dry = await fast.api("POST", `${BASE}/${c.body.id}/sync?dry_run=true`);
    assert.equal(dry.status, 504, JSON.stringify(dry.body));
    assert.equal(dry.body.error.code, "CONNECTOR_UNREACHABLE");
    assert.match(dry.body.error.details.job_id, /^job_/);
    assert.ok(!("plan" in dry.body));
  });

  test("a dry run while another job of the connector runs is refused with 409 SYNC_ALREADY_RUNNING", async () => {
    const shareId = await newShare(slow);
    const c = await slow.api("POST", BASE, {
      json: body(shareId, { server_host: "127.0.0.1", server_port: closedPort }),
    });
    const running = await slow.api("POST", `${BASE}/${c.body.id}/sync`);
    assert.equal(running.status, 202);
    const dry = await slow.api("POST", `${BASE}/${c.body.id}/sync?dry_run=true`);
    assert.equal(dry.status, 409, JSON.stringify(dry.body));
    assert.equal(dry.body.error.code, "SYNC_ALREADY_RUNNING");
    assert.equal(dry.body.error.details.job_id, running.body.id);
    await slow.api("POST", `${BASE}/${c.body.id}/jobs/${running.body.id}/cancel`);
  });

  test("the scheduler timer starts a due run (trigger scheduled) and it completes", async () => {
    const shareId = await newShare(fast);
    const c = await fast.api("POST", BASE, { json: body(shareId, { sync_interval_minutes: 15 }) });
    assert.equal(c.status, 201);
    assert.deepEqual((await fast.api("GET", `${BASE}/${c.body.id}/jobs`)).body.jobs, [], "not due yet");
    const past = new Date(Date.now() - 20 * 60_000).toISOString();
    await fast.built.context.db
      .updateTable("connectors")
      .set({ created_at: past })
      .where("id", "=", c.body.id)
      .execute();
    let jobs: any[] = [];
    for (let i = 0; i < 300 && jobs.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      jobs = (await fast.api("GET", `${BASE}/${c.body.id}/jobs`)).body.jobs;
    }
    assert.equal(jobs.length, 1, "one scheduled run");
    assert.equal(jobs[0].trigger, "scheduled");
    const done = await fast.waitJob(c.body.id, jobs[0].id);
    assert.equal(done.status, "completed", JSON.stringify(done));
    assert.equal(done.files_synced, 1);
    const content = await fast.api(
      "GET",
      `/api/v1/shares/${shareId}/content?path=${encodeURIComponent("/From Fileserver/docs/a.txt")}`,
    );
    assert.equal(content.body, "scheduled content");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(
      (await fast.api("GET", `${BASE}/${c.body.id}/jobs`)).body.jobs.length,
      1,
      "the next run is due 15 minutes after this one",
    );
  });

  test("a scheduled run due while one runs is recorded as skipped; cancel stops the running one", async () => {
    const shareId = await newShare(slow);
    const c = await slow.api("POST", BASE, {
      json: body(shareId, { server_host: "127.0.0.1", server_port: closedPort, sync_interval_minutes: 15 }),
    });
    const running = await slow.api("POST", `${BASE}/${c.body.id}/sync`);
    assert.equal(running.status, 202);
    const dup = await slow.api("POST", `${BASE}/${c.body.id}/sync`);
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, "SYNC_ALREADY_RUNNING");
    await slow.runtime.service.tick(Date.now() + 16 * 60_000);
    const jobs = (await slow.api("GET", `${BASE}/${c.body.id}/jobs`)).body.jobs;
    assert.equal(jobs.length, 2);
    assert.equal(jobs[0].status, "skipped");
    assert.equal(jobs[0].trigger, "scheduled");
    assert.match(jobs[0].skip_reason, /already in progress/);
    assert.equal(jobs[1].id, running.body.id);
    assert.ok(["queued", "running"].includes(jobs[1].status));
    const cancelled = await slow.api("POST", `${BASE}/${c.body.id}/jobs/${running.body.id}/cancel`);
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, "cancelled");
    const again = await slow.api("POST", `${BASE}/${c.body.id}/jobs/${running.body.id}/cancel`);
    assert.equal(again.body.status, "cancelled", "cancelling a finished job returns it unchanged");
  });

  test("DELETE while a run is in progress cancels it and removes the connector's jobs", async () => {
    const shareId = await newShare(slow);
    const c = await slow.api("POST", BASE, {
      json: body(shareId, { server_host: "127.0.0.1", server_port: closedPort }),
    });
    const running = await slow.api("POST", `${BASE}/${c.body.id}/sync`);
    assert.equal(running.status, 202);
    const del = await slow.api("DELETE", `${BASE}/${c.body.id}`);
    assert.equal(del.status, 204);
    assert.equal((await slow.api("GET", `${BASE}/${c.body.id}`)).status, 404);
    assert.equal(await slow.runtime.stores.jobs.get(running.body.id), undefined);
  });

  test("a disabled connector refuses manual runs and starts no scheduled ones until re-enabled", async () => {
    const shareId = await newShare(slow);
    const c = await slow.api("POST", BASE, { json: body(shareId, { sync_interval_minutes: 5, enabled: false }) });
    assert.equal(c.body.enabled, false);
    const manual = await slow.api("POST", `${BASE}/${c.body.id}/sync`);
    assert.equal(manual.status, 409);
    assert.equal(manual.body.error.code, "CONFLICT");
    await slow.runtime.service.tick(Date.now() + 6 * 60_000);
    const jobs = (await slow.api("GET", `${BASE}/${c.body.id}/jobs`)).body.jobs;
    // Nothing runs for a disabled connector; the engine may record the decision as a skipped job.
    assert.ok(
      jobs.every((j: any) => j.status === "skipped" && j.trigger === "scheduled"),
      JSON.stringify(jobs),
    );
    const on = await slow.api("PATCH", `${BASE}/${c.body.id}`, { json: { enabled: true } });
    assert.equal(on.body.enabled, true);
    const job = await slow.api("POST", `${BASE}/${c.body.id}/sync`);
    assert.equal(job.status, 202);
    assert.equal((await slow.waitJob(c.body.id, job.body.id)).status, "completed");
  });
});
