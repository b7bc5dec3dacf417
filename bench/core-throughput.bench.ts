/**
 * ScaiDrive server throughput against `cp` on the same disk, and the server's peak memory.
 *
 * Starts the real server as a child process on a free port with a temp data dir, creates a
 * share, then through the §5 API: uploads one large file (PUT .../content?path=) and
 * downloads it with curl to a file on the same disk (GET .../content?path=; once more discarding
 * the bytes, to show the server's side without the client's writes, and once with a Node client,
 * whose receive loop is slower than the server), then does the same with many
 * small files over `BENCH_CONCURRENCY` keep-alive connections. The physical reference is `cp`
 * (and `cp -r`) of the same bytes on the same disk, best of two runs; `cp + sync` is shown too
 * because the server fsyncs each upload before acknowledging it. Every timed section starts
 * after a syncfs; hashes are checked outside the timed sections.
 * Peak RSS is the kernel's VmHWM of the server process; `server cpu` its user + system time
 * during the section (steadier than wall time on a shared machine).
 *
 * Server entry: BENCH_SERVER_ENTRY (default src/cli/scaidrive.ts, relative to the repository).
 * Sizes: BENCH_LARGE_MIB (1024), BENCH_SMALL_COUNT (10000), BENCH_SMALL_KIB (4), BENCH_CONCURRENCY (8).
 * Targets (issue 2): large-file throughput >= 0.5x cp; peak RSS < 200 MiB whatever the file size.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import {
  MiB,
  forEachLimit,
  freePort,
  machineLoad,
  printTable,
  rate,
  ratio,
  run,
  sha256File,
  timed,
  warmPageCache,
} from "./core-bench-util.js";
import { measureCopyReference, prepareWorkload, workloadSettings } from "./core-bench-workload.js";
import { readJson, send, startServer, type ServerPeer } from "./core-server-peer.js";

const RSS_TARGET = 200 * MiB;
const WATCHDOG_MS = 30 * 60 * 1000;

const repoRoot = resolve(fileURLToPath(new URL("..", import.meta.url)));
const root = await mkdtemp(join(tmpdir(), "scaidrive-bench-server-"));
let server: ServerPeer | undefined;

const watchdog = setTimeout(() => {
  console.error("benchmark watchdog fired; stopping");
  void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
}, WATCHDOG_MS);
watchdog.unref();
process.once("SIGINT", () => void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(130)));

/** measure() plus the CPU time the server spent during the section. */
async function measureServer<T>(
  fn: () => Promise<T>,
): Promise<{ seconds: number; serverCpu: number; machineCpuSeconds: number; result: T }> {
  await run("sync", ["-f", root]);
  const cpu0 = server!.cpuSeconds();
  const t = await timed(fn);
  return { ...t, serverCpu: server!.cpuSeconds() - cpu0 };
}

async function upload(shareId: string, path: string, file: string, size: number): Promise<any> {
  const res = await send(server!, "PUT", `/api/v1/shares/${shareId}/content?path=${encodeURIComponent(path)}`, {
    length: size,
    write: (req) => pipeline(createReadStream(file, { highWaterMark: MiB }), req),
  });
  const body = await readJson(res);
  if (res.statusCode !== 201 && res.statusCode !== 200) {
    throw new Error(`upload ${path}: ${res.statusCode} ${JSON.stringify(body)}`);
  }
  return body;
}

/** Downloads to `file`, or reads and discards the bytes (counting them) when file is null. */
async function download(shareId: string, path: string, file: string | null): Promise<number> {
  const res = await send(server!, "GET", contentPath(shareId, path));
  if (res.statusCode !== 200)
    throw new Error(`download ${path}: ${res.statusCode} ${JSON.stringify(await readJson(res))}`);
  if (file !== null) {
    await pipeline(res, createWriteStream(file, { highWaterMark: MiB }));
    return (await stat(file)).size;
  }
  let bytes = 0;
  for await (const chunk of res) bytes += (chunk as Buffer).length;
  return bytes;
}

/**
 * The large download with curl, whose receive loop costs a fraction of Node's (a Node client
 * discarding 1 GiB needs more CPU than the server sending it). `out` may be /dev/null.
 */
async function curlDownload(shareId: string, path: string, out: string): Promise<void> {
  await run("curl", [
    "-sSf",
    "-H",
    `authorization: Bearer ${server!.token}`,
    "-o",
    out,
    `${server!.baseUrl}${contentPath(shareId, path)}`,
  ]);
}

function contentPath(shareId: string, path: string): string {
  return `/api/v1/shares/${shareId}/content?path=${encodeURIComponent(path)}`;
}

try {
  const w = await prepareWorkload(root, workloadSettings());
  const { cpLarge, cpLargeSync, cpSmall } = await measureCopyReference(root, w);

  server = await startServer({
    cwd: repoRoot,
    port: await freePort(),
    dataDir: join(root, "data"),
    token: `bench-${randomBytes(16).toString("hex")}`,
    logFile: join(root, "server.log"),
    maxSockets: w.concurrency,
    entry: process.env.BENCH_SERVER_ENTRY || undefined,
  });
  const idleRss = server.currentRss();

  const shareRes = await send(server, "POST", "/api/v1/shares", { json: { name: `bench-${Date.now()}` } });
  const share = await readJson(shareRes);
  if (shareRes.statusCode !== 201 && shareRes.statusCode !== 200) {
    throw new Error(`create share: ${shareRes.statusCode} ${JSON.stringify(share)}`);
  }

  await warmPageCache(root, w.largeBytes / MiB);
  const up = await measureServer(() => upload(share.id, "/large.bin", w.large, w.largeBytes));
  if (up.result.sha256 !== undefined && up.result.sha256 !== w.largeSha) {
    throw new Error(`server reports sha256 ${up.result.sha256}, expected ${w.largeSha}`);
  }
  const largeOut = join(root, "large.down");
  await warmPageCache(root, w.largeBytes / MiB);
  const down = await measureServer(() => curlDownload(share.id, "/large.bin", largeOut));
  if ((await stat(largeOut)).size !== w.largeBytes || (await sha256File(largeOut)) !== w.largeSha) {
    throw new Error("downloaded large file differs from the upload");
  }
  await rm(largeOut);
  const downDiscard = await measureServer(() => curlDownload(share.id, "/large.bin", "/dev/null"));
  const downNode = await measureServer(() => download(share.id, "/large.bin", null));
  if (downNode.result !== w.largeBytes) throw new Error(`discarding download got ${downNode.result} bytes`);
  const rssAfterLarge = server.peakRss();

  const upSmall = await measureServer(() =>
    forEachLimit(w.names, w.concurrency, async (name) => {
      await upload(share.id, `/small/${name}`, join(w.smallDir, name), w.smallBytes);
    }),
  );
  const smallOut = join(root, "small.down");
  await mkdir(smallOut);
  const downSmall = await measureServer(() =>
    forEachLimit(w.names, w.concurrency, async (name) => {
      await download(share.id, `/small/${name}`, join(smallOut, name));
    }),
  );
  for (const name of w.names.slice(0, 50)) {
    if ((await sha256File(join(smallOut, name))) !== (await sha256File(join(w.smallDir, name)))) {
      throw new Error(`downloaded ${name} differs from the upload`);
    }
  }
  const peak = server.peakRss();
  const sampledPeak = server.sampledPeakRss();

  const secs = (t: { seconds: number }) => `${t.seconds.toFixed(2)} s`;
  const files = (t: { seconds: number }) => `${(w.smallCount / t.seconds).toFixed(0)} files/s`;
  const met = (ok: boolean) => (ok ? "MET" : "NOT MET");
  const halfCp = (t: { seconds: number }) => `>=0.5x cp ${met(cpLarge.seconds / t.seconds >= 0.5)}`;
  const mib = (b: number) => `${(b / MiB).toFixed(1)} MiB`;
  const large = `${w.largeMib} MiB`;
  const small = `${w.smallCount} files`;
  console.log(
    `\nserver pid ${server.pid}; ${w.smallCount} small files of ${w.smallBytes} B over ${w.concurrency} connections`,
  );
  const cpu = (t: { serverCpu: number }) => `${t.serverCpu.toFixed(2)} s`;
  printTable([
    ["case", "time", "server cpu", "machine cpu (cores busy)", "throughput", "vs cp", "vs cp+sync", "target"],
    [`cp ${large}`, secs(cpLarge), "", machineLoad(cpLarge), rate(w.largeBytes, cpLarge), "1.00x", "", ""],
    [
      `cp+sync ${large}`,
      secs(cpLargeSync),
      "",
      machineLoad(cpLargeSync),
      rate(w.largeBytes, cpLargeSync),
      ratio(cpLarge, cpLargeSync),
      "1.00x",
      "",
    ],
    [
      `upload ${large}`,
      secs(up),
      cpu(up),
      machineLoad(up),
      rate(w.largeBytes, up),
      ratio(cpLarge, up),
      ratio(cpLargeSync, up),
      halfCp(up),
    ],
    [
      `download ${large} to file (curl)`,
      secs(down),
      cpu(down),
      machineLoad(down),
      rate(w.largeBytes, down),
      ratio(cpLarge, down),
      "",
      halfCp(down),
    ],
    [
      `download ${large}, discarded (curl)`,
      secs(downDiscard),
      cpu(downDiscard),
      machineLoad(downDiscard),
      rate(w.largeBytes, downDiscard),
      ratio(cpLarge, downDiscard),
      "",
      halfCp(downDiscard),
    ],
    [
      `download ${large}, discarded (Node)`,
      secs(downNode),
      cpu(downNode),
      machineLoad(downNode),
      rate(w.largeBytes, downNode),
      ratio(cpLarge, downNode),
      "",
      "",
    ],
    [
      `cp -r ${small}`,
      secs(cpSmall),
      "",
      machineLoad(cpSmall),
      `${rate(w.smallTotal, cpSmall)}, ${files(cpSmall)}`,
      "1.00x",
      "",
      "",
    ],
    [
      `upload ${small}`,
      secs(upSmall),
      cpu(upSmall),
      machineLoad(upSmall),
      `${rate(w.smallTotal, upSmall)}, ${files(upSmall)}`,
      ratio(cpSmall, upSmall),
      "",
      "",
    ],
    [
      `download ${small}`,
      secs(downSmall),
      cpu(downSmall),
      machineLoad(downSmall),
      `${rate(w.smallTotal, downSmall)}, ${files(downSmall)}`,
      ratio(cpSmall, downSmall),
      "",
      "",
    ],
  ]);
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (${cpus().length} cores)`,
  );
  console.log("");
  printTable([
    ["server memory", "value", "target"],
    ["RSS idle after start", mib(idleRss), ""],
    ["peak RSS (VmHWM) after large file", mib(rssAfterLarge), `<200 MiB ${met(rssAfterLarge < RSS_TARGET)}`],
    ["peak RSS (VmHWM) whole run", mib(peak), `<200 MiB ${met(peak < RSS_TARGET)}`],
    ["peak VmRSS sampled every 100 ms", mib(sampledPeak), ""],
  ]);
  if (server.entry.endsWith(".ts")) {
    console.log(
      "note: the tsx loader is resident in this server; `npm run build` and " +
        "BENCH_SERVER_ENTRY=dist/src/cli/scaidrive.js measure what `npm start` runs",
    );
  }
} catch (err) {
  if (server) console.error(`server log tail:\n${server.logTail(30)}`);
  throw err;
} finally {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
  clearTimeout(watchdog);
}
