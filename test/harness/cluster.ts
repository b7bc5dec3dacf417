/**
 * Several ScaiDrive nodes as one deployment, the way issue 20 describes it: N `scaidrive serve`
 * CHILD PROCESSES (default 3) on one fresh PostgreSQL database and one shared data directory (the
 * blob store every node reads and writes), with the same admin token and secret key, behind a real
 * nginx balancing round-robin (test/harness/nginx.ts).
 *
 * Each node logs to its own file beside the data dir (the data dir is shared, the log is not).
 * `kill(i)` SIGKILLs node i by its pid; `start(i)` brings it back on the same port. `stop()` stops
 * nginx and every node by pid, drops the database and removes the temp dirs; it is safe to call
 * twice, and two clusters one after the other (or at once) share nothing.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startNginx, type Nginx } from "./nginx.js";
import { createPgDatabase, type PgDatabase } from "./postgres-database.js";
import { startScaidriveProcess, type ScaidriveProcess } from "./scaidrive-process.js";
import { makeTempDir } from "./temp-dir.js";

export interface ClusterOptions {
  /** Number of nodes (default 3). */
  nodes?: number;
  /** Extra environment for every node (e.g. SCAIDRIVE_SYNC_ORPHAN_AFTER_MS). */
  env?: Record<string, string>;
  /** Extra environment per node index. */
  nodeEnv?: (i: number) => Record<string, string>;
  /** Arguments after `serve` per node index, e.g. `(i) => ["--role", i === 0 ? "api" : "worker"]`. */
  args?: (i: number) => string[];
  /** LOG_LEVEL of the nodes (default `warn`). */
  logLevel?: string;
  /** Server entry (see startScaidriveProcess); a built `.js` for benches. */
  entry?: string;
}

export interface Cluster {
  /** nginx's URL: what a client of the deployment talks to. */
  readonly url: string;
  /** Each node's own URL, bypassing nginx. */
  readonly nodeUrls: string[];
  readonly nodes: ScaidriveProcess[];
  readonly adminToken: string;
  /** The shared data dir (blobs live in `<dataDir>/blobs`). */
  readonly dataDir: string;
  readonly database: PgDatabase;
  readonly nginx: Nginx;
  /** JSON (or text) API call through nginx, with the admin token unless `token` is given. */
  api: ScaidriveProcess["api"];
  /** The same call to node i directly. */
  nodeApi(i: number, ...rest: Parameters<ScaidriveProcess["api"]>): ReturnType<ScaidriveProcess["api"]>;
  /** SIGKILL of node i by pid; waits for the exit. */
  kill(i: number): Promise<void>;
  /** Starts node i again (same port, data dir, database). */
  start(i: number): Promise<void>;
  /** Node i's log (its whole file, or the last `lines`). */
  log(i: number, lines?: number): string;
  stop(): Promise<void>;
}

/**
 * Starts the database, the nodes (together) and nginx. On a failed start everything started is stopped.
 */
export async function startCluster(o: ClusterOptions = {}): Promise<Cluster> {
  const count = o.nodes ?? 3;
  const temp = makeTempDir("cluster");
  const dataDir = join(temp.path, "data");
  const adminToken = `test-admin-${randomBytes(16).toString("hex")}`;
  const secretKey = randomBytes(32).toString("base64");
  const nodes: ScaidriveProcess[] = [];
  let database: PgDatabase | undefined;
  let nginx: Nginx | undefined;
  let stopped = false;
  const logFile = (i: number) => join(temp.path, `node-${i}.log`);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await nginx?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    await database?.drop();
    temp.remove();
  };

  try {
    database = await createPgDatabase();
    const startNode = (i: number) =>
      startScaidriveProcess({
        dataDir,
        adminToken,
        logFile: logFile(i),
        logLevel: o.logLevel,
        entry: o.entry,
        args: o.args?.(i),
        env: {
          SCAIDRIVE_DATABASE_URL: database!.url,
          SCAIDRIVE_SECRET_KEY: secretKey,
          // nginx on loopback is the one proxy: client addresses come from X-Forwarded-For.
          SCAIDRIVE_TRUST_PROXY: "127.0.0.1",
          ...o.env,
          ...o.nodeEnv?.(i),
        },
      });
    // All at once, as a deployment's nodes come up: they race for the migrations of the empty
    // database (the migrator serialises them with an advisory lock).
    const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => startNode(i)));
    for (const r of started) if (r.status === "fulfilled") nodes.push(r.value);
    const failed = started.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    nginx = await startNginx(nodes.map((n) => `127.0.0.1:${n.port}`));
  } catch (err) {
    await stop();
    throw err;
  }

  const proxy = nginx;
  const api: ScaidriveProcess["api"] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? adminToken : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | Uint8Array | undefined;
    if (opts.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.raw !== undefined) {
      headers["content-type"] ??= "application/octet-stream";
      const raw = opts.raw;
      body = typeof raw === "string" ? raw : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    }
    const res = await fetch(proxy.url + path, { method, headers, body: body as BodyInit | undefined });
    const text = await res.text();
    const json = (res.headers.get("content-type") ?? "").includes("json") && text;
    return { status: res.status, headers: res.headers, body: json ? JSON.parse(text) : text };
  };

  return {
    url: proxy.url,
    nodeUrls: nodes.map((n) => n.url),
    nodes,
    adminToken,
    dataDir,
    database: database!,
    nginx: proxy,
    api,
    nodeApi: (i, ...rest) => nodes[i].api(...rest),
    kill: (i) => nodes[i].kill(),
    start: (i) => nodes[i].start(),
    log(i, lines) {
      if (lines !== undefined) return nodes[i].logTail(lines);
      try {
        return readFileSync(logFile(i), "utf8");
      } catch {
        return "";
      }
    },
    stop,
  };
}
