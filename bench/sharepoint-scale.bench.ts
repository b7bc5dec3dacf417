/**
 * SharePoint → ScaiDrive at scale (issue 20): for each count in SP_SCALE_ITEMS (default 100000)
 * files in folders of 1,000, a library in the Graph + Entra emulator (in this process, seeded
 * through its control API; every seeded file shares one content blob) and a fresh ScaiDrive
 * server as a child process (the built one with BENCH_SERVER_ENTRY=dist/src/cli/scaidrive.js):
 * an initial sync and a no-op resync. Printed per count: the server's RSS after start and peak
 * (VmHWM) during each run, wall time, files/s, server CPU per file, the Graph requests of each
 * run counted at the emulator (target for the no-op resync: one delta request), the emulator's
 * own RSS (this process) and the load average.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { control, startEmulator } from "../test/connectors/sharepoint/sharepoint-test-kit.js";
import type { GraphEmulator } from "../test/emulators/graph/emulator.js";
import { startScaidriveProcess, type ScaidriveProcess } from "../test/harness/scaidrive-process.js";
import { makeTempDir } from "../test/harness/temp-dir.js";
import { MiB, printTable } from "./core-bench-util.js";
import { cpuSeconds, loadAverage, resetPeak, statusBytes } from "./process-stats.js";
import { syncAndWait } from "./sync-job-wait.js";

const COUNTS = (process.env.SP_SCALE_ITEMS ?? "100000")
  .split(",")
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0);
const PER_FOLDER = 1_000;
const BASE = "/api/v1/sharepoint-connectors";

/** Graph requests (Entra token requests left out) since the last reset: total and delta pages. */
async function graphRequests(emu: GraphEmulator): Promise<{ total: number; delta: number }> {
  const c = await control<Record<string, number>>(emu, "counters", undefined, "GET");
  await control(emu, "counters", undefined, "DELETE");
  let total = 0;
  let delta = 0;
  for (const [k, n] of Object.entries(c)) {
    if (/oauth2/.test(k)) continue;
    total += n;
    if (/\/delta/.test(k)) delta += n;
  }
  return { total, delta };
}

async function main(): Promise<void> {
  const work = makeTempDir("bench-sp-scale");
  const mib = (b: number) => `${(b / MiB).toFixed(0)} MiB`;
  const rows: string[][] = [
    [
      "files",
      "rss start",
      "peak initial",
      "initial s",
      "files/s",
      "cpu/file",
      "graph req",
      "peak no-op",
      "no-op s",
      "no-op graph req (delta)",
      "emulator rss",
      "load avg (start → end)",
    ],
  ];
  try {
    for (const count of COUNTS) {
      const emu = await startEmulator();
      const caFile = join(work.path, `ca-${count}.pem`);
      writeFileSync(caFile, readFileSync(emu.info.ca_file));
      let server: ScaidriveProcess | undefined;
      try {
        const t = performance.now();
        const base = `scale-${count}`;
        await control(emu, "content/folders", { path: base });
        for (let f = 0; f * PER_FOLDER < count; f++)
          await control(emu, "content/seed", {
            path: `${base}/f${String(f).padStart(4, "0")}`,
            count: Math.min(PER_FOLDER, count - f * PER_FOLDER),
            prefix: "doc",
          });
        console.log(
          `library: ${count} files seeded in ${((performance.now() - t) / 1000).toFixed(0)} s; ` +
            `emulator process RSS ${mib(process.memoryUsage().rss)}`,
        );
        const loadStart = loadAverage();
        server = await startScaidriveProcess({
          dataDir: join(work.path, `data-${count}`),
          entry: process.env.BENCH_SERVER_ENTRY || undefined,
          env: {
            SCAIDRIVE_GRAPH_BASE_URL: emu.info.graph_base_url,
            SCAIDRIVE_ENTRA_AUTHORITY_HOST: emu.info.authority_host,
            NODE_EXTRA_CA_CERTS: caFile,
          },
        });
        const pid = server.pid()!;
        const shareId = (await server.api("POST", "/api/v1/shares", { json: { name: `SP ${count}` } })).body.id;
        const c = await server.api("POST", BASE, {
          json: {
            name: `sp ${count}`,
            site_id: emu.info.site_id,
            drive_id: emu.info.drive_id,
            library_name: "Documents",
            base_path: base,
            azure_tenant_id: emu.info.tenant_id,
            azure_client_id: emu.info.client_id,
            azure_client_secret: emu.info.client_secret,
            auth_type: "app_auth",
            target_share_id: shareId,
            target_path: "/",
            sync_direction: "sharepoint_to_scaidrive",
            sync_interval_minutes: 0,
          },
        });
        if (c.status !== 201) throw new Error(`connector: ${c.status} ${JSON.stringify(c.body)}`);
        await new Promise((r) => setTimeout(r, 1000));
        const startRss = statusBytes(pid, "VmRSS");
        resetPeak(pid);
        await graphRequests(emu);
        let cpu0 = cpuSeconds(pid);
        const initial = await syncAndWait(server, BASE, c.body.id);
        const cpuInitial = cpuSeconds(pid) - cpu0;
        const peakInitial = statusBytes(pid, "VmHWM");
        const reqInitial = await graphRequests(emu);
        if (initial.job.files_synced < count) throw new Error(`only ${initial.job.files_synced} of ${count} synced`);
        console.log(
          `  initial: ${initial.seconds.toFixed(1)} s, peak ${mib(peakInitial)}, ${reqInitial.total} requests`,
        );
        resetPeak(pid);
        cpu0 = cpuSeconds(pid);
        const noop = await syncAndWait(server, BASE, c.body.id);
        const cpuNoop = cpuSeconds(pid) - cpu0;
        const peakNoop = statusBytes(pid, "VmHWM");
        const reqNoop = await graphRequests(emu);
        if (noop.job.files_synced !== 0) throw new Error(`no-op resync synced ${noop.job.files_synced}`);
        console.log(
          `  no-op: ${noop.seconds.toFixed(1)} s, peak ${mib(peakNoop)}, ${reqNoop.total} requests ` +
            `(${reqNoop.delta} delta), cpu ${cpuNoop.toFixed(1)} s`,
        );
        rows.push([
          String(count),
          mib(startRss),
          mib(peakInitial),
          initial.seconds.toFixed(1),
          (count / initial.seconds).toFixed(0),
          `${((cpuInitial / count) * 1e6).toFixed(0)} µs`,
          String(reqInitial.total),
          mib(peakNoop),
          noop.seconds.toFixed(1),
          `${reqNoop.total} (${reqNoop.delta})`,
          mib(process.memoryUsage().rss),
          `${loadStart} → ${loadAverage()}`,
        ]);
      } finally {
        await server?.stop();
        await emu.close();
      }
    }
    console.log("");
    printTable(rows);
    console.log(`\nserver entry: ${process.env.BENCH_SERVER_ENTRY || "src/cli/scaidrive.ts (tsx loader resident)"}`);
    console.log("targets (issue 20): peak < 300 MiB and flat across counts; no-op resync = 1 delta request");
  } finally {
    work.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
