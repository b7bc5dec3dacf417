import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { openEngineFixture, type EngineFixture } from "./helpers/engine-fixture.js";
import { decorateRemote } from "./helpers/remote-decorator.js";
import { RemoteError } from "../../src/sync/remote-errors.js";
import { scriptArgs } from "../harness/repo-paths.js";

describe("engine: safety, dry run, failures and resumability", () => {
  let e: EngineFixture;
  before(async () => {
    e = await openEngineFixture();
  });
  after(async () => e.close());

  test("mass deletion stops the run before anything changes; force applies it", async () => {
    const p = await e.newPair();
    for (let i = 0; i < 10; i++) await p.writeA(`f${i}.txt`, `${i}`);
    assert.equal((await p.sync()).status, "completed");
    for (let i = 0; i < 6; i++) await p.deleteA(`f${i}.txt`);
    await p.writeA("f9.txt", "edited, must not be applied by an aborted run");
    const job = await p.sync();
    assert.equal(job.status, "failed");
    assert.equal(job.error?.code, "SYNC_SAFETY_ABORT");
    assert.match(job.error!.message, /6 of 10/);
    assert.equal(Object.keys(await p.treeB()).length, 10);
    assert.equal((await p.treeB())["f9.txt"], "9");
    const forced = await p.sync({ force: true });
    assert.equal(forced.status, "completed");
    assert.deepEqual(Object.keys(await p.treeB()).sort(), ["f6.txt", "f7.txt", "f8.txt", "f9.txt"]);
    assert.equal((await p.treeB())["f9.txt"], "edited, must not be applied by an aborted run");
  });

  test("an emptied side stops the run even under the percentage; max_delete_percent is per connector", async () => {
    const p = await e.newPair({ max_delete_percent: 100 });
    for (let i = 0; i < 3; i++) await p.writeA(`f${i}.txt`, `${i}`);
    assert.equal((await p.sync()).status, "completed");
    for (let i = 0; i < 3; i++) await p.deleteA(`f${i}.txt`);
    const job = await p.sync();
    assert.equal(job.error?.code, "SYNC_SAFETY_ABORT");
    assert.match(job.error!.message, /empty/);
    assert.equal(Object.keys(await p.treeB()).length, 3);
  });

  test("dry run lists the plan and changes nothing", async () => {
    const p = await e.newPair({ conflict_resolution: "KEEP_BOTH" });
    for (const n of ["a", "b", "c", "d"]) await p.writeA(`${n}.txt`, n);
    assert.equal((await p.sync()).status, "completed");
    await p.writeA("new.txt", "n");
    await p.deleteA("b.txt");
    await p.moveA("c.txt", "c2.txt");
    await p.writeA("a.txt", "ra");
    await p.writeB("a.txt", "la");
    const before = await p.treeB();
    const job = await p.sync({ dryRun: true });
    assert.equal(job.status, "completed");
    assert.ok(job.options.dry_run);
    const plan = e.service.dryRunPlan(job.id)!;
    const lines = plan.map((x) => `${x.action} ${x.path}`).sort();
    assert.deepEqual(lines, ["conflict a.txt", "copy new.txt", "delete b.txt", "move c2.txt"]);
    const entries = await e.stores.jobs.entries(job.id);
    assert.deepEqual(
      entries.map((x) => x.result),
      ["planned", "planned", "planned", "planned"],
    );
    assert.deepEqual(await p.treeB(), before);
    assert.equal((await p.sync()).status, "completed");
    assert.equal((await p.treeB())["c2.txt"], "c");
  });

  test("plans of dry runs nobody waits for do not pile up in memory; an older one is read back", async () => {
    const p = await e.newPair();
    await p.writeA("new.txt", "n");
    const first = await p.sync({ dryRun: true });
    assert.deepEqual(
      e.service.dryRunPlan(first.id)?.map((x) => `${x.action} ${x.path}`),
      ["copy new.txt"],
    );
    for (let i = 0; i < 64; i++) assert.equal((await p.sync({ dryRun: true })).status, "completed");
    assert.equal(e.service.dryRunPlan(first.id), undefined, "the oldest plan was let go");
    await e.service.waitForJob(first.id);
    assert.deepEqual(
      e.service.dryRunPlan(first.id)?.map((x) => `${x.action} ${x.path}`),
      ["copy new.txt"],
    );
  });

  test("a file changed on the source during its copy is not stored and is retried next run", async () => {
    const p = await e.newPair();
    const big = Buffer.alloc(1024 * 1024, 1);
    await p.writeA("big.bin", big);
    await p.writeA("small.txt", "fine");
    let mutated = false;
    e.decorate.fn = (inner) =>
      decorateRemote(inner, {
        async read(path, range) {
          const stream = await inner.read(path, range);
          if (path !== "big.bin" || mutated) return stream;
          return Readable.from(
            (async function* () {
              let first = true;
              for await (const chunk of stream) {
                yield chunk as Buffer;
                if (first) {
                  first = false;
                  mutated = true;
                  await p.writeA("big.bin", Buffer.alloc(1024 * 1024, 2));
                }
              }
            })(),
          );
        },
      });
    try {
      const job = await p.sync();
      assert.equal(job.status, "completed");
      assert.equal(job.error_count, 1);
      const entry = (await e.stores.jobs.entries(job.id)).find((x) => x.path === "big.bin")!;
      assert.equal(entry.result, "error");
      assert.equal(entry.error?.code, "changed_during_transfer");
      const tb = await p.treeB();
      assert.equal(tb["big.bin"], undefined, "nothing half old, half new");
      assert.equal(tb["small.txt"], "fine");
      assert.equal(
        (await e.stores.fileStates.get(p.connector.id, "big.bin"))?.last_error_code,
        "changed_during_transfer",
      );
    } finally {
      e.decorate.fn = undefined;
    }
    const next = await p.sync();
    assert.equal(next.error_count, 0);
    assert.equal((await p.treeB())["big.bin"], Buffer.alloc(1024 * 1024, 2).toString());
  });

  test("an unreachable remote is retried, then fails the job with CONNECTOR_UNREACHABLE; no partial file", async () => {
    const p = await e.newPair();
    await p.writeA("a.txt", "a");
    await p.writeA("b.bin", Buffer.alloc(300_000, 7));
    let walks = 0;
    e.decorate.fn = (inner) =>
      decorateRemote(inner, {
        walk(root) {
          walks++;
          if (walks <= 2) throw new RemoteError("unreachable", "connection refused");
          return inner.walk(root);
        },
        async read(path, range) {
          const s = await inner.read(path, range);
          if (path !== "b.bin") return s;
          return Readable.from(
            (async function* () {
              for await (const c of s) {
                yield c as Buffer;
                throw new RemoteError("unreachable", "connection reset mid-transfer");
              }
            })(),
          );
        },
      });
    try {
      const job = await p.sync();
      assert.equal(walks, 3, "the scan was retried");
      assert.equal(job.status, "failed");
      assert.equal(job.error?.code, "CONNECTOR_UNREACHABLE");
      assert.equal((await p.treeB())["b.bin"], undefined);
    } finally {
      e.decorate.fn = undefined;
    }
    const next = await p.sync();
    assert.equal(next.status, "completed");
    assert.equal((await p.treeB())["b.bin"]?.length, 300_000);
  });

  test("rejected credentials fail the job with CONNECTOR_AUTH_FAILED at once", async () => {
    const p = await e.newPair();
    let opens = 0;
    e.decorate.fn = () => {
      opens++;
      throw new RemoteError("auth", "STATUS_LOGON_FAILURE");
    };
    try {
      const job = await p.sync();
      assert.equal(job.status, "failed");
      assert.deepEqual(job.error, { code: "CONNECTOR_AUTH_FAILED", message: "STATUS_LOGON_FAILURE" });
      assert.equal(opens, 1);
    } finally {
      e.decorate.fn = undefined;
    }
  });

  test("a run cancelled mid-way resumes without redoing finished files or adding versions", async () => {
    const p = await e.newPair();
    // More files than the engine keeps in flight, so the cancel leaves some never started.
    const n = 120;
    for (let i = 0; i < n; i++) await p.writeA(`file ${String(i).padStart(3, "0")}.txt`, `content ${i}`);
    let jobId = "";
    e.onAction.fn = (id, done) => {
      jobId = id;
      if (done === 8) void e.service.cancel(p.connector.id, id);
    };
    let first;
    try {
      first = await p.sync();
    } finally {
      e.onAction.fn = undefined;
    }
    assert.equal(first.id, jobId);
    assert.equal(first.status, "cancelled");
    const doneFirst = Object.keys(await p.treeB()).length;
    assert.ok(doneFirst >= 8 && doneFirst < n, `copied ${doneFirst} before the cancel`);
    // Simulate a crash between a destination commit and its file-state commit for two files.
    const states = (await e.stores.fileStates.list(p.connector.id)).slice(0, 2);
    for (const s of states) await e.stores.fileStates.forget(p.connector.id, s.path);
    const second = await p.sync();
    assert.equal(second.status, "completed");
    assert.equal(second.files_synced, n - doneFirst, "only the files not finished before are copied");
    const tb = await p.treeB();
    assert.equal(Object.keys(tb).length, n);
    for (let i = 0; i < n; i++) {
      const name = `file ${String(i).padStart(3, "0")}.txt`;
      assert.equal(tb[name], `content ${i}`);
      assert.equal(await p.versionsB(name), 1, `${name} has one version`);
    }
  });

  test("a process killed with SIGKILL mid-sync: restart marks the job failed and the next run completes", async () => {
    const p = await e.newPair();
    const n = 150;
    for (let i = 0; i < n; i++) await p.writeA(`k/${String(i).padStart(3, "0")}.bin`, Buffer.alloc(20_000, i % 251));
    const child = spawn(
      process.execPath,
      [...scriptArgs(import.meta.url, "helpers/sync-child.ts"), e.fx.dataDir, p.connector.id],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    try {
      let killedAt = 0;
      let out = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(async () => {
          try {
            const done = (await e.stores.fileStates.list(p.connector.id)).length;
            if (done >= 10 && killedAt === 0) {
              killedAt = done;
              child.kill("SIGKILL");
            }
          } catch (err) {
            clearInterval(poll);
            reject(err);
          }
        }, 10);
        child.on("exit", () => {
          clearInterval(poll);
          resolve();
        });
      });
      assert.ok(
        killedAt > 0,
        `the child was killed ` +
          `mid-run, not ` +
          `after finishing ` +
          `(exit ${child.exitCode}, output ${out}, job ${JSON.stringify((await e.stores.jobs.list(p.connector.id))[0])}, states ${(await e.stores.fileStates.list(p.connector.id)).length})`,
      );
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    const orphan = (await e.stores.jobs.list(p.connector.id))[0]!;
    assert.equal(orphan.status, "running");
    await e.service.start();
    assert.equal((await e.stores.jobs.get(orphan.id))!.status, "failed");
    const committed = (await e.stores.fileStates.list(p.connector.id)).filter((s) => s.kind === "file").length;
    assert.ok(committed < n, `the kill landed mid-run (${committed} of ${n} committed)`);
    const next = await p.sync();
    assert.equal(next.status, "completed", JSON.stringify(next.error));
    assert.ok(
      next.files_synced <= n - committed + 1,
      `resumed: ${next.files_synced} copied, ${committed} were already committed`,
    );
    const tb = await p.treeB();
    assert.equal(Object.keys(tb).filter((k) => k.startsWith("k/")).length, n);
    for (let i = 0; i < n; i += 7) {
      const name = `k/${String(i).padStart(3, "0")}.bin`;
      assert.equal(tb[name], Buffer.alloc(20_000, i % 251).toString());
      assert.equal(await p.versionsB(name), 1);
    }
  });
});
