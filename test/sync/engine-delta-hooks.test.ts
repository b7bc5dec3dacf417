import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openEngineFixture, type EngineFixture } from "./helpers/engine-fixture.js";
import { withJournalDelta, type JournalDelta } from "./helpers/journal-delta-remote.js";
import type { RemoteEntry } from "../../src/sync/remote.js";

describe("engine: delta remotes, hooks, several connectors on one share", () => {
  let e: EngineFixture;
  before(async () => {
    e = await openEngineFixture();
  });
  after(async () => e.close());

  test("a delta remote is read from its stored cursor; an expired cursor falls back to full enumeration", async () => {
    const p = await e.newPair();
    let delta: JournalDelta | undefined;
    e.decorate.fn = (inner) => (delta = withJournalDelta(inner)).remote;
    try {
      await p.writeA("a.txt", "a");
      await p.writeA("dir/b.txt", "b");
      await p.writeA("c.txt", "c");
      assert.equal((await p.sync()).status, "completed");
      assert.deepEqual(delta!.calls, [null]);
      const cursor = await e.stores.cursors.get(p.connector.id);
      assert.match(cursor!, /^c\d+$/);

      await p.writeA("a.txt", "a2");
      await p.moveA("dir", "renamed dir");
      await p.deleteA("c.txt");
      await p.writeA("d.txt", "new");
      const job = await p.sync();
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      assert.deepEqual(delta!.calls, [cursor]);
      assert.deepEqual(await p.treeB(), {
        "a.txt": "a2",
        "renamed dir": "<dir>",
        "renamed dir/b.txt": "b",
        "d.txt": "new",
      });
      assert.notEqual(await e.stores.cursors.get(p.connector.id), cursor);

      delta!.expireAll();
      await p.writeA("e.txt", "after expiry");
      const again = await p.sync();
      assert.equal(again.status, "completed");
      assert.equal(delta!.calls.length, 2, "expired cursor, then a full enumeration");
      assert.equal(delta!.calls[1], null);
      assert.equal((await p.treeB())["e.txt"], "after expiry");
      assert.equal((await p.sync()).files_total, 0);
    } finally {
      e.decorate.fn = undefined;
    }
  });

  test("hooks run after pulls and pushes; their failures are warnings, not file errors", async () => {
    const p = await e.newPair();
    await p.writeA("pulled.txt", "from remote");
    await p.writeA("folder/inner.txt", "x");
    await p.writeB("pushed.txt", "from scaidrive");
    const pulled: string[] = [];
    const pushed: string[] = [];
    let before = 0;
    e.hooks.value = {
      async beforeRun() {
        before++;
      },
      async afterPull(ctx, r: RemoteEntry) {
        pulled.push(r.path);
        if (r.path === "folder/inner.txt") ctx.warn(r.path, "principal CORP\\\\bob is not mapped");
        if (r.path === "pulled.txt") throw new Error("acl translation failed");
      },
      async afterPush(_ctx, l: RemoteEntry) {
        pushed.push(l.path);
      },
    };
    try {
      const job = await p.sync();
      assert.equal(job.status, "completed");
      assert.equal(job.error_count, 0);
      assert.equal(before, 1);
      assert.deepEqual(pulled.sort(), ["folder", "folder/inner.txt", "pulled.txt"]);
      assert.deepEqual(pushed, ["pushed.txt"]);
      const warnings = (await e.stores.jobs.entries(job.id))
        .filter((x) => x.result === "warning")
        .map((x) => `${x.path}: ${x.detail}`)
        .sort();
      assert.deepEqual(warnings, [
        "folder/inner.txt: principal CORP\\\\bob is not mapped",
        "pulled.txt: afterPull hook failed: acl translation failed",
      ]);
    } finally {
      e.hooks.value = undefined;
    }
  });

  test("two connectors sync into different folders of one share without touching each other", async () => {
    const first = await e.newPair({ target_path: "/Finance" });
    const second = await e.newPair({ target_share_id: first.shareB, target_path: "/HR" });
    await first.writeA("budget.xlsx", "numbers");
    await first.writeA("plan.xlsx", "plan");
    await first.writeA("forecast.xlsx", "forecast");
    await second.writeA("people.docx", "names");
    const [j1, j2] = await Promise.all([first.sync(), second.sync()]);
    assert.equal(j1.status, "completed");
    assert.equal(j2.status, "completed");
    assert.deepEqual(await first.treeB(), {
      "budget.xlsx": "numbers",
      "plan.xlsx": "plan",
      "forecast.xlsx": "forecast",
    });
    assert.deepEqual(await second.treeB(), { "people.docx": "names" });
    await first.deleteA("budget.xlsx");
    const j3 = await first.sync();
    assert.equal(j3.status, "completed", JSON.stringify(j3.error));
    assert.equal((await first.treeB())["budget.xlsx"], undefined);
    assert.deepEqual(await second.treeB(), { "people.docx": "names" });
  });
});
