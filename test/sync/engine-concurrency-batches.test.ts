/**
 * How a run spreads its work: many small files in flight at once but never more than
 * `concurrency` large ones, and file states group-committed so that a file counts as done only
 * once its state is stored — between two real ScaiDrive shares.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openEngineFixture, type EngineFixture } from "./helpers/engine-fixture.js";
import { decorateRemote } from "./helpers/remote-decorator.js";
import type { Readable } from "node:stream";

const MiB = 1 << 20;

describe("engine: concurrency by file size, group-committed file states", () => {
  let e: EngineFixture;
  before(async () => {
    e = await openEngineFixture({ concurrency: 2 });
  });
  after(async () => e.close());

  test("small files overlap beyond `concurrency`; large ones never exceed it", async () => {
    const p = await e.newPair();
    for (let i = 0; i < 30; i++) await p.writeA(`small/${String(i).padStart(2, "0")}.txt`, `small ${i}`);
    for (let i = 0; i < 5; i++) await p.writeA(`large/${i}.bin`, Buffer.alloc(MiB + 1000, i + 1));
    const now = { small: 0, large: 0 };
    const most = { small: 0, large: 0 };
    e.decorate.fn = (inner) =>
      decorateRemote(inner, {
        read: async (path: string) => {
          const kind = path.startsWith("large/") ? "large" : "small";
          now[kind]++;
          most[kind] = Math.max(most[kind], now[kind]);
          // Long enough for every worker to pick up an item meanwhile.
          await new Promise((r) => setTimeout(r, 30));
          let stream: Readable;
          try {
            stream = await inner.read(path);
          } catch (err) {
            now[kind]--;
            throw err;
          }
          stream.once("close", () => now[kind]--);
          return stream;
        },
      });
    try {
      const job = await p.sync();
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      assert.equal(job.files_synced, 35);
    } finally {
      e.decorate.fn = undefined;
    }
    assert.ok(most.large <= 2, `at most concurrency (2) large files at once, saw ${most.large}`);
    assert.ok(most.small > 2, `small files overlap beyond concurrency, saw ${most.small}`);
    const tb = await p.treeB();
    assert.equal(tb["small/07.txt"], "small 7");
    assert.equal(tb["large/3.bin"]!.length, MiB + 1000);
    const states = await e.stores.fileStates.list(p.connector.id);
    assert.equal(
      states.filter((s) => s.kind === "file" && s.synced).length,
      35,
      "every file's state is committed by the end of the run",
    );
  });

  test("every file a stored job entry names as copied has its state committed", async () => {
    const p = await e.newPair();
    for (let i = 0; i < 300; i++) await p.writeA(`f/${String(i).padStart(3, "0")}.txt`, `file ${i}`);
    let checked = 0;
    let violations: string[] = [];
    const check = async (jobId: string) => {
      const job = await e.stores.jobs.get(jobId);
      if (!job) return;
      const copied = (await e.stores.jobs.entries(jobId, { limit: 1000 }))
        .filter((x) => x.action === "copy" && x.result === "ok")
        .map((x) => x.path);
      const committed = new Set((await e.stores.fileStates.list(p.connector.id)).map((s) => s.path));
      violations = violations.concat(copied.filter((path) => !committed.has(path)));
      checked++;
    };
    let running: Promise<void> = Promise.resolve();
    e.onAction.fn = (jobId, done) => {
      if (done % 40 === 0) running = running.then(() => check(jobId));
    };
    try {
      const job = await p.sync();
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      await running;
    } finally {
      e.onAction.fn = undefined;
    }
    assert.ok(checked > 0);
    assert.deepEqual(violations, []);
  });
  test("a file counts as done only once its state is committed (a kill loses no finished file)", async () => {
    const p = await e.newPair();
    for (let i = 0; i < 200; i++) await p.writeA(`g/${String(i).padStart(3, "0")}.txt`, `file ${i}`);
    const samples: Array<{ done: number; committed: Promise<number> }> = [];
    e.onAction.fn = (_jobId, done) => {
      // States only grow, so a count read a little later is still a lower bound's witness.
      if (done % 10 === 0)
        samples.push({
          done,
          committed: e.stores.fileStates.list(p.connector.id).then((l) => l.filter((x) => x.synced).length),
        });
    };
    try {
      const job = await p.sync();
      assert.equal(job.status, "completed", JSON.stringify(job.error));
    } finally {
      e.onAction.fn = undefined;
    }
    assert.ok(samples.length >= 10);
    for (const s of samples) {
      const committed = await s.committed;
      assert.ok(committed >= s.done, `${s.done} files done but only ${committed} states committed`);
    }
  });
});
