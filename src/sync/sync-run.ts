/**
 * One sync run of one connector, connector-agnostic: scan both sides (walk, or delta pages for
 * delta remotes), filter, plan against the base, check safety, then either answer the plan (dry
 * run) or execute it. Job bookkeeping (status, times) is the caller's; counters and the per-file
 * log go to the {@link JobLog}.
 *
 * Errors thrown (job level): AppError `CONNECTOR_AUTH_FAILED`, `CONNECTOR_UNREACHABLE` (after
 * retries), `DESTINATION_DENIED` (the network policy refuses the remote's address; no retry),
 * `SYNC_SAFETY_ABORT` (nothing changed). Cancellation is not an error: the result says
 * `cancelled`.
 */
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { AppError } from "../core/errors.js";
import type { SyncStores } from "../store/sync/sync-stores.js";
import type { FileStateRecord } from "../store/sync/file-state-store.js";
import type { RunWorkspace } from "../store/sync/run-workspace-store.js";
import { isRemoteError } from "./remote-errors.js";
import type { Remote, RemoteEntry } from "./remote.js";
import { SyncFilter, type FilterConfig } from "./sync-filter.js";
import { filterSideInPlace, scanSide, type ReportedEntry } from "./side-scan.js";
import { applyChangePage } from "./delta-view.js";
import { PHASE, planRun, type BaseEntry, type NoteEntry, type PlanAction, type PlanSummary } from "./sync-planner.js";
import { checkPlanSafety } from "./sync-safety.js";
import { checkUnchanged, emptyPlan } from "./unchanged-check.js";
import { executePlan } from "./sync-executor.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "./retry-policy.js";
import type { JobLog } from "./job-log.js";
import type { SyncHooks } from "./sync-hooks.js";
import type { ConflictStrategy, Direction } from "./sync-options.js";

export interface RunSettings {
  direction: Direction;
  conflict: ConflictStrategy;
  filter: FilterConfig;
  maxDeletePercent?: number;
}

export interface RunOptions {
  fullSync?: boolean;
  dryRun?: boolean;
  force?: boolean;
}

export interface RunParams {
  connectorId: string;
  /** The run's working set (listings, base and plan in the database); the caller clears it. */
  workspace: RunWorkspace;
  remote: Remote;
  scaidrive: Remote;
  settings: RunSettings;
  options: RunOptions;
  stores: Pick<SyncStores, "fileStates" | "cursors">;
  log: JobLog;
  logger: Logger;
  signal: AbortSignal;
  /** Transfers of large files in flight (default 4). */
  concurrency?: number;
  /** Items in flight in all, small files included (default 16 × `concurrency`). */
  smallConcurrency?: number;
  retry?: RetryPolicy;
  hooks?: SyncHooks;
  onActionDone?: (done: number) => void;
  /** How the job log names the remote ("SMB", "SharePoint"); default "the remote". */
  remoteTitle?: string;
  /**
   * Whether the ScaiDrive side still is the base, answered without listing it; given, a walk
   * remote's run first checks whether it has anything to do ({@link checkUnchanged}).
   */
  scaidriveMatchesBase?: () => Promise<boolean>;
}

/** A plan action as the dry-run answer and job log show it. */
export interface PlanItem {
  action: string;
  path: string;
  side?: string;
  from?: string;
  to?: string;
  detail?: string;
}

export interface RunResult {
  status: "completed" | "cancelled";
  plan: PlanSummary;
  /** Dry runs: the first {@link DRY_RUN_PLAN_ITEMS} actions (all are in the job's `planned` entries). */
  planItems?: PlanItem[];
}

/** Plan items a dry run answers with; the job's log holds every one. */
export const DRY_RUN_PLAN_ITEMS = 1000;

/**
 * Maps a job-level remote error to the job's error code. A `not_found` about the root (path "")
 * can only come from listing a remote root that does not exist (e.g. an SMB `base_path` missing
 * on the share; the ScaiDrive side creates its root) and fails the job with `NOT_FOUND`, the
 * adapter's message naming what is missing.
 */
export function jobError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isRemoteError(err, "auth")) return new AppError("CONNECTOR_AUTH_FAILED", err.message, undefined, { cause: err });
  if (isRemoteError(err, "unreachable"))
    return new AppError("CONNECTOR_UNREACHABLE", err.message, undefined, { cause: err });
  if (isRemoteError(err, "destination_denied"))
    return new AppError("DESTINATION_DENIED", err.message, undefined, { cause: err });
  if (isRemoteError(err, "not_found") && (err.path ?? "") === "") {
    return new AppError("NOT_FOUND", `remote root not found: ${err.message}`, undefined, { cause: err });
  }
  return new AppError("INTERNAL", (err as Error)?.message ?? String(err), undefined, { cause: err });
}

export function describeAction(a: PlanAction): PlanItem {
  switch (a.action) {
    case "copy":
      return {
        action: "copy",
        path: a.toPath,
        from: a.from,
        to: a.from === "remote" ? "scaidrive" : "remote",
        detail: a.reason,
      };
    case "move":
      return { action: "move", path: a.to, side: a.side, from: a.from, to: a.to, detail: a.reason };
    case "mkdir":
      return { action: "mkdir", path: a.path, side: a.side };
    case "delete":
      return {
        action: "delete",
        path: a.path,
        side: a.side,
        detail: a.kept ? `${a.kind}, kept before because it was not empty; retried` : a.kind,
      };
    case "conflict":
      return {
        action: "conflict",
        path: a.remote.path,
        detail:
          a.resolution === "keep_both"
            ? `KEEP_BOTH: ScaiDrive copy would become ${a.keepBothPath}`
            : `${a.strategy}: ${a.resolution} wins unless identical`,
      };
    case "adopt":
      return { action: "adopt", path: a.remote.path };
    case "forget":
      return { action: "forget", path: a.path };
    case "untrack":
    case "out_of_scope":
      return { action: a.action, path: a.path, detail: a.detail };
    case "error":
      return { action: "error", path: a.path, detail: `${a.code}: ${a.message}` };
  }
}

function stateToEntry(s: FileStateRecord): RemoteEntry {
  return {
    path: s.path,
    kind: s.kind,
    size: s.remote_size ?? 0,
    mtimeMs: s.remote_mtime_ms ?? 0,
    id: s.remote_id ?? undefined,
    fingerprint: s.remote_fingerprint ?? "",
    extra: s.extra ?? undefined,
  };
}

function stateToBase(s: FileStateRecord): BaseEntry | null {
  if (!s.synced) return null;
  return {
    path: s.path,
    kind: s.kind,
    remoteId: s.remote_id,
    remoteFingerprint: s.remote_fingerprint ?? "",
    scaidriveId: s.scaidrive_node_id,
    scaidriveFingerprint: s.scaidrive_version_id ?? "",
    sha256: s.sha256,
  };
}

function stateToNote(s: FileStateRecord): NoteEntry | null {
  return s.note_code ? { path: s.path, kind: s.kind, code: s.note_code, message: s.note ?? "" } : null;
}

/**
 * What decides which items a run syncs. A delta cursor is replayed only under the filter its
 * listing was taken with: items the last runs left out (or untracked) are not in the synced
 * listing with their current state, so a changed filter enumerates the remote afresh.
 */
export function scopeKey(filter: FilterConfig): string {
  const canonical = JSON.stringify([
    filter.include_patterns?.extensions ?? [],
    filter.include_patterns?.patterns ?? [],
    filter.exclude_patterns?.extensions ?? [],
    filter.exclude_patterns?.patterns ?? [],
    filter.sync_hidden_files ?? false,
    filter.sync_system_files ?? false,
  ]);
  return createHash("sha256").update(canonical).digest("hex").slice(0, 32);
}

/** The base and notes (file-states) into the working set, a page at a time. */
async function loadBase(p: RunParams): Promise<void> {
  for await (const page of p.stores.fileStates.pages(p.connectorId)) {
    const rows = page
      .map((s) => ({ path: s.path, kind: s.kind, base: stateToBase(s), note: stateToNote(s) }))
      .filter((r) => r.base !== null || r.note !== null);
    await p.workspace.addBase(rows);
  }
}

/**
 * The remote side's listing into the working set. Delta remotes replay the pages since the stored
 * cursor over the last synced listing (untracked and kept items included: they are still there),
 * page by page; with no cursor (or `fullSync`, an expired cursor, or a cursor taken under another
 * filter) they enumerate from scratch. Returns what to log and the cursor to store once the run
 * ended cleanly.
 */
async function scanRemote(
  p: RunParams,
  filter: SyncFilter,
  retry: RetryPolicy,
  scope: string,
): Promise<{ reported: ReportedEntry[]; cursor?: string }> {
  const r = p.remote;
  const ws = p.workspace;
  if (!(r.capabilities.delta && r.changes))
    return { reported: await scanSide(r, "remote", ws, filter, retry, p.signal) };
  /** Rebuilds the listing: the last synced one (when replaying) plus every page; returns the last cursor. */
  const replay = async (from: string | null): Promise<string | undefined> => {
    await ws.clearSide("remote");
    if (from !== null) {
      for await (const page of p.stores.fileStates.pages(p.connectorId)) {
        const previous = page
          .filter((s) => (s.synced || s.note_code !== null) && s.remote_fingerprint !== null)
          .map((s) => ({ entry: stateToEntry(s) }));
        await ws.addEntries("remote", previous);
      }
    }
    let cursor: string | undefined;
    for await (const page of r.changes!(from)) {
      await applyChangePage(ws, "remote", page);
      cursor = page.cursor;
      if (p.signal.aborted) break;
    }
    return cursor;
  };
  let stored = p.options.fullSync ? null : await p.stores.cursors.getScoped(p.connectorId);
  if (stored && stored.scopeKey !== null && stored.scopeKey !== scope) {
    p.logger.info(
      { connectorId: p.connectorId },
      "the filter changed since the delta cursor was stored; enumerating the remote again",
    );
    stored = null;
  }
  let cursor: string | undefined;
  if (stored) {
    const from = stored.cursor;
    try {
      cursor = (await withRetry(() => replay(from), retry, p.signal)) ?? from;
    } catch (err) {
      if (!isRemoteError(err, "cursor_expired")) throw err;
      p.logger.info({ connectorId: p.connectorId }, "delta cursor expired; enumerating the remote again");
      await p.stores.cursors.clear(p.connectorId);
      stored = null;
    }
  }
  if (!stored) cursor = await withRetry(() => replay(null), retry, p.signal);
  return { reported: await filterSideInPlace(ws, "remote", filter), cursor };
}

/** Every action of the plan in execution order (phases in turn, folder deletes deepest first). */
async function* planInOrder(ws: RunWorkspace): AsyncIterable<PlanAction> {
  yield* ws.actions(PHASE.moves);
  yield* ws.actions(PHASE.mkdirs);
  yield* ws.actions(PHASE.main);
  yield* ws.actions(PHASE.folderDeletes, "desc");
}

export async function runSync(p: RunParams): Promise<RunResult> {
  const retry = p.retry ?? DEFAULT_RETRY;
  const ws = p.workspace;
  try {
    const filter = new SyncFilter(p.settings.filter, { caseInsensitive: p.remote.capabilities.caseInsensitive });
    const scope = scopeKey(p.settings.filter);
    if (p.hooks?.beforeRun) {
      await p.hooks.beforeRun({
        remote: p.remote,
        scaidrive: p.scaidrive,
        warn: (path, message) => p.log.entry("warning", path, "warning", { detail: message }),
        signal: p.signal,
      });
    }
    // Both sides are listed at once (the remote's round trips overlap ScaiDrive's reads), each
    // streaming into its own rows of the working set, and the base is copied in meanwhile: the
    // three write disjoint rows, and on a large tree the base's copy would otherwise add its own
    // time after the slower walk.
    // Wall time per phase, logged with the outcome: where a large run spends its time.
    const phaseMs: Record<string, number> = {};
    let phaseStart = performance.now();
    const phaseDone = (name: string) => {
      const now = performance.now();
      phaseMs[name] = Math.round(now - phaseStart);
      phaseStart = now;
    };
    const timedScan = async <T>(name: string, scan: Promise<T>): Promise<T> => {
      const value = await scan;
      phaseMs[name] = Math.round(performance.now() - phaseStart);
      return value;
    };
    if (p.scaidriveMatchesBase && !p.options.fullSync && !(p.remote.capabilities.delta && p.remote.changes)) {
      const quick = await checkUnchanged({
        connectorId: p.connectorId,
        remote: p.remote,
        filter,
        fileStates: p.stores.fileStates,
        scaidriveMatchesBase: p.scaidriveMatchesBase,
        signal: p.signal,
      });
      phaseDone("unchangedCheck");
      if (quick.unchanged) {
        for (const r of quick.reported) p.log.entry("scan", r.path, "skipped", { detail: r.reason });
        p.log.counters.files_scanned = quick.plan.distinctFiles;
        p.logger.info({ connectorId: p.connectorId, phaseMs, actions: 0 }, "sync run phases: nothing changed");
        return { status: "completed", plan: quick.plan, ...(p.options.dryRun ? { planItems: [] } : {}) };
      }
      if (p.signal.aborted) return { status: "cancelled", plan: emptyPlan(0, 0, 0) };
      p.logger.info({ connectorId: p.connectorId, reason: quick.reason }, "the run has work to do; planning it");
    }
    const [remoteScan, localReported] = await Promise.all([
      timedScan("scanRemote", scanRemote(p, filter, retry, scope)),
      timedScan("scanScaidrive", scanSide(p.scaidrive, "scaidrive", ws, filter, retry, p.signal)),
      timedScan("base", loadBase(p)),
    ]);
    phaseDone("scan");
    await ws.refreshStatistics();
    for (const r of [...remoteScan.reported, ...localReported])
      p.log.entry("scan", r.path, "skipped", { detail: r.reason });

    const plan = await planRun(ws, {
      remoteTitle: p.remoteTitle,
      direction: p.settings.direction,
      conflict: p.settings.conflict,
      caseInsensitive: p.remote.capabilities.caseInsensitive,
      remoteReusesIds: p.remote.capabilities.reusesIds === true,
      fullSync: p.options.fullSync,
    });
    phaseDone("plan");
    p.log.counters.files_scanned = plan.distinctFiles;
    checkPlanSafety(plan, { maxDeletePercent: p.settings.maxDeletePercent, force: p.options.force });

    if (p.options.dryRun) {
      const planItems: PlanItem[] = [];
      for await (const a of planInOrder(ws)) {
        const item = describeAction(a);
        if (planItems.length < DRY_RUN_PLAN_ITEMS) planItems.push(item);
        p.log.entry(item.action, item.path, item.action === "error" ? "error" : "planned", { detail: item.detail });
      }
      p.log.counters.files_total = plan.actionCount;
      p.log.counters.bytes_total = plan.bytesTotal;
      return { status: "completed", plan, planItems };
    }
    if (p.signal.aborted) return { status: "cancelled", plan };

    p.log.counters.bytes_total = plan.bytesTotal;
    const outcome = await executePlan(ws, {
      connectorId: p.connectorId,
      remote: p.remote,
      scaidrive: p.scaidrive,
      fileStates: p.stores.fileStates,
      log: p.log,
      logger: p.logger,
      signal: p.signal,
      concurrency: p.concurrency ?? 4,
      smallConcurrency: p.smallConcurrency ?? 16 * (p.concurrency ?? 4),
      retry,
      hooks: p.hooks,
      onActionDone: p.onActionDone,
      remoteTitle: p.remoteTitle,
    });
    phaseDone("execute");
    p.logger.info({ connectorId: p.connectorId, phaseMs, actions: plan.actionCount }, "sync run phases");
    if (outcome.fatal) throw outcome.fatal;
    if (outcome.cancelled) return { status: "cancelled", plan };
    // The cursor moves only after a clean run: a failed file is seen again next time.
    if (remoteScan.cursor && p.log.counters.error_count === 0)
      await p.stores.cursors.set(p.connectorId, remoteScan.cursor, scope);
    return { status: "completed", plan };
  } catch (err) {
    throw jobError(err);
  }
}
