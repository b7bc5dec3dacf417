/**
 * Throwaway Samba instances for tests and benches. Each instance gets its own temp tree (config,
 * lock, state, cache, pid, private, ncalrpc dirs, share dirs), a tdbsam passdb holding the one
 * test Unix user, and either a free random port on 127.0.0.1 or — `ownAddress: true` — its own
 * 127.x.y.z on port 445 so Samba's tools (which cannot be pointed at another port) can reach it.
 *
 * `stop()` kills smbd and the `samba-dcerpcd` / `rpcd_*` helpers Samba leaves behind — found by
 * the pids in the instance's pid dir, smbd's descendants and a /proc scan for command lines naming
 * the instance's temp dir, each only after /proc/<pid>/cmdline or the parent chain proves it belongs
 * to this instance — children before parents (so Samba reaps its own children instead of leaving
 * zombies to init), then removes the temp dir, and repeats until no such process is left and the
 * dir stays gone (a helper that was starting up may otherwise recreate lock/log files). A process
 * that exits without stop() (a failed test, SIGINT/SIGTERM/SIGHUP) still kills its instances.
 * Needs root (useradd, smbpasswd, port 445).
 */
import { spawn, execFileSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  mkdirSync,
  writeFileSync,
  readFileSync,
  readdirSync,
  rmSync,
  chmodSync,
  chownSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { randomInt } from "node:crypto";
import { freePort } from "./free-port.js";

export interface SambaInstance {
  host: string;
  port: number;
  domain: string;
  username: string;
  password: string;
  /** share name -> directory on disk */
  shares: Record<string, string>;
  confPath: string;
  smbdPid: number;
  /** Unix uid/gid the test user maps to; files made on disk by the test can be chowned to them. */
  uid: number;
  gid: number;
  /** Runs smbclient/smbcacls against this instance's config (and its address when ownAddress). */
  run(tool: "smbclient" | "smbcacls", args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Pids of the smbd children currently serving connections (one per client connection). */
  childPids(): number[];
  /**
   * Sends `sig` (default SIGKILL) to every smbd child serving a connection. A child that exits
   * between the listing and the signal (a connection of an earlier step closing) is skipped.
   * Returns the pids that were signalled.
   */
  signalServingChildren(sig?: NodeJS.Signals): number[];
  /**
   * TCP connections smbd has accepted so far (its "Allowed connection from" log lines, the
   * harness's own start-up probes included). Needs `logConnections`; lines of a connection just
   * accepted may lag a moment behind it.
   */
  acceptedConnections(): number;
  stop(): Promise<void>;
}

export interface StartSambaOptions {
  /** Extra `[global]` parameters, e.g. `{"server signing": "mandatory"}`. */
  global?: Record<string, string>;
  /** Shares to create (default: one share `share`). Each gets a fresh dir; `path` is set for you. */
  shares?: Record<string, Record<string, string>>;
  /** Listen on a private 127.x.y.z:445 instead of 127.0.0.1:<random port>. */
  ownAddress?: boolean;
  /** Log every accepted connection (`log level = 3`), for {@link SambaInstance.acceptedConnections}. */
  logConnections?: boolean;
}

export const SAMBA_TEST_USER = "scaidrive-smbtest";
export const SAMBA_TEST_PASSWORD = "Sc4i-Drive-Test!";

function ensureUnixUser(): { uid: number; gid: number } {
  const lookup = (): { uid: number; gid: number } | undefined => {
    try {
      const uid = Number(
        execFileSync("id", ["-u", SAMBA_TEST_USER], { stdio: ["ignore", "pipe", "ignore"] }).toString(),
      );
      const gid = Number(
        execFileSync("id", ["-g", SAMBA_TEST_USER], { stdio: ["ignore", "pipe", "ignore"] }).toString(),
      );
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", SAMBA_TEST_USER], { stdio: "ignore" });
  } catch {
    // A parallel test file may have created it first.
  }
  const created = lookup();
  if (!created) throw new Error(`could not create Unix user ${SAMBA_TEST_USER} (harness needs root)`);
  return created;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
    s.setTimeout(500, () => done(false));
  });
}

function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(rest[1]);
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const p = Number(name);
    if (parentOf(p) === pid) out.push(p);
  }
  return out;
}

/** Running and not a zombie (a zombie's parent may be a process we do not own). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

function runTool(
  cmd: string,
  args: string[],
  timeoutMs = 60_000,
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}

function requireTools(): void {
  for (const tool of ["smbd", "smbpasswd", "smbclient"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      throw new Error(
        `${tool} is not installed; run scripts/ensure-system-deps.sh (installs Debian's samba and smbclient)`,
      );
    }
  }
}

/** Instances not stopped yet; a process exiting without stop() (a failed test) still kills them. */
const live = new Map<string, () => void>();
let exitHook = false;
function onExit(): void {
  for (const kill of [...live.values()]) kill();
}

/** On a terminating signal: clean up, then die of that signal unless someone else handles it. */
function onSignal(signal: NodeJS.Signals): void {
  onExit();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installExitHooks(): void {
  if (exitHook) return;
  exitHook = true;
  process.once("exit", onExit);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(sig, onSignal);
}

/** Every live (non-zombie) pid whose command line satisfies `match`. */
function scanProc(match: (cmd: string) => boolean): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const line = cmdline(pid);
    if (line !== undefined && match(line) && alive(pid)) out.push(pid);
  }
  return out;
}

/** Orders pids so that every process comes after all of its descendants in the set. */
function leavesFirst(pids: Set<number>): number[] {
  const depth = (pid: number): number => {
    let d = 0;
    for (let p = parentOf(pid); p && p > 1 && d < 16; p = parentOf(p)) if (pids.has(p)) d++;
    return d;
  };
  return [...pids]
    .map((pid) => [pid, depth(pid)] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([pid]) => pid);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startSamba(opts: StartSambaOptions = {}): Promise<SambaInstance> {
  requireTools();
  const { uid, gid } = ensureUnixUser();
  const root = mkdtempSync(join(tmpdir(), "smbt-"));
  chmodSync(root, 0o755);
  const dirs = ["lock", "state", "cache", "pid", "private", "ncalrpc", "log"].map((d) => join(root, d));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const [lockDir, stateDir, cacheDir, pidDir, privateDir, ncalrpcDir, logDir] = dirs;

  const shareDefs = opts.shares ?? { share: {} };
  const shares: Record<string, string> = {};
  let shareConf = "";
  for (const [name, params] of Object.entries(shareDefs)) {
    const dir = join(root, "shares", name);
    mkdirSync(dir, { recursive: true });
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o777);
    shares[name] = dir;
    const all: Record<string, string> = { path: dir, "read only": "no", browseable: "yes", ...params };
    shareConf +=
      `[${name}]\n` +
      Object.entries(all)
        .map(([k, v]) => `  ${k} = ${v}\n`)
        .join("");
  }

  let host = "127.0.0.1";
  let port: number;
  const net: Record<string, string> = {};
  if (opts.ownAddress) {
    for (;;) {
      host = `127.${randomInt(20, 250)}.${randomInt(1, 250)}.${randomInt(2, 250)}`;
      if (!(await canConnect(host, 445))) break;
    }
    port = 445;
    net.interfaces = `${host}/8`;
    net["bind interfaces only"] = "yes";
  } else {
    port = await freePort();
    net.interfaces = "127.0.0.1/8";
    net["bind interfaces only"] = "yes";
  }
  const global: Record<string, string> = {
    "netbios name": "SCAITEST",
    workgroup: "SCAIDOM",
    "server role": "standalone server",
    "passdb backend": `tdbsam:${join(privateDir, "passdb.tdb")}`,
    "private dir": privateDir,
    "lock directory": lockDir,
    "state directory": stateDir,
    "cache directory": cacheDir,
    "pid directory": pidDir,
    "ncalrpc dir": ncalrpcDir,
    "log file": join(logDir, "log.%m"),
    "log level": opts.logConnections ? "3" : "1",
    "max log size": "0",
    "smb ports": String(port),
    "disable netbios": "yes",
    "load printers": "no",
    printing: "bsd",
    "printcap name": "/dev/null",
    "disable spoolss": "yes",
    "map to guest": "never",
    "usershare path": "",
    ...net,
    ...opts.global,
  };
  const confPath = join(root, "smb.conf");
  writeFileSync(
    confPath,
    "[global]\n" +
      Object.entries(global)
        .map(([k, v]) => `  ${k} = ${v}\n`)
        .join("") +
      shareConf,
  );

  const pw = await runTool(
    "smbpasswd",
    ["-c", confPath, "-a", "-s", SAMBA_TEST_USER],
    30_000,
    `${SAMBA_TEST_PASSWORD}\n${SAMBA_TEST_PASSWORD}\n`,
  );
  if (pw.code !== 0) throw new Error(`smbpasswd failed: ${pw.stderr}${pw.stdout}`);

  const smbd = spawn("smbd", ["--foreground", "--no-process-group", "-s", confPath], {
    stdio: ["ignore", "ignore", "pipe"],
    detached: true /* smbd signals its whole process group on exit */,
  });
  let smbdErr = "";
  smbd.stderr!.setEncoding("utf8").on("data", (d: string) => (smbdErr += d));
  const smbdPid = smbd.pid!;
  let exited = false;
  smbd.once("exit", () => (exited = true));

  const started = Date.now();
  while (!(await canConnect(host, port))) {
    if (exited || Date.now() - started > 20_000) {
      smbd.kill("SIGKILL");
      rmSync(root, { recursive: true, force: true });
      throw new Error(`smbd did not start on ${host}:${port}: ${smbdErr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  const belongs = (pid: number): boolean => {
    const line = cmdline(pid);
    if (line === undefined) return false;
    if (line.includes(confPath) || line.includes(root)) return true;
    // rpcd_* helpers get their config through samba-dcerpcd's fds; accept a parent chain to smbd/dcerpcd.
    let p = parentOf(pid);
    for (let i = 0; p && p > 1 && i < 4; i++) {
      if (p === smbdPid || (cmdline(p) ?? "").includes(confPath)) return true;
      p = parentOf(p);
    }
    return false;
  };

  /** Everything of this instance still running: pid files, smbd's descendants, a /proc scan. */
  const members = (): Set<number> => {
    const found = new Set<number>();
    const collect = (pid: number) => {
      for (const c of childrenOf(pid))
        if (!found.has(c) && alive(c)) {
          found.add(c);
          collect(c);
        }
    };
    if (alive(smbdPid)) found.add(smbdPid);
    collect(smbdPid);
    try {
      for (const f of readdirSync(pidDir)) {
        if (!f.endsWith(".pid")) continue;
        const pid = Number(readFileSync(join(pidDir, f), "utf8").trim());
        if (pid > 1 && alive(pid) && belongs(pid)) {
          found.add(pid);
          collect(pid);
        }
      }
    } catch {
      // pid dir gone
    }
    for (const pid of scanProc((line) => line.includes(root)))
      if (!found.has(pid)) {
        found.add(pid);
        collect(pid);
      }
    return found;
  };

  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      if (alive(pid) && (pid === smbdPid || belongs(pid))) process.kill(pid, sig);
    } catch {
      // already gone
    }
  };

  /** Synchronous last resort for process exit: SIGKILL everything, remove the dir. */
  const killNow = () => {
    live.delete(root);
    for (let round = 0; round < 3; round++) {
      const victims = members();
      if (victims.size === 0) break;
      for (const pid of leavesFirst(victims)) signal(pid, "SIGKILL");
    }
    rmSync(root, { recursive: true, force: true });
  };
  live.set(root, killNow);
  installExitHooks();
  // A forgotten instance must not keep the test process alive; the exit hook then kills it.
  smbd.unref();
  (smbd.stderr as unknown as { unref?: () => void }).unref?.();

  const instance: SambaInstance = {
    host,
    port,
    domain: "SCAIDOM",
    username: SAMBA_TEST_USER,
    password: SAMBA_TEST_PASSWORD,
    shares,
    confPath,
    smbdPid,
    uid,
    gid,
    run(tool, args) {
      const base = ["-s", confPath, `--user=SCAIDOM/${SAMBA_TEST_USER}%${SAMBA_TEST_PASSWORD}`];
      if (tool === "smbclient" && !opts.ownAddress) base.push("-p", String(port));
      return runTool(tool, [...base, ...args], 600_000);
    },
    acceptedConnections() {
      if (!opts.logConnections) throw new Error("startSamba({logConnections: true}) is needed to count connections");
      let n = 0;
      for (const f of readdirSync(logDir)) {
        try {
          n += readFileSync(join(logDir, f), "utf8").split("Allowed connection from ").length - 1;
        } catch {
          // a sub-directory or a file being rotated away
        }
      }
      return n;
    },
    childPids() {
      return childrenOf(smbdPid).filter(
        (p) => alive(p) && comm(p).startsWith("smbd") && !/notifyd|cleanupd|scavenger/.test(comm(p)),
      );
    },
    signalServingChildren(sig = "SIGKILL") {
      const hit: number[] = [];
      for (const pid of instance.childPids()) {
        try {
          process.kill(pid, sig);
          hit.push(pid);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
        }
      }
      return hit;
    },
    async stop() {
      if (!live.has(root)) return;
      live.delete(root);
      for (let round = 0; round < 10; round++) {
        const victims = members();
        if (victims.size === 0 && !existsSync(root)) return;
        // Leaves first, one depth level at a time, so each parent reaps its children.
        for (const pid of leavesFirst(victims)) {
          signal(pid, round < 2 ? "SIGTERM" : "SIGKILL");
          const deadline = Date.now() + (round < 2 ? 2000 : 500);
          while (Date.now() < deadline && alive(pid)) await sleep(5);
        }
        if (!exited) {
          const deadline = Date.now() + 1000;
          while (Date.now() < deadline && !exited) await sleep(5);
        }
        if (members().size === 0) rmSync(root, { recursive: true, force: true, maxRetries: 3 });
        // A helper exiting at this very moment may still write a tdb or log file; look again.
        await sleep(20);
      }
      throw new Error(`Samba instance ${root} could not be stopped completely`);
    },
  };
  return instance;
}

/**
 * A new folder `dir` in the instance's share `share` holding `count` files of `content`, named
 * `file-0000.bin`, `file-0001.bin`, …, all owned by the test user so smbd serves them as its own.
 */
export function writeShareFiles(
  samba: SambaInstance,
  dir: string,
  count: number,
  content: Buffer,
  share = "share",
): void {
  const folder = join(samba.shares[share]!, dir);
  mkdirSync(folder);
  chownSync(folder, samba.uid, samba.gid);
  for (let i = 0; i < count; i++) {
    const f = join(folder, `file-${String(i).padStart(4, "0")}.bin`);
    writeFileSync(f, content);
    chownSync(f, samba.uid, samba.gid);
  }
}
