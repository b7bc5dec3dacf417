/**
 * Scanning one side into the run's working set: each listed entry with the filter's verdict —
 * in scope, or present but out of scope and why (the planner must not take it for a deletion) —
 * and the items that deserve a line in the job log every run (reparse points). The descendants of
 * a folder out of scope are not kept one by one: the planner derives "inside" from the folder, so
 * an excluded tree of a million files costs one row. Walks are restarted from scratch on a
 * `retryable` RemoteError (with the retry policy); other errors propagate.
 *
 * Entries stream from the walk into the database in batches: a listing is never held in memory.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { SubtreeFilter, type OutOfScopeReason, type SyncFilter } from "./sync-filter.js";
import type { EntryKind, Remote, RemoteEntry } from "./remote.js";
import { withRetry, type RetryPolicy } from "./retry-policy.js";
import type { RunSide, RunWorkspace } from "../store/sync/run-workspace-store.js";

/** An entry the side lists but the filter leaves out, by its own verdict. */
export interface OutOfScopeItem {
  path: string;
  kind: EntryKind;
  reason: OutOfScopeReason;
}

/** A listed entry with the filter's verdict: `scope` is null in scope, else why it is left out. */
export interface ScopedEntry {
  entry: RemoteEntry;
  scope: OutOfScopeReason | null;
}

/** An entry not synced that deserves a line in the job log. */
export interface ReportedEntry {
  path: string;
  reason: string;
}

/**
 * How long the filter runs before letting the rest of the server in. Matching is linear, but a
 * connector's patterns (up to 2 × 200 globs of 512 characters) can still make one entry cost
 * tens of milliseconds, and a tree may hold a million entries.
 */
const SLICE_MS = 20;
/** Entries written to the working set per batch. */
const BATCH = 500;

/**
 * The filter's verdicts for a parents-first stream of entries, yielding to the event loop now and
 * then: in-scope entries and out-of-scope ones (with their reason); descendants of a folder out of
 * scope are dropped. Reparse points are passed to `onReported` with what the job log says.
 */
export async function* filterEntries(
  all: AsyncIterable<RemoteEntry> | Iterable<RemoteEntry>,
  filter: SyncFilter,
  onReported: (r: ReportedEntry) => void = () => {},
): AsyncIterable<ScopedEntry> {
  const subtree = new SubtreeFilter(filter);
  let sliceStart = performance.now();
  for await (const e of all) {
    const v = subtree.check(e);
    if (v.sync) yield { entry: e, scope: null };
    else if (v.reason !== "inside_skipped_folder") {
      if (v.reason === "reparse_point")
        onReported({
          path: e.path,
          reason:
            e.reparseReason ??
            "reparse point (symbolic link or junction), not followed; its target is synced where it lives",
        });
      yield { entry: e, scope: v.reason };
    }
    if (performance.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}

/** Writes scoped entries to a side of the working set in batches. */
export async function writeScoped(
  ws: RunWorkspace,
  side: RunSide,
  scoped: AsyncIterable<ScopedEntry>,
  signal?: AbortSignal,
): Promise<void> {
  let batch: ScopedEntry[] = [];
  for await (const s of scoped) {
    if (signal?.aborted) break;
    batch.push(s);
    if (batch.length >= BATCH) {
      await ws.addEntries(side, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await ws.addEntries(side, batch);
}

/** Walks `remote` into `side` of the working set; returns the entries to report in the job log. */
export async function scanSide(
  remote: Remote,
  side: RunSide,
  ws: RunWorkspace,
  filter: SyncFilter,
  retry: RetryPolicy,
  signal: AbortSignal,
): Promise<ReportedEntry[]> {
  return withRetry(
    async () => {
      await ws.clearSide(side);
      const reported: ReportedEntry[] = [];
      await writeScoped(
        ws,
        side,
        filterEntries(remote.walk(""), filter, (r) => reported.push(r)),
        signal,
      );
      return reported;
    },
    retry,
    signal,
  );
}

/**
 * Applies the filter to a side already in the working set (a delta remote's rebuilt listing),
 * parents first: marks what is out of scope, drops what lies below a folder out of scope.
 */
export async function filterSideInPlace(ws: RunWorkspace, side: RunSide, filter: SyncFilter): Promise<ReportedEntry[]> {
  const reported: ReportedEntry[] = [];
  const skipped: string[] = [];
  const subtree = new SubtreeFilter(filter);
  let sliceStart = performance.now();
  for await (const row of ws.sideRows(side)) {
    // Rows of a page read before their folder's subtree was dropped.
    if (
      skipped.some(
        (k) => row.sortKey.length > k.length && row.sortKey.startsWith(k) && row.sortKey.charCodeAt(k.length) === 1,
      )
    )
      continue;
    const v = subtree.check(row.entry);
    if (v.sync) {
      if (row.scope !== null) await ws.setScope(side, row.seq, null);
    } else if (v.reason === "inside_skipped_folder") {
      await ws.deleteRow(side, row.seq);
    } else {
      if (v.reason === "reparse_point")
        reported.push({
          path: row.entry.path,
          reason:
            row.entry.reparseReason ??
            "reparse point (symbolic link or junction), not followed; its target is synced where it lives",
        });
      if (row.scope !== v.reason) await ws.setScope(side, row.seq, v.reason);
      if (row.entry.kind === "folder") {
        await ws.deleteBelow(side, row.sortKey);
        skipped.push(row.sortKey);
      }
    }
    if (performance.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  return reported;
}
