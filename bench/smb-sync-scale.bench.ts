/**
 * Initial SMB → ScaiDrive sync at scale (issue 20): for each count in BENCH_SCALE_COUNTS (default
 * 10000,100000; add 1000000 for the million) files of BENCH_SCALE_BYTES (1024) bytes in folders of
 * BENCH_SCALE_PER_FOLDER (100) on a real Samba share, a fresh server process (fresh data dir) runs
 * the initial sync and then a no-op resync with one `smb_to_scaidrive` connector. Printed per
 * count: the server's RSS after start and its peak (VmHWM) during each run, wall time, files/s and
 * the server's CPU time per file (utime+stime from /proc), the load average; and the peers on the
 * same tree: `smbclient` `recurse; ls` (what a no-op resync must list; target ≤ 1.5×) and
 * `rclone copy` to a local dir (target: initial sync files/s ≥ rclone's).
 *
 * Each tree is generated once under BENCH_SCALE_TREES (default /tmp/scaidrive-scale-trees, the
 * share's path), reused by every peer and by later runs (a `.complete` marker), and deleted at the
 * end unless BENCH_SCALE_KEEP_TREES=1; BENCH_SCALE_SKIP_RCLONE=1 leaves `rclone copy` out.
 * BENCH_SCALE_CPU_PROF=<dir> profiles the server
 * (bench/cpu-profile-entry.mjs): <dir>/server-<count>-{2,3}.cpuprofile are the initial sync and the no-op.
 * Run against the built server: `npm run build`, then BENCH_SERVER_ENTRY=dist/src/cli/scaidrive.js.
 */
import { spawn } from "node:child_process";
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { SAMBA_TEST_PASSWORD, SAMBA_TEST_USER, startSamba, type SambaInstance } from "../test/harness/samba.js";
import { startScaidriveProcess, type ScaidriveProcess } from "../test/harness/scaidrive-process.js";
import { makeTempDir } from "../test/harness/temp-dir.js";
import { MiB, envNumber, printTable, run } from "./core-bench-util.js";
import { cpuSeconds, loadAverage, resetPeak, statusBytes } from "./process-stats.js";
import { rcloneSmbEnv } from "./rclone-smb.js";
import { createSmbConnector, SMB_CONNECTORS } from "./smb-bench-connector.js";
import { syncAndWait } from "./sync-job-wait.js";

const COUNTS = (process.env.BENCH_SCALE_COUNTS ?? "10000,100000")
  .split(",")
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0);
const BYTES = envNumber("BENCH_SCALE_BYTES", 1024);
const PER_FOLDER = envNumber("BENCH_SCALE_PER_FOLDER", 100);
const TREES = process.env.BENCH_SCALE_TREES || "/tmp/scaidrive-scale-trees";
/** BENCH_SCALE_SKIP_RCLONE=1: no `rclone copy` (a no-op-only measurement; the initial sync is not compared). */
const SKIP_RCLONE = process.env.BENCH_SCALE_SKIP_RCLONE === "1";

/** The tree of `count` files, generated once (the marker says it is whole). */
function ensureTree(dir: string, count: number, uid: number, gid: number): void {
  if (existsSync(join(dir, ".complete"))) return;
  rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  const payload = randomBytes(BYTES + 4096);
  for (let i = 0; i < count; i++) {
    const folder = join(dir, `d${String(Math.floor(i / PER_FOLDER)).padStart(5, "0")}`);
    if (i % PER_FOLDER === 0) {
      mkdirSync(folder, { recursive: true });
      chownSync(folder, uid, gid);
    }
    // Distinct content per file (an offset into random bytes plus the index), without a random
    // draw per file: generating a million files is the slow part of this bench.
    const file = join(folder, `f${String(i).padStart(7, "0")}.bin`);
    const off = i % 4096;
    const body = Buffer.from(payload.subarray(off, off + BYTES));
    body.writeUInt32LE(i, 0);
    writeFileSync(file, body);
    chownSync(file, uid, gid);
    if (i > 0 && i % 100_000 === 0) console.log(`  … ${i} files (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  chownSync(dir, uid, gid);
  writeFileSync(join(dir, ".complete"), "");
  console.log(`  generated ${count} files in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

/** The per-phase wall times of the server's last run (its "sync run phases" log line). */
function lastPhases(server: ScaidriveProcess): string {
  const line = server
    .logTail(2000)
    .split("\n")
    .reverse()
    .find((l) => l.includes("sync run phases"));
  return line ? JSON.stringify((JSON.parse(line) as { phaseMs?: unknown }).phaseMs) : "?";
}

/** A child process to completion: wall seconds, its peak RSS (polled) and stdout line count. */
function timedChild(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ seconds: number; peak: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env });
    let peak = 0;
    const poll = setInterval(() => {
      try {
        peak = Math.max(peak, statusBytes(child.pid!, "VmHWM"));
      } catch {
        // exited
      }
    }, 50);
    let lines = 0;
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err = (err + d).slice(-2000)));
    child.once("error", reject);
    child.once("close", (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`));
      else resolve({ seconds: (performance.now() - t0) / 1000, peak, lines });
    });
  });
}

async function main(): Promise<void> {
  const work = makeTempDir("bench-smb-scale");
  let samba: SambaInstance | undefined;
  const mib = (b: number) => `${(b / MiB).toFixed(0)} MiB`;
  const rows: string[][] = [
    [
      "files",
      "rss start",
      "peak initial",
      "initial s",
      "files/s",
      "cpu/file",
      "rclone s",
      "vs rclone",
      "peak no-op",
      "no-op s",
      "cpu/file no-op",
      "smbclient ls s",
      "no-op / ls",
      "summary ms",
      "load avg (start → end)",
    ],
  ];
  mkdirSync(TREES, { recursive: true });
  try {
    samba = await startSamba({ shares: { share: { path: TREES } } });
    chownSync(TREES, samba.uid, samba.gid);
    const rcloneEnv = await rcloneSmbEnv(samba, work.path);
    for (const count of COUNTS) {
      const base = `tree-${count}-${BYTES}-${PER_FOLDER}`;
      console.log(`tree: ${count} × ${BYTES} B in folders of ${PER_FOLDER} (load ${loadAverage()})`);
      ensureTree(join(TREES, base), count, samba.uid, samba.gid);
      const loadStart = loadAverage();
      const cpuProf = process.env.BENCH_SCALE_CPU_PROF;
      // With a profile: the entry that profiles itself and writes one profile per run (SIGUSR2).
      const server = await startScaidriveProcess({
        dataDir: join(work.path, `data-${count}`),
        entry: cpuProf ? "bench/cpu-profile-entry.mjs" : process.env.BENCH_SERVER_ENTRY || undefined,
        logLevel: "info",
        env: cpuProf
          ? {
              BENCH_PROFILE_OUT: join(cpuProf, `server-${count}`),
              BENCH_PROFILE_TARGET: process.env.BENCH_SERVER_ENTRY || "dist/src/cli/scaidrive.js",
            }
          : {},
      });
      const dumpProfile = async () => {
        if (!cpuProf) return;
        process.kill(server.pid()!, "SIGUSR2");
        await new Promise((r) => setTimeout(r, 3000));
      };
      try {
        const pid = server.pid()!;
        const connectorId = await createSmbConnector(server, samba, { name: `Scale ${count}`, basePath: base });
        await new Promise((r) => setTimeout(r, 1000));
        const startRss = statusBytes(pid, "VmRSS");
        resetPeak(pid);
        await dumpProfile();
        let cpu0 = cpuSeconds(pid);
        const initial = await syncAndWait(server, SMB_CONNECTORS, connectorId);
        const cpuInitial = cpuSeconds(pid) - cpu0;
        const peakInitial = statusBytes(pid, "VmHWM");
        if (initial.job.files_synced < count) throw new Error(`only ${initial.job.files_synced} of ${count} synced`);
        console.log(
          `  initial sync: ${initial.seconds.toFixed(1)} s, peak ${mib(peakInitial)} (load ${loadAverage()})`,
        );
        console.log(`    phases (ms): ${lastPhases(server)}`);
        const t = performance.now();
        const summary = await server.api("GET", `${SMB_CONNECTORS}/${connectorId}/jobs/${initial.job.id}/summary`);
        const summaryMs = performance.now() - t;
        if (summary.status !== 200 || summary.body.by_result.ok < count)
          throw new Error(`summary: ${summary.status} ${JSON.stringify(summary.body)}`);
        console.log(`  summary (${summaryMs.toFixed(0)} ms): ${JSON.stringify(summary.body)}`);
        await dumpProfile();
        resetPeak(pid);
        cpu0 = cpuSeconds(pid);
        const noop = await syncAndWait(server, SMB_CONNECTORS, connectorId);
        const cpuNoop = cpuSeconds(pid) - cpu0;
        const peakNoop = statusBytes(pid, "VmHWM");
        if (noop.job.files_synced !== 0) throw new Error(`no-op resync synced ${noop.job.files_synced}`);
        console.log(`  no-op resync: ${noop.seconds.toFixed(1)} s, peak ${mib(peakNoop)} (load ${loadAverage()})`);
        console.log(`    phases (ms): ${lastPhases(server)}`);
        await dumpProfile();
        await server.stop();

        // The peers, on the same tree, with the server stopped.
        const ls = await timedChild("smbclient", [
          `//${samba.host}/share`,
          "-s",
          samba.confPath,
          "-p",
          String(samba.port),
          `--user=SCAIDOM/${SAMBA_TEST_USER}%${SAMBA_TEST_PASSWORD}`,
          "-c",
          `cd ${base}; recurse; ls`,
        ]);
        console.log(`  smbclient recurse ls: ${ls.seconds.toFixed(1)} s, ${ls.lines} lines`);
        const dest = join(work.path, `rclone-${count}`);
        const rc = SKIP_RCLONE
          ? { seconds: NaN, peak: 0 }
          : await timedChild("rclone", ["copy", `benchsmb:share/${base}`, dest], rcloneEnv);
        await run("rm", ["-rf", dest], 30 * 60 * 1000);
        console.log(
          SKIP_RCLONE ? "  rclone copy: skipped" : `  rclone copy: ${rc.seconds.toFixed(1)} s, peak ${mib(rc.peak)}`,
        );
        rows.push([
          String(count),
          mib(startRss),
          mib(peakInitial),
          initial.seconds.toFixed(1),
          (count / initial.seconds).toFixed(0),
          `${((cpuInitial / count) * 1e6).toFixed(0)} µs`,
          rc.seconds.toFixed(1),
          `${(rc.seconds / initial.seconds).toFixed(2)}x`,
          mib(peakNoop),
          noop.seconds.toFixed(1),
          `${((cpuNoop / count) * 1e6).toFixed(0)} µs`,
          ls.seconds.toFixed(1),
          `${(noop.seconds / ls.seconds).toFixed(2)}x`,
          summaryMs.toFixed(0),
          `${loadStart} → ${loadAverage()}`,
        ]);
      } catch (err) {
        // Said at once, with the server's log: the cleanup of a million-file tree takes a while.
        console.error(`count ${count} failed:`, err, `\nserver log:\n${server.logTail(40)}`);
        throw err;
      } finally {
        await server.stop();
      }
    }
    console.log("");
    printTable(rows);
    console.log(`\nserver entry: ${process.env.BENCH_SERVER_ENTRY || "src/cli/scaidrive.ts (tsx loader resident)"}`);
    console.log(
      "targets (issue 20): peak < 300 MiB, flat; no-op ≤ 1.5× smbclient ls; files/s ≥ rclone's (vs rclone ≥ 1x)",
    );
  } finally {
    await samba?.stop();
    work.remove();
    if (process.env.BENCH_SCALE_KEEP_TREES !== "1")
      for (const count of COUNTS)
        rmSync(join(TREES, `tree-${count}-${BYTES}-${PER_FOLDER}`), { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
