import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openEngineFixture, type EngineFixture } from "./helpers/engine-fixture.js";
import { decorateRemote } from "./helpers/remote-decorator.js";

describe("engine: bidirectional sync between two real shares", () => {
  let e: EngineFixture;
  before(async () => {
    e = await openEngineFixture();
  });
  after(async () => e.close());

  test("initial sync merges both sides; a second run changes nothing", async () => {
    const p = await e.newPair();
    await p.writeA("docs/report.pdf", "pdf bytes");
    await p.writeA("docs/deep/nested note.txt", "nested");
    await p.writeA("Ünïcødé résumé.txt", "unicode");
    await p.mkdirA("empty folder");
    await p.writeB("from-b.txt", "b side");
    const job = await p.sync();
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    assert.equal(job.error_count, 0);
    const expected = {
      docs: "<dir>",
      "docs/report.pdf": "pdf bytes",
      "docs/deep": "<dir>",
      "docs/deep/nested note.txt": "nested",
      "Ünïcødé résumé.txt": "unicode",
      "empty folder": "<dir>",
      "from-b.txt": "b side",
    };
    assert.deepEqual(await p.treeA(), expected);
    assert.deepEqual(await p.treeB(), expected);
    assert.equal(job.files_scanned, 4);
    assert.equal(job.files_synced, 4);
    assert.equal(job.bytes_transferred, "pdf bytes".length + "nested".length + "unicode".length + "b side".length);
    assert.equal(job.files_done, job.files_total);
    const entries = await e.stores.jobs.entries(job.id);
    assert.ok(entries.some((x) => x.action === "copy" && x.path === "docs/report.pdf" && x.result === "ok"));

    const again = await p.sync();
    assert.equal(again.status, "completed");
    assert.equal(again.files_synced, 0);
    assert.equal(again.files_total, 0);
    assert.equal(await p.versionsB("docs/report.pdf"), 1);
    assert.equal(await p.versionsA("from-b.txt"), 1);
    const states = await e.stores.fileStates.list(p.connector.id);
    const st = states.find((s) => s.path === "docs/report.pdf")!;
    assert.ok(st.synced && st.remote_fingerprint && st.scaidrive_version_id && st.sha256 && st.last_synced_at);
  });

  test("create, edit and delete propagate from each side", async () => {
    const p = await e.newPair();
    for (const n of ["a", "b", "c", "d", "e", "f"]) await p.writeA(`${n}.txt`, `${n}1`);
    assert.equal((await p.sync()).status, "completed");
    await p.writeA("a.txt", "a2 edited on A");
    await p.writeB("b.txt", "b2 edited on B");
    await p.deleteA("c.txt");
    await p.deleteB("d.txt");
    await p.writeA("new-a.txt", "new on A");
    await p.writeB("sub/new-b.txt", "new on B");
    const job = await p.sync();
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    const expected = {
      "a.txt": "a2 edited on A",
      "b.txt": "b2 edited on B",
      "e.txt": "e1",
      "f.txt": "f1",
      "new-a.txt": "new on A",
      sub: "<dir>",
      "sub/new-b.txt": "new on B",
    };
    assert.deepEqual(await p.treeA(), expected);
    assert.deepEqual(await p.treeB(), expected);
    assert.equal(await p.versionsB("a.txt"), 2);
    assert.equal(await e.stores.fileStates.get(p.connector.id, "c.txt"), undefined);
  });

  test("renames are applied as moves on the other side (ids kept, no copy)", async () => {
    const p = await e.newPair();
    await p.writeA("folder/x.txt", "x");
    await p.writeA("folder/y.txt", "y");
    await p.writeA("old name.txt", "renamed on A");
    await p.writeA("b-side.txt", "renamed on B");
    await p.writeA("f1.txt", "1");
    await p.writeA("f2.txt", "2");
    assert.equal((await p.sync()).status, "completed");
    const ids = { x: await p.idB("folder/x.txt"), old: await p.idB("old name.txt"), folder: await p.idB("folder") };
    await p.moveA("old name.txt", "new name.txt");
    await p.moveB("b-side.txt", "moved/b-side renamed.txt");
    await p.moveA("folder", "renamed folder");
    const job = await p.sync();
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    assert.equal(job.bytes_transferred, 0, "renames move, they do not copy");
    const expected = {
      "f1.txt": "1",
      "f2.txt": "2",
      "new name.txt": "renamed on A",
      moved: "<dir>",
      "moved/b-side renamed.txt": "renamed on B",
      "renamed folder": "<dir>",
      "renamed folder/x.txt": "x",
      "renamed folder/y.txt": "y",
    };
    assert.deepEqual(await p.treeA(), expected);
    assert.deepEqual(await p.treeB(), expected);
    assert.equal(await p.idB("new name.txt"), ids.old);
    assert.equal(await p.idB("renamed folder"), ids.folder);
    assert.equal(await p.idB("renamed folder/x.txt"), ids.x);
    assert.deepEqual(
      (await e.stores.fileStates.list(p.connector.id)).map((s) => s.path).filter((s) => s.includes("folder")),
      ["renamed folder", "renamed folder/x.txt", "renamed folder/y.txt"],
    );
    assert.equal((await p.sync()).files_total, 0);
  });

  test("a folder deleted on one side is removed on the other once empty; new content inside keeps it", async () => {
    const p = await e.newPair();
    await p.writeA("gone/a.txt", "a");
    await p.writeA("kept/b.txt", "b");
    for (const n of ["1", "2", "3", "4"]) await p.writeA(`pad${n}.txt`, n);
    assert.equal((await p.sync()).status, "completed");
    await p.deleteA("gone");
    await p.deleteA("kept");
    await p.writeB("kept/new in B.txt", "new");
    const job = await p.sync();
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    const tb = await p.treeB();
    assert.equal(tb["gone"], undefined);
    assert.equal(tb["kept/b.txt"], undefined);
    assert.equal(tb["kept/new in B.txt"], "new");
    assert.equal((await p.treeA())["kept/new in B.txt"], "new");
  });

  test("full_sync re-compares content: a lost base is rebuilt without copies or new versions", async () => {
    const p = await e.newPair();
    for (const n of ["a", "b", "c"]) await p.writeA(`${n}.txt`, n);
    assert.equal((await p.sync()).status, "completed");
    for (const s of await e.stores.fileStates.list(p.connector.id))
      await e.stores.fileStates.forget(p.connector.id, s.path);
    await p.writeB("c.txt", "changed in ScaiDrive");
    const job = await p.sync({ fullSync: true });
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    assert.ok(job.options.full_sync);
    assert.equal(job.bytes_transferred, "changed in ScaiDrive".length, "only the differing file moves");
    assert.equal(await p.versionsB("a.txt"), 1);
    assert.equal(await p.versionsA("a.txt"), 1);
    assert.equal((await p.treeA())["c.txt"], "changed in ScaiDrive", "LAST_WRITER_WINS: the newer ScaiDrive edit");
    assert.equal((await e.stores.fileStates.list(p.connector.id)).filter((s) => s.synced).length, 3);
  });

  test("reparse points are reported in the job log and neither followed nor synced", async () => {
    const p = await e.newPair();
    await p.writeA("real.txt", "real");
    await p.writeA("link/target.txt", "behind a link");
    e.decorate.fn = (inner) =>
      decorateRemote(inner, {
        async *walk(root) {
          for await (const x of inner.walk(root)) {
            if (x.path === "link") yield { ...x, reparsePoint: true };
            else if (!x.path.startsWith("link/")) yield x;
          }
        },
      });
    try {
      const job = await p.sync();
      assert.equal(job.status, "completed");
      assert.equal(job.error_count, 0);
      const entry = (await e.stores.jobs.entries(job.id)).find((x) => x.path === "link");
      assert.equal(entry?.result, "skipped");
      assert.match(entry!.detail!, /reparse point/);
      assert.deepEqual(await p.treeB(), { "real.txt": "real" });
    } finally {
      e.decorate.fn = undefined;
    }
  });
});
