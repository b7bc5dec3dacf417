/**
 * Several ScaiDrive nodes on one PostgreSQL database, in-process: each node is a full application
 * context (its own database pool, job runner, sync service and scheduler lease holder) over one
 * real PostgreSQL database and one shared data directory, as nodes of a cluster would be. The
 * connector type "share" syncs one ScaiDrive share into another, so runs do real work.
 *
 * - a job requested on an `api` node is claimed and run by a `worker` node, a dry run's plan is
 *   read back on the api node, and a push's
 *   parameters (path, after_copy) survive the trip;
 * - nodes racing to claim: every job runs exactly once (a count per run), and claimNext from many
 *   callers at once hands one queued job to exactly one of them;
 * - two schedulers: one holds the lease, due runs are requested once over several due periods,
 *   and when the leader stops the other takes over;
 * - a node shut down mid-job records it interrupted, and another node runs the scheduled connector
 *   at once — once: after two interrupted runs in a row the interval applies;
 * - a node that stops heartbeating: another node fails its job, and the connector's next
 *   scheduled run starts at once and completes.
 */
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import pino from "pino";
import { createContext, type AppContext } from "../../src/server/app-context.js";
import { loadConfig, type ServerRole } from "../../src/server/config.js";
import { SYSTEM_ACTOR } from "../../src/core/actor.js";
import { ScaidriveRemote } from "../../src/sync/scaidrive-remote.js";
import type { ConnectorRecord } from "../../src/store/sync/connector-store.js";
import type { SyncJobRecord } from "../../src/store/sync/sync-job-store.js";
import type { ServerSyncOptions } from "../../src/server/sync-engine-assembly.js";
import { INTERRUPTED } from "../../src/sync/job-runner.js";
import { createPgDatabase, pgReachable, type PgDatabase } from "../harness/postgres-database.js";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

interface Node {
  ctx: AppContext;
  role: ServerRole;
  /** Runs started on this node, by connector id (each run opens the remote side once). */
  runs: Map<string, number>;
  started: boolean;
  stop(): Promise<void>;
}

const FAST: ServerSyncOptions = {
  claimIntervalMs: 100,
  schedulerTickMs: 100,
  schedulerLeaseMs: 900,
  progressFlushMs: 100,
  orphanAfterMs: 60_000,
  retry: { attempts: 1, baseDelayMs: 5, maxDelayMs: 5 },
};

describe("several nodes on one PostgreSQL: claiming, one scheduler, orphans", { skip: false }, () => {
  let pg: PgDatabase | undefined;
  let data: TempDir;
  const nodes: Node[] = [];
  let serviceUser = "";

  before(async () => {
    assert.ok(await pgReachable(), "PostgreSQL must be reachable for this test");
    pg = await createPgDatabase();
    data = makeTempDir("cluster-jobs");
  });
  // Every test's nodes stop at its end, passed or not: a leftover node would keep the lease.
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop().catch(() => undefined);
  });
  after(async () => {
    await pg?.drop();
    data?.remove();
  });

  /** A node over the shared database and data dir; started (claiming, scheduling) unless told otherwise. */
  async function openNode(role: ServerRole, sync: ServerSyncOptions = {}, start = true): Promise<Node> {
    const config = {
      ...loadConfig({ SCAIDRIVE_DATABASE_URL: pg!.url, SCAIDRIVE_ROLE: role }),
      dataDir: data.path,
      logLevel: "silent",
    };
    // Nodes open one after the other: each runs the migrations when it opens the database.
    const ctx = await createContext(config, pino({ level: process.env.SCAIDRIVE_TEST_LOG ?? "silent" }), {
      sync: { ...FAST, ...sync },
    });
    const runs = new Map<string, number>();
    ctx.engine.types.register({
      type: "share",
      remoteName: "share",
      async openRemote(c: ConnectorRecord) {
        runs.set(c.id, (runs.get(c.id) ?? 0) + 1);
        const cfg = c.config as { share_id: string; root: string };
        const remote = new ScaidriveRemote({
          nodes: ctx.nodes,
          shareId: cfg.share_id,
          rootPath: cfg.root,
          actor: SYSTEM_ACTOR,
          serviceUserId: null,
        });
        await remote.ensureRoot();
        return remote;
      },
    });
    // A remote that never opens: its runs last until they are aborted.
    ctx.engine.types.register({
      type: "stall",
      remoteName: "share",
      openRemote: (_c: ConnectorRecord, signal: AbortSignal) =>
        new Promise<never>((_, reject) =>
          signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true }),
        ),
    });
    let stopped = false;
    const node: Node = {
      ctx,
      role,
      runs,
      started: false,
      async stop() {
        if (stopped) return;
        stopped = true;
        await ctx.close();
      },
    };
    // Only the engine starts: the blob collector of a node is not under test here.
    if (start) {
      await ctx.engine.service.start();
      node.started = true;
    }
    nodes.push(node);
    return node;
  }

  /** A connector syncing a fresh share's `/src` (with `files` files) into another fresh share. */
  async function newConnector(
    on: Node,
    files: number,
    settings: Partial<ConnectorRecord> = {},
  ): Promise<{ connector: ConnectorRecord; source: string; target: string }> {
    const { ctx } = on;
    if (!serviceUser)
      serviceUser = (await ctx.principals.insertUser({ email: "svc@example.test", name: "connector service" })).id;
    const source = (await ctx.shares.create(SYSTEM_ACTOR, { name: `src ${Math.random()}` })).id;
    const target = (await ctx.shares.create(SYSTEM_ACTOR, { name: `dst ${Math.random()}` })).id;
    await ctx.nodes.mkdirp(source, "/src", { actor: SYSTEM_ACTOR });
    for (let i = 0; i < files; i++)
      await ctx.nodes.writeFile(source, `/src/f${i}.txt`, Readable.from([Buffer.from(`file ${i}`)]), {
        actor: SYSTEM_ACTOR,
      });
    const connector = await ctx.engine.stores.connectors.create({
      type: "share",
      name: "cluster pair",
      description: null,
      target_share_id: target,
      target_path: "/dst",
      sync_direction: "share_to_scaidrive",
      conflict_resolution: "LAST_WRITER_WINS",
      include_patterns: null,
      exclude_patterns: null,
      sync_hidden_files: false,
      sync_system_files: false,
      sync_permissions: false,
      sync_versions: false,
      sync_interval_minutes: 0,
      max_delete_percent: 100,
      config: { share_id: source, root: "/src" },
      secrets: {},
      created_by: serviceUser,
      ...settings,
    });
    return { connector, source, target };
  }

  async function targetFiles(on: Node, target: string): Promise<string[]> {
    const out: string[] = [];
    for await (const n of on.ctx.nodes.walk(target, "/dst", SYSTEM_ACTOR)) if (n.type === "file") out.push(n.name);
    return out.sort();
  }

  const jobOf = (on: Node, id: string) => on.ctx.engine.stores.jobs.get(id) as Promise<SyncJobRecord>;
  const ended = (j: SyncJobRecord | undefined) => j && !["queued", "running"].includes(j.status) && j;

  test("a sync and a push requested on an api node run on the worker node", async () => {
    const api = await openNode("api");
    const worker = await openNode("worker");
    assert.notEqual(api.ctx.nodeId, worker.ctx.nodeId);
    const { connector, target } = await newConnector(api, 5);

    const queued = await api.ctx.engine.service.requestSync(connector.id);
    assert.equal(queued.status, "queued");
    const done = await until("the sync to end", async () => ended(await jobOf(api, queued.id)));
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.equal(done.claimed_by, worker.ctx.nodeId, "the worker claimed it");
    assert.equal(api.runs.size, 0, "the api node ran nothing");
    assert.equal(worker.runs.get(connector.id), 1);
    assert.deepEqual(await targetFiles(api, target), ["f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt"]);
    // The api node's waitForJob follows a run of another node through the store.
    assert.equal((await api.ctx.engine.service.waitForJob(queued.id))?.status, "completed");

    // A dry run requested on the api node: its plan, made on the worker, is read back from the log.
    const source = connector.config.share_id as string;
    await api.ctx.nodes.writeFile(source, "/src/new.txt", Readable.from([Buffer.from("new")]), { actor: SYSTEM_ACTOR });
    const dry = await api.ctx.engine.service.requestSync(connector.id, { dryRun: true });
    assert.equal((await api.ctx.engine.service.waitForJob(dry.id))?.status, "completed");
    assert.equal((await jobOf(api, dry.id)).claimed_by, worker.ctx.nodeId);
    assert.deepEqual(
      api.ctx.engine.service.dryRunPlan(dry.id)?.map((p) => [p.action, p.path]),
      [["copy", "new.txt"]],
    );
    await api.ctx.nodes.delete(source, "/src/new.txt", SYSTEM_ACTOR);

    // A push rebuilt on the worker from the stored params: only `sub`, and the source is deleted.
    await api.ctx.nodes.mkdirp(target, "/dst/sub", { actor: SYSTEM_ACTOR });
    await api.ctx.nodes.writeFile(target, "/dst/sub/pushed.txt", Readable.from([Buffer.from("pushed")]), {
      actor: SYSTEM_ACTOR,
    });
    const push = await api.ctx.pushPull.start(connector.id, "push", { afterCopy: "delete", path: "sub" });
    assert.deepEqual(push.params, { after_copy: "delete", path: "sub" });
    const pushed = await until("the push to end", async () => ended(await jobOf(api, push.id)));
    assert.equal(pushed.status, "completed", JSON.stringify(pushed.error));
    assert.equal(pushed.claimed_by, worker.ctx.nodeId);
    const moved = await api.ctx.nodes.stat(source, "/src/sub/pushed.txt", SYSTEM_ACTOR);
    assert.equal(moved.type, "file", "pushed to the remote side under the same sub-path");
    await assert.rejects(api.ctx.nodes.stat(target, "/dst/sub/pushed.txt", SYSTEM_ACTOR), "deleted after the copy");
    await worker.stop();
    await api.stop();
  });

  test("nodes racing to claim: every job runs exactly once", async () => {
    const api = await openNode("api");
    const workers = [await openNode("worker"), await openNode("worker"), await openNode("all")];
    const pairs = [];
    for (let i = 0; i < 8; i++) pairs.push(await newConnector(api, 2));
    const jobs = await Promise.all(pairs.map((p) => api.ctx.engine.service.requestSync(p.connector.id)));
    const finished = await Promise.all(
      jobs.map((j) => until(`job ${j.id}`, async () => ended(await jobOf(api, j.id)), 30_000)),
    );
    for (const j of finished) assert.equal(j.status, "completed", JSON.stringify(j.error));
    for (const p of pairs) {
      const runs = workers.map((w) => w.runs.get(p.connector.id) ?? 0);
      assert.equal(
        runs.reduce((a, b) => a + b, 0),
        1,
        `connector ${p.connector.id} ran once in all: ${runs}`,
      );
    }
    const claimedBy = new Set(finished.map((j) => j.claimed_by));
    for (const id of claimedBy)
      assert.ok(
        workers.some((w) => w.ctx.nodeId === id),
        `${id} is a worker`,
      );

    // The claim itself: twelve callers at once, one queued job, one winner.
    // Stop the workers' claim loops first so only the callers below compete.
    for (const w of workers) await w.stop();
    const { connector } = await newConnector(api, 0);
    const stores = api.ctx.engine.stores;
    const job = await stores.jobs.createActive(connector.id, "manual", {
      full_sync: false,
      dry_run: false,
      force: false,
    });
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => stores.jobs.claimNext(`racer_${i}`)));
    const winners = claims.filter((c) => c !== undefined);
    assert.equal(winners.length, 1, "exactly one caller claimed the job");
    assert.equal(winners[0]!.id, job!.id);
    assert.equal(winners[0]!.status, "running");
    assert.equal((await stores.jobs.get(job!.id))!.claimed_by, winners[0]!.claimed_by);
    await stores.jobs.finish(job!.id, "completed", {});
    await api.stop();
  });

  test("two schedulers: one leader, each due run requested once, the other takes over", async () => {
    const a = await openNode("all");
    const b = await openNode("worker");
    const { connector } = await newConnector(a, 1, {
      sync_interval_minutes: 1,
    });
    // Read and write through a pool of its own: either node may be stopped below.
    const reader = await openNode("api", {}, false);
    const jobs = reader.ctx.engine.stores.jobs;
    const db = reader.ctx.db;
    const leaders = async () => (await reader.ctx.engine.stores.leases.get("scheduler"))?.holder;
    const holder = await until("a leader", leaders);
    assert.ok([a.ctx.nodeId, b.ctx.nodeId].includes(holder));

    // Three due periods, each made due by moving the connector's history a minute back; the
    // schedulers tick every 100 ms, so a double decision would show as a second job.
    const backdate = async () => {
      const past = new Date(Date.now() - 120_000).toISOString();
      await db.updateTable("connectors").set({ created_at: past }).where("id", "=", connector.id).execute();
      await db.updateTable("sync_jobs").set({ created_at: past }).where("connector_id", "=", connector.id).execute();
    };
    for (let round = 1; round <= 3; round++) {
      await backdate();
      await until(`scheduled run ${round}`, async () => {
        const list = await jobs.list(connector.id);
        return list.length === round && list.every((j) => j.status === "completed") && list;
      });
      await sleep(500); // five more ticks of both schedulers: nothing more may be requested
      const list = await jobs.list(connector.id);
      assert.equal(list.length, round, `one run per due period: ${JSON.stringify(list.map((j) => j.status))}`);
      assert.ok(list.every((j) => j.trigger === "scheduled" && j.status === "completed"));
    }

    // The leader stops (releasing its lease): the other node takes over and schedules.
    const leader = holder === a.ctx.nodeId ? a : b;
    const other = leader === a ? b : a;
    await leader.stop();
    await until("the other node to lead", async () => (await leaders()) === other.ctx.nodeId && true, 5_000);
    await backdate();
    const fourth = await until("a run scheduled by the new leader", async () => {
      const list = await jobs.list(connector.id);
      return list.length === 4 && list[0]!.status === "completed" && list[0];
    });
    assert.equal(fourth.claimed_by, other.ctx.nodeId);
    await other.stop();
  });

  test("a node stops heartbeating: another fails its job, the scheduled connector runs again at once", async () => {
    const orphanAfterMs = 1_000;
    // Its engine starts only once the dead node's job is claimed: a running engine could claim the
    // queued job first.
    const survivor = await openNode("all", { orphanAfterMs }, false);
    const { connector, target } = await newConnector(survivor, 3, { sync_interval_minutes: 60 });
    const jobs = survivor.ctx.engine.stores.jobs;
    // What a node that died mid-run leaves behind: a running job claimed by it, whose heartbeat
    // stopped (the real SIGKILL of a serve process is in test/cluster/cluster-jobs.test.ts).
    const dead = await jobs.createActive(connector.id, "scheduled", { full_sync: false, dry_run: false, force: false });
    const claimed = await jobs.claim(dead!.id, "node_dead");
    assert.equal(claimed?.status, "running");
    const t0 = Date.now();
    await survivor.ctx.engine.service.start();
    survivor.started = true;
    const next = await until(
      "the next run to complete",
      async () => {
        const list = await jobs.list(connector.id);
        return list.length === 2 && list[0]!.status === "completed" && list[0];
      },
      10_000,
    );
    const elapsed = Date.now() - t0;
    const failed = await jobs.get(dead!.id);
    assert.equal(failed!.status, "failed");
    assert.deepEqual(failed!.error, { ...INTERRUPTED });
    assert.equal(next.trigger, "scheduled", "started by the scheduler, not an hour later");
    assert.equal(next.claimed_by, survivor.ctx.nodeId);
    assert.deepEqual(await targetFiles(survivor, target), ["f0.txt", "f1.txt", "f2.txt"]);
    assert.ok(elapsed < orphanAfterMs + 3_000, `next run done ${elapsed} ms after the heartbeat stopped`);

    // A node whose job was failed by another (a stalled heartbeat) stops running it.
    const slow = await newConnector(survivor, 1);
    const live = await survivor.ctx.engine.service.requestSync(slow.connector.id);
    await jobs.finish(live.id, "failed", {}, { ...INTERRUPTED });
    const after = await survivor.ctx.engine.service.waitForJob(live.id);
    assert.equal(after?.status, "failed", "a finished job is never rewritten by its old runner");
    await survivor.stop();
  });

  test("a node shut down mid-job: its job is interrupted, the scheduled connector runs at once elsewhere", async () => {
    const a = await openNode("worker");
    const { connector } = await newConnector(a, 0, { type: "stall", sync_interval_minutes: 60 });
    const job = await a.ctx.engine.service.requestSync(connector.id);
    const b = await openNode("worker");
    const c = await openNode("worker");
    await until("the job to run on a", async () => {
      const j = await jobOf(b, job.id);
      return j.status === "running" && j.claimed_by === a.ctx.nodeId;
    });
    await a.stop();
    const stopped = await jobOf(b, job.id);
    assert.equal(stopped.status, "failed");
    assert.deepEqual(stopped.error, { ...INTERRUPTED }, "interrupted, not cancelled");
    const next = await until("the next run elsewhere", async () => {
      const list = await b.ctx.engine.stores.jobs.list(connector.id);
      return list.length === 2 && list[0]!.status === "running" && list[0];
    });
    assert.equal(next.trigger, "scheduled", "due at once, not an hour later");
    const second = [b, c].find((n) => n.ctx.nodeId === next.claimed_by);
    assert.ok(second, "another node runs it");
    const third = second === b ? c : b;

    // Interrupted twice in a row (a run that takes its node down): the interval applies again.
    await second.stop();
    assert.deepEqual((await jobOf(third, next.id)).error, { ...INTERRUPTED });
    await sleep(1_500); // many ticks of the remaining node's scheduler
    const list = await third.ctx.engine.stores.jobs.list(connector.id);
    assert.equal(list.length, 2, `no third run: ${JSON.stringify(list.map((j) => j.status))}`);
  });
});
