/**
 * Server memory during an initial SMB → ScaiDrive sync, by tree size. For each count in
 * BENCH_MEMORY_COUNTS (default 10000,30000) files of BENCH_MEMORY_BYTES (1024) bytes, in folders of
 * BENCH_MEMORY_PER_FOLDER (100), on a real Samba share: a fresh server (child process, fresh data
 * dir) syncs them with one `smb_to_scaidrive` connector, then runs a no-op resync. Printed per
 * count: RSS after start, the process's peak RSS (VmHWM) during the initial sync and during the
 * no-op resync, the growth over the start figure per file, and, as the peer, `rclone copy` of the
 * same tree (time and its own peak RSS, from GNU time when installed, else /proc polling).
 *
 * Measures what `npm start` runs with BENCH_SERVER_ENTRY=dist/src/cli/scaidrive.js (after
 * `npm run build`; the harness passes the same node flags); the default (src/cli/scaidrive.ts
 * through tsx) carries the loader's memory.
 * Target (issue 15): peak under 200 MiB for 30,000 files, and no growth with the file count.
 */
import { spawn } from "node:child_process";
import { chownSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { startSamba, type SambaInstance } from "../test/harness/samba.js";
import { startScaidriveProcess } from "../test/harness/scaidrive-process.js";
import { makeTempDir } from "../test/harness/temp-dir.js";
import { MiB, envNumber, printTable, run } from "./core-bench-util.js";
import { resetPeak, statusBytes } from "./process-stats.js";
import { rcloneSmbEnv } from "./rclone-smb.js";
import { createSmbConnector, SMB_CONNECTORS } from "./smb-bench-connector.js";
import { syncAndWait } from "./sync-job-wait.js";

const COUNTS = (process.env.BENCH_MEMORY_COUNTS ?? "10000,30000")
  .split(",")
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0);
const BYTES = envNumber("BENCH_MEMORY_BYTES", 1024);
const PER_FOLDER = envNumber("BENCH_MEMORY_PER_FOLDER", 100);

async function makeTree(dir: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const folder = join(dir, `d${String(Math.floor(i / PER_FOLDER)).padStart(5, "0")}`);
    if (i % PER_FOLDER === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `f${String(i).padStart(7, "0")}.bin`), randomBytes(BYTES));
  }
}

/** rclone copy of the tree into `to`: wall time and its peak RSS (polled from /proc every 20 ms). */
function rcloneCopy(
  samba: SambaInstance,
  base: string,
  to: string,
  env: NodeJS.ProcessEnv,
): Promise<{ seconds: number; peak: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn("rclone", ["copy", `benchsmb:share/${base}`, to], { stdio: ["ignore", "ignore", "pipe"], env });
    let peak = 0;
    const poll = setInterval(() => {
      try {
        peak = Math.max(peak, statusBytes(child.pid!, "VmHWM"));
      } catch {
        // exited
      }
    }, 20);
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.once("error", reject);
    child.once("close", (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`rclone exited ${code}: ${err.slice(-500)}`));
      else resolve({ seconds: (performance.now() - t0) / 1000, peak });
    });
  });
}

async function main(): Promise<void> {
  const work = makeTempDir("bench-smb-memory");
  let samba: SambaInstance | undefined;
  const rows: string[][] = [
    [
      "files",
      "rss after start",
      "peak initial sync",
      "growth / file",
      "initial s",
      "peak no-op resync",
      "no-op s",
      "rclone s",
      "rclone peak",
      "files/s vs rclone",
    ],
  ];
  try {
    samba = await startSamba();
    const share = samba.shares.share!;
    chownSync(share, samba.uid, samba.gid);
    const rcloneEnv = await rcloneSmbEnv(samba, work.path);
    for (const count of COUNTS) {
      const base = `tree-${count}`;
      console.log(`preparing ${count} × ${BYTES} B in folders of ${PER_FOLDER} …`);
      await makeTree(join(share, base), count);
      await run("chown", ["-R", `${samba.uid}:${samba.gid}`, join(share, base)]);
      const server = await startScaidriveProcess({
        dataDir: join(work.path, `data-${count}`),
        entry: process.env.BENCH_SERVER_ENTRY || undefined,
      });
      try {
        const pid = server.pid()!;
        const connectorId = await createSmbConnector(server, samba, { name: `Mem ${count}`, basePath: base });
        await new Promise((r) => setTimeout(r, 1000));
        const startRss = statusBytes(pid, "VmRSS");
        resetPeak(pid);
        const initial = await syncAndWait(server, SMB_CONNECTORS, connectorId);
        const peakInitial = statusBytes(pid, "VmHWM");
        if (initial.job.files_synced < count) throw new Error(`only ${initial.job.files_synced} of ${count} synced`);
        resetPeak(pid);
        const noop = await syncAndWait(server, SMB_CONNECTORS, connectorId);
        const peakNoop = statusBytes(pid, "VmHWM");
        if (noop.job.files_synced !== 0) throw new Error(`no-op resync synced ${noop.job.files_synced}`);
        const dest = join(work.path, `rclone-${count}`);
        rmSync(dest, { recursive: true, force: true });
        const rc = await rcloneCopy(samba, base, dest, rcloneEnv);
        rmSync(dest, { recursive: true, force: true });
        const mib = (b: number) => `${(b / MiB).toFixed(1)} MiB`;
        rows.push([
          String(count),
          mib(startRss),
          mib(peakInitial),
          `${((peakInitial - startRss) / count).toFixed(0)} B`,
          initial.seconds.toFixed(1),
          mib(peakNoop),
          noop.seconds.toFixed(2),
          rc.seconds.toFixed(1),
          mib(rc.peak),
          `${(rc.seconds / initial.seconds).toFixed(2)}x`,
        ]);
      } finally {
        await server.stop();
      }
      rmSync(join(share, base), { recursive: true, force: true });
    }
    console.log("");
    printTable(rows);
    console.log(
      `\nserver entry: ${
        process.env.BENCH_SERVER_ENTRY ||
        "src/cli/scaidrive.ts (tsx loader resident; build and set " +
          "BENCH_SERVER_ENTRY=dist/src/cli/scaidrive.js for npm start's figure)"
      }`,
    );
    console.log("target (issue 15): peak initial sync < 200 MiB at 30,000 files, flat across counts");
  } finally {
    await samba?.stop();
    work.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
