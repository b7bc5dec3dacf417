/**
 * The quick no-op check: a run with nothing to do walks the remote once and answers from the base
 * without listing the ScaiDrive side; every kind of change on either side still goes through the
 * planner and is synced; notes in the base, a narrowed filter and full syncs always plan. On both
 * databases (the ScaiDrive side is checked in SQL).
 */
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openEngineFixture, type EngineFixture, type Pair } from "./helpers/engine-fixture.js";
import { DIALECTS, newPgSchema } from "./helpers/test-databases.js";
import { ScaidriveRemote } from "../../src/sync/scaidrive-remote.js";
import { RemoteError } from "../../src/sync/remote-errors.js";
import type { RemoteEntry } from "../../src/sync/remote.js";
import { decorateRemote } from "./helpers/remote-decorator.js";

/** Counts walks per share by wrapping ScaidriveRemote.walk (both sides of the pair are shares). */
function countWalks(): { counts: Map<string, number>; restore(): void } {
  const counts = new Map<string, number>();
  const original = ScaidriveRemote.prototype.walk;
  ScaidriveRemote.prototype.walk = function (this: ScaidriveRemote, root?: string) {
    const share = this.location.shareId;
    counts.set(share, (counts.get(share) ?? 0) + 1);
    return original.call(this, root);
  };
  return { counts, restore: () => void (ScaidriveRemote.prototype.walk = original) };
}

for (const dialect of DIALECTS) {
  describe(`engine: the quick no-op check (${dialect.name})`, () => {
    let e: EngineFixture;
    let dropSchema: (() => Promise<void>) | undefined;
    let walks: ReturnType<typeof countWalks>;
    let p: Pair;
    const walked = (share: string) => walks.counts.get(share) ?? 0;
    const initial = {
      "a.txt": "a",
      "docs/b.txt": "b",
      "docs/deep/c.txt": "c",
      "docs/deep/d.txt": "d",
      "media/e.bin": "e",
    };

    before(async () => {
      let databaseUrl: string | undefined;
      if (dialect.name === "postgres") {
        const schema = await newPgSchema();
        databaseUrl = schema.url;
        dropSchema = () => schema.drop();
      }
      e = await openEngineFixture({ databaseUrl });
    });
    after(async () => {
      await e?.close();
      await dropSchema?.();
    });
    beforeEach(async () => {
      p = await e.newPair({ max_delete_percent: 100 });
      for (const [path, content] of Object.entries(initial)) await p.writeA(path, content);
      const first = await p.sync();
      assert.equal(first.status, "completed", JSON.stringify(first.error));
      walks = countWalks();
    });
    afterEach(() => walks.restore());

    /** A run that must plan: it lists the ScaiDrive side. Afterwards both sides agree and the next run is quick. */
    const syncedThroughPlanner = async (expected: Record<string, string>) => {
      const before = walked(p.shareB);
      const job = await p.sync();
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      assert.equal(walked(p.shareB), before + 1, "the run planned (listed the ScaiDrive side)");
      assert.deepEqual(await p.treeA(), expected);
      assert.deepEqual(await p.treeB(), expected);
      const quiet = await p.sync();
      assert.equal(quiet.status, "completed");
      assert.equal(quiet.files_total, 0);
      assert.equal(walked(p.shareB), before + 1, "the run after it had nothing to do and did not list ScaiDrive");
    };
    const tree = (patch: Record<string, string | null>) => {
      const t: Record<string, string> = { docs: "<dir>", "docs/deep": "<dir>", media: "<dir>", ...initial };
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete t[k];
        else t[k] = v;
      }
      return t;
    };

    test("nothing changed: one remote walk, no ScaiDrive listing, an empty plan; dry runs too", async () => {
      const job = await p.sync();
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      assert.equal(job.files_total, 0);
      assert.equal(job.files_scanned, 5);
      assert.equal(job.error_count, 0);
      assert.equal(walked(p.shareA), 1, "the remote is walked once");
      assert.equal(walked(p.shareB), 0, "the ScaiDrive side is checked in the database, not listed");
      assert.deepEqual(await e.stores.jobs.entries(job.id), []);

      const dry = await p.sync({ dryRun: true });
      assert.equal(dry.status, "completed");
      assert.equal(dry.files_total, 0);
      assert.equal(walked(p.shareB), 0);
      assert.deepEqual(await e.stores.jobs.entries(dry.id), []);

      const full = await p.sync({ fullSync: true });
      assert.equal(full.status, "completed");
      assert.equal(walked(p.shareB), 1, "a full sync always plans");
    });

    /** Each change in turn is planned and synced; the expected tree accumulates the patches. */
    const eachPlanned = async (steps: Array<[() => Promise<void>, Record<string, string | null>]>) => {
      let expected: Record<string, string | null> = {};
      for (const [change, patch] of steps) {
        await change();
        expected = { ...expected, ...patch };
        await syncedThroughPlanner(tree(expected));
      }
    };

    test("remote changes are planned and synced: edit, new file, new empty folder, delete, move", () =>
      eachPlanned([
        [() => p.writeA("docs/b.txt", "b edited on the remote"), { "docs/b.txt": "b edited on the remote" }],
        [() => p.writeA("docs/deep/new.txt", "new"), { "docs/deep/new.txt": "new" }],
        [() => p.mkdirA("empty"), { empty: "<dir>" }],
        [() => p.deleteA("media/e.bin"), { "media/e.bin": null }],
        [() => p.moveA("docs/deep/c.txt", "c-moved.txt"), { "docs/deep/c.txt": null, "c-moved.txt": "c" }],
      ]));

    test("ScaiDrive changes are planned and synced: edit, new file, empty folder, delete, folder move", () =>
      eachPlanned([
        [() => p.writeB("a.txt", "a edited in ScaiDrive"), { "a.txt": "a edited in ScaiDrive" }],
        [() => p.writeB("media/f.bin", "f"), { "media/f.bin": "f" }],
        [() => p.mkdirB("docs/deep/empty"), { "docs/deep/empty": "<dir>" }],
        [() => p.deleteB("docs/deep/d.txt"), { "docs/deep/d.txt": null }],
        [
          () => p.moveB("docs/deep", "deep"),
          {
            "docs/deep": null,
            "docs/deep/c.txt": null,
            "docs/deep/empty": null,
            deep: "<dir>",
            "deep/c.txt": "c",
            "deep/empty": "<dir>",
          },
        ],
      ]));

    test("the ScaiDrive check reads in chunks: chunks of 1, 2 and 20,000 rows answer alike", async () => {
      const answers = async () =>
        Promise.all(
          [1, 2, 20_000].map((chunk) =>
            e.stores.fileStates.scaidriveMatchesBase(p.connector.id, p.shareB, p.target, chunk),
          ),
        );
      assert.deepEqual(await answers(), [true, true, true]);
      await p.mkdirB("docs/extra");
      assert.deepEqual(await answers(), [false, false, false], "a node the base does not know");
      await p.deleteB("docs/extra");
      assert.deepEqual(await answers(), [true, true, true]);
      await p.writeB("docs/deep/more/x.txt", "x");
      assert.deepEqual(await answers(), [false, false, false], "a new folder with a file, deeper down");
      await p.deleteB("docs/deep/more");
      await p.writeB("top.txt", "t");
      assert.deepEqual(await answers(), [false, false, false], "a new file at the root");
      await p.deleteB("top.txt");
      assert.deepEqual(await answers(), [true, true, true]);
      await p.writeB("media/e.bin", "edited");
      assert.deepEqual(await answers(), [false, false, false], "a new version");
      assert.equal(await e.stores.fileStates.scaidriveMatchesBase(p.connector.id, p.shareA, p.target, 2), false);
    });

    for (const target of ["/", "/Données 😀 ünïcode"]) {
      test(`the target ${JSON.stringify(target)}: quick when unchanged, planned after a ScaiDrive-only change`, async () => {
        const q = await e.newPair({ target_path: target, max_delete_percent: 100 });
        await q.writeA("x/y.txt", "y");
        assert.equal((await q.sync()).status, "completed");
        assert.equal(walked(q.shareB), 1, "the first run plans");
        const quick = await q.sync();
        assert.equal(quick.status, "completed");
        assert.equal(walked(q.shareB), 1, "unchanged: not listed");
        await q.writeB("x/z.txt", "z");
        const planned = await q.sync();
        assert.equal(planned.status, "completed", JSON.stringify(planned.error));
        assert.equal(walked(q.shareB), 2);
        assert.deepEqual(await q.treeA(), { x: "<dir>", "x/y.txt": "y", "x/z.txt": "z" });
        await q.sync();
        assert.equal(walked(q.shareB), 2, "unchanged again");
      });
    }

    test("cancelled while checking: the run ends cancelled without planning", async () => {
      e.decorate.fn = (inner) =>
        decorateRemote(inner, {
          async *walk(root?: string): AsyncIterable<RemoteEntry> {
            let n = 0;
            for await (const x of inner.walk(root)) {
              if (n++ === 1) {
                const [job] = await e.stores.jobs.list(p.connector.id, { limit: 1 });
                // Not awaited: a cancel waits for the job to end, which waits for this walk.
                void e.service.cancel(p.connector.id, job!.id);
                await new Promise((r) => setTimeout(r, 50));
              }
              yield x;
            }
          },
        });
      try {
        const job = await p.sync();
        assert.equal(job.status, "cancelled");
        assert.equal(walked(p.shareB), 0, "not planned after the cancel");
      } finally {
        e.decorate.fn = undefined;
      }
      assert.equal((await p.sync()).files_total, 0);
    });

    test("a walk failing in the check: the planner's scan retries; an auth failure fails the job at once", async () => {
      let walks = 0;
      let kind: "unreachable" | "auth" = "unreachable";
      e.decorate.fn = (inner) =>
        decorateRemote(inner, {
          async *walk(root?: string): AsyncIterable<RemoteEntry> {
            if (walks++ === 0 || kind === "auth") throw new RemoteError(kind, `walk refused (${kind})`);
            yield* inner.walk(root);
          },
        });
      try {
        await p.writeA("late.txt", "late");
        const job = await p.sync();
        assert.equal(job.status, "completed", JSON.stringify(job.error));
        assert.equal(walks, 2, "the failed check, then the planner's walk");
        assert.equal((await p.treeB())["late.txt"], "late");
        walks = 0;
        kind = "auth";
        const denied = await p.sync();
        assert.equal(denied.status, "failed");
        assert.equal(denied.error?.code, "CONNECTOR_AUTH_FAILED");
        assert.equal(walks, 1, "the server was asked once");
      } finally {
        e.decorate.fn = undefined;
      }
    });

    test("a ScaiDrive-side check that fails sends the run to the planner", async () => {
      const store = e.stores.fileStates;
      const original = store.scaidriveMatchesBase;
      store.scaidriveMatchesBase = async () => {
        throw new Error("database gone for a moment");
      };
      try {
        const job = await p.sync();
        assert.equal(job.status, "completed", JSON.stringify(job.error));
        assert.equal(job.files_total, 0);
        assert.equal(walked(p.shareB), 1, "planned");
      } finally {
        store.scaidriveMatchesBase = original;
      }
      await p.sync();
      assert.equal(walked(p.shareB), 1, "quick again");
    });

    test("a narrowed filter untracks through the planner; a base with notes always plans", async () => {
      await p.update({ exclude_patterns: { extensions: ["bin"] } });
      const narrowed = await p.sync();
      assert.equal(narrowed.status, "completed", JSON.stringify(narrowed.error));
      assert.equal(walked(p.shareB), 1);
      const lines = (await e.stores.jobs.entries(narrowed.id)).map((x) => `${x.action} ${x.path} ${x.result}`);
      assert.deepEqual(lines, ["untrack media/e.bin skipped"]);
      const again = await p.sync();
      assert.equal(again.status, "completed");
      assert.equal(again.files_total, 0);
      assert.equal(walked(p.shareB), 2, "the note in the base sends the run to the planner");
      assert.deepEqual(await p.treeB(), tree({}));
    });
  });
}
