/**
 * The SMB connector end to end against `rclone copy` (Debian's rclone, smb backend) and
 * `smbclient` (`mget` / `get`), on the same Samba share in the same run:
 *   - initial sync of BENCH_SMALL_COUNT (10,000) files of BENCH_SMALL_KIB (4) KiB,
 *   - initial sync of one BENCH_LARGE_MIB (1024) MiB file,
 *   - a no-op resync of the small files,
 *   - the 1 GiB file pushed back (`scaidrive_to_smb` into an empty folder) against `smbclient put`,
 * each through the real server (child process, `smb_to_scaidrive` connectors, POST .../sync then
 * GET .../jobs/{id} polled every 50 ms). rclone and smbclient copy the same data into a local dir.
 * Targets (issue 4): small files at least as fast as rclone; 1 GiB ≥ 0.9× smbclient; no-op
 * resync < 3 s. Prints times, ratios, the jobs' own started→finished times and the load average.
 */
import { spawn } from "node:child_process";
import { chownSync, mkdirSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startSamba, type SambaInstance } from "../test/harness/samba.js";
import { startScaidriveProcess, type ScaidriveProcess } from "../test/harness/scaidrive-process.js";
import { makeTempDir } from "../test/harness/temp-dir.js";
import {
  MiB,
  envNumber,
  machineBusySeconds,
  machineLoad,
  makeLargeFile,
  makeSmallFiles,
  printTable,
  run,
  warmPageCache,
} from "./core-bench-util.js";
import { cpuSeconds } from "./process-stats.js";

const SMALL_COUNT = envNumber("BENCH_SMALL_COUNT", 10_000);
const SMALL_KIB = envNumber("BENCH_SMALL_KIB", 4);
const LARGE_MIB = envNumber("BENCH_LARGE_MIB", 1024);
const BASE = "/api/v1/smb-connectors";

interface Timing {
  seconds: number;
  /** CPU time every process on the machine used meanwhile (smbd, the server, the client, kernel threads). */
  machineCpuSeconds: number;
  /** CPU (user + system) the server process used meanwhile. */
  serverCpu?: number;
  /** The job's own started_at → finished_at (server side, excludes polling granularity). */
  jobSeconds?: number;
}

function output(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: env ?? process.env,
      timeout: 30 * 60_000,
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${err.slice(-1000)}`)),
    );
  });
}

async function time(fn: () => Promise<unknown>): Promise<Timing> {
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  await fn();
  return { seconds: (performance.now() - t0) / 1000, machineCpuSeconds: machineBusySeconds() - busy0 };
}

async function syncTimed(server: ScaidriveProcess, connectorId: string): Promise<Timing & { job: any }> {
  const cpu0 = cpuSeconds(server.pid());
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const started = await server.api("POST", `${BASE}/${connectorId}/sync`);
  if (started.status !== 202) throw new Error(`sync: ${started.status} ${JSON.stringify(started.body)}`);
  for (;;) {
    const r = await server.api("GET", `${BASE}/${connectorId}/jobs/${started.body.id}?limit=1`);
    if (r.body.status !== "queued" && r.body.status !== "running") {
      const seconds = (performance.now() - t0) / 1000;
      const job = r.body;
      if (job.status !== "completed" || job.error_count !== 0)
        throw new Error(`job did not complete cleanly: ${JSON.stringify(job)}`);
      return {
        seconds,
        serverCpu: cpuSeconds(server.pid()) - cpu0,
        machineCpuSeconds: machineBusySeconds() - busy0,
        jobSeconds: (Date.parse(job.finished_at) - Date.parse(job.started_at)) / 1000,
        job,
      };
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function main(): Promise<void> {
  const work = makeTempDir("bench-smb-connector");
  let samba: SambaInstance | undefined;
  let server: ScaidriveProcess | undefined;
  try {
    samba = await startSamba();
    const share = samba.shares.share!;
    console.log(`preparing ${SMALL_COUNT} × ${SMALL_KIB} KiB and 1 × ${LARGE_MIB} MiB on the share …`);
    const names = await makeSmallFiles(join(share, "small"), SMALL_COUNT, SMALL_KIB * 1024);
    mkdirSync(join(share, "large"));
    await makeLargeFile(join(share, "large", "big.bin"), LARGE_MIB);
    await run("chown", ["-R", `${samba.uid}:${samba.gid}`, join(share, "small"), join(share, "large")]);
    chownSync(share, samba.uid, samba.gid);

    server = await startScaidriveProcess({ dataDir: join(work.path, "scaidrive") });
    const shareId = (await server.api("POST", "/api/v1/shares", { json: { name: "Bench" } })).body.id as string;
    const connector = async (base: string, targetPath = `/${base}`, direction = "smb_to_scaidrive") => {
      const r = await server!.api("POST", BASE, {
        json: {
          name: `bench ${base}`,
          server_host: samba!.host,
          server_port: samba!.port,
          share_name: "share",
          base_path: base,
          domain: samba!.domain,
          username: samba!.username,
          password: samba!.password,
          target_share_id: shareId,
          target_path: targetPath,
          sync_direction: direction,
          sync_interval_minutes: 0,
        },
      });
      if (r.status !== 201) throw new Error(`connector: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.id as string;
    };
    const smallCnn = await connector("small");
    const largeCnn = await connector("large");
    mkdirSync(join(share, "push"));
    chownSync(join(share, "push"), samba.uid, samba.gid);
    // Pushes what largeCnn brought in (/large in ScaiDrive) into the empty SMB folder push/.
    const pushCnn = await connector("push", "/large", "scaidrive_to_smb");

    // rclone: smb backend configured only through the environment; password obscured by rclone.
    const obscured = (await output("rclone", ["obscure", samba.password])).trim();
    const rcloneEnv = {
      ...process.env,
      RCLONE_CONFIG: join(work.path, "rclone.conf"),
      RCLONE_CONFIG_BENCHSMB_TYPE: "smb",
      RCLONE_CONFIG_BENCHSMB_HOST: samba.host,
      RCLONE_CONFIG_BENCHSMB_PORT: String(samba.port),
      RCLONE_CONFIG_BENCHSMB_USER: samba.username,
      RCLONE_CONFIG_BENCHSMB_PASS: obscured,
      RCLONE_CONFIG_BENCHSMB_DOMAIN: samba.domain,
    };
    const rclone = (from: string, to: string) => output("rclone", ["copy", `benchsmb:share/${from}`, to], rcloneEnv);
    const smbclient = async (command: string) => {
      const r = await samba!.run("smbclient", [`//${samba!.host}/share`, "-c", command]);
      if (r.code !== 0) throw new Error(`smbclient ${command}: ${r.stderr}${r.stdout.slice(-500)}`);
    };
    const local = (name: string) => {
      const dir = join(work.path, name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      return dir;
    };
    const flush = () => run("sync", ["-f", work.path]);
    const warmLarge = () => warmPageCache(work.path, LARGE_MIB);

    console.log("small files …");
    await flush();
    const scaiSmall = await syncTimed(server, smallCnn);
    if (scaiSmall.job.files_synced < SMALL_COUNT)
      throw new Error(`only ${scaiSmall.job.files_synced} of ${SMALL_COUNT} files synced`);
    await flush();
    const scaiNoop = await syncTimed(server, smallCnn);
    if (scaiNoop.job.files_synced !== 0) throw new Error(`no-op resync copied ${scaiNoop.job.files_synced} files`);
    await flush();
    const rcloneSmallDir = local("rclone-small");
    const rcloneSmall = await time(() => rclone("small", rcloneSmallDir));
    await flush();
    const rcloneNoop = await time(() => rclone("small", rcloneSmallDir));
    await flush();
    const smbclientSmallDir = local("smbclient-small");
    const smbclientSmall = await time(() =>
      smbclient(`prompt OFF; recurse ON; cd small; lcd "${smbclientSmallDir}"; mget *`),
    );
    rmSync(rcloneSmallDir, { recursive: true, force: true });
    rmSync(smbclientSmallDir, { recursive: true, force: true });

    console.log("large file …");
    await warmLarge();
    const scaiLarge = await syncTimed(server, largeCnn);
    await warmLarge();
    const rcloneLargeDir = local("rclone-large");
    const rcloneLarge = await time(() => rclone("large", rcloneLargeDir));
    rmSync(rcloneLargeDir, { recursive: true, force: true });
    await warmLarge();
    const smbclientLargeDir = local("smbclient-large");
    const smbclientLarge = await time(() => smbclient(`lcd "${smbclientLargeDir}"; get large/big.bin big.bin`));
    rmSync(smbclientLargeDir, { recursive: true, force: true });
    // The same copy made as durable as ScaiDrive's (which fsyncs the blob before committing it).
    await warmLarge();
    const smbclientSyncDir = local("smbclient-large-sync");
    const smbclientLargeSync = await time(async () => {
      await smbclient(`lcd "${smbclientSyncDir}"; get large/big.bin big.bin`);
      await run("sync", ["-f", join(smbclientSyncDir, "big.bin")]);
    });
    rmSync(smbclientSyncDir, { recursive: true, force: true });

    console.log("large file, pushed …");
    await warmLarge();
    const scaiPush = await syncTimed(server, pushCnn);
    if (scaiPush.job.files_synced !== 1) throw new Error(`push copied ${scaiPush.job.files_synced} files`);
    await warmLarge();
    const smbclientPut = await time(() => smbclient(`lcd "${join(share, "large")}"; put big.bin push/put.bin`));
    rmSync(join(share, "push", "put.bin"), { force: true });

    const stat = await server.api(
      "GET",
      `/api/v1/shares/${shareId}/files/stat?path=${encodeURIComponent(`/small/${names[names.length - 1]}`)}`,
    );
    if (stat.status !== 200) throw new Error(`last small file missing in ScaiDrive: ${stat.status}`);

    const s = (t: Timing) => t.seconds.toFixed(2);
    const job = (t: Timing) => (t.jobSeconds === undefined ? "" : t.jobSeconds.toFixed(2));
    const cpu = (t: Timing) => (t.serverCpu === undefined ? "" : t.serverCpu.toFixed(2));
    const smallBytes = SMALL_COUNT * SMALL_KIB * 1024;
    const largeBytes = LARGE_MIB * MiB;
    const per = (bytes: number, t: Timing) => `${(bytes / MiB / t.seconds).toFixed(1)} MiB/s`;
    console.log("");
    printTable([
      [
        "case",
        "ScaiDrive s",
        "(job s)",
        "server cpu s",
        "rclone s",
        "smbclient s",
        "ScaiDrive rate",
        "vs rclone",
        "vs smbclient",
      ],
      [
        `initial ${SMALL_COUNT} × ${SMALL_KIB} KiB`,
        s(scaiSmall),
        job(scaiSmall),
        cpu(scaiSmall),
        s(rcloneSmall),
        s(smbclientSmall),
        `${(SMALL_COUNT / scaiSmall.seconds).toFixed(0)} files/s`,
        `${(rcloneSmall.seconds / scaiSmall.seconds).toFixed(2)}x`,
        `${(smbclientSmall.seconds / scaiSmall.seconds).toFixed(2)}x`,
      ],
      [
        `initial 1 × ${LARGE_MIB} MiB`,
        s(scaiLarge),
        job(scaiLarge),
        cpu(scaiLarge),
        s(rcloneLarge),
        s(smbclientLarge),
        per(largeBytes, scaiLarge),
        `${(rcloneLarge.seconds / scaiLarge.seconds).toFixed(2)}x`,
        `${(smbclientLarge.seconds / scaiLarge.seconds).toFixed(2)}x`,
      ],
      [
        `  (smbclient get + sync)`,
        "",
        "",
        "",
        "",
        s(smbclientLargeSync),
        "",
        "",
        `${(smbclientLargeSync.seconds / scaiLarge.seconds).toFixed(2)}x`,
      ],
      [
        `push 1 × ${LARGE_MIB} MiB (put)`,
        s(scaiPush),
        job(scaiPush),
        cpu(scaiPush),
        "",
        s(smbclientPut),
        per(largeBytes, scaiPush),
        "",
        `${(smbclientPut.seconds / scaiPush.seconds).toFixed(2)}x`,
      ],
      [
        `no-op resync ${SMALL_COUNT}`,
        s(scaiNoop),
        job(scaiNoop),
        cpu(scaiNoop),
        s(rcloneNoop),
        "",
        "",
        `${(rcloneNoop.seconds / scaiNoop.seconds).toFixed(2)}x`,
        "",
      ],
    ]);
    // The 1 GiB cases on 2 cores: how much of the machine each one kept busy explains their ratio.
    console.log("");
    printTable([
      [`1 × ${LARGE_MIB} MiB`, "wall s", "machine cpu (cores busy)"],
      ["ScaiDrive pull", s(scaiLarge), machineLoad(scaiLarge)],
      ["smbclient get", s(smbclientLarge), machineLoad(smbclientLarge)],
      ["smbclient get + sync", s(smbclientLargeSync), machineLoad(smbclientLargeSync)],
      ["ScaiDrive push", s(scaiPush), machineLoad(scaiPush)],
      ["smbclient put", s(smbclientPut), machineLoad(smbclientPut)],
    ]);
    console.log(`\nratios: >1 = ScaiDrive faster. small data ${(smallBytes / MiB).toFixed(1)} MiB.`);
    console.log("targets:");
    console.log(
      `  small files ` +
        `≥ rclone speed:   ${(rcloneSmall.seconds / scaiSmall.seconds).toFixed(2)}x  ${rcloneSmall.seconds >= scaiSmall.seconds ? "MET" : "MISSED"}`,
    );
    console.log(
      `  1 GiB ≥ 0.9× ` +
        `smbclient:       ${(smbclientLarge.seconds / scaiLarge.seconds).toFixed(2)}x  ${smbclientLarge.seconds / scaiLarge.seconds >= 0.9 ? "MET" : "MISSED"}`,
    );
    console.log(
      `  no-op resync < 3 s:           ${scaiNoop.seconds.toFixed(2)} s  ${scaiNoop.seconds < 3 ? "MET" : "MISSED"}`,
    );
    console.log(
      `load average (1/5/15 min): ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")} on ${(await output("nproc", [])).trim()} cores; tmp ${tmpdir()}`,
    );
  } finally {
    await server?.stop({ keepData: true });
    await samba?.stop();
    work.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
