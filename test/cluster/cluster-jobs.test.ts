/**
 * A node dying mid-sync in a three-node cluster (test/harness/cluster.ts: one PostgreSQL, one data
 * dir, nginx round-robin in front; node 0 runs `serve --role api`, so it serves requests but must
 * never run a job, nodes 1 and 2 the default role `all`): an SMB sync (real smbd) of a connector with a schedule (every
 * minute) is started through nginx, and the node running it — the one process holding connections
 * to smbd, cross-checked with the job's `claimed_by` and the nodes' ids from /api/v1/health — is
 * SIGKILLed once the run has begun. Another node must fail the orphaned job
 * (heartbeat older than SCAIDRIVE_SYNC_ORPHAN_AFTER_MS) and, the connector being scheduled, start its
 * next run at once rather than an interval later (bound: the orphan age plus a scheduler tick, the
 * scheduler lease's time to live should the dead node have held it, and slack for a loaded machine).
 * That run must complete cleanly without copying again what the dead node had finished, every file
 * must be readable from every node (the killed one restarted too), and the connector must have
 * exactly those two jobs.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { startCluster, type Cluster } from "../harness/cluster.js";
import { pgReachable } from "../harness/postgres-database.js";
import {
  BASE,
  connectorBody,
  createConnector,
  expectClean,
  requestSync,
  smbWrite,
  startSmbSide,
  waitJob,
  type SmbSide,
} from "../connectors/smb/e2e-world.js";
import { fetchSha, listFiles, pool, sha256, throughNginx, type Target } from "./cluster-client.js";

const FILES = Number(process.env.CLUSTER_TEST_SYNC_FILES ?? 2000);
const ORPHAN_AFTER_MS = 4000;
/** From the kill to the next scheduled run: orphan age, a tick (≤ the orphan age), the 15 s lease, slack. */
const NEXT_RUN_BOUND_MS = 45_000;

/** Inodes of the established TCP connections (IPv4 and IPv6) whose remote port is `port`. */
function connectionsTo(port: number): Set<string> {
  const out = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[2]!.endsWith(`:${hexPort}`) && f[3] === "01") out.add(f[9]!);
    }
  }
  return out;
}

/** How many of `pid`'s open file descriptors are among `inodes`. */
function socketsOf(pid: number, inodes: Set<string>): number {
  let n = 0;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) n++;
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // process gone
  }
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("cluster: a node SIGKILLed mid-sync", () => {
  let cluster: Cluster;
  let smb: SmbSide;

  before(async () => {
    // The project's machines run PostgreSQL; a missing server is a failure, not a skip.
    assert.ok(await pgReachable(), "PostgreSQL must be reachable at SCAIDRIVE_TEST_PG_URL");
    smb = await startSmbSide();
    cluster = await startCluster({
      nodes: 3,
      env: { SCAIDRIVE_SYNC_ORPHAN_AFTER_MS: String(ORPHAN_AFTER_MS) },
      args: (i) => (i === 0 ? ["--role", "api"] : []),
    });
  });
  after(async () => {
    await cluster?.stop();
    await smb?.close();
  });

  test("another node fails the orphan; the next scheduled run starts at once, resumes, completes", async (t) => {
    const expected = new Map<string, string>();
    for (let i = 0; i < FILES; i++) {
      const rel = `d${i % 20}/f-${String(i).padStart(4, "0")}.bin`;
      const data = randomBytes(4096);
      smbWrite(smb, `src/${rel}`, data);
      expected.set(`/smb/${rel}`, sha256(data));
    }
    const share = await cluster.api("POST", "/api/v1/shares", { json: { name: "Takeover" } });
    assert.equal(share.status, 201, JSON.stringify(share.body));
    const via: Target = { url: cluster.url, token: cluster.adminToken, shareId: share.body.id };
    const server = throughNginx(cluster);
    const cnn = await createConnector(
      server,
      connectorBody(smb.samba, via.shareId, {
        base_path: "src",
        target_path: "/smb",
        sync_direction: "smb_to_scaidrive",
        sync_interval_minutes: 1,
      }),
    );
    // A manual run now; the schedule's first run would be a minute later.
    const job = await requestSync(server, cnn);

    // The node running the job is the one connected to smbd while files are being copied.
    let running = -1;
    let seen: any;
    for (let i = 0; i < 1200 && running < 0; i++) {
      seen = (await cluster.api("GET", `${BASE}/${cnn}/jobs/${job.id}?limit=1`)).body;
      if (!["queued", "running"].includes(seen.status)) break;
      if (seen.files_done > 0) {
        const inodes = connectionsTo(smb.samba.port);
        const holders = cluster.nodes.map((n, k) => [k, socketsOf(n.pid()!, inodes)] as const).filter(([, c]) => c > 0);
        if (holders.length === 1) running = holders[0]![0];
      }
      await sleep(50);
    }
    assert.equal(seen.status, "running", `killed mid-run: ${JSON.stringify(seen)}`);
    assert.ok(running >= 0, "exactly one node holds connections to smbd while the job runs");
    assert.notEqual(running, 0, "the api node runs no job");
    assert.ok(seen.files_done < FILES, `still copying when killed: ${JSON.stringify(seen)}`);
    const ids = await Promise.all(cluster.nodes.map(async (n) => (await n.api("GET", "/api/v1/health")).body.node_id));
    assert.equal(
      seen.claimed_by,
      ids[running],
      `the job's claimed_by names the node connected to smbd (${ids.join(", ")})`,
    );
    await cluster.kill(running);
    const killedAt = Date.now();
    t.diagnostic(`node ${running} SIGKILLed at files_done=${seen.files_done}/${seen.files_total}`);

    // Another node notices the stale heartbeat and fails the job (polls go through nginx to live nodes).
    let killed: any;
    for (let i = 0; i < 600; i++) {
      killed = (await cluster.api("GET", `${BASE}/${cnn}/jobs/${job.id}?limit=1000`)).body;
      if (killed.status !== "running" && killed.status !== "queued") break;
      await sleep(100);
    }
    const failedAfter = Date.now() - killedAt;
    t.diagnostic(`the orphaned job was failed ${failedAfter} ms after the kill`);
    assert.equal(killed.status, "failed", `the orphaned job is failed by another node: ${JSON.stringify(killed)}`);
    assert.match(killed.error.message, /interrupted/);

    // The connector has a schedule: its next run starts without being asked (any live node).
    let next: any;
    let list: any[] = [];
    while (!next && Date.now() - killedAt < NEXT_RUN_BOUND_MS) {
      list = (await cluster.api("GET", `${BASE}/${cnn}/jobs`)).body.jobs;
      next = list.find((j: any) => j.id !== job.id && j.status !== "skipped");
      if (!next) await sleep(200);
    }
    const logs = () => [0, 1, 2].map((i) => `--- node ${i}:\n${cluster.log(i, 15)}`).join("\n");
    assert.ok(next, `a next run starts within ${NEXT_RUN_BOUND_MS} ms of the kill: ${JSON.stringify(list)}\n${logs()}`);
    t.diagnostic(
      `the next run (${next.trigger}) was created ${Date.parse(next.created_at) - killedAt} ms after the kill`,
    );
    assert.equal(next.trigger, "scheduled", "the scheduler started it");
    const resumed = expectClean(await waitJob(server, cnn, next.id));
    const copiedBefore = new Set(
      killed.entries.filter((e: any) => e.action === "copy" && e.result === "ok").map((e: any) => e.path),
    );
    const copiedAgain = resumed.entries
      .filter((e: any) => e.action === "copy" && copiedBefore.has(e.path))
      .map((e: any) => e.path);
    assert.deepEqual(copiedAgain, [], "files the dead node finished are not copied again");
    const survivor = (await cluster.nodeApi(3 - running, "GET", "/api/v1/health")).body.node_id;
    assert.equal(resumed.claimed_by, survivor, "the surviving all-role node ran it");
    const jobs = (await cluster.api("GET", `${BASE}/${cnn}/jobs`)).body.jobs;
    assert.deepEqual(jobs.map((j: any) => j.id).sort(), [job.id, next.id].sort(), "no other job");

    await cluster.start(running);
    assert.deepEqual(await listFiles(via, "/smb"), [...expected.keys()].sort(), "every file once");
    for (let node = 0; node < 3; node++) {
      const bad: string[] = [];
      await pool(8, [...expected], async ([path, sha]) => {
        const got = await fetchSha({ ...via, url: cluster.nodeUrls[node]! }, path);
        if (got.status !== 200 || got.sha256 !== sha) bad.push(`${path}: ${got.status}`);
      });
      assert.deepEqual(bad.slice(0, 10), [], `node ${node} serves every synced file (${bad.length} bad)`);
    }
  });
});
