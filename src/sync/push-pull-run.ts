/**
 * One push or pull: copies every new or changed file from `source` to `dest` under `root`, never
 * deleting anything on the destination, and with `afterCopy: "delete"` removes each source file
 * once its copy is verified. Written on the Remote interface alone, so it works for every
 * connector type and in both directions (push: ScaiDrive → remote, pull: remote → ScaiDrive).
 *
 * Why not a planner mode: a one-shot copy has no base state (file-states are the sync's memory
 * and must not be touched by a push), no conflicts and no deletes to propagate; the three-way
 * planner would have to be bent into a two-way one. The job, its log and counters are the sync's.
 *
 * Per file:
 * - "new or changed": missing on the destination, a different size, a different hash when both
 *   sides report one algorithm, else a source modification time newer than the destination's (2 s
 *   slack for FAT/SMB rounding). Unchanged files are `skipped` (and count in `files_scanned`).
 * - Verification before deleting a source: the destination's size equals the source's and the
 *   SHA-256 of the bytes read from the source equals the destination's SHA-256 — reported by the
 *   destination (ScaiDrive) or, when it reports none (SMB), computed by reading the copy back.
 *   An unchanged file is verified the same way before its source goes. A failed copy or a failed
 *   verification never deletes its source (a per-file error; the run goes on).
 * - Folders are created on the destination; source folders are kept (even when emptied).
 * - Reparse points and opaque packages are skipped with a log entry.
 * - `auth` / `unreachable` failures end the job (the caller maps them); every other failure is a
 *   per-file error counted in `error_count`.
 */
import { createHash } from "node:crypto";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Logger } from "pino";
import type { JobLog } from "./job-log.js";
import type { Remote, RemoteEntry } from "./remote.js";
import { RemoteError, fileErrorCode, isJobLevel } from "./remote-errors.js";

export type AfterCopy = "keep" | "delete";

export interface PushPullRunOptions {
  /** "push" or "pull": the action name in the job log. */
  action: "push" | "pull";
  source: Remote;
  dest: Remote;
  /** Sub-folder relative to both roots ("" = everything). */
  root: string;
  afterCopy: AfterCopy;
  log: JobLog;
  logger: Logger;
  signal: AbortSignal;
}

const MTIME_SLACK_MS = 2000;

export async function runPushPull(o: PushPullRunOptions): Promise<void> {
  const { source, dest, log } = o;
  if (o.root !== "") {
    const top = await source.stat(o.root);
    if (top.kind !== "folder")
      throw new RemoteError("not_found", `${o.root} is not a folder on the source`, { path: o.root });
    await ensureFolder(dest, top);
  }
  for await (const entry of source.walk(o.root)) {
    if (o.signal.aborted) throw new Error("cancelled");
    if (entry.reparsePoint || entry.opaquePackage) {
      log.entry(o.action, entry.path, "skipped", {
        detail: entry.reparsePoint ? (entry.reparseReason ?? "reparse point") : "opaque package",
      });
      continue;
    }
    try {
      if (entry.kind === "folder") {
        await ensureFolder(dest, entry);
        continue;
      }
      log.counters.files_scanned++;
      log.counters.files_total++;
      log.counters.bytes_total += entry.size;
      await copyOne(o, entry);
    } catch (err) {
      if (isJobLevel(err)) throw err;
      log.entry(o.action, entry.path, "error", {
        error: { code: fileErrorCode(err), message: (err as Error)?.message ?? String(err) },
      });
    } finally {
      if (entry.kind === "file") log.counters.files_done++;
    }
  }
}

async function copyOne(o: PushPullRunOptions, entry: RemoteEntry): Promise<void> {
  const { source, dest, log } = o;
  const existing = await dest.stat(entry.path).catch((err: unknown) => {
    if (fileErrorCode(err) === "not_found") return undefined;
    throw err;
  });
  if (existing?.kind === "folder")
    throw new RemoteError("exists", `a folder stands at ${entry.path} on the destination`, { path: entry.path });
  let sourceSha: string;
  let copied: RemoteEntry;
  if (existing && !changed(entry, existing, source, dest)) {
    log.entry(o.action, entry.path, "skipped", { detail: "unchanged" });
    if (o.afterCopy === "keep") return;
    sourceSha = entry.hashes?.sha256 ?? (await hashOf(await source.read(entry.path)));
    copied = existing;
  } else {
    const hasher = createHash("sha256");
    const tee = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hasher.update(chunk);
        log.counters.bytes_done += chunk.length;
        done(null, chunk);
      },
    });
    const input = await source.read(entry.path);
    input.on("error", (err) => tee.destroy(err));
    input.pipe(tee);
    copied = await dest.write(entry.path, tee, { size: entry.size, mtimeMs: entry.mtimeMs, owner: entry.owner });
    sourceSha = hasher.digest("hex");
    log.counters.files_synced++;
    log.counters.bytes_transferred += entry.size;
    log.entry(o.action, entry.path, "ok", { bytes: entry.size });
  }
  if (o.afterCopy === "keep") return;
  await verify(o, entry, copied, sourceSha);
  await source.delete(entry.path);
  log.entry("delete_source", entry.path, "ok", {
    detail: `copy verified (${entry.size} bytes, sha256 ${sourceSha.slice(0, 12)}…)`,
  });
}

/** Throws (a per-file error) unless the destination holds exactly the source's bytes. */
async function verify(
  o: PushPullRunOptions,
  entry: RemoteEntry,
  copied: RemoteEntry,
  sourceSha: string,
): Promise<void> {
  if (copied.size !== entry.size) {
    throw new RemoteError(
      "changed_during_transfer",
      `copy not verified: ${copied.size} bytes on the destination, ${entry.size} on the source; source kept`,
      { path: entry.path, retryable: false },
    );
  }
  if (entry.hashes?.sha256 && entry.hashes.sha256 !== sourceSha) {
    throw new RemoteError("changed_during_transfer", "the source changed while it was copied; source kept", {
      path: entry.path,
      retryable: false,
    });
  }
  const destSha = copied.hashes?.sha256 ?? (await hashOf(await o.dest.read(entry.path)));
  if (destSha !== sourceSha)
    throw new RemoteError(
      "changed_during_transfer",
      "copy not verified: SHA-256 differs on the destination; source kept",
      { path: entry.path, retryable: false },
    );
}

/**
 * Creates the folder on the destination unless it is there already (a mkdir of an existing folder may need rights the
 * copy does not).
 */
async function ensureFolder(dest: Remote, entry: RemoteEntry): Promise<void> {
  const existing = await dest.stat(entry.path).catch((err: unknown) => {
    if (fileErrorCode(err) === "not_found") return undefined;
    throw err;
  });
  if (existing?.kind === "folder") return;
  await dest.mkdir(entry.path, { mtimeMs: entry.mtimeMs });
}

function changed(src: RemoteEntry, dst: RemoteEntry, source: Remote, dest: Remote): boolean {
  if (src.size !== dst.size) return true;
  for (const alg of source.capabilities.hashes) {
    if (dest.capabilities.hashes.includes(alg) && src.hashes?.[alg] && dst.hashes?.[alg])
      return src.hashes[alg] !== dst.hashes[alg];
  }
  return src.mtimeMs > dst.mtimeMs + MTIME_SLACK_MS;
}

async function hashOf(stream: Readable): Promise<string> {
  const hasher = createHash("sha256");
  await pipeline(stream, async function (chunks: AsyncIterable<Buffer>) {
    for await (const c of chunks) hasher.update(c);
  });
  return hasher.digest("hex");
}
