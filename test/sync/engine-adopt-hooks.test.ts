/**
 * Items recorded without a transfer still get their hooks: content already identical on both
 * sides on a first run (adopted), and every synced item on `full_sync` — so permissions/metadata
 * of pre-existing content, and an ACL-only change on the remote, reach ScaiDrive.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openEngineFixture, type EngineFixture } from "./helpers/engine-fixture.js";
import type { RemoteEntry } from "../../src/sync/remote.js";

describe("engine: hooks for adopted items and full sync", () => {
  let e: EngineFixture;
  const pulled: Array<[string, string]> = [];
  const pushed: string[] = [];
  before(async () => {
    e = await openEngineFixture();
    e.hooks.value = {
      async afterPull(_ctx, r: RemoteEntry, l: RemoteEntry) {
        pulled.push([r.path, l.path]);
      },
      async afterPush(_ctx, l: RemoteEntry) {
        pushed.push(l.path);
      },
    };
  });
  after(async () => e.close());
  const reset = () => {
    pulled.length = 0;
    pushed.length = 0;
  };
  const pulledPaths = () => pulled.map(([r]) => r).sort();

  test(
    "first run, identical content on both sides: nothing is " +
      "copied, afterPull runs for every adopted file and folder",
    async () => {
      reset();
      const p = await e.newPair();
      for (const [path, content] of [
        ["same.txt", "same"],
        ["docs/in.txt", "inner"],
        ["docs/deep/x.bin", "xx"],
      ]) {
        await p.writeA(path!, content!);
        await p.writeB(path!, content!);
      }
      await p.writeA("only-remote.txt", "r");
      const job = await p.sync();
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      assert.equal(job.error_count, 0);
      assert.equal(job.files_synced, 1, "only the remote-only file was transferred");
      assert.equal(await p.versionsB("same.txt"), 1, "no new version for adopted content");
      assert.deepEqual(pulledPaths(), [
        "docs",
        "docs/deep",
        "docs/deep/x.bin",
        "docs/in.txt",
        "only-remote.txt",
        "same.txt",
      ]);
      assert.ok(
        pulled.every(([r, l]) => r === l),
        "the hook gets the matching ScaiDrive entry",
      );
      assert.deepEqual(pushed, []);

      reset();
      const again = await p.sync();
      assert.equal(again.files_total, 0);
      assert.deepEqual(pulled, [], "an ordinary run with nothing changed runs no hook");
    },
  );

  test(
    "one-way mirror: a destination found identical is recorded " +
      "and gets afterPull; ScaiDrive → remote gets afterPush",
    async () => {
      reset();
      const p = await e.newPair({ sync_direction: "share_to_scaidrive" });
      await p.writeA("a.txt", "same");
      await p.writeB("a.txt", "same");
      await p.mkdirA("folder");
      await p.mkdirB("folder");
      const job = await p.sync();
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      assert.equal(job.files_synced, 0);
      assert.deepEqual(pulledPaths(), ["a.txt", "folder"]);

      reset();
      const q = await e.newPair({ sync_direction: "scaidrive_to_share" });
      await q.writeA("b.txt", "same");
      await q.writeB("b.txt", "same");
      await q.mkdirA("f");
      await q.mkdirB("f");
      const qJob = await q.sync();
      assert.equal(qJob.status, "completed", JSON.stringify(qJob.error));
      assert.equal(qJob.files_synced, 0);
      assert.deepEqual(pushed.sort(), ["b.txt", "f"]);
      assert.deepEqual(pulled, []);
    },
  );

  for (const direction of ["bidirectional", "share_to_scaidrive"]) {
    test(
      `${direction}: full_sync re-runs afterPull ` + `for every synced file and folder without copying anything`,
      async () => {
        reset();
        const p = await e.newPair({ sync_direction: direction });
        await p.writeA("top.txt", "t");
        await p.writeA("dir/one.txt", "1");
        await p.writeA("dir/sub/two.txt", "2");
        const first = await p.sync();
        assert.equal(first.status, "completed", JSON.stringify(first.error));
        assert.equal(first.files_synced, 3);
        const versions = await p.versionsB("dir/one.txt");

        reset();
        const ordinary = await p.sync();
        assert.equal(ordinary.files_total, 0);
        assert.deepEqual(pulled, [], "no change, no full sync: no hook (an ACL-only change is not seen)");

        const full = await p.sync({ fullSync: true });
        assert.equal(full.status, "completed", JSON.stringify(full.error));
        assert.equal(full.error_count, 0);
        assert.equal(full.files_synced, 0, "identical content is only recorded");
        assert.equal(await p.versionsB("dir/one.txt"), versions);
        assert.deepEqual(pulledPaths(), ["dir", "dir/one.txt", "dir/sub", "dir/sub/two.txt", "top.txt"]);
        assert.deepEqual(pushed, []);
        assert.deepEqual(await p.treeB(), {
          "top.txt": "t",
          dir: "<dir>",
          "dir/one.txt": "1",
          "dir/sub": "<dir>",
          "dir/sub/two.txt": "2",
        });
      },
    );
  }
});
