import { rm } from "node:fs/promises";
import { join } from "node:path";
import { MiB, bestOf, envNumber, makeLargeFile, makeSmallFiles, run } from "./core-bench-util.js";

/** The core benchmarks' workload, sized by BENCH_LARGE_MIB, BENCH_SMALL_COUNT, BENCH_SMALL_KIB, BENCH_CONCURRENCY. */
export interface WorkloadSettings {
  largeMib: number;
  smallCount: number;
  smallBytes: number;
  concurrency: number;
}

export interface Workload extends WorkloadSettings {
  large: string;
  largeSha: string;
  largeBytes: number;
  smallDir: string;
  names: string[];
  /** Total bytes of all small files. */
  smallTotal: number;
}

/** Times of the physical reference: `cp` of the same bytes on the same disk, best of two runs each. */
interface Section {
  seconds: number;
  machineCpuSeconds: number;
}

export interface CopyReference {
  cpLarge: Section;
  /** `cp` then `sync` of the copy: the same durability as an fsynced upload. */
  cpLargeSync: Section;
  cpSmall: Section;
}

export function workloadSettings(): WorkloadSettings {
  return {
    largeMib: envNumber("BENCH_LARGE_MIB", 1024),
    smallCount: envNumber("BENCH_SMALL_COUNT", 10_000),
    smallBytes: envNumber("BENCH_SMALL_KIB", 4) * 1024,
    concurrency: envNumber("BENCH_CONCURRENCY", 8),
  };
}

/** Writes the source files under root and flushes them, so their writeback lands in no timed section. */
export async function prepareWorkload(root: string, settings: WorkloadSettings): Promise<Workload> {
  const large = join(root, "large.bin");
  const smallDir = join(root, "small");
  console.log(
    `preparing ${settings.largeMib} MiB file and ${settings.smallCount} x ${settings.smallBytes} B files in ${root}`,
  );
  const largeSha = await makeLargeFile(large, settings.largeMib);
  const names = await makeSmallFiles(smallDir, settings.smallCount, settings.smallBytes);
  await run("sync", ["-f", root]);
  return {
    ...settings,
    large,
    largeSha,
    largeBytes: settings.largeMib * MiB,
    smallDir,
    names,
    smallTotal: settings.smallCount * settings.smallBytes,
  };
}

export async function measureCopyReference(root: string, w: Workload): Promise<CopyReference> {
  const largeCopy = join(root, "large.cp");
  const dropLargeCopy = () => rm(largeCopy, { force: true });
  const cpLarge = await bestOf(2, root, () => run("cp", [w.large, largeCopy]), dropLargeCopy);
  const cpLargeSync = await bestOf(
    2,
    root,
    async () => {
      await run("cp", [w.large, largeCopy]);
      await run("sync", ["-d", largeCopy]);
    },
    dropLargeCopy,
  );
  const smallCopy = join(root, "small.cp");
  const cpSmall = await bestOf(
    2,
    root,
    () => run("cp", ["-r", w.smallDir, smallCopy]),
    () => rm(smallCopy, { recursive: true }),
  );
  return { cpLarge, cpLargeSync, cpSmall };
}
