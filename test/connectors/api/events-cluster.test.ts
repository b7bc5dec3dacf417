/**
 * Live events and cancel across two ScaiDrive nodes on one PostgreSQL database (two in-process
 * servers, each with its own pool and LISTEN connection), against a real smbd:
 *
 * - an event stream opened on node B shows the `job.state` and `job.progress` events of a sync that
 *   runs on node A, as A's own stream shows them;
 * - a cancel sent to node B reaches the sync running on A within a second and stops it, although
 *   both runners' heartbeat (the store-side cancel check) is set to a minute;
 * - the LISTEN connections ended by the server (`pg_terminate_backend`) come back and later events
 *   cross again;
 * - every NOTIFY payload on the channel fits PostgreSQL's limit and carries no secret (a spy
 *   connection LISTENs throughout).
 */
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { startSamba, writeShareFiles, type SambaInstance } from "../../harness/samba.js";
import { startSecondNode, startTestServer, type TestServer } from "../../harness/server.js";
import { EventReader, type SseEvent } from "../../harness/event-reader.js";
import { LISTEN_APPLICATION_NAME } from "../../../src/store/events/pg-notify-channel.js";

const BASE = "/api/v1/smb-connectors";
const CHANNEL = "scaidrive_events";
const FILES = 500;
const FILE_BYTES = 16 * 1024;
/** Far above the test's bounds: a cancel noticed by the heartbeat would take this long. */
const HEARTBEAT_MS = 60_000;

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("live events and cancel across two nodes on one PostgreSQL", () => {
  let samba: SambaInstance;
  let a: TestServer;
  let b: TestServer;
  let spy: pg.Client;
  const payloads: string[] = [];
  const adminToken = `test-admin-${randomBytes(16).toString("hex")}`;
  const secretKey = randomBytes(32).toString("hex");
  const open: EventReader[] = [];

  const stream = async (node: TestServer, query = "") => {
    const r = await EventReader.open(`${node.url}/api/v1/events${query}`, { authorization: `Bearer ${adminToken}` });
    open.push(r);
    assert.equal(r.status, 200);
    await r.waitFor("the preamble", () => r.raw.includes(": connected"), 5000);
    return r;
  };
  const createConnector = async (name: string) => {
    const share = await a.api("POST", "/api/v1/shares", { json: { name } });
    assert.equal(share.status, 201, JSON.stringify(share.body));
    const c = await a.api("POST", BASE, {
      json: {
        name,
        server_host: samba.host,
        server_port: samba.port,
        share_name: "share",
        domain: samba.domain,
        username: samba.username,
        password: samba.password,
        target_share_id: share.body.id,
        target_path: "/From Fileserver",
      },
    });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    return c.body.id as string;
  };
  const runnerOf = (node: TestServer) => node.built.context.engine.runner;
  /** Backend pids of the nodes' LISTEN connections that have run their LISTEN. */
  const listenPids = async (): Promise<number[]> => {
    const r = await spy.query<{ pid: number }>(
      `select pid from pg_stat_activity
        where datname = current_database() and application_name = $1 and query ilike 'listen%' order by pid`,
      [LISTEN_APPLICATION_NAME],
    );
    return r.rows.map((row) => row.pid);
  };

  before(async () => {
    samba = await startSamba();
    writeShareFiles(samba, "bulk", FILES, Buffer.alloc(FILE_BYTES, "c"));
    const sync = {
      retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
      progressFlushMs: 100,
      heartbeatMs: HEARTBEAT_MS,
    };
    a = await startTestServer({
      dialect: "postgres",
      withFeatureRoutes: true,
      adminToken,
      config: { secretKey },
      sync,
    });
    // B joins A's database and data dir (the harness drops them with A).
    b = await startSecondNode(a, { withFeatureRoutes: true, sync });
    assert.equal(b.built.context.dialect, "postgres");
    spy = new pg.Client({ connectionString: a.config.databaseUrl, application_name: "events-test-spy" });
    await spy.connect();
    spy.on("notification", (n) => {
      if (n.channel === CHANNEL && n.payload !== undefined) payloads.push(n.payload);
    });
    await spy.query(`LISTEN ${CHANNEL}`);
  });
  afterEach(async () => {
    for (const r of open.splice(0)) await r.close();
  });
  after(async () => {
    await spy?.end();
    await b?.close();
    await a?.close();
    await samba?.stop();
  });

  test("a stream on node B shows the states and progress of a sync running on node A", async () => {
    const connectorId = await createConnector("Cluster Events");
    const onA = await stream(a, `?connector_id=${connectorId}`);
    const onB = await stream(b, `?connector_id=${connectorId}`);

    const started = await a.api("POST", `${BASE}/${connectorId}/sync`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const jobId = started.body.id as string;
    assert.ok(runnerOf(a).activeJobIds().includes(jobId), "the job runs on A");
    assert.ok(!runnerOf(b).activeJobIds().includes(jobId), "not on B");

    const ended = (r: EventReader) => r.of(connectorId, "job.state").some((e) => e.data.status === "completed");
    await onB.waitFor("the completed job on B", () => ended(onB), 120_000);
    await onA.waitFor("the completed job on A", () => ended(onA), 10_000);

    const statesB = onB.of(connectorId, "job.state").map((e) => e.data);
    assert.deepEqual(
      statesB.map((d) => d.status),
      ["queued", "running", "completed"],
    );
    for (const d of statesB) assert.equal(d.job_id, jobId);
    // Exactly what A's own stream showed: the same events, the same publisher time.
    const strip = ({ id: _id, receivedAt: _r, ...rest }: SseEvent) => rest;
    assert.deepEqual(onB.of(connectorId).map(strip), onA.of(connectorId).map(strip));

    const progress = onB.of(connectorId, "job.progress").map((e) => e.data);
    assert.ok(progress.length >= 2, `progress events on B: ${progress.length}`);
    const final = statesB[2]!;
    assert.ok(final.files_total > FILES, `files_total ${final.files_total}`);
    assert.ok(
      progress.some((p) => p.files_done > 0 && p.files_done < final.files_total),
      `a partial count crossed: ${JSON.stringify(progress.map((p) => p.files_done))}`,
    );
    assert.equal(progress.at(-1)!.files_done, final.files_done);
    // The stored job agrees with what crossed.
    const job = await b.api("GET", `${BASE}/${connectorId}/jobs/${jobId}`);
    assert.equal(job.status, 200);
    assert.equal(job.body.status, "completed");
    for (const k of ["files_total", "files_done", "bytes_done", "error_count"]) assert.equal(job.body[k], final[k], k);
    // B's ids are its own, increasing.
    const ids = onB.of(connectorId).map((e) => Number(e.id));
    assert.deepEqual(
      ids,
      [...ids].sort((x, y) => x - y),
    );
  });

  test("a cancel sent to node B reaches the sync on node A within a second, not at A's heartbeat", async (t) => {
    const connectorId = await createConnector("Cluster Cancel");
    const onB = await stream(b, `?connector_id=${connectorId}`);
    const started = await a.api("POST", `${BASE}/${connectorId}/sync`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const jobId = started.body.id as string;
    assert.ok(runnerOf(a).activeJobIds().includes(jobId), "the job runs on A");
    const endedOnA = runnerOf(a)
      .waitForJob(jobId)
      .then(() => Date.now());

    // Cancel while A is copying, as seen from B.
    await onB.waitFor("copying on A", () => onB.of(connectorId, "job.progress").some((e) => e.data.files_done > 0));
    // A spy on A's runner (calling through): when the cancel reached A.
    let abortedAt: number | undefined;
    const runner = runnerOf(a);
    const abortLocal = runner.abortLocal.bind(runner);
    runner.abortLocal = (id) => {
      if (id === jobId) abortedAt ??= Date.now();
      return abortLocal(id);
    };
    const cancelAt = Date.now();
    const cancelled = await b.api("POST", `${BASE}/${connectorId}/jobs/${jobId}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, "cancelled");
    const stoppedAfter = (await endedOnA) - cancelAt;
    assert.ok(abortedAt !== undefined, "the cancel reached A");
    const reachedAfter = abortedAt - cancelAt;
    // The cancel crosses at once; winding down (copies in flight finish or fail, the end is stored)
    // takes a little longer, still far below any heartbeat.
    assert.ok(reachedAfter < 1000, `the cancel reached A ${reachedAfter} ms after it was sent`);
    t.diagnostic(`cancel on B reached A after ${reachedAfter} ms; A's run ended after ${stoppedAfter} ms`);
    assert.ok(stoppedAfter < 3000, `A stopped ${stoppedAfter} ms after the cancel (heartbeat ${HEARTBEAT_MS} ms)`);
    assert.equal(runnerOf(a).activeJobIds().includes(jobId), false);

    const job = await b.api("GET", `${BASE}/${connectorId}/jobs/${jobId}`);
    assert.equal(job.body.status, "cancelled");
    assert.ok(job.body.files_done < job.body.files_total, `stopped part-way: ${JSON.stringify(job.body)}`);
    const last = onB.of(connectorId, "job.state").at(-1)!.data;
    assert.equal(last.status, "cancelled");
    assert.ok(last.files_done < last.files_total || last.files_total === 0, JSON.stringify(last));
    // Nothing is left running: the connector takes a new run (on A again).
    const again = await a.api("POST", `${BASE}/${connectorId}/sync`);
    assert.equal(again.status, 202, JSON.stringify(again.body));
    await a.api("POST", `${BASE}/${connectorId}/jobs/${again.body.id}/cancel`);
    await runnerOf(a).waitForJob(again.body.id);
  });

  test("LISTEN connections ended by the server come back; later events cross again", async () => {
    const connectorId = await createConnector("Cluster Reconnect");
    const onB = await stream(b, `?connector_id=${connectorId}`);
    const before = await listenPids();
    assert.equal(before.length, 2, `one LISTEN connection per node: ${before}`);
    const killed = await spy.query("select pg_terminate_backend(pid) as ok from unnest($1::int[]) pid", [before]);
    assert.ok(killed.rows.every((r) => r.ok));
    await until("two new LISTEN connections", async () => {
      const now = await listenPids();
      return now.length === 2 && now.every((pid) => !before.includes(pid));
    });

    assert.equal((await a.api("PATCH", `${BASE}/${connectorId}`, { json: { enabled: false } })).status, 200);
    await onB.waitFor("the disable from A", () => onB.of(connectorId, "connector.state").length >= 1, 10_000);
    const off = onB.of(connectorId, "connector.state")[0]!.data;
    assert.equal(off.status, "disabled");
    assert.equal(off.auth_failed, false);
    // And the other way: B's change reaches a stream on A.
    const onA = await stream(a, `?connector_id=${connectorId}`);
    assert.equal((await b.api("PATCH", `${BASE}/${connectorId}`, { json: { enabled: true } })).status, 200);
    await onA.waitFor("the enable from B", () => onA.of(connectorId, "connector.state").length >= 1, 10_000);
    assert.equal(onA.of(connectorId, "connector.state")[0]!.data.status, "enabled");
  });

  // Last: it reads what the spy collected during the other tests.
  test("every NOTIFY payload fits PostgreSQL's limit and carries no secret", (t) => {
    assert.ok(payloads.length > 10, `payloads seen: ${payloads.length}`);
    const sizes = payloads.map((p) => Buffer.byteLength(p));
    t.diagnostic(`${payloads.length} NOTIFY payloads, ${Math.min(...sizes)}–${Math.max(...sizes)} bytes`);
    const types = new Set<string>();
    for (const p of payloads) {
      assert.ok(Buffer.byteLength(p) < 8000, `${Buffer.byteLength(p)} bytes`);
      const m = JSON.parse(p);
      assert.equal(m.v, 1);
      assert.equal(typeof m.node, "string");
      types.add(m.event.type);
      for (const secret of [samba.password, adminToken, secretKey]) assert.ok(!p.includes(secret), p);
      assert.doesNotMatch(p, /password|secret|token/i);
    }
    assert.deepEqual([...types].sort(), ["connector.state", "job.progress", "job.state"]);
  });
});
