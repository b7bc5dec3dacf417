/**
 * One-shot push and pull through `POST /api/v1/smb-connectors/{id}/push|pull` against real Samba:
 * keep and delete after copying, jobs in the connector's job list with trigger push/pull, nothing
 * deleted on the destination, and a copy that fails (an unreadable SMB file on pull, a read-only
 * SMB folder on push) keeping its source while the verified ones are removed.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, chownSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startSamba, type SambaInstance } from "../harness/samba.js";
import { createSmbConnector, putOnSmb, startMountServer, type MountKit } from "../mounts/mount-test-kit.js";

describe("push and pull with an SMB connector", () => {
  let samba: SambaInstance;
  let kit: MountKit;
  let shareId: string;
  let connectorId: string;
  const onSmb = (rel: string) => join(samba.shares.Data!, "pp", rel);
  const q = (path: string) => `?path=${encodeURIComponent(path)}`;
  const scaidrive = (path: string) => kit.api("GET", `/api/v1/shares/${shareId}/content${q(`/pp${path}`)}`);
  const run = async (mode: "push" | "pull", body: Record<string, unknown>) => {
    const r = await kit.api("POST", `/api/v1/smb-connectors/${connectorId}/${mode}`, { json: body });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.trigger, mode);
    return kit.waitJob(connectorId, r.body.id);
  };

  before(async () => {
    samba = await startSamba({ shares: { Data: {} } });
    putOnSmb(samba, "Data", "pp/keep/a.txt", "alpha");
    putOnSmb(samba, "Data", "pp/keep/sub/b.txt", Buffer.alloc(150_000, 3));
    kit = await startMountServer();
    shareId = (await kit.api("POST", "/api/v1/shares", { json: { name: "PushPull" } })).body.id;
    connectorId = await createSmbConnector(kit, samba, { share: "Data", shareId, basePath: "pp", targetPath: "/pp" });
  });
  after(async () => {
    await kit?.close();
    await samba?.stop();
  });

  test("pull keep: remote files copied into ScaiDrive, remote untouched; a rerun copies nothing", async () => {
    const job = await run("pull", { after_copy: "keep", path: "keep" });
    assert.equal(job.status, "completed", JSON.stringify(job));
    assert.equal(job.error_count, 0, JSON.stringify(job.entries));
    assert.equal(job.files_synced, 2);
    assert.equal(job.bytes_transferred, 5 + 150_000);
    assert.equal((await scaidrive("/keep/a.txt")).body.toString(), "alpha");
    assert.ok(Buffer.from((await scaidrive("/keep/sub/b.txt")).body).equals(Buffer.alloc(150_000, 3)));
    assert.ok(existsSync(onSmb("keep/a.txt")) && existsSync(onSmb("keep/sub/b.txt")));
    const again = await run("pull", { after_copy: "keep", path: "keep" });
    assert.equal(again.files_synced, 0);
    assert.equal(again.files_scanned, 2);
    const jobs = await kit.api("GET", `/api/v1/smb-connectors/${connectorId}/jobs`);
    assert.deepEqual(
      jobs.body.jobs.slice(0, 2).map((j: any) => j.trigger),
      ["pull", "pull"],
    );
  });

  test("pull delete: verified copies remove their SMB source; an unreadable file keeps it", async () => {
    putOnSmb(samba, "Data", "pp/mv/one.txt", "one");
    putOnSmb(samba, "Data", "pp/mv/two.txt", "two two");
    const locked = putOnSmb(samba, "Data", "pp/mv/locked.txt", "cannot read me");
    chmodSync(locked, 0o000);
    try {
      const job = await run("pull", { after_copy: "delete", path: "mv" });
      assert.equal(job.status, "completed", JSON.stringify(job));
      assert.equal(job.error_count, 1, JSON.stringify(job.entries));
      assert.ok(
        job.entries.some((e: any) => e.path === "mv/locked.txt" && e.result === "error"),
        JSON.stringify(job.entries),
      );
      assert.ok(
        job.entries.some((e: any) => e.path === "mv/one.txt" && e.action === "delete_source" && e.result === "ok"),
      );
      assert.equal((await scaidrive("/mv/one.txt")).body.toString(), "one");
      assert.equal((await scaidrive("/mv/two.txt")).body.toString(), "two two");
      assert.equal((await scaidrive("/mv/locked.txt")).status, 404);
      assert.ok(!existsSync(onSmb("mv/one.txt")));
      assert.ok(!existsSync(onSmb("mv/two.txt")));
      assert.ok(existsSync(locked), "the file whose copy failed is kept");
    } finally {
      chmodSync(locked, 0o644);
    }
  });

  test(
    "push keep and delete: ScaiDrive files copied to SMB; " + "with delete the ScaiDrive copies go, failures stay",
    async () => {
      const put = (path: string, data: string) =>
        kit.api("PUT", `/api/v1/shares/${shareId}/content${q(`/pp${path}`)}`, { raw: Buffer.from(data) });
      assert.equal((await put("/out/k.txt", "kept on both")).status, 201);
      const keep = await run("push", { after_copy: "keep", path: "out" });
      assert.equal(keep.status, "completed", JSON.stringify(keep));
      assert.equal(keep.files_synced, 1);
      assert.equal(readFileSync(onSmb("out/k.txt"), "utf8"), "kept on both");
      assert.equal((await scaidrive("/out/k.txt")).status, 200);

      // A destination folder the SMB user cannot write to: the copy fails, its source stays.
      const ro = onSmb("out/ro");
      mkdirSync(ro, { recursive: true });
      chownSync(ro, 0, 0);
      chmodSync(ro, 0o555);
      try {
        assert.equal((await put("/out/ro/stuck.txt", "stuck")).status, 201);
        assert.equal((await put("/out/moved.txt", "moved away")).status, 201);
        const del = await run("push", { after_copy: "delete", path: "out" });
        assert.equal(del.status, "completed", JSON.stringify(del));
        assert.equal(del.error_count, 1, JSON.stringify(del.entries));
        assert.equal(readFileSync(onSmb("out/moved.txt"), "utf8"), "moved away");
        assert.equal((await scaidrive("/out/moved.txt")).status, 404, "verified copy: source deleted");
        assert.equal((await scaidrive("/out/k.txt")).status, 404, "already identical on SMB: verified and deleted");
        assert.equal(readFileSync(onSmb("out/k.txt"), "utf8"), "kept on both");
        assert.equal((await scaidrive("/out/ro/stuck.txt")).body.toString(), "stuck", "failed copy: source kept");
        assert.ok(!existsSync(join(ro, "stuck.txt")));
      } finally {
        chmodSync(ro, 0o755);
      }
    },
  );

  test("the OpenAPI document describes push, pull and mounts", async () => {
    const doc = await kit.api("GET", "/api/v1/openapi.json");
    assert.equal(doc.status, 200);
    for (const p of [
      "/api/v1/smb-connectors/{id}/push",
      "/api/v1/smb-connectors/{id}/pull",
      "/api/v1/mounts",
      "/api/v1/mounts/{id}",
    ]) {
      assert.ok(p in doc.body.paths, p);
    }
  });

  test("bad requests: unknown after_copy → 400, '..' in path → 400, unknown connector → 404", async () => {
    assert.equal(
      (await kit.api("POST", `/api/v1/smb-connectors/${connectorId}/push`, { json: { after_copy: "move" } })).status,
      400,
    );
    assert.equal(
      (
        await kit.api("POST", `/api/v1/smb-connectors/${connectorId}/pull`, {
          json: { after_copy: "keep", path: "../x" },
        })
      ).status,
      400,
    );
    assert.equal(
      (
        await kit.api("POST", "/api/v1/smb-connectors/cnn_01ARZ3NDEKTSV4RRFFQ69G5FAV/pull", {
          json: { after_copy: "keep" },
        })
      ).status,
      404,
    );
  });

  test(
    "a refused logon fails the pull with CONNECTOR_AUTH_FAILED and " +
      "disables the connector; a mount does too; PATCH {} re-enables",
    async () => {
      const base = `/api/v1/smb-connectors/${connectorId}`;
      assert.equal((await kit.api("PATCH", base, { json: { password: "Wrong-Secret-99" } })).status, 200);
      const r = await kit.api("POST", `${base}/pull`, { json: { after_copy: "keep", path: "keep" } });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const job = await kit.waitJob(connectorId, r.body.id);
      assert.equal(job.status, "failed");
      assert.equal(job.error.code, "CONNECTOR_AUTH_FAILED");
      const off = (await kit.api("GET", base)).body;
      assert.equal(off.enabled, false);
      assert.match(off.status_reason, /^authentication failed: /);
      assert.equal(
        (await kit.api("POST", `${base}/push`, { json: { after_copy: "keep" } })).status,
        409,
        "a disabled connector refuses push",
      );

      // Re-saving re-enables; opening a mount with the still-wrong password disables it again.
      assert.equal((await kit.api("PATCH", base, { json: {} })).body.enabled, true);
      const mount = await kit.api("POST", "/api/v1/mounts", {
        json: { share_id: shareId, path: "/auth-mount", connector_id: connectorId, remote_path: "keep" },
      });
      assert.equal(mount.status, 502);
      assert.equal(mount.body.error.code, "CONNECTOR_AUTH_FAILED", JSON.stringify(mount.body));
      assert.equal((await kit.api("GET", base)).body.enabled, false);

      const fixed = await kit.api("PATCH", base, { json: { password: samba.password } });
      assert.equal(fixed.body.enabled, true);
      assert.equal(fixed.body.status_reason, null);
      const again = await run("pull", { after_copy: "keep", path: "keep" });
      assert.equal(again.status, "completed", JSON.stringify(again));
    },
  );
});
