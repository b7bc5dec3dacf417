/**
 * Applies a plan from the run's working set ({@link RunWorkspace}), phase by phase: moves and
 * folder creations first (in order, parents first), then file copies, conflicts and deletes with
 * bounded concurrency, then folder deletions deepest first — each folder only if it is empty by
 * then. Actions are read in pages as they are run, so a plan of any size runs in bounded memory.
 *
 * Each item counts as done only once its file-state row is committed, so a killed run resumes
 * without redoing finished files. The rows are group-committed: the items finishing in the same
 * turn of the event loop (many, with small files in flight) share one transaction. A file whose
 * destination was written but whose state was not yet committed is recognised next run as
 * identical content and only recorded (no second version, no second copy).
 *
 * Items recorded without a transfer (adopted folders, content found identical on both sides) run
 * the hook a transfer would have run, so permissions/metadata of pre-existing identical content
 * are applied too (and re-applied by every `full_sync`).
 *
 * Per-file errors (RemoteError kinds other than auth/unreachable, and anything unexpected) are
 * counted, logged, stored on the file-state and the run goes on. A `retryable` RemoteError is
 * retried with backoff (retry-policy.ts); `unreachable` that persists (or is not retryable: the
 * adapter's pacer gave up), or `auth`, stops the run and is rethrown for the job.
 * `files_done` and `bytes_done` count only items whose outcome was stored (a file-state or its
 * error): what was in flight when the run stopped or was cancelled counts for nothing.
 *
 * A folder whose delete cannot happen because it still holds items the connector does not sync
 * (left out by the filter, hidden by the server, in a sub-folder that cannot be listed) is a
 * per-file `not_empty` error once; the folder stays deleted on the side where it was deleted and
 * its file-state carries a `kept_on_<side>` note, so the next runs neither re-create it there nor
 * report it again. They retry the delete quietly: once the folder is empty it is deleted (logged);
 * new synced content in it brings it back like any new content (see README.md, Planning).
 */
import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import type { FileStateOp, FileStateStore } from "../store/sync/file-state-store.js";
import { PHASE, type BaseEntry, type PlanAction } from "./sync-planner.js";
import type { RunWorkspace } from "../store/sync/run-workspace-store.js";
import { isUnder, parentPath, type Remote, type RemoteEntry } from "./remote.js";
import { RemoteError, fileErrorCode, isJobLevel, isRemoteError } from "./remote-errors.js";
import { withRetry, type RetryPolicy } from "./retry-policy.js";
import { WHOLE_READ_MAX_BYTES, sameContent, transferFile } from "./content-transfer.js";
import type { JobLog } from "./job-log.js";
import type { HookContext, SyncHooks } from "./sync-hooks.js";
import type { Side } from "./sync-options.js";

export interface ExecuteOptions {
  connectorId: string;
  remote: Remote;
  scaidrive: Remote;
  fileStates: FileStateStore;
  log: JobLog;
  logger: Logger;
  /** Cancellation from the caller (job cancel, shutdown). */
  signal: AbortSignal;
  /** Items in flight that move a large file (above {@link WHOLE_READ_MAX_BYTES}). */
  concurrency: number;
  /**
   * Items in flight in all (default: `concurrency`). Small files cost a few round trips and a
   * commit each and little memory, so many of them overlap where large ones would only compete
   * for the same bandwidth.
   */
  smallConcurrency?: number;
  retry: RetryPolicy;
  hooks?: SyncHooks;
  /** Called after each finished action (tests use it to simulate a crash mid-run). */
  onActionDone?: (done: number) => void;
  /** How messages name the remote ("SMB"); default "the remote". */
  remoteTitle?: string;
}

export interface ExecuteOutcome {
  /** Set when the run stopped on a job-level error (auth, persistent unreachable). */
  fatal?: unknown;
  cancelled: boolean;
}

type Op = Exclude<PlanAction, { action: "error" }> | Extract<PlanAction, { action: "error" }>;
type ActionOf<K extends Op["action"]> = Extract<Op, { action: K }>;

/** Bytes one item added to `bytes_done` so far. */
interface Progress {
  bytes: number;
}

/** File-state changes per transaction at most (more go into the next one). */
export const STATE_BATCH_OPS = 256;
/** How long the first change of a group waits for others to join its transaction. */
const GROUP_COMMIT_WINDOW_MS = 5;

/**
 * Group commit of file-state changes: `add` resolves once the change is committed, in one
 * transaction with every change added in the same turn of the event loop. Transactions run in
 * order. A failed commit is reported once through `onError` (the run stops: the database is not
 * a per-file problem) and its changes are dropped; neither `add` nor `flush` rejects.
 */
class StateBatch {
  private ops: FileStateOp[] = [];
  private chain: Promise<void> = Promise.resolve();
  private scheduled: Promise<void> | undefined;
  /** A commit failed: changes added since may not have been stored. */
  failed = false;

  constructor(
    private readonly store: FileStateStore,
    private readonly connectorId: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  add(op: FileStateOp): Promise<void> {
    this.ops.push(op);
    if (this.ops.length >= STATE_BATCH_OPS) return this.flush();
    // A short window rather than the next tick: items finishing within it share one commit.
    this.scheduled ??= new Promise<void>((resolve) => setTimeout(resolve, GROUP_COMMIT_WINDOW_MS)).then(() =>
      this.flush(),
    );
    return this.scheduled;
  }

  flush(): Promise<void> {
    this.scheduled = undefined;
    this.chain = this.chain.then(async () => {
      const batch = this.ops;
      this.ops = [];
      if (batch.length === 0) return;
      try {
        await this.store.applyBatch(this.connectorId, batch);
      } catch (err) {
        this.failed = true;
        this.onError(err);
      }
    });
    return this.chain;
  }
}

/** Whether the item may move a file too large for one whole read. */
function movesLargeFile(a: PlanAction): boolean {
  switch (a.action) {
    case "copy":
      return a.source.size > WHOLE_READ_MAX_BYTES || (a.checkIdentical && (a.dest?.size ?? 0) > WHOLE_READ_MAX_BYTES);
    case "conflict":
      return a.remote.size > WHOLE_READ_MAX_BYTES || a.scaidrive.size > WHOLE_READ_MAX_BYTES;
    default:
      return false;
  }
}

/** A counting semaphore: at most `limit` holders at once, waiters served in order. */
function semaphore(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let held = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (held >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else held++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else held--;
    }
  };
}

function actionPath(a: PlanAction): string {
  switch (a.action) {
    case "copy":
      return a.from === "remote" ? a.source.path : a.toPath;
    case "conflict":
      return a.remote.path;
    case "adopt":
      return a.remote.path;
    case "move":
      return a.to;
    default:
      return a.path;
  }
}

/** Up to `max` names of what `path` holds on `remote` (nothing: an empty list). */
async function firstChildren(remote: Remote, path: string, max: number): Promise<string[]> {
  const names: string[] = [];
  for await (const child of remote.walk(path)) {
    names.push(child.path);
    if (names.length >= max) break;
  }
  return names;
}

export async function executePlan(ws: RunWorkspace, o: ExecuteOptions): Promise<ExecuteOutcome> {
  const internal = new AbortController();
  const onAbort = () => internal.abort();
  o.signal.addEventListener("abort", onAbort, { once: true });
  const signal = internal.signal;
  // Each item in flight listens on the run's signal (its transfer, its retry wait, the remote's
  // request), so the default limit of 10 would report a leak with 16 small files in flight.
  setMaxListeners(8 * Math.max(1, o.concurrency, o.smallConcurrency ?? 0) + 16, signal);
  let fatal: unknown;
  const side = (s: Side) => (s === "remote" ? o.remote : o.scaidrive);
  const knownFolders: Record<Side, Set<string>> = { remote: new Set([""]), scaidrive: new Set([""]) };
  const blocked: string[] = [];
  const hookCtx: HookContext = {
    remote: o.remote,
    scaidrive: o.scaidrive,
    warn: (path, message) => o.log.entry("warning", path, "warning", { detail: message }),
    signal,
  };

  const states = new StateBatch(o.fileStates, o.connectorId, (err) => {
    o.logger.error({ err }, "could not record file states");
    fatal ??= err;
    internal.abort();
  });
  o.log.beforeFlush = () => states.flush();

  const retry = <T>(fn: () => Promise<T>) =>
    withRetry(fn, o.retry, signal, (err, attempt) =>
      o.logger.warn({ attempt, err: (err as Error).message }, "remote failed transiently, retrying"),
    );

  const ensureFolder = async (s: Side, path: string) => {
    if (path === "" || knownFolders[s].has(path)) return;
    await retry(() => side(s).mkdir(path));
    for (let p = path; p !== "" && !knownFolders[s].has(p); p = parentPath(p)) knownFolders[s].add(p);
  };

  const commit = async (
    remoteEntry: RemoteEntry,
    scaidriveEntry: RemoteEntry,
    sha256: string | null,
    base?: BaseEntry,
  ) => {
    if (base && base.path !== remoteEntry.path) await states.add({ op: "forget", path: base.path });
    await states.add({
      op: "synced",
      state: {
        path: remoteEntry.path,
        kind: remoteEntry.kind,
        remote_id: remoteEntry.id ?? null,
        remote_fingerprint: remoteEntry.fingerprint,
        remote_mtime_ms: Number.isFinite(remoteEntry.mtimeMs) ? remoteEntry.mtimeMs : null,
        remote_size: remoteEntry.size,
        scaidrive_node_id: scaidriveEntry.id ?? null,
        scaidrive_version_id: scaidriveEntry.fingerprint,
        sha256,
        extra: remoteEntry.extra ?? null,
      },
    });
  };

  const runHook = async (name: "afterPull" | "afterPush", a: RemoteEntry, b: RemoteEntry) => {
    const fn = o.hooks?.[name];
    if (!fn) return;
    try {
      await fn.call(o.hooks, hookCtx, a, b);
    } catch (err) {
      if (isJobLevel(err)) throw err;
      hookCtx.warn(a.path, `${name} hook failed: ${(err as Error).message}`);
    }
  };

  /**
   * Copies one file and commits its state; returns bytes moved. `progress.bytes` holds what this
   * item added to `bytes_done`, so an item that ends without storing anything can take it back.
   */
  const copy = async (
    from: Side,
    source: RemoteEntry,
    toPath: string,
    dest: RemoteEntry | undefined,
    progress: Progress,
    base?: BaseEntry,
  ): Promise<number> => {
    const to: Side = from === "remote" ? "scaidrive" : "remote";
    if (to === "remote" && dest?.checkoutOwner) {
      throw new RemoteError("locked", `${dest.path} is checked out by ${dest.checkoutOwner}; not overwritten`, {
        path: dest.path,
      });
    }
    await ensureFolder(to, parentPath(toPath));
    const attemptStart = progress.bytes;
    const { written, sha256, bytes } = await retry(() => {
      // A retried attempt streams the file again from the start: its bytes count once.
      o.log.counters.bytes_done -= progress.bytes - attemptStart;
      progress.bytes = attemptStart;
      return transferFile(side(from), side(to), source, toPath, {
        ifMatchFingerprint: dest ? dest.fingerprint : null,
        signal,
        onBytes: (n) => {
          o.log.counters.bytes_done += n;
          progress.bytes += n;
        },
      });
    });
    const [r, l] = from === "remote" ? [source, written] : [written, source];
    await commit(r, l, sha256, base);
    o.log.counters.files_synced++;
    o.log.counters.bytes_transferred += bytes;
    if (from === "remote") await runHook("afterPull", source, written);
    else await runHook("afterPush", source, written);
    return bytes;
  };

  const fileError = async (a: PlanAction, path: string, kind: "file" | "folder", err: unknown) => {
    const code = fileErrorCode(err);
    const message = (err as Error)?.message ?? String(err);
    o.log.entry(a.action, path, "error", { error: { code, message } });
    await states.add({ op: "error", path, kind, code, message });
  };

  /**
   * A folder delete that cannot happen because the folder holds items this connector does not
   * sync: reported once as `not_empty`, then remembered (a `kept_on_<side>` note) so the next
   * runs neither re-create the folder on the other side nor report it again.
   */
  const keptNotEmpty = async (a: Extract<PlanAction, { action: "delete" }>, what: string) => {
    if (a.kept) return;
    const remoteAt = `on ${o.remoteTitle ?? "the remote"}`;
    const [folder, deletedAt, keptAt] =
      a.side === "remote"
        ? [`the ${o.remoteTitle ?? "remote"} folder`, "in ScaiDrive", remoteAt]
        : ["the ScaiDrive folder", remoteAt, "in ScaiDrive"];
    const message =
      `${folder} still holds items ` +
      `this connector does not sync (${what}); it stays deleted ${deletedAt} and is kept ${keptAt}`;
    o.log.entry("delete", a.path, "error", { error: { code: "not_empty", message } });
    await states.add({
      op: "note",
      path: a.base.path,
      kind: "folder",
      code: `kept_on_${a.side}`,
      message: `deleted ${deletedAt}; kept ${keptAt} because it still holds items this connector does not sync`,
      error: { code: "not_empty", message },
    });
  };

  /** Counts an item whose outcome (state, error or deliberate skip) is stored or logged. */
  const done = () => {
    if (states.failed) return;
    o.log.counters.files_done++;
    o.onActionDone?.(o.log.counters.files_done);
  };

  const reportPlannedError = async (a: ActionOf<"error">): Promise<void> => {
    o.log.entry("check", a.path, "error", { error: { code: a.code, message: a.message } });
    if (!a.logOnly)
      await states.add({ op: "error", path: a.path, kind: a.kind ?? "file", code: a.code, message: a.message });
  };

  const forget = async (a: ActionOf<"forget">): Promise<void> => {
    await states.add({ op: "forget", path: a.path });
  };

  const untrack = async (a: ActionOf<"untrack" | "out_of_scope">): Promise<void> => {
    // Neither side is touched: the row stops being a base and says why.
    await states.add({ op: "note", path: a.path, kind: a.kind, code: "out_of_scope", message: a.message });
    o.log.entry(a.action, a.path, "skipped", { detail: a.detail });
  };

  const adopt = async (a: ActionOf<"adopt">): Promise<void> => {
    await commit(a.remote, a.scaidrive, a.remote.hashes?.sha256 ?? a.scaidrive.hashes?.sha256 ?? null);
    if (a.remote.kind === "folder") {
      knownFolders.remote.add(a.remote.path);
      knownFolders.scaidrive.add(a.scaidrive.path);
    }
    if (a.hook === "afterPull") await runHook("afterPull", a.remote, a.scaidrive);
    else await runHook("afterPush", a.scaidrive, a.remote);
  };

  const makeFolder = async (a: ActionOf<"mkdir">): Promise<void> => {
    await ensureFolder(a.side, parentPath(a.path));
    const created = await retry(() => side(a.side).mkdir(a.path, { mtimeMs: a.other.mtimeMs, owner: a.other.owner }));
    knownFolders[a.side].add(a.path);
    const [r, l] = a.side === "scaidrive" ? [a.other, created] : [created, a.other];
    await commit(r, l, null);
    o.log.entry("mkdir", a.path, "ok", { detail: `created on ${a.side}` });
    if (a.side === "scaidrive") await runHook("afterPull", a.other, created);
    else await runHook("afterPush", a.other, created);
  };

  const moveItem = async (a: ActionOf<"move">): Promise<void> => {
    await ensureFolder(a.side, parentPath(a.to));
    await retry(() => side(a.side).move(a.from, a.to));
    if (a.kind === "folder") knownFolders[a.side].add(a.to);
    if (a.statePath) {
      await states.flush();
      await o.fileStates.rename(o.connectorId, a.statePath.from, a.statePath.to);
    }
    o.log.counters.files_synced++;
    o.log.entry("move", a.to, "ok", { detail: `${a.reason} on ${a.side}: ${a.from} -> ${a.to}` });
  };

  const copyItem = async (a: ActionOf<"copy">, path: string, progress: Progress): Promise<void> => {
    if (a.checkIdentical && a.dest) {
      const [r, l] = a.from === "remote" ? [a.source, a.dest] : [a.dest, a.source];
      const cmp = await retry(() => sameContent(o.remote, r, o.scaidrive, l, signal));
      if (cmp.same) {
        await commit(r, l, cmp.sha256, a.base);
        o.log.entry("copy", path, "ok", { detail: "identical on both sides; recorded" });
        if (a.from === "remote") await runHook("afterPull", r, l);
        else await runHook("afterPush", l, r);
        return;
      }
    }
    const bytes = await copy(a.from, a.source, a.toPath, a.dest, progress, a.base);
    o.log.entry("copy", path, "ok", {
      bytes,
      detail: `${a.reason}: ${a.from === "remote" ? "remote -> scaidrive" : "scaidrive -> remote"}`,
    });
  };

  const resolveConflict = async (a: ActionOf<"conflict">, path: string, progress: Progress): Promise<void> => {
    const cmp = await retry(() => sameContent(o.remote, a.remote, o.scaidrive, a.scaidrive, signal));
    if (cmp.same) {
      await commit(a.remote, a.scaidrive, cmp.sha256, a.base);
      o.log.entry("conflict", path, "ok", { detail: "both sides changed to identical content; recorded" });
      // Conflicts only arise two-way, where the remote is authoritative for permissions.
      await runHook("afterPull", a.remote, a.scaidrive);
      return;
    }
    if (a.resolution === "remote") {
      const bytes = await copy("remote", a.remote, a.scaidrive.path, a.scaidrive, progress, a.base);
      o.log.entry("conflict", path, "ok", { bytes, detail: `${a.strategy}: remote version kept` });
    } else if (a.resolution === "scaidrive") {
      const bytes = await copy("scaidrive", a.scaidrive, a.remote.path, a.remote, progress, a.base);
      o.log.entry("conflict", path, "ok", { bytes, detail: `${a.strategy}: ScaiDrive version kept` });
    } else {
      const keep = a.keepBothPath!;
      const moved = await retry(() => o.scaidrive.move(a.scaidrive.path, keep));
      let bytes = await copy("remote", a.remote, a.scaidrive.path, undefined, progress, a.base);
      bytes += await copy("scaidrive", { ...a.scaidrive, ...moved, path: keep }, keep, undefined, progress);
      o.log.entry("conflict", path, "ok", { bytes, detail: `KEEP_BOTH: ScaiDrive copy renamed to ${keep}` });
    }
  };

  const deleteItem = async (a: ActionOf<"delete">): Promise<void> => {
    const target = side(a.side);
    let current: RemoteEntry | undefined;
    try {
      current = await retry(() => target.stat(a.path));
    } catch (err) {
      if (!isRemoteError(err, "not_found")) throw err;
    }
    if (current?.checkoutOwner && a.side === "remote") {
      throw new RemoteError("locked", `${a.path} is checked out by ${current.checkoutOwner}; not deleted`, {
        path: a.path,
      });
    }
    if (current && a.kind === "file" && current.fingerprint !== a.expect.fingerprint) {
      throw new RemoteError(
        "precondition_failed",
        `${a.path} changed on the ${a.side} side since it was scanned; not deleted`,
        { path: a.path },
      );
    }
    if (current && a.kind === "folder") {
      const held = await retry(() => firstChildren(target, a.path, 3));
      if (held.length > 0) {
        const other = side(a.side === "remote" ? "scaidrive" : "remote");
        let otherEntry: RemoteEntry | undefined;
        try {
          otherEntry = await other.stat(a.path);
        } catch (err) {
          if (!isRemoteError(err, "not_found")) throw err;
        }
        if (otherEntry) {
          // New content arrived on the other side (pulled or pushed into it this run): keep both.
          const [r, l] = a.side === "remote" ? [current, otherEntry] : [otherEntry, current];
          await commit(r, l, null, a.base);
          o.log.entry("delete", a.path, "skipped", { detail: `folder not empty on ${a.side}; kept` });
          return;
        }
        await keptNotEmpty(a, `${held.map((h) => `"${h}"`).join(", ")}${held.length >= 3 ? "…" : ""}`);
        return;
      }
      try {
        await retry(() => target.delete(a.path));
      } catch (err) {
        // The side lists nothing, yet refuses: it holds what it does not show (e.g. vetoed files).
        if (!isRemoteError(err, "precondition_failed")) throw err;
        await keptNotEmpty(a, `it lists nothing, yet the server refused to remove it: ${(err as Error).message}`);
        return;
      }
      await states.add({ op: "forget", path: a.base.path });
      o.log.entry("delete", a.path, "ok", {
        detail: a.kept
          ? `deleted on ${a.side}: it no longer holds items this connector does not sync`
          : `deleted on ${a.side}`,
      });
      return;
    }
    if (current) await retry(() => target.delete(a.path));
    await states.add({ op: "forget", path: a.base.path });
    if (a.kind === "file") o.log.counters.files_synced++;
    o.log.entry("delete", a.path, "ok", { detail: `deleted on ${a.side}` });
  };

  /** One handler per plan action; `run` adds what they share: blocked moves, progress, per-file errors. */
  const handlers: { [K in Op["action"]]: (a: ActionOf<K>, path: string, progress: Progress) => Promise<void> } = {
    error: reportPlannedError,
    forget: forget,
    untrack: untrack,
    out_of_scope: untrack,
    adopt: adopt,
    mkdir: makeFolder,
    move: moveItem,
    copy: copyItem,
    conflict: resolveConflict,
    delete: deleteItem,
  };

  const run = async (a: Op): Promise<void> => {
    if (signal.aborted) return;
    const path = actionPath(a);
    if (blocked.some((b) => path === b || isUnder(path, b))) {
      o.log.entry(a.action, path, "skipped", { detail: "depends on a move that failed" });
      done();
      return;
    }
    const progress: Progress = { bytes: 0 };
    try {
      await (handlers[a.action] as (a: Op, path: string, progress: Progress) => Promise<void>)(a, path, progress);
      done();
    } catch (err) {
      o.log.counters.bytes_done -= progress.bytes;
      if (signal.aborted && !fatal) {
        // Cancelled mid-item: nothing was committed for it; not an error of the file.
        o.log.entry(a.action, path, "skipped", { detail: "cancelled" });
        return;
      }
      if (isJobLevel(err)) {
        fatal ??= err;
        internal.abort();
        return;
      }
      // Stopped by another item's job-level failure: this one was in flight, nothing is stored.
      if (signal.aborted) return;
      if (a.action === "move") blocked.push(a.to);
      const kind =
        a.action === "move" || a.action === "delete"
          ? a.kind
          : a.action === "mkdir"
            ? "folder"
            : a.action === "error" || a.action === "untrack" || a.action === "out_of_scope"
              ? (a.kind ?? "file")
              : a.action === "adopt"
                ? a.remote.kind
                : "file";
      await fileError(a, path, kind, err);
      done();
    }
  };

  o.log.counters.files_total = await ws.actionCount();
  try {
    // Phase 1: moves, then folder creations (parents first), one at a time in plan order.
    for (const phase of [PHASE.moves, PHASE.mkdirs]) {
      for await (const a of ws.actions(phase)) {
        if (signal.aborted) break;
        await run(a);
      }
    }
    // Phase 2: everything else but folder deletes, with bounded concurrency. The workers share one
    // reader of the plan (an async generator serves concurrent next() calls in order).
    if (!signal.aborted) {
      const pending = ws.actions(PHASE.main)[Symbol.asyncIterator]();
      const large = semaphore(Math.max(1, o.concurrency));
      const worker = async () => {
        while (!signal.aborted) {
          const next = await pending.next();
          if (next.done) return;
          const a = next.value;
          await (movesLargeFile(a) ? large(() => run(a)) : run(a));
        }
      };
      const workers = Math.min(
        Math.max(1, o.concurrency, o.smallConcurrency ?? 0),
        o.remote.capabilities.maxInFlight ?? Infinity,
      );
      await Promise.all(Array.from({ length: workers }, worker));
      await pending.return?.(undefined);
    }
    // Phase 3: folder deletes, deepest first (the plan lists parents first).
    for await (const a of ws.actions(PHASE.folderDeletes, "desc")) {
      if (signal.aborted) break;
      await run(a);
    }
  } finally {
    await states.flush();
    o.log.beforeFlush = undefined;
    o.signal.removeEventListener("abort", onAbort);
  }
  return { fatal, cancelled: !fatal && o.signal.aborted };
}
