/**
 * PostgreSQL against SQLite, side by side in one run (issue 20): the same server (child process,
 * fresh data dir; on PostgreSQL a fresh database) once per dialect, measuring
 *   - an initial SMB → ScaiDrive sync of BENCH_PGVS_FILES (10000) files of BENCH_PGVS_BYTES (512)
 *     bytes in folders of BENCH_PGVS_PER_FOLDER (100), from a real smbd, with 0 errors required;
 *   - then a resync with nothing changed, and one after BENCH_PGVS_CHANGED (1 %) of the files were
 *     rewritten on the share (every one must be synced again);
 *   - BENCH_PGVS_UPLOADS (3000) uploads of 4 KiB (distinct content) over BENCH_PGVS_CONCURRENCY (16) keep-alive
 *     connections (PUT .../content, folders of 100), each checked for 201.
 * Prints files/s per dialect and PostgreSQL's ratio to SQLite's. Target: ≥ 0.8 for both.
 * PostgreSQL at SCAIDRIVE_TEST_PG_URL (default the local trust server
 * `postgres://postgres@127.0.0.1:5432/test`; a fresh database is created and dropped); BENCH_PGVS_DIALECTS (sqlite,postgres) picks the
 * dialects, BENCH_PGVS_TARGET the connector's target folder (default "/"), BENCH_SERVER_ENTRY the
 * server entry (as the other benches).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startSamba, type SambaInstance } from "../test/harness/samba.js";
import { startScaidriveProcess, type ScaidriveProcess } from "../test/harness/scaidrive-process.js";
import { createPgDatabase, type PgDatabase } from "../test/harness/postgres-database.js";
import { makeTempDir } from "../test/harness/temp-dir.js";
import { envNumber, forEachLimit, machineBusySeconds, printTable } from "./core-bench-util.js";
import { commandCpuSeconds, cpuSeconds } from "./process-stats.js";
import { createSmbConnector, SMB_CONNECTORS } from "./smb-bench-connector.js";
import { syncAndWait } from "./sync-job-wait.js";

const FILES = envNumber("BENCH_PGVS_FILES", 10_000);
const BYTES = envNumber("BENCH_PGVS_BYTES", 512);
const PER_FOLDER = envNumber("BENCH_PGVS_PER_FOLDER", 100);
const UPLOADS = envNumber("BENCH_PGVS_UPLOADS", 3000);
const CHANGED = envNumber("BENCH_PGVS_CHANGED", Math.max(1, Math.floor(FILES / 100)));
const CONCURRENCY = envNumber("BENCH_PGVS_CONCURRENCY", 16);
const DIALECTS = (process.env.BENCH_PGVS_DIALECTS ?? "sqlite,postgres").split(",").map((s) => s.trim());

interface Phase {
  seconds: number;
  /** CPU time of the server process (user + system). */
  serverCpu: number;
  /** Non-idle CPU time of the whole machine (the server, PostgreSQL, smbd, this client). */
  machineCpu: number;
  /** CPU time of PostgreSQL's processes (0 on SQLite): the database's share, whatever else the machine runs. */
  dbCpu: number;
}

interface Figures {
  dialect: string;
  sync: Phase;
  noop: Phase;
  changed: Phase;
  upload: Phase;
}

async function phase(server: ScaidriveProcess, fn: () => Promise<number>): Promise<Phase> {
  const cpu0 = cpuSeconds(server.pid());
  const busy0 = machineBusySeconds();
  const db0 = commandCpuSeconds("postgres");
  const seconds = await fn();
  return {
    seconds,
    serverCpu: cpuSeconds(server.pid()) - cpu0,
    machineCpu: machineBusySeconds() - busy0,
    dbCpu: commandCpuSeconds("postgres") - db0,
  };
}

function fileOf(tree: string, i: number): string {
  return join(tree, `d${String(Math.floor(i / PER_FOLDER)).padStart(5, "0")}`, `f${String(i).padStart(7, "0")}.bin`);
}

async function initialSync(server: ScaidriveProcess, samba: SambaInstance): Promise<{ id: string; seconds: number }> {
  const id = await createSmbConnector(server, samba, {
    name: "Sync",
    basePath: "tree",
    targetPath: process.env.BENCH_PGVS_TARGET,
    fields: { sync_direction: "smb_to_scaidrive" },
  });
  const { seconds, job } = await syncAndWait(server, SMB_CONNECTORS, id);
  if (job.files_synced !== FILES)
    throw new Error(`only ${job.files_synced} of ${FILES} synced: ${JSON.stringify(job)}`);
  return { id, seconds };
}

/** A resync that must copy exactly `expected` files. */
async function resync(server: ScaidriveProcess, id: string, expected: number): Promise<number> {
  const { seconds, job } = await syncAndWait(server, SMB_CONNECTORS, id);
  if (job.files_synced !== expected || job.error_count !== 0)
    throw new Error(`resync: ${job.files_synced} synced, ${expected} expected: ${JSON.stringify(job)}`);
  return seconds;
}

async function uploadMany(server: ScaidriveProcess): Promise<number> {
  const shareId = (await server.api("POST", "/api/v1/shares", { json: { name: "Uploads" } })).body.id as string;
  // Distinct content per file, as real uploads have (identical small files share one inline
  // blob row, whose upsert makes their commits queue on PostgreSQL).
  const pool = randomBytes(4096 + UPLOADS);
  const t0 = performance.now();
  await forEachLimit(
    Array.from({ length: UPLOADS }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      const path = `/u${String(Math.floor(i / 100)).padStart(4, "0")}/f${i}.bin`;
      const r = await fetch(`${server.url}/api/v1/shares/${shareId}/content?path=${encodeURIComponent(path)}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${server.adminToken}` },
        body: new Uint8Array(pool.buffer, pool.byteOffset + i, 4096),
      });
      await r.arrayBuffer();
      if (r.status !== 201) throw new Error(`PUT ${path}: ${r.status}`);
    },
  );
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const work = makeTempDir("bench-pg-vs-sqlite");
  let samba: SambaInstance | undefined;
  const figures: Figures[] = [];
  try {
    samba = await startSamba();
    const tree = join(samba.shares.share!, "tree");
    console.log(`preparing ${FILES} × ${BYTES} B in folders of ${PER_FOLDER} …`);
    for (let i = 0; i < FILES; i++) {
      if (i % PER_FOLDER === 0) mkdirSync(join(fileOf(tree, i), ".."), { recursive: true });
      writeFileSync(fileOf(tree, i), randomBytes(BYTES));
    }
    execFileSync("chown", ["-R", `${samba.uid}:${samba.gid}`, tree]);
    for (const dialect of DIALECTS) {
      let pgDb: PgDatabase | undefined;
      let server: ScaidriveProcess | undefined;
      try {
        if (dialect === "postgres") pgDb = await createPgDatabase();
        else if (dialect !== "sqlite") throw new Error(`unknown dialect ${dialect}`);
        server = await startScaidriveProcess({
          dataDir: join(work.path, dialect),
          entry: process.env.BENCH_SERVER_ENTRY || undefined,
          env: pgDb ? { SCAIDRIVE_DATABASE_URL: pgDb.url } : {},
        });
        console.log(`${dialect}: initial sync …`);
        let connectorId = "";
        const sync = await phase(server, async () => {
          const r = await initialSync(server!, samba!);
          connectorId = r.id;
          return r.seconds;
        });
        console.log(`${dialect}: resyncs …`);
        const noop = await phase(server, () => resync(server!, connectorId, 0));
        // Spread over the tree; new content of the same size (the share's last-write time moves).
        for (let k = 0; k < CHANGED; k++)
          writeFileSync(fileOf(tree, Math.floor((k * FILES) / CHANGED)), randomBytes(BYTES));
        const changed = await phase(server, () => resync(server!, connectorId, CHANGED));
        console.log(`${dialect}: ${UPLOADS} uploads of 4 KiB …`);
        const upload = await phase(server, () => uploadMany(server!));
        figures.push({ dialect, sync, noop, changed, upload });
      } finally {
        await server?.stop();
        await pgDb?.drop();
      }
    }
  } finally {
    await samba?.stop();
    work.remove();
  }
  const rows: string[][] = [
    [
      "dialect",
      "section",
      "files",
      "wall s",
      "files/s",
      "server cpu s",
      "server cpu / file",
      "postgres cpu / file",
      "machine cpu s",
    ],
  ];
  for (const f of figures)
    for (const [name, p, n] of [
      ["initial SMB sync", f.sync, FILES],
      ["no-op resync", f.noop, FILES],
      [`resync, ${CHANGED} changed`, f.changed, FILES],
      ["4 KiB uploads", f.upload, UPLOADS],
    ] as const)
      rows.push([
        f.dialect,
        name,
        String(n),
        p.seconds.toFixed(1),
        (n / p.seconds).toFixed(0),
        p.serverCpu.toFixed(1),
        `${((p.serverCpu / n) * 1000).toFixed(2)} ms`,
        f.dialect === "postgres" ? `${((p.dbCpu / n) * 1000).toFixed(2)} ms` : "—",
        p.machineCpu.toFixed(1),
      ]);
  console.log("");
  printTable(rows);
  const lite = figures.find((f) => f.dialect === "sqlite");
  const pg = figures.find((f) => f.dialect === "postgres");
  if (lite && pg) {
    const syncRatio = lite.sync.seconds / pg.sync.seconds;
    const uploadRatio = lite.upload.seconds / pg.upload.seconds;
    const noopRatio = lite.noop.seconds / pg.noop.seconds;
    const changedRatio = lite.changed.seconds / pg.changed.seconds;
    console.log(
      `\nPostgreSQL / SQLite files/s: initial sync ${syncRatio.toFixed(2)}x, no-op resync ${noopRatio.toFixed(2)}x, ` +
        `resync with ${CHANGED} changed ${changedRatio.toFixed(2)}x, 4 KiB uploads ${uploadRatio.toFixed(2)}x ` +
        `(target ≥ 0.80x; ${FILES} files of ${BYTES} B, ${UPLOADS} uploads at concurrency ${CONCURRENCY})`,
    );
  }
}

await main();
