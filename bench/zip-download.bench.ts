/**
 * ZIP downloads (`GET /api/v1/shares/{id}/zip`): time and the server's memory while it streams an
 * archive of a few hundred MiB, against Info-ZIP's `zip -0 -r` (stored, like ScaiDrive's entries)
 * of the same tree on the same disk, writing to /dev/null.
 *
 * The tree: BENCH_ZIP_LARGE_COUNT (2) files of BENCH_ZIP_LARGE_MIB (256) MiB of generated data and
 * BENCH_ZIP_SMALL_COUNT (1,000) files of 4 KiB in 10 folders, uploaded through the API. The server
 * is then restarted on the same data dir, so its peak RSS (VmHWM) covers only the ZIP downloads:
 * one with curl to /dev/null (timed), one to a file that is read back with a ZIP reader (yauzl) and
 * compared, entry by entry, with the source files' SHA-256. Target (issue 17): the server's memory
 * stays flat — peak RSS minus RSS before the download far below the archive's size. With
 * BENCH_ZIP_LARGE_COUNT=2 BENCH_ZIP_LARGE_MIB=2200 the archive passes 4 GiB and needs ZIP64.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import yauzl from "yauzl";
import {
  MiB,
  envNumber,
  forEachLimit,
  freePort,
  machineLoad,
  makeLargeFile,
  makeSmallFiles,
  measure,
  printTable,
  rate,
  ratio,
  run,
  sha256File,
} from "./core-bench-util.js";
import { readJson, send, startServer, type ServerPeer } from "./core-server-peer.js";

const LARGE_COUNT = envNumber("BENCH_ZIP_LARGE_COUNT", 2);
const LARGE_MIB = envNumber("BENCH_ZIP_LARGE_MIB", 256);
const SMALL_COUNT = envNumber("BENCH_ZIP_SMALL_COUNT", 1000);
const SMALL_BYTES = 4096;

const repoRoot = resolve(fileURLToPath(new URL("..", import.meta.url)));
const root = await mkdtemp(join(tmpdir(), "scaidrive-bench-zip-"));
const tree = join(root, "tree");
const dataDir = join(root, "data");
const token = `bench-${randomBytes(16).toString("hex")}`;
let server: ServerPeer | undefined;

const start = async () =>
  startServer({
    cwd: repoRoot,
    port: await freePort(),
    dataDir,
    token,
    logFile: join(root, "server.log"),
    maxSockets: 8,
    entry: process.env.BENCH_SERVER_ENTRY || undefined,
  });

/** Every file entry of a ZIP file: name -> SHA-256 (yauzl checks each entry's size and CRC-32). */
function zipHashes(path: string): Promise<Map<string, string>> {
  return new Promise((resolveAll, reject) => {
    yauzl.open(path, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err) return reject(err);
      const out = new Map<string, string>();
      zip.on("error", reject);
      zip.on("end", () => resolveAll(out));
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith("/")) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const hash = createHash("sha256");
          stream.on("data", (c: Buffer) => hash.update(c));
          stream.on("error", reject);
          stream.on("end", () => {
            out.set(entry.fileName, hash.digest("hex"));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

try {
  // The tree on disk: the upload source and the reference's input.
  const expected = new Map<string, string>();
  await mkdir(join(tree, "big"), { recursive: true });
  for (let i = 0; i < LARGE_COUNT; i++) {
    const name = `big/large-${i}.bin`;
    expected.set(`tree/${name}`, await makeLargeFile(join(tree, name), LARGE_MIB));
  }
  const folders = 10;
  for (let f = 0; f < folders; f++) {
    const names = await makeSmallFiles(join(tree, `small-${f}`), SMALL_COUNT / folders, SMALL_BYTES);
    for (const n of names) expected.set(`tree/small-${f}/${n}`, await sha256File(join(tree, `small-${f}`, n)));
  }
  const totalBytes = LARGE_COUNT * LARGE_MIB * MiB + SMALL_COUNT * SMALL_BYTES;

  server = await start();
  const shareRes = await send(server, "POST", "/api/v1/shares", { json: { name: "zip-bench" } });
  const share = await readJson(shareRes);
  await forEachLimit([...expected.keys()], 4, async (rel) => {
    const file = join(root, rel);
    const size = (await stat(file)).size;
    const path = "/" + rel;
    const res = await send(server!, "PUT", `/api/v1/shares/${share.id}/content?path=${encodeURIComponent(path)}`, {
      length: size,
      write: (req) => pipeline(createReadStream(file, { highWaterMark: MiB }), req),
    });
    const body = await readJson(res);
    if (res.statusCode !== 201) throw new Error(`upload ${path}: ${res.statusCode} ${JSON.stringify(body)}`);
  });
  await server.stop();

  // A fresh server: its peak RSS belongs to the downloads alone.
  server = await start();
  const url = `${server.baseUrl}/api/v1/shares/${share.id}/zip?path=/tree`;
  const curl = (out: string) => run("curl", ["-sSf", "-H", `authorization: Bearer ${token}`, "-o", out, url]);
  const rssBefore = server.currentRss();
  const cpu0 = server.cpuSeconds();
  const down = await measure(root, () => curl("/dev/null"));
  const serverCpu = server.cpuSeconds() - cpu0;
  const peakAfterFirst = server.peakRss();
  const zipFile = join(root, "tree.zip");
  await curl(zipFile);
  const zipSize = (await stat(zipFile)).size;
  const peak = server.peakRss();
  const got = await zipHashes(zipFile);
  for (const [name, hash] of expected) {
    if (got.get(name) !== hash) throw new Error(`${name}: the ZIP holds ${got.get(name) ?? "nothing"}, not ${hash}`);
  }
  if (got.size !== expected.size) throw new Error(`the ZIP holds ${got.size} files, ${expected.size} expected`);
  await rm(zipFile);

  const reference = await measure(root, () => run("sh", ["-c", `cd '${root}' && zip -0 -r -q - tree > /dev/null`]));

  const mib = (b: number) => `${(b / MiB).toFixed(1)} MiB`;
  console.log(
    `\n${LARGE_COUNT} x ${LARGE_MIB} MiB + ${SMALL_COUNT} x 4 KiB in ${folders + 1} folders; ` +
      `archive ${mib(zipSize)}${zipSize > 0xffffffff ? " (ZIP64)" : ""}, every entry checked against its source`,
  );
  printTable([
    ["case", "time", "machine cpu (cores busy)", "throughput", "vs zip -0"],
    [
      "zip -0 -r > /dev/null",
      `${reference.seconds.toFixed(2)} s`,
      machineLoad(reference),
      rate(totalBytes, reference),
      "1.00x",
    ],
    [
      "GET .../zip, curl > /dev/null",
      `${down.seconds.toFixed(2)} s (server cpu ${serverCpu.toFixed(2)} s)`,
      machineLoad(down),
      rate(zipSize, down),
      ratio(reference, down),
    ],
  ]);
  printTable([
    ["server memory", "RSS"],
    ["before the downloads (fresh start)", mib(rssBefore)],
    ["peak during the first download (VmHWM)", mib(peakAfterFirst)],
    ["peak after both downloads (VmHWM)", mib(peak)],
    ["growth over the fresh server", `${mib(peak - rssBefore)} for a ${mib(zipSize)} archive`],
  ]);
} finally {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
}
