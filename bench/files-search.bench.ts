/**
 * Name search (`GET /api/v1/shares/{id}/search`) in a share of 10,000 files, on SQLite and on
 * PostgreSQL, against `find -iname` over the same tree on disk.
 *
 * The server runs as a child process (BENCH_SERVER_ENTRY as in core-throughput). The share holds
 * BENCH_SEARCH_FILES files (default 10,000) of a few bytes in 100 folders. Each query is timed
 * over HTTP (keep-alive, one at a time) BENCH_SEARCH_RUNS times (default 30) after two warm-up
 * runs; the table shows the median and the slowest. Queries: a common substring (a first page of
 * 100 of ~2,000 hits), a rare one (1 hit, the whole share scanned), one restricted to a folder, a
 * page further on (cursor), and the common one for a user whose READ comes from ACEs with half the
 * folders hidden (ACL filtering). Target (issue 17): every query under 200 ms on a 10,000-file share.
 * BENCH_SEARCH_DIALECTS: "sqlite,postgres" (default; PostgreSQL at SCAIDRIVE_TEST_PG_URL).
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { envNumber, forEachLimit, freePort, printTable, run } from "./core-bench-util.js";
import { readJson, send, startServer, type ServerPeer } from "./core-server-peer.js";
import { createPgDatabase, type PgDatabase } from "../test/harness/postgres-database.js";

const TARGET_MS = 200;
const FILES = envNumber("BENCH_SEARCH_FILES", 10_000);
const RUNS = envNumber("BENCH_SEARCH_RUNS", 30);
const FOLDERS = 100;
const DIALECTS = (process.env.BENCH_SEARCH_DIALECTS ?? "sqlite,postgres").split(",").map((d) => d.trim());
const KINDS = ["report", "photo", "invoice", "notes", "draft"];

const repoRoot = resolve(fileURLToPath(new URL("..", import.meta.url)));
const root = await mkdtemp(join(tmpdir(), "scaidrive-bench-search-"));
let server: ServerPeer | undefined;
let pgDb: PgDatabase | undefined;

function fileName(i: number): string {
  return `${KINDS[i % KINDS.length]}-${String(i).padStart(6, "0")}.txt`;
}
function folderOf(i: number): string {
  return `/dept-${String(i % FOLDERS).padStart(3, "0")}`;
}

async function call(path: string, token?: string): Promise<{ ms: number; body: any }> {
  const t0 = performance.now();
  const res = await send(token ? { ...server!, token } : server!, "GET", path);
  const body = await readJson(res);
  const ms = performance.now() - t0;
  if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${JSON.stringify(body)}`);
  return { ms, body };
}

async function timeQuery(path: string, token?: string): Promise<{ median: number; max: number; hits: number }> {
  for (let i = 0; i < 2; i++) await call(path, token);
  const times: number[] = [];
  let hits = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await call(path, token);
    times.push(r.ms);
    hits = r.body.items.length;
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, max: times[times.length - 1]!, hits };
}

async function json(method: string, path: string, body: unknown): Promise<any> {
  const res = await send(server!, method, path, { json: body });
  const parsed = await readJson(res);
  if (res.statusCode! >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${JSON.stringify(parsed)}`);
  return parsed;
}

async function benchDialect(dialect: string): Promise<string[][]> {
  const env: Record<string, string> = {};
  if (dialect === "postgres") {
    pgDb = await createPgDatabase();
    env.SCAIDRIVE_DATABASE_URL = pgDb.url;
  }
  server = await startServer({
    cwd: repoRoot,
    port: await freePort(),
    dataDir: join(root, `data-${dialect}`),
    token: `bench-${randomBytes(16).toString("hex")}`,
    logFile: join(root, `server-${dialect}.log`),
    maxSockets: 8,
    entry: process.env.BENCH_SERVER_ENTRY || undefined,
    env,
  });
  try {
    const share = await json("POST", "/api/v1/shares", { name: "search-bench" });
    const t0 = performance.now();
    // Folders first: concurrent first writes into one new folder retry on PostgreSQL's serialization conflicts.
    for (let f = 0; f < FOLDERS; f++) await json("POST", `/api/v1/shares/${share.id}/folders`, { path: folderOf(f) });
    await forEachLimit(
      Array.from({ length: FILES }, (_, i) => i),
      8,
      async (i) => {
        const path = `${folderOf(i)}/${fileName(i)}`;
        // Distinct content: identical small files share one inline row, which concurrent PostgreSQL
        // transactions would all update (serialization conflicts unrelated to search).
        const body = Buffer.from(path);
        const res = await send(server!, "PUT", `/api/v1/shares/${share.id}/content?path=${encodeURIComponent(path)}`, {
          length: body.length,
          write: async (req) => {
            req.end(body);
          },
        });
        await readJson(res);
        if (res.statusCode !== 201) throw new Error(`upload ${path}: ${res.statusCode}`);
      },
    );
    console.log(`${dialect}: ${FILES} files uploaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // A user who reads through ACEs: READ on the root, half of the folders closed to them.
    const user = await json("POST", "/api/v1/users", { email: `reader-${Date.now()}@example.com`, name: "Reader" });
    const { token } = await json("POST", "/api/v1/tokens", { user_id: user.id, name: "bench" });
    await json("PUT", `/api/v1/shares/${share.id}/acl?path=/`, {
      aces: [{ principal_id: user.id, permissions: ["READ"] }],
      inherit: true,
    });
    for (let f = 0; f < FOLDERS; f += 2) {
      await json("PUT", `/api/v1/shares/${share.id}/acl?path=${encodeURIComponent(folderOf(f))}`, {
        aces: [],
        inherit: false,
      });
    }

    const base = `/api/v1/shares/${share.id}/search`;
    const second = (await call(`${base}?q=report&limit=100`)).body.next_cursor as string;
    const cases: [string, string, string | undefined][] = [
      ["common (first 100 of ~2,000)", `${base}?q=REPORT&limit=100`, undefined],
      ["rare (1 hit)", `${base}?q=${fileName(FILES - 7).slice(-10)}`, undefined],
      ["none (0 hits)", `${base}?q=no-such-name`, undefined],
      ["one folder", `${base}?q=report&path=${encodeURIComponent(folderOf(5))}`, undefined],
      ["next page (cursor)", `${base}?q=report&limit=100&cursor=${second}`, undefined],
      ["ACL-filtered user, common", `${base}?q=report&limit=100`, token],
      ["ACL-filtered user, rare", `${base}?q=${fileName(FILES - 7).slice(-10)}`, token],
    ];
    const rows: string[][] = [];
    for (const [label, path, tok] of cases) {
      const r = await timeQuery(path, tok);
      rows.push([
        `${dialect}: ${label}`,
        String(r.hits),
        `${r.median.toFixed(1)} ms`,
        `${r.max.toFixed(1)} ms`,
        r.max < TARGET_MS ? "MET" : "NOT MET",
      ]);
    }
    return rows;
  } finally {
    await server.stop();
    server = undefined;
    await pgDb?.drop();
    pgDb = undefined;
  }
}

/** The same names on disk, searched by `find -iname` (the reference peer). */
async function findReference(): Promise<{ median: number }> {
  const tree = join(root, "tree");
  for (let f = 0; f < FOLDERS; f++) await mkdir(join(tree, folderOf(f)), { recursive: true });
  for (let i = 0; i < FILES; i++) await writeFile(join(tree, folderOf(i), fileName(i)), "hi");
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await run("find", [tree, "-iname", "*report*"]);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]! };
}

try {
  const rows: string[][] = [];
  for (const dialect of DIALECTS) rows.push(...(await benchDialect(dialect)));
  const find = await findReference();
  rows.push([`find -iname '*report*' (whole tree, warm cache)`, "", `${find.median.toFixed(1)} ms`, "", ""]);
  console.log(`\n${FILES} files in ${FOLDERS} folders; ${RUNS} timed runs per query (HTTP round trip included)`);
  printTable([["query", "hits", "median", "slowest", `< ${TARGET_MS} ms`], ...rows]);
} finally {
  await server?.stop();
  await pgDb?.drop();
  await rm(root, { recursive: true, force: true });
}
