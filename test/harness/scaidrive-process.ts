/**
 * The real ScaiDrive server as a CHILD PROCESS (`node --import tsx src/cli/scaidrive.ts serve`,
 * configured only through the environment of design §6), for tests that must kill it the hard way.
 * `test/harness/server.ts` runs the server in-process, which cannot be SIGKILLed without killing
 * the test, hence this one.
 *
 * `kill()` sends SIGKILL to this child's pid only; `start()` afterwards restarts on the same port,
 * data dir and admin token. `stop()` (SIGTERM, then SIGKILL after 10 s) is safe to call twice and
 * removes the temp data dir unless one was passed in. A process exit hook kills a child a failed
 * test left behind. Connectors may connect anywhere (`SCAIDRIVE_CONNECTOR_DENY_NETWORKS=none`)
 * unless `env` sets the connector network variables.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { SERVER_NODE_FLAGS } from "../../src/cli/heap-tuning.js";
import { randomBytes } from "node:crypto";
import { openSync, closeSync, readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { makeTempDir } from "./temp-dir.js";
import { COMPILED, REPO_ROOT } from "./repo-paths.js";

export interface ScaidriveProcess {
  readonly url: string;
  readonly port: number;
  readonly adminToken: string;
  readonly dataDir: string;
  /** Pid of the running child (changes on restart); undefined while stopped. */
  pid(): number | undefined;
  /** JSON (or text) API call with the admin token unless `token` is given; `raw` sends bytes as-is. */
  api(
    method: string,
    path: string,
    opts?: { token?: string | null; json?: unknown; raw?: Buffer | string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** Starts the child (again) and waits for `/api/v1/health` (≤ 60 s, else throws with the log tail). */
  start(): Promise<void>;
  /** SIGKILL by pid, waits for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (SIGKILL after 10 s); removes the temp data dir unless `keepData` or it was given. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  logTail(lines?: number): string;
}

const children = new Set<ChildProcess>();
let hooked = false;

/**
 * `entry` is the server's entry file relative to the repository (default `src/cli/scaidrive.ts`
 * run with tsx, or `dist/src/cli/scaidrive.js` when the tests themselves run compiled); a built
 * `.js` runs on plain node as `npm start` does — what benchmarks of memory should measure.
 */
export async function startScaidriveProcess(
  opts: {
    dataDir?: string;
    logLevel?: string;
    env?: Record<string, string>;
    entry?: string;
    /** The bootstrap admin token (default a random one); nodes of one cluster share it. */
    adminToken?: string;
    /** Where the child's output goes (default `<dataDir>/server.log`); nodes sharing a data dir need their own. */
    logFile?: string;
    /** Arguments after `serve`, e.g. `["--role", "worker"]`. */
    args?: string[];
  } = {},
): Promise<ScaidriveProcess> {
  if (!hooked) {
    hooked = true;
    process.once("exit", () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    });
  }
  const temp = opts.dataDir ? undefined : makeTempDir("proc");
  const dataDir = opts.dataDir ?? temp!.path;
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const adminToken = opts.adminToken ?? `test-admin-${randomBytes(16).toString("hex")}`;
  const url = `http://127.0.0.1:${port}`;
  const logFile = opts.logFile ?? join(dataDir, "server.log");
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const logTail = (lines = 30) => {
    try {
      return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  };

  const self: ScaidriveProcess = {
    url,
    port,
    adminToken,
    dataDir,
    pid: () => (alive() ? child!.pid : undefined),
    logTail,
    async api(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const token = o.token === undefined ? adminToken : o.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | Uint8Array | undefined;
      if (o.json !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(o.json);
      } else if (o.raw !== undefined) {
        headers["content-type"] ??= "application/octet-stream";
        body = typeof o.raw === "string" ? o.raw : new Uint8Array(o.raw.buffer, o.raw.byteOffset, o.raw.byteLength);
      }
      const res = await fetch(url + path, { method, headers, body: body as BodyInit | undefined });
      const text = await res.text();
      const json = (res.headers.get("content-type") ?? "").includes("json") && text;
      return { status: res.status, headers: res.headers, body: json ? JSON.parse(text) : text };
    },
    async start() {
      if (alive()) throw new Error("server already running");
      const fd = openSync(logFile, "a");
      const entry = opts.entry ?? (COMPILED ? "dist/src/cli/scaidrive.js" : "src/cli/scaidrive.ts");
      // The flags `npm start` passes, so what runs here (and in bench/) is what users run.
      const c = spawn(
        process.execPath,
        [
          ...SERVER_NODE_FLAGS,
          ...(entry.endsWith(".ts") ? ["--import", "tsx"] : []),
          entry,
          "serve",
          ...(opts.args ?? []),
        ],
        {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            PORT: String(port),
            HOST: "127.0.0.1",
            SCAIDRIVE_DATA_DIR: dataDir,
            SCAIDRIVE_ADMIN_TOKEN: adminToken,
            LOG_LEVEL: opts.logLevel ?? "warn",
            // Test peers (smbd, the Graph emulator) listen on loopback, which the default policy refuses.
            SCAIDRIVE_CONNECTOR_DENY_NETWORKS: "none",
            ...opts.env,
          },
          stdio: ["ignore", fd, fd],
        },
      );
      closeSync(fd);
      child = c;
      children.add(c);
      exited = new Promise((r) => c.once("exit", () => (children.delete(c), r())));
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (!alive()) throw new Error(`server exited during start-up:\n${logTail()}`);
        try {
          const res = await fetch(`${url}/api/v1/health`);
          await res.arrayBuffer();
          if (res.status === 200) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) {
          await self.kill();
          throw new Error(`server did not answer /api/v1/health within 60 s:\n${logTail()}`);
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    async kill() {
      if (alive()) process.kill(child!.pid!, "SIGKILL");
      await exited;
    },
    async stop(s = {}) {
      if (alive()) {
        process.kill(child!.pid!, "SIGTERM");
        const timer = setTimeout(() => alive() && process.kill(child!.pid!, "SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (temp && !s.keepData) temp.remove();
    },
  };
  await self.start();
  return self;
}
