import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DIALECTS, type TestDatabase } from "./helpers/test-databases.js";
import { createSyncStores, type SyncStores } from "../../src/store/sync/sync-stores.js";
import { AppError } from "../../src/core/errors.js";

for (const dialect of DIALECTS) {
  describe(`sync stores on ${dialect.name}`, () => {
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
        target_path: "/From Fileserver",
        sync_direction: "bidirectional",
        conflict_resolution: "LAST_WRITER_WINS",
        include_patterns: { extensions: ["pdf"] },
        exclude_patterns: { patterns: ["~$*"] },
        sync_hidden_files: false,
        sync_system_files: true,
        sync_permissions: true,
        sync_versions: false,
        sync_interval_minutes: 15,
        max_delete_percent: 50,
        config: { server_host: "fs01", server_port: 445 },
        secrets: { password: "sealed:abc" },
        created_by: "usr_A",
      });

    test("connectors: create, get, list by type, patch, delete with cascade", async () => {
      const c = await newConnector();
      assert.match(c.id, /^cnn_/);
      assert.deepEqual(c.include_patterns, { extensions: ["pdf"] });
      assert.equal(c.sync_system_files, true);
      assert.equal(c.status, "enabled");
      assert.deepEqual((await s.connectors.list({ type: "smb" })).map((x) => x.id).includes(c.id), true);
      assert.deepEqual(await s.connectors.list({ type: "sharepoint" }), []);
      const u = await s.connectors.update(c.id, {
        sync_interval_minutes: 60,
        exclude_patterns: null,
        secrets: { password: "sealed:new" },
      });
      assert.equal(u.sync_interval_minutes, 60);
      assert.equal(u.exclude_patterns, null);
      assert.deepEqual(u.include_patterns, { extensions: ["pdf"] });
      assert.equal(u.secrets.password, "sealed:new");
      await s.identityMappings.create({
        connector_id: c.id,
        identity_type: "user",
        remote_principal: "CORP\\alice",
        scaidrive_principal_id: "usr_A",
      });
      const job = await s.jobs.createActive(c.id, "manual", { full_sync: false, dry_run: false, force: false });
      await s.jobs.addEntries(job!.id, [
        { seq: 1, action: "copy", path: "a", result: "ok", error: null, bytes: 3, detail: null },
      ]);
      await s.fileStates.markSynced(c.id, {
        path: "a",
        kind: "file",
        remote_id: "1",
        remote_fingerprint: "f",
        remote_mtime_ms: 5,
        remote_size: 3,
        scaidrive_node_id: "fil_1",
        scaidrive_version_id: "ver_1",
        sha256: "h",
      });
      await s.cursors.set(c.id, "cur");
      assert.equal(await s.connectors.delete(c.id), true);
      assert.equal(await s.connectors.get(c.id), undefined);
      assert.deepEqual(await s.identityMappings.list(c.id), []);
      assert.deepEqual(await s.fileStates.list(c.id), []);
      assert.equal(await s.cursors.get(c.id), null);
      await assert.rejects(s.connectors.require(c.id), (e: unknown) => e instanceof AppError && e.code === "NOT_FOUND");
    });

    test("identity mappings: unique per remote principal, case-insensitive lookup", async () => {
      const c = await newConnector();
      const m = await s.identityMappings.create({
        connector_id: c.id,
        identity_type: "user",
        remote_principal: "CORP\\alice",
        scaidrive_principal_id: "usr_A",
      });
      assert.match(m.id, /^map_/);
      await assert.rejects(
        s.identityMappings.create({
          connector_id: c.id,
          identity_type: "user",
          remote_principal: "CORP\\alice",
          scaidrive_principal_id: "usr_B",
        }),
        (e: unknown) => e instanceof AppError && e.code === "ALREADY_EXISTS",
      );
      assert.equal((await s.identityMappings.principalMap(c.id)).get("corp\\alice")?.scaidrive_principal_id, "usr_A");
      assert.equal(await s.identityMappings.delete(c.id, m.id), true);
      assert.equal(await s.identityMappings.delete(c.id, m.id), false);
    });

    test("jobs: one active per connector, skipped records, counters, finish, orphans, entries", async () => {
      const c = await newConnector();
      const opts = { full_sync: false, dry_run: false, force: false };
      const j = await s.jobs.createActive(c.id, "manual", opts);
      assert.ok(j && j.status === "queued");
      assert.equal(await s.jobs.createActive(c.id, "scheduled", opts), undefined);
      const skipped = await s.jobs.createSkipped(c.id, "scheduled", "a run is already in progress");
      assert.equal(skipped.status, "skipped");
      await s.jobs.markRunning(j!.id);
      await s.jobs.updateCounters(j!.id, { files_total: 10, files_done: 4, bytes_done: 5_000_000_000 });
      const mid = await s.jobs.get(j!.id);
      assert.equal(mid!.status, "running");
      assert.equal(mid!.bytes_done, 5_000_000_000);
      await s.jobs.finish(j!.id, "failed", { error_count: 1 }, { code: "CONNECTOR_UNREACHABLE", message: "down" });
      await s.jobs.finish(j!.id, "completed", {});
      const done = await s.jobs.get(j!.id);
      assert.equal(done!.status, "failed");
      assert.deepEqual(done!.error, { code: "CONNECTOR_UNREACHABLE", message: "down" });
      assert.equal((await s.jobs.lastRun(c.id))!.id, j!.id);
      const list = await s.jobs.list(c.id);
      assert.deepEqual(
        list.map((x) => x.id),
        [skipped.id, j!.id],
      );
      assert.deepEqual(
        (await s.jobs.list(c.id, { before: skipped.id })).map((x) => x.id),
        [j!.id],
      );
      const j2 = await s.jobs.createActive(c.id, "scheduled", opts);
      assert.ok(j2);
      assert.equal(
        await s.jobs.failOrphans(
          { code: "INTERNAL", message: "interrupted" },
          { connectorId: c.id, exclude: [j2!.id] },
        ),
        0,
      );
      assert.equal(
        await s.jobs.failOrphans(
          { code: "INTERNAL", message: "interrupted" },
          { connectorId: c.id, staleBefore: "2000-01-01T00:00:00Z" },
        ),
        0,
      );
      assert.equal(await s.jobs.failOrphans({ code: "INTERNAL", message: "interrupted" }, { connectorId: c.id }), 1);
      assert.equal((await s.jobs.get(j2!.id))!.status, "failed");
      await s.jobs.addEntries(j2!.id, [
        { seq: 1, action: "copy", path: "a b/ü.txt", result: "ok", error: null, bytes: 7, detail: null },
        {
          seq: 2,
          action: "copy",
          path: "x",
          result: "error",
          error: { code: "locked", message: "in use" },
          bytes: 0,
          detail: null,
        },
      ]);
      const entries = await s.jobs.entries(j2!.id);
      assert.equal(entries.length, 2);
      assert.deepEqual(entries[1]!.error, { code: "locked", message: "in use" });
    });

    test("file-states: base, errors keep the base, rename re-keys a subtree", async () => {
      const c = await newConnector();
      const st = (path: string, kind: "file" | "folder" = "file") => ({
        path,
        kind,
        remote_id: `r-${path}`,
        remote_fingerprint: "rf",
        remote_mtime_ms: 1_700_000_000_000,
        remote_size: 3,
        scaidrive_node_id: `n-${path}`,
        scaidrive_version_id: "v",
        sha256: "h",
        extra: { etag: "e" },
      });
      await s.fileStates.markSynced(c.id, st("d", "folder"));
      await s.fileStates.markSynced(c.id, st("d/a.txt"));
      await s.fileStates.markSynced(c.id, st("d_x.txt"));
      await s.fileStates.markError(c.id, "d/a.txt", "file", "locked", "in use");
      await s.fileStates.markError(c.id, "new.txt", "file", "access_denied", "no");
      const base = await s.fileStates.loadBase(c.id);
      assert.deepEqual(base.map((b) => b.path).sort(), ["d", "d/a.txt", "d_x.txt"]);
      const a = await s.fileStates.get(c.id, "d/a.txt");
      assert.equal(a!.last_error, "in use");
      assert.equal(a!.remote_mtime_ms, 1_700_000_000_000);
      assert.deepEqual(a!.extra, { etag: "e" });
      await s.fileStates.markSynced(c.id, st("100%_done", "folder"));
      await s.fileStates.markSynced(c.id, st("100%_done/in.txt"));
      await s.fileStates.markSynced(c.id, st("100x_done/other.txt"));
      await s.fileStates.rename(c.id, "100%_done", "finished");
      assert.deepEqual(
        (await s.fileStates.list(c.id)).map((r) => r.path).filter((p) => /^(100|finished)/.test(p)),
        ["100x_done/other.txt", "finished", "finished/in.txt"],
      );
      await s.fileStates.rename(c.id, "d", "e");
      assert.deepEqual(
        (await s.fileStates.list(c.id)).map((r) => r.path),
        ["100x_done/other.txt", "d_x.txt", "e", "e/a.txt", "finished", "finished/in.txt", "new.txt"],
      );
      await s.fileStates.markSynced(c.id, st("e/a.txt"));
      assert.equal((await s.fileStates.get(c.id, "e/a.txt"))!.last_error, null);
      await s.fileStates.forget(c.id, "new.txt");
      assert.deepEqual(
        (await s.fileStates.list(c.id, { after: "e", limit: 2 })).map((r) => r.path),
        ["e/a.txt", "finished"],
      );
    });

    test("file-states: several paths may carry one remote id (a file and a symbolic link to it)", async () => {
      const c = await newConnector();
      const st = (path: string, node: string) => ({
        path,
        kind: "file" as const,
        remote_id: "4711",
        remote_fingerprint: "6:1:4711",
        remote_mtime_ms: 1,
        remote_size: 6,
        scaidrive_node_id: node,
        scaidrive_version_id: "v",
        sha256: "h",
      });
      await s.fileStates.applyBatch(c.id, [
        { op: "synced", state: st("target.txt", "n1") },
        { op: "synced", state: st("link.txt", "n2") },
      ]);
      await s.fileStates.markSynced(c.id, st("z-link.txt", "n3"));
      const base = await s.fileStates.loadBase(c.id);
      assert.deepEqual(base.map((b) => [b.path, b.remoteId, b.scaidriveId]).sort(), [
        ["link.txt", "4711", "n2"],
        ["target.txt", "4711", "n1"],
        ["z-link.txt", "4711", "n3"],
      ]);
      await s.fileStates.forget(c.id, "link.txt");
      assert.deepEqual(
        (await s.fileStates.list(c.id)).map((r) => r.path),
        ["target.txt", "z-link.txt"],
      );
    });

    test("file-states: a batch applies synced rows, forgets and errors in order, in one transaction", async () => {
      const c = await newConnector();
      const st = (path: string, fp = "rf") => ({
        path,
        kind: "file" as const,
        remote_id: `r-${path}`,
        remote_fingerprint: fp,
        remote_mtime_ms: 1_700_000_000_000,
        remote_size: 3,
        scaidrive_node_id: `n-${path}`,
        scaidrive_version_id: "v",
        sha256: "h",
        extra: fp === "rf" ? null : { etag: fp },
      });
      await s.fileStates.markSynced(c.id, st("old.txt"));
      await s.fileStates.markError(c.id, "retry.txt", "file", "locked", "in use");
      const many = Array.from({ length: 450 }, (_, i) => ({
        op: "synced" as const,
        state: st(`f/${String(i).padStart(3, "0")}.txt`),
      }));
      await s.fileStates.applyBatch(c.id, [
        ...many,
        { op: "synced", state: st("retry.txt") },
        { op: "forget", path: "old.txt" },
        { op: "synced", state: st("twice.txt", "first") },
        { op: "synced", state: st("twice.txt", "second") },
        { op: "error", path: "bad.txt", kind: "file", code: "access_denied", message: "no" },
        { op: "synced", state: st("gone.txt") },
        { op: "forget", path: "gone.txt" },
      ]);
      const rows = new Map((await s.fileStates.list(c.id)).map((r) => [r.path, r]));
      assert.equal(
        [...rows.keys()].filter((p) => p.startsWith("f/")).length,
        450,
        "more rows than one multi-row insert holds",
      );
      assert.equal(rows.has("old.txt"), false);
      assert.equal(rows.has("gone.txt"), false, "a forget after the path's synced row wins");
      assert.equal(rows.get("retry.txt")!.synced, true);
      assert.equal(rows.get("retry.txt")!.last_error, null, "a synced row clears the error");
      assert.equal(rows.get("twice.txt")!.remote_fingerprint, "second", "the last state of a path named twice");
      assert.deepEqual(rows.get("twice.txt")!.extra, { etag: "second" });
      assert.equal(rows.get("bad.txt")!.last_error_code, "access_denied");
      assert.equal(rows.get("bad.txt")!.synced, false);
      // All or nothing: a row breaking a constraint rolls the whole batch back.
      await assert.rejects(
        s.fileStates.applyBatch(c.id, [
          { op: "synced", state: st("never.txt") },
          { op: "forget", path: "f/000.txt" },
          { op: "synced", state: { ...st("broken.txt"), kind: null as unknown as "file" } },
        ]),
      );
      assert.equal(await s.fileStates.get(c.id, "never.txt"), undefined);
      assert.ok(await s.fileStates.get(c.id, "f/000.txt"));
    });

    test(
      "file-states: a note ends the base but keeps the row's " +
        "columns; a synced row clears it; cursors carry their filter",
      async () => {
        const c = await newConnector();
        const st = (path: string, kind: "file" | "folder" = "file") => ({
          path,
          kind,
          remote_id: `r-${path}`,
          remote_fingerprint: "rf",
          remote_mtime_ms: 1_700_000_000_000,
          remote_size: 3,
          scaidrive_node_id: `n-${path}`,
          scaidrive_version_id: "v",
          sha256: "h",
        });
        await s.fileStates.markSynced(c.id, st("hidden.txt"));
        await s.fileStates.markSynced(c.id, st("proj", "folder"));
        await s.fileStates.applyBatch(c.id, [
          {
            op: "note",
            path: "hidden.txt",
            kind: "file",
            code: "out_of_scope",
            message: "hidden on SMB: out of scope, not synced; nothing deleted",
          },
          {
            op: "note",
            path: "proj",
            kind: "folder",
            code: "kept_on_remote",
            message: "kept",
            error: { code: "not_empty", message: "holds x.secret" },
          },
          { op: "note", path: "never-synced.txt", kind: "file", code: "out_of_scope", message: "m" },
        ]);
        assert.deepEqual(
          (await s.fileStates.loadBase(c.id)).map((b) => b.path),
          [],
        );
        assert.deepEqual((await s.fileStates.loadNotes(c.id)).map((n) => `${n.path} ${n.kind} ${n.code}`).sort(), [
          "hidden.txt file out_of_scope",
          "never-synced.txt file out_of_scope",
          "proj folder kept_on_remote",
        ]);
        const hidden = (await s.fileStates.get(c.id, "hidden.txt"))!;
        assert.equal(hidden.synced, false);
        assert.equal(hidden.scaidrive_node_id, "n-hidden.txt", "the row still names the node");
        assert.equal(hidden.note, "hidden on SMB: out of scope, not synced; nothing deleted");
        const proj = (await s.fileStates.get(c.id, "proj"))!;
        assert.equal(proj.last_error_code, "not_empty");
        await s.fileStates.applyBatch(c.id, [
          { op: "error", path: "proj", kind: "folder", code: "access_denied", message: "no" },
        ]);
        assert.equal((await s.fileStates.get(c.id, "proj"))!.note_code, "kept_on_remote", "an error leaves the note");
        await s.fileStates.applyBatch(c.id, [{ op: "synced", state: st("hidden.txt") }]);
        const back = (await s.fileStates.get(c.id, "hidden.txt"))!;
        assert.equal(back.synced, true);
        assert.equal(back.note_code, null);
        assert.equal(back.note, null);

        await s.cursors.set(c.id, "cur-1");
        assert.deepEqual(await s.cursors.getScoped(c.id), { cursor: "cur-1", scopeKey: null });
        await s.cursors.set(c.id, "cur-2", "k1");
        assert.deepEqual(await s.cursors.getScoped(c.id), { cursor: "cur-2", scopeKey: "k1" });
        assert.equal(await s.cursors.get(c.id), "cur-2");
      },
    );
  });
}
