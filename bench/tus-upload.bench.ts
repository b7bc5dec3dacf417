/**
 * A 2 GiB resumable upload through tus (`/api/v1/uploads`, tus-js-client's Node stack streaming
 * the file) against a plain PUT of the same file and `cp + sync` on the same disk; the server's
 * peak RSS during each. Target (issue 17): memory flat for 2 GiB — the server's peak stays where
 * a PUT keeps it (< 200 MiB, issue 2), whatever the size.
 *
 * The server starts fresh for each upload (its VmHWM then covers that upload alone). Sizes:
 * BENCH_TUS_MIB (2048); BENCH_TUS_CHUNK_MIB (0 = one PATCH for the whole file, tus-js-client's
 * default; e.g. 256 for one PATCH per 256 MiB). Server entry: BENCH_SERVER_ENTRY as in core-throughput.
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import * as tus from "tus-js-client";
import {
  MiB,
  envNumber,
  freePort,
  machineLoad,
  makeLargeFile,
  measure,
  printTable,
  rate,
  ratio,
  run,
  warmPageCache,
} from "./core-bench-util.js";
import { readJson, send, startServer, type ServerPeer } from "./core-server-peer.js";

const SIZE_MIB = envNumber("BENCH_TUS_MIB", 2048);
const CHUNK_MIB = Number(process.env.BENCH_TUS_CHUNK_MIB ?? "0");
const RSS_TARGET = 200 * MiB;

const repoRoot = resolve(fileURLToPath(new URL("..", import.meta.url)));
const root = await mkdtemp(join(tmpdir(), "scaidrive-bench-tus-"));
let server: ServerPeer | undefined;

async function freshServer(name: string): Promise<{ peer: ServerPeer; shareId: string }> {
  const peer = await startServer({
    cwd: repoRoot,
    port: await freePort(),
    dataDir: join(root, `data-${name}`),
    token: `bench-${randomBytes(16).toString("hex")}`,
    logFile: join(root, `server-${name}.log`),
    maxSockets: 4,
    entry: process.env.BENCH_SERVER_ENTRY || undefined,
  });
  server = peer;
  const res = await send(peer, "POST", "/api/v1/shares", { json: { name: "tus-bench" } });
  return { peer, shareId: (await readJson(res)).id };
}

function tusUpload(peer: ServerPeer, shareId: string, file: string, size: number): Promise<Record<string, string>> {
  return new Promise((resolveUpload, reject) => {
    const upload = new tus.Upload(createReadStream(file), {
      endpoint: `${peer.baseUrl}/api/v1/uploads`,
      uploadSize: size,
      metadata: { share_id: shareId, path: "/large.bin" },
      headers: { authorization: `Bearer ${peer.token}` },
      ...(CHUNK_MIB > 0 ? { chunkSize: CHUNK_MIB * MiB } : {}),
      retryDelays: null,
      onError: reject,
      onSuccess: ({ lastResponse }) =>
        resolveUpload({
          node: lastResponse.getHeader("ScaiDrive-Node-Id") ?? "",
          version: lastResponse.getHeader("ScaiDrive-Version-Id") ?? "",
        }),
    });
    upload.start();
  });
}

async function stat200(peer: ServerPeer, shareId: string): Promise<any> {
  const res = await send(peer, "GET", `/api/v1/shares/${shareId}/files/stat?path=/large.bin`);
  return readJson(res);
}

try {
  const file = join(root, "large.bin");
  const sha256 = await makeLargeFile(file, SIZE_MIB);
  const size = (await stat(file)).size;

  await warmPageCache(root, SIZE_MIB);
  const copy = join(root, "copy.bin");
  const cpSync = await measure(root, async () => {
    await copyFile(file, copy);
    await run("sync", ["-f", root]);
  });
  await rm(copy);

  const rows: string[][] = [];
  const memory: string[][] = [];
  for (const kind of ["tus", "PUT"] as const) {
    const { peer, shareId } = await freshServer(kind);
    const idle = peer.currentRss();
    await warmPageCache(root, SIZE_MIB);
    const cpu0 = peer.cpuSeconds();
    const t = await measure(root, async () => {
      if (kind === "tus") return tusUpload(peer, shareId, file, size);
      const res = await send(peer, "PUT", `/api/v1/shares/${shareId}/content?path=/large.bin`, {
        length: size,
        write: (req) => pipeline(createReadStream(file, { highWaterMark: MiB }), req),
      });
      const body = await readJson(res);
      return { node: body.id, version: body.current_version_id };
    });
    const serverCpu = peer.cpuSeconds() - cpu0;
    const node = await stat200(peer, shareId);
    if (node.sha256 !== sha256 || node.size !== size) throw new Error(`${kind}: stored ${node.sha256}, not ${sha256}`);
    if (t.result.node !== node.id || t.result.version !== node.current_version_id)
      throw new Error(`${kind}: answered ${JSON.stringify(t.result)} for ${node.id}/${node.current_version_id}`);
    const peak = peer.peakRss();
    rows.push([
      `${kind === "tus" ? "tus" : "PUT"} ${SIZE_MIB} MiB`,
      `${t.seconds.toFixed(2)} s`,
      `${serverCpu.toFixed(2)} s`,
      machineLoad(t),
      rate(size, t),
      ratio(cpSync, t),
    ]);
    memory.push([
      kind === "tus" ? `tus${CHUNK_MIB > 0 ? ` (PATCH per ${CHUNK_MIB} MiB)` : " (one PATCH)"}` : "PUT",
      `${(idle / MiB).toFixed(1)} MiB`,
      `${(peak / MiB).toFixed(1)} MiB`,
      `${(peer.sampledPeakRss() / MiB).toFixed(1)} MiB`,
      peak < RSS_TARGET ? "MET" : "NOT MET",
    ]);
    await peer.stop();
    server = undefined;
  }
  rows.unshift([
    `cp + sync ${SIZE_MIB} MiB`,
    `${cpSync.seconds.toFixed(2)} s`,
    "",
    machineLoad(cpSync),
    rate(size, cpSync),
    "1.00x",
  ]);
  console.log(`\n${SIZE_MIB} MiB, hashed once and stored durably by the server before it answers`);
  printTable([["case", "time", "server cpu", "machine cpu (cores busy)", "throughput", "vs cp+sync"], ...rows]);
  printTable([["server memory", "RSS after start", "peak (VmHWM)", "peak (sampled)", "< 200 MiB"], ...memory]);
} finally {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
}
