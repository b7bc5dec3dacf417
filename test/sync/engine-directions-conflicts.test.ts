import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openEngineFixture, type EngineFixture, type Pair } from "./helpers/engine-fixture.js";
import { decorateRemote } from "./helpers/remote-decorator.js";

const T1 = new Date("2025-01-01T10:00:00Z");
const T2 = new Date("2025-01-01T11:00:00Z");

describe("engine: directions, conflicts and filters", () => {
  let e: EngineFixture;
  before(async () => {
    e = await openEngineFixture();
  });
  after(async () => e.close());

  const seeded = async (settings: Parameters<EngineFixture["newPair"]>[0] = {}, seedB = false): Promise<Pair> => {
    const p = await e.newPair(settings);
    for (const n of ["a", "b", "c", "d", "e", "f"]) await (seedB ? p.writeB : p.writeA)(`${n}.txt`, `${n}1`);
    const job = await p.sync();
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    return p;
  };

  test(
    "share_to_scaidrive: the remote is authoritative — " + "ScaiDrive edits, additions and deletions are undone",
    async () => {
      const p = await seeded({ sync_direction: "share_to_scaidrive" });
      await p.writeA("a.txt", "a2 from remote");
      await p.deleteA("b.txt");
      await p.writeB("c.txt", "c edited in ScaiDrive");
      await p.deleteB("d.txt");
      await p.writeB("only-in-scaidrive.txt", "x");
      await p.moveB("e.txt", "e renamed.txt");
      const job = await p.sync();
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      const expected = { "a.txt": "a2 from remote", "c.txt": "c1", "d.txt": "d1", "e.txt": "e1", "f.txt": "f1" };
      assert.deepEqual(await p.treeA(), expected);
      assert.deepEqual(await p.treeB(), expected);
    },
  );

  test(
    "scaidrive_to_share: ScaiDrive is authoritative — " + "remote edits, additions and deletions are undone",
    async () => {
      const p = await seeded({ sync_direction: "scaidrive_to_share" }, true);
      await p.writeB("a.txt", "a2 from scaidrive");
      await p.deleteB("b.txt");
      await p.writeA("c.txt", "c edited on remote");
      await p.deleteA("d.txt");
      await p.writeA("only-on-remote.txt", "x");
      const job = await p.sync();
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      const expected = { "a.txt": "a2 from scaidrive", "c.txt": "c1", "d.txt": "d1", "e.txt": "e1", "f.txt": "f1" };
      assert.deepEqual(await p.treeA(), expected);
      assert.deepEqual(await p.treeB(), expected);
    },
  );

  test("a first one-way run from an empty authoritative side is stopped by the safety check", async () => {
    const p = await e.newPair({ sync_direction: "scaidrive_to_share" });
    for (const n of ["a", "b", "c"]) await p.writeA(`${n}.txt`, n);
    const job = await p.sync();
    assert.equal(job.status, "failed");
    assert.equal(job.error?.code, "SYNC_SAFETY_ABORT");
    assert.equal(Object.keys(await p.treeA()).length, 3);
  });

  test("LAST_WRITER_WINS keeps the newer modification time, per file", async () => {
    const p = await seeded({ conflict_resolution: "LAST_WRITER_WINS" });
    await p.writeA("a.txt", "a remote newer", T2);
    await p.writeB("a.txt", "a scaidrive older", T1);
    await p.writeA("b.txt", "b remote older", T1);
    await p.writeB("b.txt", "b scaidrive newer", T2);
    const job = await p.sync();
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    for (const tree of [await p.treeA(), await p.treeB()]) {
      assert.equal(tree["a.txt"], "a remote newer");
      assert.equal(tree["b.txt"], "b scaidrive newer");
    }
  });

  test("SCAIDRIVE_WINS and SHARE_WINS ignore times", async () => {
    const s = await seeded({ conflict_resolution: "SCAIDRIVE_WINS" });
    await s.writeA("a.txt", "remote", T2);
    await s.writeB("a.txt", "scaidrive", T1);
    assert.equal((await s.sync()).status, "completed");
    assert.equal((await s.treeA())["a.txt"], "scaidrive");
    assert.equal((await s.treeB())["a.txt"], "scaidrive");

    const r = await seeded({ conflict_resolution: "SHARE_WINS" });
    await r.writeA("a.txt", "remote", T1);
    await r.writeB("a.txt", "scaidrive", T2);
    assert.equal((await r.sync()).status, "completed");
    assert.equal((await r.treeA())["a.txt"], "remote");
    assert.equal((await r.treeB())["a.txt"], "remote");
  });

  test(
    "KEEP_BOTH: the ScaiDrive copy gets a (conflict) " + "suffix on both sides, the remote copy keeps the name",
    async () => {
      const p = await seeded({ conflict_resolution: "KEEP_BOTH" });
      const idBefore = await p.idB("a.txt");
      await p.writeA("a.txt", "remote edit");
      await p.writeB("a.txt", "scaidrive edit");
      await p.writeA("new.txt", "created on remote");
      await p.writeB("new.txt", "created in scaidrive");
      const job = await p.sync();
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      for (const tree of [await p.treeA(), await p.treeB()]) {
        assert.equal(tree["a.txt"], "remote edit");
        assert.equal(tree["a (conflict).txt"], "scaidrive edit");
        assert.equal(tree["new.txt"], "created on remote");
        assert.equal(tree["new (conflict).txt"], "created in scaidrive");
      }
      assert.equal(await p.idB("a (conflict).txt"), idBefore, "the ScaiDrive file was renamed, not copied");
      assert.equal((await p.sync()).files_total, 0);
    },
  );

  test("identical edits on both sides are not a conflict", async () => {
    const p = await seeded({ conflict_resolution: "KEEP_BOTH" });
    await p.writeA("a.txt", "same new content");
    await p.writeB("a.txt", "same new content");
    const job = await p.sync();
    assert.equal(job.status, "completed");
    assert.equal(job.bytes_transferred, 0);
    assert.equal((await p.treeB())["a (conflict).txt"], undefined);
    assert.equal(await p.versionsB("a.txt"), 2);
    assert.equal(await p.versionsA("a.txt"), 2);
  });

  test(
    "filters: include extensions, exclude globs, hidden " + "rules; excluded items are left alone on both sides",
    async () => {
      const p = await e.newPair({
        include_patterns: { extensions: ["pdf", "docx"] },
        exclude_patterns: { patterns: ["~$*", "Thumbs.db", "drafts/**"] },
      });
      await p.writeA("report.pdf", "pdf");
      await p.writeA("letter.DOCX", "docx");
      await p.writeA("notes.txt", "not included");
      await p.writeA("~$report.docx", "office lock");
      await p.writeA("Thumbs.db", "litter");
      await p.writeA("drafts/plan.pdf", "excluded by path glob");
      await p.writeB("scaidrive.pdf", "pushed");
      await p.writeB("scaidrive.txt", "stays local");
      const job = await p.sync();
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      const tb = await p.treeB();
      assert.equal(tb["report.pdf"], "pdf");
      assert.equal(tb["letter.DOCX"], "docx");
      for (const n of ["notes.txt", "~$report.docx", "Thumbs.db", "drafts/plan.pdf"]) assert.equal(tb[n], undefined, n);
      const ta = await p.treeA();
      assert.equal(ta["scaidrive.pdf"], "pushed");
      assert.equal(ta["scaidrive.txt"], undefined);
      assert.equal(ta["notes.txt"], "not included");
      // Tightening the filter later never deletes the now-excluded files anywhere.
      await p.update({ include_patterns: { extensions: ["docx"] } });
      assert.equal((await p.sync()).status, "completed");
      assert.equal((await p.treeB())["report.pdf"], "pdf");
      assert.equal((await p.treeA())["report.pdf"], "pdf");
    },
  );

  test(
    "case-insensitive remote: names differing only in case " + "are one item; ScaiDrive case twins are per-file errors",
    async () => {
      const p = await e.newPair();
      e.decorate.fn = (inner) =>
        decorateRemote(inner, { capabilities: { ...inner.capabilities, caseInsensitive: true } });
      try {
        await p.writeA("Report.PDF", "same bytes");
        await p.writeB("report.pdf", "same bytes");
        await p.writeB("Dup.txt", "upper");
        await p.writeB("dup.txt", "lower");
        await p.writeB("ok.txt", "fine");
        const job = await p.sync();
        assert.equal(job.status, "completed");
        assert.equal(job.error_count, 2);
        const errors = (await e.stores.jobs.entries(job.id)).filter((x) => x.result === "error");
        assert.deepEqual(errors.map((x) => `${x.path} ${x.error?.code}`).sort(), [
          "Dup.txt case_conflict",
          "dup.txt case_conflict",
        ]);
        assert.deepEqual(await p.treeA(), { "Report.PDF": "same bytes", "ok.txt": "fine" });
        assert.equal((await p.treeB())["Report.PDF"], undefined, "no duplicate under the remote's spelling");
        assert.equal((await p.sync()).error_count, 2, "still reported on the next run");
      } finally {
        e.decorate.fn = undefined;
      }
    },
  );
});
