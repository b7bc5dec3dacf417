/**
 * The engine with scope changes on a delta remote (the replayed listing keeps untracked items; a
 * changed filter enumerates afresh), and a folder kept in ScaiDrive because it still holds an
 * excluded file after the remote deleted it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openEngineFixture, type EngineFixture } from "./helpers/engine-fixture.js";
import { withJournalDelta, type JournalDelta } from "./helpers/journal-delta-remote.js";

describe("engine: out of scope is not deleted; kept folders", () => {
  let e: EngineFixture;
  before(async () => {
    e = await openEngineFixture();
  });
  after(async () => e.close());

  const lines = async (jobId: string) =>
    (await e.stores.jobs.entries(jobId)).map((x) => `${x.action} ${x.path} ${x.result}`).sort();

  test(
    "delta remote: an exclude pattern added untracks (replayed " +
      "runs stay quiet); removed, the same nodes are matched again",
    async () => {
      const p = await e.newPair({ max_delete_percent: 100 });
      let delta: JournalDelta | undefined;
      e.decorate.fn = (inner) => (delta = withJournalDelta(inner)).remote;
      try {
        await p.writeA("a.log", "a");
        await p.writeA("logs/b.log", "b");
        await p.writeA("c.txt", "c");
        assert.equal((await p.sync()).status, "completed");
        const aId = await p.idB("a.log");

        await p.update({ exclude_patterns: { extensions: ["log"] } });
        const narrowed = await p.sync();
        assert.equal(narrowed.status, "completed", JSON.stringify(narrowed.error));
        assert.deepEqual(await lines(narrowed.id), ["untrack a.log skipped", "untrack logs/b.log skipped"]);
        assert.equal(delta!.calls.at(-1), null, "a changed filter enumerates the remote afresh");
        const expected = { "a.log": "a", logs: "<dir>", "logs/b.log": "b", "c.txt": "c" };
        assert.deepEqual(await p.treeA(), expected);
        assert.deepEqual(await p.treeB(), expected);
        const row = await e.stores.fileStates.get(p.connector.id, "a.log");
        assert.equal(row!.synced, false);
        assert.equal(row!.note_code, "out_of_scope");

        // Replayed from the cursor: the untracked items are still there, out of scope, quiet.
        const quiet = await p.sync();
        assert.notEqual(delta!.calls.at(-1), null);
        assert.deepEqual(await lines(quiet.id), []);
        await p.deleteA("a.log");
        await p.writeB("logs/b.log", "b edited in ScaiDrive");
        const stillQuiet = await p.sync();
        assert.deepEqual(await lines(stillQuiet.id), []);
        assert.equal((await p.treeB())["a.log"], "a", "a remote delete of an excluded file is not propagated");

        await p.update({ exclude_patterns: null });
        const widened = await p.sync();
        assert.equal(widened.status, "completed", JSON.stringify(widened.error));
        assert.equal(delta!.calls.at(-1), null);
        assert.equal(await p.idB("a.log"), aId, "back in scope: the same node, pushed back to the remote");
        assert.deepEqual(await p.treeA(), {
          "a.log": "a",
          logs: "<dir>",
          "logs/b.log": "b edited in ScaiDrive",
          "c.txt": "c",
        });
        assert.equal((await p.sync()).files_total, 0);
      } finally {
        e.decorate.fn = undefined;
      }
    },
  );

  test(
    "a folder deleted on the remote and kept in ScaiDrive (an excluded " +
      "file inside): not_empty once, not re-created, deleted once empty",
    async () => {
      const p = await e.newPair({ exclude_patterns: { patterns: ["*.tmp"] }, max_delete_percent: 100 });
      await p.writeA("keep.txt", "k");
      await p.writeA("proj/a.txt", "a");
      assert.equal((await p.sync()).status, "completed");
      await p.writeB("proj/scratch.tmp", "excluded, only in ScaiDrive");
      await p.deleteA("proj");

      const job = await p.sync();
      assert.equal(job.status, "completed");
      assert.deepEqual(await lines(job.id), ["delete proj error", "delete proj/a.txt ok"]);
      const err = (await e.stores.jobs.entries(job.id)).find((x) => x.result === "error")!;
      assert.equal(err.error!.code, "not_empty");
      assert.match(
        err.error!.message,
        /^the ScaiDrive folder still holds items this connector does not sync \("proj\/scratch\.tmp"\); it stays deleted on the remote and is kept in ScaiDrive$/,
      );
      const row = await e.stores.fileStates.get(p.connector.id, "proj");
      assert.equal(row!.note_code, "kept_on_scaidrive");
      assert.equal(row!.kind, "folder");

      const again = await p.sync();
      assert.equal(again.error_count, 0);
      assert.deepEqual(await lines(again.id), []);
      assert.deepEqual(await p.treeA(), { "keep.txt": "k" }, "not re-created on the remote");

      await p.deleteB("proj/scratch.tmp");
      const emptied = await p.sync();
      assert.deepEqual(await lines(emptied.id), ["delete proj ok"]);
      assert.deepEqual(await p.treeB(), { "keep.txt": "k" });
      assert.equal(await e.stores.fileStates.get(p.connector.id, "proj"), undefined);
    },
  );
});
