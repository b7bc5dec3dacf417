/**
 * Uploads through nginx (Debian's, round-robin) to 1, 2 and 3 ScaiDrive nodes on one PostgreSQL
 * database and one shared data dir (test/harness/cluster.ts), in the same run: PUTs of
 * BENCH_CLUSTER_SMALL (2,000) files of 4 KiB with 16 at once, and of BENCH_CLUSTER_LARGE (8)
 * files of BENCH_CLUSTER_LARGE_MIB (64) MiB streamed with 4 at once. Target (issue 20): on 2 cores
 * more nodes cannot add CPU, so the point is that it does not get worse and that nothing breaks —
 * every PUT answered 200/201 with the SHA-256 the client sent, every file listed, a sample read
 * back from every node.
 *
 * A failed PUT is counted (and its first message printed), not retried, so the table shows it.
 * Each case gets a fresh cluster (database, data dir, nodes, nginx). Server entry:
 * BENCH_SERVER_ENTRY as in core-throughput (default the TypeScript source through tsx).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { startCluster, type Cluster } from "../test/harness/cluster.js";
import { fetchSha, listFiles, pool, putStream, sha256, type Target } from "../test/cluster/cluster-client.js";
import { MiB, envNumber, machineLoad, measure, printTable } from "./core-bench-util.js";
import { cpuSeconds } from "./process-stats.js";

const SMALL = envNumber("BENCH_CLUSTER_SMALL", 2000);
const SMALL_BYTES = 4 * 1024;
const SMALL_CONCURRENCY = 16;
const LARGE = envNumber("BENCH_CLUSTER_LARGE", 8);
const LARGE_MIB = envNumber("BENCH_CLUSTER_LARGE_MIB", 64);
const LARGE_CONCURRENCY = 4;
const NODE_COUNTS = (process.env.BENCH_CLUSTER_NODES ?? "1,2,3").split(",").map(Number);

/** CPU seconds of the nodes and of nginx (master and workers) so far. */
function clusterCpu(cluster: Cluster): { nodes: number; nginx: number } {
  const master = cluster.nginx.pid();
  let workers: number[] = [];
  try {
    workers = readFileSync(`/proc/${master}/task/${master}/children`, "utf8").trim().split(/\s+/).map(Number);
  } catch {
    // no workers listed
  }
  return {
    nodes: cluster.nodes.reduce((sum, n) => sum + cpuSeconds(n.pid()), 0),
    nginx: [master, ...workers].reduce((sum: number, pid) => sum + cpuSeconds(pid), 0),
  };
}

interface CaseResult {
  files: number;
  failed: number;
  seconds: number;
  machine: string;
  /** CPU seconds the nodes (together) and nginx spent on the case. */
  serverCpu: number;
  nginxCpu: number;
  firstError?: string;
}

/** Runs every PUT, counting failures instead of stopping at the first. */
async function uploadAll(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<void>,
): Promise<{ failed: number; firstError?: string }> {
  let failed = 0;
  let firstError: string | undefined;
  await pool(
    concurrency,
    Array.from({ length: count }, (_, i) => i),
    async (i) => {
      try {
        await fn(i);
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message.trim().slice(0, 200);
      }
    },
  );
  return { failed, firstError };
}

/** Every listed file present once; `sample` of them read back from every node with the expected SHA-256. */
async function verify(cluster: Cluster, t: Target, dir: string, expected: Map<string, string>, sample: number) {
  const listed = await listFiles(t, dir);
  const want = [...expected.keys()].sort();
  if (JSON.stringify(listed) !== JSON.stringify(want))
    throw new Error(`${dir}: ${listed.length} files listed, ${want.length} uploaded`);
  const picks = want.filter((_, i) => i % Math.max(1, Math.floor(want.length / sample)) === 0).slice(0, sample);
  for (const url of cluster.nodeUrls) {
    await pool(4, picks, async (path) => {
      const got = await fetchSha({ ...t, url }, path);
      if (got.status !== 200 || got.sha256 !== expected.get(path))
        throw new Error(`${url}${path}: ${got.status} ${got.text ?? "other content"}`);
    });
  }
}

async function runCase(nodes: number): Promise<{ small: CaseResult; large: CaseResult }> {
  const cluster = await startCluster({ nodes, entry: process.env.BENCH_SERVER_ENTRY || undefined });
  try {
    const share = await cluster.api("POST", "/api/v1/shares", { json: { name: "bench" } });
    const t: Target = { url: cluster.url, token: cluster.adminToken, shareId: share.body.id };

    const small = new Map<string, string>();
    const bodies = Array.from({ length: SMALL }, () => randomBytes(SMALL_BYTES));
    const cpu0 = clusterCpu(cluster);
    const s = await measure(tmpdir(), () =>
      uploadAll(SMALL, SMALL_CONCURRENCY, async (i) => {
        const path = `/small/d${i % 20}/f-${i}.bin`;
        const res = await fetch(`${t.url}/api/v1/shares/${t.shareId}/content?path=${encodeURIComponent(path)}`, {
          method: "PUT",
          headers: { authorization: `Bearer ${t.token}`, "content-type": "application/octet-stream" },
          body: bodies[i] as BodyInit,
        });
        const text = await res.text();
        if (res.status !== 200 && res.status !== 201) throw new Error(`PUT ${path}: ${res.status} ${text}`);
        small.set(path, sha256(bodies[i]!));
      }),
    );
    const cpu1 = clusterCpu(cluster);
    await verify(cluster, t, "/small", small, 100);

    const large = new Map<string, string>();
    const filler = randomBytes(MiB);
    const cpu2 = clusterCpu(cluster);
    const l = await measure(tmpdir(), () =>
      uploadAll(LARGE, LARGE_CONCURRENCY, async (i) => {
        const path = `/large/f-${i}.bin`;
        // A unique first MiB, then one shared random MiB repeated: every file is distinct content (no deduplication)
        // without the client spending the cores on random bytes.
        const put = await putStream(t, path, LARGE_MIB, (i) => (i === 0 ? randomBytes(MiB) : filler));
        const [sent, stored] = [put.sha256, put.node.sha256];
        if (sent !== stored) throw new Error(`${path}: sent ${sent}, the server stored ${stored}`);
        large.set(path, sent);
      }),
    );
    const cpu3 = clusterCpu(cluster);
    await verify(cluster, t, "/large", large, LARGE);
    const result = (files: number, m: typeof s, from: typeof cpu0, to: typeof cpu0): CaseResult => ({
      files,
      failed: m.result.failed,
      seconds: m.seconds,
      machine: machineLoad(m),
      serverCpu: to.nodes - from.nodes,
      nginxCpu: to.nginx - from.nginx,
      firstError: m.result.firstError,
    });
    return { small: result(SMALL, s, cpu0, cpu1), large: result(LARGE, l, cpu2, cpu3) };
  } finally {
    await cluster.stop();
  }
}

const rows: string[][] = [
  ["case", "nodes", "files", "failed", "time", "files/s", "MiB/s", "server cpu", "nginx cpu", "machine cpu"],
];
const errors: string[] = [];
const load0 = loadavg();
for (const n of NODE_COUNTS) {
  const r = await runCase(n);
  for (const [name, c, bytes] of [
    [`${SMALL_BYTES / 1024} KiB × ${SMALL}, ${SMALL_CONCURRENCY} at once`, r.small, SMALL_BYTES],
    [`${LARGE_MIB} MiB × ${LARGE}, ${LARGE_CONCURRENCY} at once`, r.large, LARGE_MIB * MiB],
  ] as const) {
    const ok = c.files - c.failed;
    rows.push([
      name,
      String(n),
      String(c.files),
      String(c.failed),
      `${c.seconds.toFixed(2)} s`,
      (ok / c.seconds).toFixed(1),
      ((ok * bytes) / MiB / c.seconds).toFixed(1),
      `${c.serverCpu.toFixed(2)} s`,
      `${c.nginxCpu.toFixed(2)} s`,
      c.machine,
    ]);
    if (c.firstError) errors.push(`${n} node(s), ${name}: ${c.failed} failed, first: ${c.firstError}`);
  }
}
printTable(rows);
for (const e of errors) console.log(e);
const fmt = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
console.log(`load average before: ${fmt(load0)}, after: ${fmt(loadavg())}`);
