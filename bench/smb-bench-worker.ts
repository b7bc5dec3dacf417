/**
 * Child process for bench/smb-client.bench.ts: runs one client operation and prints one JSON line
 * {seconds, cpuSeconds, bytes, entries, maxRssMiB}. A separate process so its peak RSS (VmHWM) is the
 * client's alone. Timing covers connect, authentication, the operation and logoff, as smbclient's does. Usage:
 * smb-bench-worker.ts <op> <json options>
 *   op = read | write | list | idle
 * SMB_BENCH_READ_CHUNK_KIB / SMB_BENCH_READ_DEPTH override the read stream's chunk size and depth.
 */
import { createReadStream, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { SmbClient, type SmbTree } from "../src/protocols/smb/index.js";

interface Opts {
  host: string;
  port: number;
  domain: string;
  username: string;
  password: string;
  share: string;
  remote: string;
  local?: string;
}

async function walk(tree: SmbTree, root: string): Promise<number> {
  let entries = 0;
  const queue = [root];
  let active = 0;
  await new Promise<void>((resolve, reject) => {
    const next = () => {
      if (queue.length === 0 && active === 0) return resolve();
      while (queue.length && active < 8) {
        const dir = queue.shift()!;
        active++;
        (async () => {
          for await (const page of tree.readdirPages(dir)) {
            for (const e of page) {
              entries++;
              if (e.isDirectory) queue.push(dir ? `${dir}/${e.name}` : e.name);
            }
          }
        })().then(() => {
          active--;
          next();
        }, reject);
      }
    };
    next();
  });
  return entries;
}

const [op, raw] = process.argv.slice(2);
const o = JSON.parse(raw) as Opts;
const result: Record<string, number> = {};
if (op !== "idle") {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const client = await SmbClient.connect({
    host: o.host,
    port: o.port,
    domain: o.domain,
    username: o.username,
    password: o.password,
  });
  const tree = await client.tree(o.share);
  if (op === "read") {
    let bytes = 0;
    const tuning = process.env.SMB_BENCH_READ_CHUNK_KIB
      ? {
          chunkSize: Number(process.env.SMB_BENCH_READ_CHUNK_KIB) * 1024,
          depth: Number(process.env.SMB_BENCH_READ_DEPTH ?? 4),
        }
      : {};
    for await (const c of tree.createReadStream(o.remote, tuning)) bytes += (c as Buffer).length;
    result.bytes = bytes;
  } else if (op === "write") {
    await tree.writeFile(o.remote, createReadStream(o.local!, { highWaterMark: 1 << 20 }));
    result.bytes = (await tree.stat(o.remote)).size;
  } else if (op === "list") {
    result.entries = await walk(tree, o.remote);
  }
  await client.close();
  result.seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  result.cpuSeconds = (cpu.user + cpu.system) / 1e6;
}
// VmHWM, not getrusage: ru_maxrss survives exec and would report the parent's peak.
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
result.maxRssMiB = hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(result));
