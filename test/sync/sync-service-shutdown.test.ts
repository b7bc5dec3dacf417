/**
 * The scheduler against a database that goes away: a pass that fails (real SQLite closed under
 * it) is logged, never an unhandled rejection, and `stop()` waits for a pass in progress.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import pino from "pino";
import { createSyncStores, type SyncStores } from "../../src/store/sync/sync-stores.js";
import { SyncService } from "../../src/sync/sync-service.js";
import { JobRunner } from "../../src/sync/job-runner.js";
import { ConnectorTypeRegistry } from "../../src/sync/connector-types.js";
import { openSqlite, type TestDatabase } from "./helpers/test-databases.js";

/** Sweeps after the first (the one `start()` awaits itself) wait at a gate, then hit the real store. */
function gatedStores(real: SyncStores) {
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inPass = new Promise<void>((r) => (entered = r));
  const outcome: { settled: boolean; error?: unknown } = { settled: false };
  const jobs = Object.create(real.jobs) as SyncStores["jobs"];
  jobs.failOrphans = async (...args: Parameters<SyncStores["jobs"]["failOrphans"]>) => {
    if (++calls === 1) return real.jobs.failOrphans(...args);
    entered();
    await gate;
    try {
      return await real.jobs.failOrphans(...args);
    } catch (err) {
      outcome.error = err;
      throw err;
    } finally {
      outcome.settled = true;
    }
  };
  return { stores: { ...real, jobs }, release, inPass, outcome };
}

function collectingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: "debug" }, sink), lines };
}

const settle = () => new Promise((r) => setTimeout(r, 50));

describe("sync service: scheduler passes and shutdown", () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  before(() => {
    process.on("unhandledRejection", onRejection);
  });
  after(() => {
    process.off("unhandledRejection", onRejection);
  });

  const open = async () => {
    const db: TestDatabase = await openSqlite();
    const gated = gatedStores(createSyncStores(db.handle.db));
    const log = collectingLogger();
    const service = new SyncService({
      stores: gated.stores,
      types: new ConnectorTypeRegistry(),
      runner: new JobRunner({ stores: gated.stores, logger: log.logger }),
      openScaidrive: () => Promise.reject(new Error("unused")),
      logger: log.logger,
      schedulerTickMs: 3_600_000,
    });
    return { db, gated, log, service };
  };

  test("a scheduler pass failing because the database closed is logged, not an unhandled rejection", async () => {
    const { db, gated, log, service } = await open();
    try {
      await service.start();
      await gated.inPass;
      await db.handle.close();
      gated.release();
      for (let i = 0; i < 100 && !log.lines.some((l) => l.msg.startsWith("scheduler pass failed")); i++) await settle();
      await settle();
      assert.ok(gated.outcome.error, "the pass really hit the closed database");
      assert.ok(log.lines.some((l) => l.level === 50 && l.msg === "scheduler pass failed; retrying on the next tick"));
      assert.deepEqual(rejections, []);
      await service.stop();
    } finally {
      await db.cleanup().catch(() => undefined);
    }
  });

  test(
    "stop() during a pass waits for it and resolves; the " + "pass's failure is neither thrown nor unhandled",
    async () => {
      const { db, gated, log, service } = await open();
      try {
        await service.start();
        await gated.inPass;
        let stopped = false;
        const stopping = service.stop().then(() => {
          stopped = true;
        });
        await settle();
        assert.equal(stopped, false, "stop() waits for the pass in progress");
        await db.handle.close();
        gated.release();
        await stopping;
        assert.equal(gated.outcome.settled, true, "the pass had finished when stop() resolved");
        assert.ok(gated.outcome.error, "the pass failed on the closed database");
        await settle();
        assert.deepEqual(rejections, []);
        assert.ok(log.lines.some((l) => l.msg === "scheduler pass ended by shutdown"));
        assert.ok(!log.lines.some((l) => l.level >= 50), "a failure caused by shutdown is not an error");
        // Nothing runs after stop: a tick is a no-op.
        await service.tick();
      } finally {
        await db.cleanup().catch(() => undefined);
      }
    },
  );
});
