/**
 * The cluster event bus over a real PostgreSQL NOTIFY channel, two "nodes" (two buses, each with
 * its own LISTEN connection and pool) on one database: an event published on one node reaches both
 * exactly once, in publish order and with the publisher's time; a burst of progress samples of one
 * job is coalesced while sending lags; an oversized error text is cut for the relay but whole
 * locally; a malformed NOTIFY is ignored; a LISTEN connection ended by the server
 * (pg_terminate_backend) is re-established and later events arrive; close() sends what is queued.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import pg from "pg";
import { sql } from "kysely";
import pino from "pino";
import { openDatabase, type DatabaseHandle } from "../../src/store/db/database.js";
import { LISTEN_APPLICATION_NAME, PgNotifyChannel } from "../../src/store/events/pg-notify-channel.js";
import { ClusterConnectorEventBus } from "../../src/core/cluster-event-bus.js";
import type { ConnectorEvent, DeliveredEvent, JobProgressEvent } from "../../src/core/connector-events.js";
import { createPgDatabase, type PgDatabase } from "../harness/postgres-database.js";
import { makeTempDir } from "../harness/temp-dir.js";

const CHANNEL = "scaidrive_events";

interface Node {
  handle: DatabaseHandle;
  channel: PgNotifyChannel;
  bus: ClusterConnectorEventBus;
  got: DeliveredEvent[];
  logs: { level: number; msg: string }[];
}

const COUNTERS = {
  files_total: 10,
  bytes_total: 100,
  files_done: 0,
  bytes_done: 0,
  files_scanned: 0,
  files_synced: 0,
  bytes_transferred: 0,
  error_count: 0,
};

function progress(jobId: string, filesDone: number): JobProgressEvent {
  return {
    type: "job.progress",
    connector_id: "con_1",
    connector_type: "smb",
    job_id: jobId,
    ...COUNTERS,
    files_done: filesDone,
  };
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("ClusterConnectorEventBus over PostgreSQL NOTIFY", () => {
  let database: PgDatabase;
  const nodes: Node[] = [];
  const temp = makeTempDir("cluster-bus");

  const openNode = async (): Promise<Node> => {
    const handle = await openDatabase({ databaseUrl: database.url, dataDir: temp.path, migrate: false });
    const logs: Node["logs"] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString().split("\n").filter(Boolean)) logs.push(JSON.parse(line));
        cb();
      },
    });
    const logger = pino({ level: "debug" }, sink);
    const channel = new PgNotifyChannel({
      connectionString: database.url,
      db: handle.db,
      channel: CHANNEL,
      logger,
      minReconnectMs: 50,
      maxReconnectMs: 500,
    });
    const bus = new ClusterConnectorEventBus({ relay: channel, logger });
    const node: Node = { handle, channel, bus, got: [], logs };
    bus.subscribe((e) => node.got.push(e));
    await channel.start();
    assert.equal(channel.listening, true);
    nodes.push(node);
    return node;
  };

  /** Backend pids of the LISTEN connections in the test database. */
  const listenPids = async (): Promise<number[]> => {
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    try {
      const r = await c.query<{ pid: number }>(
        `select pid from pg_stat_activity
          where datname = $1 and application_name = $2 and query ilike 'listen%' order by pid`,
        [database.name, LISTEN_APPLICATION_NAME],
      );
      return r.rows.map((row) => row.pid);
    } finally {
      await c.end();
    }
  };

  before(async () => {
    database = await createPgDatabase();
  });
  after(async () => {
    for (const n of nodes) {
      await n.channel.close();
      await n.handle.close();
    }
    await database?.drop();
    temp.remove();
  });

  test("an event reaches every node once, in order, with the publisher's time", async () => {
    const a = await openNode();
    const b = await openNode();
    assert.notEqual(a.bus.nodeId, b.bus.nodeId);
    const states: ConnectorEvent[] = [];
    for (let i = 0; i < 200; i++)
      states.push({
        type: "connector.state",
        connector_id: `con_${i}`,
        connector_type: "smb",
        status: i % 2 ? "enabled" : "disabled",
        status_reason: null,
        auth_failed: false,
      });
    for (const e of states) a.bus.publish(e);
    // The publisher's own subscribers had them synchronously.
    assert.equal(a.got.length, 200);
    await until("200 events on B", () => b.got.length >= 200);
    await a.channel.flushed();
    // Give a duplicate (an echo of A's own NOTIFYs on A, or a repeat on B) time to show up.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(a.got.length, 200, "A's own events are not delivered again by the echo");
    assert.equal(b.got.length, 200);
    assert.deepEqual(
      b.got.map((e) => e.connector_id),
      states.map((e) => e.connector_id),
    );
    assert.deepEqual(
      b.got.map((e) => e.at),
      a.got.map((e) => e.at),
    );
    // Ids are the receiving node's own, increasing.
    for (let i = 1; i < b.got.length; i++) assert.ok(b.got[i]!.id > b.got[i - 1]!.id);
    const { id: _a, ...sentFirst } = a.got[0]!;
    const { id: _b, ...gotFirst } = b.got[0]!;
    assert.deepEqual(gotFirst, sentFirst);
    a.got.length = 0;
    b.got.length = 0;
  });

  test("progress samples of one job queued behind a send are coalesced to the newest", async () => {
    const [a, b] = nodes as [Node, Node];
    // Published in one tick: the first goes out at once, the others wait in the queue, where each
    // newer sample of job_1 replaces the older one. A state event in between is never dropped.
    for (let i = 1; i <= 500; i++) {
      a.bus.publish(progress("job_1", i));
      if (i === 250)
        a.bus.publish({
          ...COUNTERS,
          type: "job.state",
          connector_id: "con_1",
          connector_type: "smb",
          job_id: "job_2",
          status: "running",
          trigger: "manual",
          error: null,
        });
    }
    assert.equal(a.got.length, 501, "local subscribers get every sample");
    await a.channel.flushed();
    await until("the last sample on B", () => b.got.some((e) => e.type === "job.progress" && e.files_done === 500));
    const samples = b.got.filter((e): e is DeliveredEvent & JobProgressEvent => e.type === "job.progress");
    assert.ok(samples.length <= 3, `${samples.length} progress messages relayed for 500 samples`);
    assert.equal(samples.at(-1)!.files_done, 500);
    assert.equal(b.got.filter((e) => e.type === "job.state").length, 1);
    a.got.length = 0;
    b.got.length = 0;
  });

  test("a long error text is cut for other nodes, whole locally; the message fits NOTIFY", async () => {
    const [a, b] = nodes as [Node, Node];
    const message = "é".repeat(20_000);
    a.bus.publish({
      ...COUNTERS,
      type: "job.state",
      connector_id: "con_1",
      connector_type: "smb",
      job_id: "job_3",
      status: "failed",
      trigger: "manual",
      error: { code: "REMOTE_ERROR", message },
    });
    assert.equal((a.got[0] as any).error.message, message);
    await until("the failed state on B", () => b.got.length === 1);
    const relayed = (b.got[0] as any).error;
    assert.equal(relayed.code, "REMOTE_ERROR");
    assert.ok(relayed.message.length <= 1001 && relayed.message.startsWith("éé"), relayed.message.length);
    a.got.length = 0;
    b.got.length = 0;
  });

  test("a malformed NOTIFY on the channel is ignored and logged", async () => {
    const [a, b] = nodes as [Node, Node];
    const bad = '{"v":1,"node":"x","at":"now","event":{"type":"nope"}}';
    await sql`select pg_notify(${CHANNEL}, ${bad})`.execute(a.handle.db);
    await until("the warning", () => b.logs.some((l) => /malformed event message/.test(l.msg)));
    assert.equal(b.got.length, 0);
    assert.equal(a.got.length, 0);
  });

  test("the LISTEN connections killed by the server: both reconnect and later events arrive", async () => {
    const [a, b] = nodes as [Node, Node];
    const before = await listenPids();
    assert.equal(before.length, 2, `listen connections: ${before}`);
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    try {
      const r = await c.query("select pg_terminate_backend(pid) as ok from unnest($1::int[]) pid", [before]);
      assert.ok(r.rows.every((row) => row.ok));
    } finally {
      await c.end();
    }
    await until("the drop noticed", () => b.logs.some((l) => /LISTEN connection lost/.test(l.msg)));
    await until("both listening again", () => a.channel.listening && b.channel.listening);
    const after = await listenPids();
    assert.equal(after.length, 2);
    assert.ok(
      after.every((pid) => !before.includes(pid)),
      "new backends",
    );

    a.bus.publish(progress("job_4", 1));
    b.bus.publish(progress("job_5", 2));
    await until("A's event on B", () => b.got.some((e) => e.type === "job.progress" && e.job_id === "job_4"));
    await until("B's event on A", () => a.got.some((e) => e.type === "job.progress" && e.job_id === "job_5"));
  });

  test("close() sends what is queued, then stops listening for good", async () => {
    const [a, b] = nodes as [Node, Node];
    b.got.length = 0;
    for (let i = 0; i < 20; i++) a.bus.publish(progress(`job_c${i}`, i));
    await a.channel.close();
    assert.equal(a.channel.listening, false);
    await until("all 20 on B", () => b.got.length === 20);
    // Closed: publishing still reaches local subscribers, nothing is sent, no reconnect happens.
    a.bus.publish(progress("job_after", 1));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.got.length, 20);
    assert.equal(a.channel.listening, false);
    assert.deepEqual((await listenPids()).length, 1);
  });
});
