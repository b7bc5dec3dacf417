/**
 * Every curl example of spec `smb-connector.md`, against a real smbd (test harness) and the real
 * server over HTTP: create with the full body, test, sync → 202 → job completed, jobs list, job
 * detail, identity mappings, file-states, PATCH interval, PATCH credentials (wrong password →
 * test success:false and job CONNECTOR_AUTH_FAILED), dry run, two connectors into one share,
 * DELETE leaving content on both sides — and the password in no response and no log line.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chownSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSamba, type SambaInstance } from "../../harness/samba.js";
import { startConnectorApiServer, type ConnectorApiServer } from "../api/connector-api-server.js";

const BASE = "/api/v1/smb-connectors";
const JOB_FIELDS = [
  "id",
  "status",
  "started_at",
  "finished_at",
  "files_scanned",
  "files_synced",
  "bytes_transferred",
  "error_count",
  "files_total",
  "bytes_total",
  "files_done",
  "bytes_done",
  "trigger",
  "error",
  "skip_reason",
];

for (const dialect of ["sqlite", "postgres"] as const)
  describe(`SMB connector API: the spec's examples against real Samba (${dialect})`, () => {
    let samba: SambaInstance;
    let s: ConnectorApiServer;
    let shareId: string;
    let connectorId: string;
    const responses: string[] = [];
    const files: Record<string, Buffer> = {
      "report.pdf": Buffer.from("%PDF-1.7 quarterly report\n".repeat(500)),
      "budget.xlsx": Buffer.alloc(200_000, 7),
      "Q1/deep.docx": Buffer.from("a docx in a sub-folder"),
      "notes.txt": Buffer.from("not in include_patterns"),
      "~$budget.xlsx": Buffer.from("office lock file"),
      "Thumbs.db": Buffer.from("thumbs"),
    };
    const call = async (method: string, path: string, json?: unknown) => {
      const r = await s.api(method, path, json === undefined ? {} : { json });
      responses.push(typeof r.body === "string" ? r.body : JSON.stringify(r.body));
      return r;
    };
    const onSmb = (rel: string) => join(samba.shares.Finance!, rel);
    const putSmb = (rel: string, data: Buffer) => {
      const full = onSmb(rel);
      const dir = full.slice(0, full.lastIndexOf("/"));
      mkdirSync(dir, { recursive: true });
      chownSync(dir, samba.uid, samba.gid);
      writeFileSync(full, data);
      chownSync(full, samba.uid, samba.gid);
    };
    const scaidrive = (path: string) =>
      s.api("GET", `/api/v1/shares/${shareId}/content?path=${encodeURIComponent(path)}`);

    before(async () => {
      samba = await startSamba({ shares: { Finance: {} } });
      for (const [rel, data] of Object.entries(files)) putSmb(`2026/${rel}`, data);
      putSmb("2025/old.pdf", Buffer.from("last year"));
      s = await startConnectorApiServer({}, { dialect });
      shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Finance" } })).body.id;
    });
    after(async () => {
      await s?.close();
      await samba?.stop();
    });

    test("create with the spec's full body (host, port, credentials substituted)", async () => {
      const r = await call("POST", BASE, {
        name: "Finance Fileserver",
        description: "Legacy Windows share — finance department",
        server_host: samba.host,
        server_port: samba.port,
        share_name: "Finance",
        base_path: "2026",
        domain: samba.domain,
        username: samba.username,
        password: samba.password,
        target_share_id: shareId,
        target_path: "/From Fileserver",
        sync_direction: "bidirectional",
        sync_permissions: true,
        include_patterns: { extensions: ["pdf", "docx", "xlsx"] },
        exclude_patterns: { patterns: ["~$*", ".DS_Store", "Thumbs.db"] },
        conflict_resolution: "LAST_WRITER_WINS",
        sync_interval_minutes: 15,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      connectorId = r.body.id;
      assert.match(connectorId, /^cnn_[0-9A-Z]{26}$/);
      assert.equal(r.body.password_set, true);
      assert.equal(r.body.sync_direction, "bidirectional");
      assert.equal(r.body.sync_interval_minutes, 15);
      assert.deepEqual(r.body.include_patterns, { extensions: ["pdf", "docx", "xlsx"] });
      const list = await call("GET", BASE);
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.items.map((c: any) => c.id),
        [connectorId],
      );
    });

    test("POST /test answers exactly {success, message, error}", async () => {
      const r = await call("POST", `${BASE}/${connectorId}/test`);
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.body).sort(), ["error", "message", "success"]);
      assert.deepEqual(r.body, {
        success: true,
        message: `Connected to ${samba.host}\\Finance as ${samba.domain}\\${samba.username}`,
        error: null,
      });
    });

    test("POST /sync → 202 with a job; polling reaches completed; content arrives filtered", async () => {
      const r = await call("POST", `${BASE}/${connectorId}/sync`);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.match(r.body.id, /^job_/);
      assert.ok(["queued", "running"].includes(r.body.status));
      for (const f of JOB_FIELDS) assert.ok(f in r.body, `job has ${f}`);
      const again = await call("POST", `${BASE}/${connectorId}/sync`);
      if (again.status !== 202) {
        assert.equal(again.status, 409);
        assert.equal(again.body.error.code, "SYNC_ALREADY_RUNNING");
        assert.equal(again.body.error.details.job_id, r.body.id);
      }
      const job = await s.waitJob(connectorId, r.body.id);
      assert.equal(job.status, "completed", JSON.stringify(job));
      assert.equal(job.error_count, 0, JSON.stringify(job.entries?.filter((e: any) => e.result === "error")));
      assert.equal(job.files_synced, 3);
      assert.equal(
        job.bytes_transferred,
        files["report.pdf"]!.length + files["budget.xlsx"]!.length + files["Q1/deep.docx"]!.length,
      );
      assert.ok(job.files_scanned >= 3);
      assert.equal(job.files_done, job.files_total);
      // Every planned copy moved its bytes, so the plan's total is what was transferred.
      assert.equal(job.bytes_total, job.bytes_transferred);
      assert.ok(
        job.entries.some((e: any) => e.path === "report.pdf" && e.result === "ok"),
        JSON.stringify(job.entries),
      );
      for (const rel of ["report.pdf", "budget.xlsx", "Q1/deep.docx"]) {
        const got = await scaidrive(`/From Fileserver/${rel}`);
        assert.equal(got.status, 200, rel);
        assert.equal(Buffer.from(got.body).equals(files[rel]!), true, rel);
      }
      for (const rel of ["notes.txt", "~$budget.xlsx", "Thumbs.db"])
        assert.equal((await scaidrive(`/From Fileserver/${rel}`)).status, 404, rel);
      assert.equal((await scaidrive("/From Fileserver/old.pdf")).status, 404, "outside base_path");
      if (again.status === 202) await s.waitJob(connectorId, again.body.id);
    });

    test("GET /jobs lists newest first with the spec's fields; a no-op resync copies nothing", async () => {
      const r2 = await call("POST", `${BASE}/${connectorId}/sync`);
      assert.equal(r2.status, 202);
      const done = await s.waitJob(connectorId, r2.body.id);
      assert.equal(done.status, "completed");
      assert.equal(done.files_synced, 0);
      const list = await call("GET", `${BASE}/${connectorId}/jobs`);
      assert.equal(list.status, 200);
      assert.equal(list.body.jobs[0].id, r2.body.id);
      for (const j of list.body.jobs) for (const f of JOB_FIELDS) assert.ok(f in j, `job has ${f}`);
      const ids = list.body.jobs.map((j: any) => j.id);
      assert.deepEqual(ids, [...ids].sort().reverse());
      const page = await call("GET", `${BASE}/${connectorId}/jobs?limit=1`);
      assert.equal(page.body.jobs.length, 1);
      assert.ok(page.body.next_cursor);
      const next = await call(
        "GET",
        `${BASE}/${connectorId}/jobs?limit=1&cursor=${encodeURIComponent(page.body.next_cursor)}`,
      );
      assert.notEqual(next.body.jobs[0].id, page.body.jobs[0].id);
    });

    test("identity mappings: create, list, delete as printed", async () => {
      const alice = await s.user("alice");
      const created = await call("POST", `${BASE}/${connectorId}/identity-mappings`, {
        identity_type: "user",
        smb_principal: "CORP\\alice",
        scaidrive_principal_id: alice.id,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.match(created.body.id, /^map_/);
      assert.equal(created.body.smb_principal, "CORP\\alice");
      const list = await call("GET", `${BASE}/${connectorId}/identity-mappings`);
      assert.deepEqual(
        list.body.identity_mappings.map((m: any) => m.id),
        [created.body.id],
      );
      const del = await call("DELETE", `${BASE}/${connectorId}/identity-mappings/${created.body.id}`);
      assert.equal(del.status, 204);
      assert.deepEqual((await call("GET", `${BASE}/${connectorId}/identity-mappings`)).body.identity_mappings, []);
    });

    test("file-states show last sync time, last error and checksums on both sides", async () => {
      const r = await call("GET", `${BASE}/${connectorId}/file-states`);
      assert.equal(r.status, 200);
      const report = r.body.file_states.find((f: any) => f.path === "report.pdf");
      assert.ok(report, JSON.stringify(r.body));
      assert.equal(report.synced, true);
      assert.equal(report.last_error, null);
      assert.ok(Date.parse(report.last_synced_at) > 0);
      assert.equal(report.scaidrive.sha256, createHash("sha256").update(files["report.pdf"]!).digest("hex"));
      assert.match(report.scaidrive.version_id, /^ver_/);
      assert.match(report.remote.fingerprint, new RegExp(`^${files["report.pdf"]!.length}:`));
      assert.equal(report.remote.size, files["report.pdf"]!.length);
      const page = await call("GET", `${BASE}/${connectorId}/file-states?limit=1`);
      assert.equal(page.body.file_states.length, 1);
      assert.ok(page.body.next_cursor);
    });

    test("dry run returns the plan and changes nothing", async () => {
      putSmb("2026/new.pdf", Buffer.from("brand new"));
      const r = await call("POST", `${BASE}/${connectorId}/sync?dry_run=true`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, "completed");
      assert.ok(
        r.body.plan.some((p: any) => p.action === "copy" && p.path === "new.pdf" && p.to === "scaidrive"),
        JSON.stringify(r.body.plan),
      );
      assert.equal((await scaidrive("/From Fileserver/new.pdf")).status, 404);
      const detail = await call("GET", `${BASE}/${connectorId}/jobs/${r.body.id}`);
      assert.ok(detail.body.entries.some((e: any) => e.result === "planned" && e.path === "new.pdf"));
    });

    test("PATCH sync_interval_minutes as printed", async () => {
      const r = await call("PATCH", `${BASE}/${connectorId}`, { sync_interval_minutes: 60 });
      assert.equal(r.status, 200);
      assert.equal(r.body.sync_interval_minutes, 60);
    });

    test(
      "PATCH credentials: a wrong password fails test (with the reason) " +
        "and the job (CONNECTOR_AUTH_FAILED); rotating back works",
      async () => {
        const wrong = await call("PATCH", `${BASE}/${connectorId}`, {
          username: "new-svc",
          password: "Wrong-Secret-13",
        });
        assert.equal(wrong.status, 200);
        assert.equal(wrong.body.username, "new-svc");
        const t = await call("POST", `${BASE}/${connectorId}/test`);
        assert.equal(t.body.success, false);
        assert.match(t.body.message, /Authentication failed for SCAIDOM\\new-svc/);
        assert.equal(t.body.error, "STATUS_LOGON_FAILURE");
        const job = await call("POST", `${BASE}/${connectorId}/sync`);
        assert.equal(job.status, 202);
        const failed = await s.waitJob(connectorId, job.body.id);
        assert.equal(failed.status, "failed");
        assert.equal(failed.error.code, "CONNECTOR_AUTH_FAILED");
        // SMB disables on a refused logon (retries could lock the account out) and raises an alert;
        // PATCH {} through the generic route re-enables it and resolves the alert.
        const alerts = s.built.context.alerts;
        const disabled = (await call("GET", `${BASE}/${connectorId}`)).body;
        assert.equal(disabled.enabled, false);
        assert.match(disabled.status_reason, /^authentication failed: /);
        const open = await alerts.list({ open: true, connectorId, limit: 10 });
        assert.equal(open.length, 1);
        assert.equal(open[0]!.kind, "connector_auth_failed");
        assert.doesNotMatch(open[0]!.message, /Wrong-Secret-13/);
        assert.equal(
          (await call("POST", `${BASE}/${connectorId}/sync`)).status,
          409,
          "a disabled connector refuses manual runs",
        );
        const saved = await call("PATCH", `${BASE}/${connectorId}`, {});
        assert.equal(saved.status, 200);
        assert.equal(saved.body.enabled, true);
        assert.equal(saved.body.status_reason, null);
        assert.equal((await alerts.list({ open: true, connectorId, limit: 10 })).length, 0);
        const back = await call("PATCH", `${BASE}/${connectorId}`, {
          username: samba.username,
          password: samba.password,
        });
        assert.equal(back.status, 200);
        assert.equal((await call("POST", `${BASE}/${connectorId}/test`)).body.success, true);
      },
    );

    test("two connectors sync into one share", async () => {
      const second = await call("POST", BASE, {
        name: "Archive",
        server_host: samba.host,
        server_port: samba.port,
        share_name: "Finance",
        base_path: "2025",
        domain: samba.domain,
        username: samba.username,
        password: samba.password,
        target_share_id: shareId,
        target_path: "/Archive",
      });
      assert.equal(second.status, 201);
      const [a, b] = await Promise.all([
        call("POST", `${BASE}/${connectorId}/sync`),
        call("POST", `${BASE}/${second.body.id}/sync`),
      ]);
      assert.equal(a.status, 202);
      assert.equal(b.status, 202);
      const [ja, jb] = await Promise.all([s.waitJob(connectorId, a.body.id), s.waitJob(second.body.id, b.body.id)]);
      assert.equal(ja.status, "completed", JSON.stringify(ja));
      assert.equal(jb.status, "completed", JSON.stringify(jb));
      assert.equal(Buffer.from((await scaidrive("/Archive/old.pdf")).body).toString(), "last year");
      assert.equal(Buffer.from((await scaidrive("/From Fileserver/new.pdf")).body).toString(), "brand new");
      assert.equal((await scaidrive("/Archive/report.pdf")).status, 404, "each connector keeps to its own target_path");
      assert.equal((await call("DELETE", `${BASE}/${second.body.id}`)).status, 204);
    });

    test("DELETE removes the connector, mappings, jobs and file-states; content stays on both sides", async () => {
      const alice = await s.user("alice2");
      await call("POST", `${BASE}/${connectorId}/identity-mappings`, {
        identity_type: "user",
        smb_principal: "CORP\\alice",
        scaidrive_principal_id: alice.id,
      });
      const r = await call("DELETE", `${BASE}/${connectorId}`);
      assert.equal(r.status, 204);
      assert.equal((await call("GET", `${BASE}/${connectorId}`)).status, 404);
      assert.equal((await call("GET", `${BASE}/${connectorId}/jobs`)).status, 404);
      const stores = s.runtime.stores;
      assert.deepEqual(await stores.jobs.list(connectorId), []);
      assert.deepEqual(await stores.fileStates.list(connectorId), []);
      assert.deepEqual(await stores.identityMappings.list(connectorId), []);
      assert.equal(
        Buffer.from((await scaidrive("/From Fileserver/report.pdf")).body).equals(files["report.pdf"]!),
        true,
      );
      for (const rel of Object.keys(files)) assert.equal(existsSync(onSmb(`2026/${rel}`)), true, rel);
    });

    test("the password is in no response and no log line", () => {
      assert.ok(responses.length > 20);
      for (const secret of [samba.password, "Wrong-Secret-13"]) {
        for (const body of responses)
          assert.equal(body.includes(secret), false, `response leaked a password: ${body.slice(0, 200)}`);
        assert.equal(s.logText().includes(secret), false, "log leaked a password");
      }
      assert.ok(s.logText().includes("connector created"), "logs were captured");
    });
  });
