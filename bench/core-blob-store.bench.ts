/**
 * Blob store alone (no HTTP): streamed put and read of one large file and of many small
 * files, against `cp` of the same bytes on the same disk (best of two runs). Puts fsync
 * before their rename, so `cp + sync` is printed too: the copy with the same durability.
 * Every timed section starts after a syncfs; `cpu` is this process's user + system time.
 *
 * Sizes: BENCH_LARGE_MIB (1024), BENCH_SMALL_COUNT (10000), BENCH_SMALL_KIB (4), BENCH_CONCURRENCY (8).
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createFsBlobStore } from "../src/store/blobs/fs-blob-store.js";
import { MiB, forEachLimit, measure, printTable, rate, ratio, sha256File } from "./core-bench-util.js";
import { measureCopyReference, prepareWorkload, workloadSettings } from "./core-bench-workload.js";

const root = await mkdtemp(join(tmpdir(), "scaidrive-bench-blobs-"));
try {
  const w = await prepareWorkload(root, workloadSettings());
  const { cpLarge, cpLargeSync, cpSmall } = await measureCopyReference(root, w);
  const store = createFsBlobStore(join(root, "blobs"));

  const put = await measure(root, () => store.put(createReadStream(w.large, { highWaterMark: MiB })));
  if (put.result.sha256 !== w.largeSha) throw new Error("blob hash differs from the source hash");
  const readOut = join(root, "large.read");
  const read = await measure(root, () =>
    pipeline(store.open(put.result.sha256), createWriteStream(readOut, { highWaterMark: MiB })),
  );
  if ((await sha256File(readOut)) !== w.largeSha) throw new Error("read-back hash differs");
  await rm(readOut);
  put.result.release();

  const shas: string[] = [];
  const putSmall = await measure(root, () =>
    forEachLimit(w.names, w.concurrency, async (name) => {
      const blob = await store.put(createReadStream(join(w.smallDir, name)));
      shas.push(blob.sha256);
      blob.release();
    }),
  );
  const readSmallDir = join(root, "small.read");
  await mkdir(readSmallDir);
  const readSmall = await measure(root, () =>
    forEachLimit(shas, w.concurrency, (sha) => pipeline(store.open(sha), createWriteStream(join(readSmallDir, sha)))),
  );

  const secs = (t: { seconds: number }) => `${t.seconds.toFixed(2)} s`;
  const cpu = (t: { cpuSeconds: number }) => `${t.cpuSeconds.toFixed(2)} s`;
  const c = `c=${w.concurrency}`;
  printTable([
    ["case", "time", "cpu", "throughput", "vs cp", "vs cp+sync"],
    [`cp ${w.largeMib} MiB`, secs(cpLarge), "", rate(w.largeBytes, cpLarge), "1.00x", ""],
    [
      `cp+sync ${w.largeMib} MiB`,
      secs(cpLargeSync),
      "",
      rate(w.largeBytes, cpLargeSync),
      ratio(cpLarge, cpLargeSync),
      "1.00x",
    ],
    [
      `put ${w.largeMib} MiB`,
      secs(put),
      cpu(put),
      rate(w.largeBytes, put),
      ratio(cpLarge, put),
      ratio(cpLargeSync, put),
    ],
    [`read ${w.largeMib} MiB to file`, secs(read), cpu(read), rate(w.largeBytes, read), ratio(cpLarge, read), ""],
    [`cp -r ${w.smallCount} files`, secs(cpSmall), "", rate(w.smallTotal, cpSmall), "1.00x", ""],
    [
      `put ${w.smallCount} files (${c})`,
      secs(putSmall),
      cpu(putSmall),
      rate(w.smallTotal, putSmall),
      ratio(cpSmall, putSmall),
      "",
    ],
    [
      `read ${w.smallCount} files (${c})`,
      secs(readSmall),
      cpu(readSmall),
      rate(w.smallTotal, readSmall),
      ratio(cpSmall, readSmall),
      "",
    ],
  ]);
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (${cpus().length} cores)`,
  );
  console.log(`target: large put >= 0.5x cp -> ${cpLarge.seconds / put.seconds >= 0.5 ? "MET" : "NOT MET"}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
