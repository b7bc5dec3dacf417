import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { Agent, request, type IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * The ScaiDrive server as a child process (`node --import tsx src/cli/scaidrive.ts serve`, or a
 * built `.js` entry on plain node), configured by the environment of design §6, with its
 * memory watched through /proc.
 * stop() must be called (it is safe to call twice); it kills only this child, by pid.
 */
export interface ServerPeer {
  readonly pid: number;
  readonly baseUrl: string;
  readonly token: string;
  readonly agent: Agent;
  /** The entry file the server was started from. */
  readonly entry: string;
  /** Kernel's high-water mark of the server's resident set (VmHWM), in bytes. */
  peakRss(): number;
  /** Largest VmRSS seen by the 100 ms sampler, in bytes (cross-check for VmHWM). */
  sampledPeakRss(): number;
  currentRss(): number;
  /** CPU time (user + system) the server has used so far, in seconds, from /proc/<pid>/stat. */
  cpuSeconds(): number;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export async function startServer(opts: {
  cwd: string;
  port: number;
  dataDir: string;
  token: string;
  logFile: string;
  maxSockets: number;
  startTimeoutMs?: number;
  /** Entry file relative to cwd; `dist/src/cli/scaidrive.js` benches the built server. */
  entry?: string;
  /** More environment for the server (e.g. SCAIDRIVE_DATABASE_URL). */
  env?: Record<string, string>;
}): Promise<ServerPeer> {
  const log = await open(opts.logFile, "a");
  const entry = opts.entry ?? "src/cli/scaidrive.ts";
  // Built JavaScript runs on plain node, as `npm start` does; TypeScript needs the tsx loader.
  const args = entry.endsWith(".ts") ? ["--import", "tsx", entry, "serve"] : [entry, "serve"];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: opts.cwd,
    env: {
      ...process.env,
      PORT: String(opts.port),
      HOST: "127.0.0.1",
      SCAIDRIVE_DATA_DIR: opts.dataDir,
      SCAIDRIVE_ADMIN_TOKEN: opts.token,
      NODE_ENV: "production",
      ...opts.env,
    },
    stdio: ["ignore", log.fd, log.fd],
  });
  await log.close();
  if (child.pid === undefined) throw new Error("could not spawn the server");
  const pid = child.pid;
  let exited = false;
  const exit = once(child, "exit").then(() => {
    exited = true;
  });
  let sampled = 0;
  const sampler = setInterval(() => {
    if (!exited) sampled = Math.max(sampled, readStatus(pid, "VmRSS"));
  }, 100);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets });
  const baseUrl = `http://127.0.0.1:${opts.port}`;

  const peer: ServerPeer = {
    pid,
    baseUrl,
    token: opts.token,
    agent,
    entry,
    peakRss: () => readStatus(pid, "VmHWM"),
    sampledPeakRss: () => sampled,
    currentRss: () => readStatus(pid, "VmRSS"),
    cpuSeconds: () => readCpuSeconds(pid),
    logTail(lines = 20) {
      try {
        return readFileSync(opts.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
      } catch {
        return "";
      }
    },
    async stop() {
      clearInterval(sampler);
      agent.destroy();
      if (exited) return;
      child.kill("SIGTERM");
      const killed = await Promise.race([exit.then(() => true), sleep(10_000).then(() => false)]);
      if (!killed) {
        child.kill("SIGKILL");
        await exit;
      }
    },
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  while (true) {
    if (exited) throw new Error(`server exited during start-up:\n${peer.logTail()}`);
    try {
      const res = await send(peer, "GET", "/api/v1/health");
      res.resume();
      if (res.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await peer.stop();
      throw new Error(`server did not answer /api/v1/health in time:\n${peer.logTail()}`);
    }
    await sleep(200);
  }
  return peer;
}

/** One request; `body` is a JSON value or a stream writer. Resolves with the response head. */
export function send(
  peer: ServerPeer,
  method: string,
  path: string,
  body?: { json: unknown } | { length: number; write: (req: NodeJS.WritableStream) => Promise<void> },
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${peer.token}` };
    let payload: Buffer | undefined;
    if (body && "json" in body) {
      payload = Buffer.from(JSON.stringify(body.json));
      headers["content-type"] = "application/json";
      headers["content-length"] = payload.length;
    } else if (body) {
      headers["content-type"] = "application/octet-stream";
      headers["content-length"] = body.length;
    }
    const req = request(`${peer.baseUrl}${path}`, { method, headers, agent: peer.agent }, resolve);
    req.on("error", reject);
    if (payload) req.end(payload);
    else if (body && "write" in body) body.write(req).catch((err: unknown) => req.destroy(err as Error));
    else req.end();
  });
}

export async function readJson(res: IncomingMessage): Promise<any> {
  const parts: Buffer[] = [];
  for await (const chunk of res) parts.push(chunk as Buffer);
  const text = Buffer.concat(parts).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`expected JSON, got ${res.statusCode}: ${text.slice(0, 200)}`);
  }
}

function readStatus(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name (which may contain spaces); utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}
