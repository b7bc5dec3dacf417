/**
 * SMB client vs Samba's smbclient on the same smbd in the same run: read and write of one file
 * (1 GiB by default, SMB_BENCH_FILE_MIB) and the listing of a 100,000-file tree
 * (SMB_BENCH_FILES), each side measured twice alternately, best run kept. The client runs in a
 * child process so its peak RSS is its own; an idle child (no SMB) is the baseline. The child runs
 * the client transpiled to plain JavaScript (TypeScript's transpileModule into a temp dir), as a
 * deployment would: under tsx the loader alone adds ~40 MiB to every process's RSS.
 * SMB_BENCH_TSX=1 runs the TypeScript sources through tsx instead.
 * Targets (issue 3): read/write >= 0.9x smbclient, listing <= 1.5x smbclient's time, RSS < 100 MiB.
 * The load average is printed with the figures: on a shared machine it explains most of the noise.
 */
import { spawn } from "node:child_process";
import { createCipheriv } from "node:crypto";
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  chownSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { performance } from "node:perf_hooks";
import { once } from "node:events";
import { startSamba, type SambaInstance } from "../test/harness/samba.js";
import { loadAverage } from "./process-stats.js";

const MiB = 1 << 20;
const FILE_MIB = Number(process.env.SMB_BENCH_FILE_MIB ?? 1024);
const FILES = Number(process.env.SMB_BENCH_FILES ?? 100_000);
const ROUNDS = Number(process.env.SMB_BENCH_ROUNDS ?? 2);

const USE_TSX = process.env.SMB_BENCH_TSX === "1";
const REPO = join(import.meta.dirname, "..");

/** Transpiles the worker and src/protocols/smb into `out` (same layout, .js, ESM). */
function compileWorker(out: string): string {
  const files = [join(REPO, "bench", "smb-bench-worker.ts")];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith(".ts")) files.push(join(dir, e.name));
    }
  };
  walk(join(REPO, "src", "protocols", "smb"));
  for (const file of files) {
    const js = ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    }).outputText;
    const dest = join(out, relative(REPO, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, js);
  }
  writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module" }));
  return join(out, "bench", "smb-bench-worker.js");
}

let workerScript = "";

function worker(
  op: string,
  opts: object,
): Promise<{ seconds?: number; bytes?: number; entries?: number; maxRssMiB: number }> {
  return new Promise((resolve, reject) => {
    const args = USE_TSX ? ["--import", "tsx", join(import.meta.dirname, "smb-bench-worker.ts")] : [workerScript];
    const child = spawn(process.execPath, [...args, op, JSON.stringify(opts)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30 * 60_000);
    child.once("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`worker ${op} exited ${code}`));
      resolve(JSON.parse(out.trim().split("\n").pop()!));
    });
  });
}

async function smbclient(s: SambaInstance, command: string): Promise<number> {
  const t0 = performance.now();
  const r = await s.run("smbclient", [`//${s.host}/share`, "-c", command]);
  if (r.code !== 0) throw new Error(`smbclient ${command}: ${r.stderr}${r.stdout.slice(-500)}`);
  return (performance.now() - t0) / 1000;
}

async function makeFile(path: string, mib: number): Promise<void> {
  const out = createWriteStream(path);
  const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16, 3), Buffer.alloc(16));
  const zero = Buffer.alloc(MiB);
  for (let i = 0; i < mib; i++) if (!out.write(cipher.update(zero))) await once(out, "drain");
  out.end();
  await once(out, "finish");
}

const fmt = (n: number, d = 2) => n.toFixed(d);
async function transfers(label: string, global: Record<string, string>, local: string): Promise<string[]> {
  const s = await startSamba({ ownAddress: true, global });
  try {
    const conn = {
      host: s.host,
      port: s.port,
      domain: s.domain,
      username: s.username,
      password: s.password,
      share: "share",
    };
    let cw = Infinity;
    let sw = Infinity;
    let rssW = 0;
    let cr = Infinity;
    let sr = Infinity;
    let rssR = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const w = await worker("write", { ...conn, remote: "client.bin", local });
      if (w.bytes !== FILE_MIB * MiB) throw new Error(`client wrote ${w.bytes} bytes`);
      cw = Math.min(cw, w.seconds!);
      rssW = Math.max(rssW, w.maxRssMiB);
      sw = Math.min(sw, await smbclient(s, `put ${local} smbclient.bin`));
    }
    // Both read the same file (so the same page-cache state), in alternating order.
    rmSync(join(s.shares.share, "smbclient.bin"));
    for (let i = 0; i < ROUNDS; i++) {
      const client = async () => {
        const r = await worker("read", { ...conn, remote: "client.bin" });
        if (r.bytes !== FILE_MIB * MiB) throw new Error(`client read ${r.bytes} bytes`);
        cr = Math.min(cr, r.seconds!);
        rssR = Math.max(rssR, r.maxRssMiB);
      };
      const peer = async () => {
        sr = Math.min(sr, await smbclient(s, "get client.bin /dev/null"));
      };
      if (i % 2 === 0) {
        await peer();
        await client();
      } else {
        await client();
        await peer();
      }
    }
    const mb = FILE_MIB;
    return [
      `| write ${mb} MiB, ${label} | ${fmt(mb / cw, 0)} MiB/s | ${fmt(mb / sw, 0)} MiB/s | ${fmt(sw / cw)}x | >= 0.9x | ${fmt(rssW, 0)} MiB | ${loadAverage()} |`,
      `| read ${mb} MiB, ${label} | ${fmt(mb / cr, 0)} MiB/s | ${fmt(mb / sr, 0)} MiB/s | ${fmt(sr / cr)}x | >= 0.9x | ${fmt(rssR, 0)} MiB | ${loadAverage()} |`,
    ];
  } finally {
    await s.stop();
  }
}

async function listing(): Promise<string[]> {
  const s = await startSamba({ ownAddress: true });
  try {
    const conn = {
      host: s.host,
      port: s.port,
      domain: s.domain,
      username: s.username,
      password: s.password,
      share: "share",
    };
    const root = join(s.shares.share, "tree");
    mkdirSync(root);
    for (let d = 0; d * 1000 < FILES; d++) {
      const dir = join(root, `d${d}`);
      mkdirSync(dir);
      for (let f = 0; f < 1000 && d * 1000 + f < FILES; f++) writeFileSync(join(dir, `file-${f}.txt`), "");
      chownSync(dir, s.uid, s.gid);
    }
    let cl = Infinity;
    let sl = Infinity;
    let rssL = 0;
    let entries = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const r = await worker("list", { ...conn, remote: "tree" });
      entries = r.entries!;
      cl = Math.min(cl, r.seconds!);
      rssL = Math.max(rssL, r.maxRssMiB);
      sl = Math.min(sl, await smbclient(s, "cd tree; recurse; ls"));
    }
    const dirs = Math.ceil(FILES / 1000);
    if (entries !== FILES + dirs) throw new Error(`client listed ${entries} entries, expected ${FILES + dirs}`);
    return [
      `| list ${FILES} files in ${dirs} dirs, default ` +
        `config | ${fmt(cl)} s | ${fmt(sl)} s | ${fmt(cl / sl)}x time | <= 1.5x | ${fmt(rssL, 0)} MiB | ${loadAverage()} |`,
    ];
  } finally {
    await s.stop();
  }
}

const work = mkdtempSync(join(tmpdir(), "smb-bench-"));
try {
  if (!USE_TSX) workerScript = compileWorker(join(work, "compiled"));
  const local = join(work, "source.bin");
  await makeFile(local, FILE_MIB);
  const idle = await worker("idle", {});
  const rows = [
    // default smbd: neither side signs READ/WRITE (both sign only when the server requires it;
    // smbclient 4.17 with client signing = default signs just TREE_CONNECT, and so do we)
    ...(await transfers("default config", {}, local)),
    // the server requires signing: both sides sign every message
    ...(await transfers("server signing = mandatory", { "server signing": "mandatory" }, local)),
    ...(await listing()),
  ];
  console.log(
    `SMB client vs smbclient ` +
      `(same smbd, ` +
      `same run, best of ${ROUNDS}; times include ` +
      `connect + auth; client ${USE_TSX ? "under tsx" : "transpiled to JS"})`,
  );
  console.log(`| operation | client | smbclient | ratio | target | client peak RSS | load avg 1/5/15 min |`);
  console.log(`|---|---|---|---|---|---|---|`);
  for (const r of rows) console.log(r);
  console.log(
    `idle worker (${USE_TSX ? "node + tsx" : "node + compiled client"} loaded, no ` +
      `SMB) peak RSS: ${fmt(idle.maxRssMiB, 0)} MiB — the client's own share is the difference`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
