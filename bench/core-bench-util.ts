import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { cpus } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { performance } from "node:perf_hooks";

export const MiB = 1024 * 1024;

/** Reads a positive number from the environment; benches are sized down this way while developing. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

export interface Timed<T> {
  seconds: number;
  /** CPU time (user + system) of this process. */
  cpuSeconds: number;
  /** Non-idle CPU time of the whole machine: every process (peers, servers, clients) and kernel thread. */
  machineCpuSeconds: number;
  result: T;
}

/**
 * Wall time of fn, and the CPU time this process and the whole machine spent meanwhile: on a
 * shared machine the wall time swings with other load, the CPU time much less, and the machine's
 * CPU time shows when a case was bound by the cores rather than by the disk or the network.
 */
export async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const cpu0 = process.cpuUsage();
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const result = await fn();
  const cpu = process.cpuUsage(cpu0);
  return {
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    machineCpuSeconds: machineBusySeconds() - busy0,
    result,
  };
}

/** Non-idle CPU time of the whole machine so far, from the first line of /proc/stat (USER_HZ = 100). */
export function machineBusySeconds(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not work.
  return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / 100;
}

/** "1.23 s (1.71 of 2 cores)": the machine's CPU time during a section and how many cores that kept busy. */
export function machineLoad(t: { seconds: number; machineCpuSeconds: number }): string {
  return `${t.machineCpuSeconds.toFixed(2)} s (${(t.machineCpuSeconds / t.seconds).toFixed(2)} of ${cpus().length})`;
}

/** Writes `mib` MiB of incompressible data (each MiB distinct) and returns its SHA-256. */
export async function makeLargeFile(path: string, mib: number): Promise<string> {
  const hash = createHash("sha256");
  const out = createWriteStream(path, { highWaterMark: MiB });
  const base = randomBytes(MiB);
  for (let i = 0; i < mib; i++) {
    const chunk = Buffer.from(base);
    chunk.writeUInt32BE(i, 0);
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return hash.digest("hex");
}

/** Writes `count` files of `bytes` random bytes as dir/f000000.bin ...; returns their names. */
export async function makeSmallFiles(dir: string, count: number, bytes: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `f${String(i).padStart(6, "0")}.bin`;
    await writeFile(join(dir, name), randomBytes(bytes));
    names.push(name);
  }
  return names;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Writes `mib` MiB of zeros to a scratch file in `dir`, deletes it and flushes, so that the timed
 * section after it writes into page cache the VM has recently used. On this kind of VM, pages the
 * guest has not touched for a while cost far more to fill (a first 1 GiB dd with fdatasync took
 * 3.67 s, the next 2.28 s), so without this whichever contender went first paid for it.
 */
export async function warmPageCache(dir: string, mib: number): Promise<void> {
  const scratch = join(dir, `warm-${process.pid}.bin`);
  await run("dd", ["if=/dev/zero", `of=${scratch}`, "bs=1M", `count=${mib}`, "status=none"]);
  await rm(scratch, { force: true });
  await run("sync", ["-f", dir]);
}

/** Runs a command to completion; rejects on a non-zero exit, with its stderr. */
export async function run(cmd: string, args: string[], timeoutMs = 10 * 60 * 1000): Promise<void> {
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], timeout: timeoutMs });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${code ?? signal}): ${stderr.trim()}`);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

/** Runs `worker` over items with at most `concurrency` in flight; the first failure rejects. */
export async function forEachLimit<T>(
  items: T[],
  concurrency: number,
  worker: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await worker(items[next++]);
  });
  await Promise.all(lanes);
}

export function mibPerSecond(bytes: number, seconds: number): number {
  return bytes / MiB / seconds;
}

export function rate(bytes: number, t: { seconds: number }): string {
  return `${mibPerSecond(bytes, t.seconds).toFixed(1)} MiB/s`;
}

/** How fast `t` ran relative to the reference `ref` (2.00x = twice as fast). */
export function ratio(ref: { seconds: number }, t: { seconds: number }): string {
  return `${(ref.seconds / t.seconds).toFixed(2)}x`;
}

/** Prints rows as an aligned plain-text table (first row is the header). */
export function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  console.log(line(rows[0]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows.slice(1)) console.log(line(r));
}

/**
 * Flushes dirty pages of the filesystem holding `dir` (syncfs), then times fn: every timed
 * section starts without writeback left over from the previous one, whoever caused it.
 */
export async function measure<T>(dir: string, fn: () => Promise<T>): Promise<Timed<T>> {
  await run("sync", ["-f", dir]);
  return timed(fn);
}

/** Measures fn `runs` times (cleanup after each) and keeps the fastest: the reference peer gets its best showing. */
export async function bestOf(
  runs: number,
  dir: string,
  fn: () => Promise<void>,
  cleanup: () => Promise<void>,
): Promise<{ seconds: number; machineCpuSeconds: number }> {
  let best = { seconds: Infinity, machineCpuSeconds: 0 };
  for (let i = 0; i < runs; i++) {
    const t = await measure(dir, fn);
    if (t.seconds < best.seconds) best = t;
    await cleanup();
  }
  return { seconds: best.seconds, machineCpuSeconds: best.machineCpuSeconds };
}
