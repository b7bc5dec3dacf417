import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import pino from "pino";
import { openEngineFixture, type EngineFixture } from "./helpers/engine-fixture.js";
import { decorateRemote } from "./helpers/remote-decorator.js";
import { AppError } from "../../src/core/errors.js";
import { SyncService } from "../../src/sync/sync-service.js";
import { JobRunner } from "../../src/sync/job-runner.js";
import { ConnectorTypeRegistry } from "../../src/sync/connector-types.js";
import { RemoteError } from "../../src/sync/remote-errors.js";

describe("sync service: jobs, schedule, one run at a time", () => {
  let e: EngineFixture;
  before(async () => {
    e = await openEngineFixture({ concurrency: 2 });
  });
  after(async () => e.close());

  /** Makes reads of the remote wait until `release()` — a run that stays busy. */
  const holdReads = () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    e.decorate.fn = (inner) =>
      decorateRemote(inner, {
        async read(path, range) {
          started();
          await gate;
          return inner.read(path, range);
        },
      });
    return { release, running };
  };

  test("a manual request while a run is active is refused; a due scheduled run is recorded as skipped", async () => {
    const p = await e.newPair({ sync_interval_minutes: 15 });
    await p.writeA("a.txt", "a");
    await p.writeA("b.txt", "b");
    const hold = holdReads();
    try {
      const job = await e.service.requestSync(p.connector.id);
      assert.equal(job.status, "queued");
      await hold.running;
      await assert.rejects(e.service.requestSync(p.connector.id), (err: unknown) => {
        assert.ok(err instanceof AppError);
        assert.equal(err.code, "SYNC_ALREADY_RUNNING");
        assert.equal(err.status, 409);
        assert.equal(err.details?.job_id, job.id);
        return true;
      });
      const running = await e.stores.jobs.get(job.id);
      assert.equal(running!.status, "running");
      await e.service.tick(Date.now() + 16 * 60_000);
      const jobs = await e.stores.jobs.list(p.connector.id);
      assert.equal(jobs[0]!.status, "skipped");
      assert.equal(jobs[0]!.trigger, "scheduled");
      assert.match(jobs[0]!.skip_reason!, /already in progress/);
      // The cadence continues from the skip: nothing more is due right after it.
      await e.service.tick(Date.now() + 14 * 60_000);
      assert.equal((await e.stores.jobs.list(p.connector.id)).length, 2);
      hold.release();
      const done = await e.service.waitForJob(job.id);
      assert.equal(done!.status, "completed");
      assert.equal(done!.files_synced, 2);
    } finally {
      hold.release();
      e.decorate.fn = undefined;
    }
  });

  test(
    "scheduled runs follow sync_interval_minutes; 0 " + "disables; the schedule is derived from stored jobs",
    async () => {
      const p = await e.newPair({ sync_interval_minutes: 10 });
      const off = await e.newPair({ sync_interval_minutes: 0 });
      await p.writeA("s.txt", "scheduled");
      const created = Date.parse(p.connector.created_at);
      await e.service.tick(created + 5 * 60_000);
      assert.equal((await e.stores.jobs.list(p.connector.id)).length, 0, "not due yet");
      await e.service.tick(created + 11 * 60_000);
      const [job] = await e.stores.jobs.list(p.connector.id);
      assert.equal(job!.trigger, "scheduled");
      await e.service.waitForJob(job!.id);
      assert.equal((await p.treeB())["s.txt"], "scheduled");
      assert.equal((await e.stores.jobs.list(off.connector.id)).length, 0);
      // A fresh service (a restart) computes the same next due time from the jobs table.
      const restarted = new SyncService({
        stores: e.stores,
        types: new ConnectorTypeRegistry(),
        runner: new JobRunner({ stores: e.stores, logger: pino({ level: "silent" }) }),
        openScaidrive: () => Promise.reject(new Error("unused")),
        logger: pino({ level: "silent" }),
      });
      const anchor = Date.parse(job!.created_at);
      await restarted.tick(anchor + 9 * 60_000);
      assert.equal((await e.stores.jobs.list(p.connector.id)).length, 1);
      await e.service.tick(anchor + 10 * 60_000 + 1);
      const jobs = await e.stores.jobs.list(p.connector.id);
      assert.equal(jobs.length, 2);
      await e.service.waitForJob(jobs[0]!.id);
      await restarted.stop();
    },
  );

  test("live progress is written while running; cancel stops a run", async () => {
    const p = await e.newPair();
    for (let i = 0; i < 12; i++) await p.writeA(`p${i}.bin`, Buffer.alloc(50_000, i));
    const seen: Array<{ total: number; done: number; bytes: number }> = [];
    let jobId = "";
    e.onAction.fn = (id) => {
      jobId = id;
    };
    try {
      const job = await e.service.requestSync(p.connector.id);
      for (let i = 0; i < 400; i++) {
        const j = await e.stores.jobs.get(job.id);
        if (j!.status === "running" && j!.files_total > 0)
          seen.push({ total: j!.files_total, done: j!.files_done, bytes: j!.bytes_done });
        if (j!.status === "completed") break;
        await new Promise((r) => setTimeout(r, 5));
      }
      const final = await e.service.waitForJob(job.id);
      assert.equal(final!.status, "completed");
      assert.equal(final!.files_total, 12);
      assert.equal(final!.files_done, 12);
      assert.equal(final!.bytes_done, 12 * 50_000);
      assert.equal(jobId, job.id);
      for (const s of seen) assert.equal(s.total, 12);
    } finally {
      e.onAction.fn = undefined;
    }

    const q = await e.newPair();
    await q.writeA("x.txt", "x");
    const hold = holdReads();
    try {
      const job = await e.service.requestSync(q.connector.id);
      await hold.running;
      const cancelling = e.service.cancel(q.connector.id, job.id);
      hold.release();
      const cancelled = await cancelling;
      assert.equal(cancelled.status, "cancelled");
      assert.ok(cancelled.finished_at);
    } finally {
      hold.release();
      e.decorate.fn = undefined;
    }
    await assert.rejects(
      e.service.cancel(q.connector.id, "job_00000000000000000000000000"),
      (err: unknown) => err instanceof AppError && err.code === "NOT_FOUND",
    );
    const next = await q.sync();
    assert.equal(next.status, "completed");
    assert.equal((await q.treeB())["x.txt"], "x");
  });

  test(
    "disabled connectors are not run: manual requests get " + "CONFLICT, scheduled ones are recorded as skipped",
    async () => {
      const p = await e.newPair({ sync_interval_minutes: 1, status: "disabled", status_reason: "credentials expired" });
      await assert.rejects(
        e.service.requestSync(p.connector.id),
        (err: unknown) => err instanceof AppError && err.code === "CONFLICT",
      );
      const skipped = await e.service.requestSync(p.connector.id, { trigger: "scheduled" });
      assert.equal(skipped.status, "skipped");
      assert.match(skipped.skip_reason!, /credentials expired/);
      await assert.rejects(
        e.service.requestSync("cnn_00000000000000000000000000"),
        (err: unknown) => err instanceof AppError && err.code === "NOT_FOUND",
      );
    },
  );

  test(
    "onJobFinished sees the failed job before its end is " + "stored; a rejecting callback never changes the job",
    async () => {
      const p = await e.newPair();
      const types = new ConnectorTypeRegistry();
      types.register({
        type: "share",
        remoteName: "share",
        openRemote: async () => {
          throw new RemoteError("auth", "the remote refused the credentials");
        },
      });
      const seen: { status: string; code?: string; storedStatus?: string; connectorId: string }[] = [];
      let reject = false;
      const service = new SyncService({
        stores: e.stores,
        types,
        openScaidrive: () => Promise.reject(new Error("not reached")),
        logger: pino({ level: "silent" }),
        retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
        runner: new JobRunner({
          stores: e.stores,
          logger: pino({ level: "silent" }),
          onJobFinished: async (job, connector) => {
            seen.push({
              status: job.status,
              code: job.error?.code,
              storedStatus: (await e.stores.jobs.get(job.id))?.status,
              connectorId: connector.id,
            });
            if (reject) throw new Error("callback failed");
          },
        }),
      });
      const first = await service.requestSync(p.connector.id);
      const failed = (await service.waitForJob(first.id))!;
      assert.equal(failed.status, "failed");
      assert.equal(failed.error?.code, "CONNECTOR_AUTH_FAILED");
      assert.deepEqual(seen, [
        { status: "failed", code: "CONNECTOR_AUTH_FAILED", storedStatus: "running", connectorId: p.connector.id },
      ]);
      reject = true;
      const second = await service.requestSync(p.connector.id);
      const again = (await service.waitForJob(second.id))!;
      assert.equal(again.status, "failed");
      assert.equal(again.error?.code, "CONNECTOR_AUTH_FAILED");
      assert.equal(seen.length, 2);
    },
  );
});
