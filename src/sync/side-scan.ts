/**
 * Scanning one side: the filtered entries the planner compares, the items the filter left out
 * (present but out of scope, and why — the planner must not take them for deletions), and the
 * items that deserve a line in the job log every run (reparse points). Walks are restarted from
 * scratch on an `unreachable` error (with the retry policy); other errors propagate.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { SubtreeFilter, type OutOfScopeReason, type SyncFilter } from "./sync-filter.js";
import type { EntryKind, Remote, RemoteEntry } from "./remote.js";
import { withRetry, type RetryPolicy } from "./retry-policy.js";

/**
 * An entry the side lists but the filter leaves out, by its own verdict. The descendants of such
 * a folder are not listed one by one: they are out of scope as "inside" it, which the planner
 * derives from the folder (so an excluded tree of a million files costs one record).
 */
export interface OutOfScopeItem {
  path: string;
  kind: EntryKind;
  reason: OutOfScopeReason;
}

export interface ScanResult {
  entries: RemoteEntry[];
  /** Present but not synced (see {@link OutOfScopeItem}). */
  outOfScope: OutOfScopeItem[];
  /** Entries not synced that deserve a line in the job log (reparse points). */
  reported: Array<{ path: string; reason: string }>;
}

/**
 * How long the filter runs before letting the rest of the server in. Matching is linear, but a
 * connector's patterns (up to 2 × 200 globs of 512 characters) can still make one entry cost
 * tens of milliseconds, and a tree may hold a million entries.
 */
const SLICE_MS = 20;

/** Applies the filter to a parents-first list of entries, yielding to the event loop now and then. */
export async function filterEntries(all: Iterable<RemoteEntry>, filter: SyncFilter): Promise<ScanResult> {
  const subtree = new SubtreeFilter(filter);
  const entries: RemoteEntry[] = [];
  const outOfScope: OutOfScopeItem[] = [];
  const reported: ScanResult["reported"] = [];
  let sliceStart = performance.now();
  for (const e of all) {
    const v = subtree.check(e);
    if (v.sync) entries.push(e);
    else if (v.reason !== "inside_skipped_folder") {
      outOfScope.push({ path: e.path, kind: e.kind, reason: v.reason });
      if (v.reason === "reparse_point") reported.push({ path: e.path, reason: e.reparseReason ?? "reparse point (symbolic link or junction), not followed; its target is synced where it lives" });
    }
    if (performance.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  return { entries, outOfScope, reported };
}

export async function scanSide(remote: Remote, filter: SyncFilter, retry: RetryPolicy, signal: AbortSignal): Promise<ScanResult> {
  const all = await withRetry(
    async () => {
      const out: RemoteEntry[] = [];
      for await (const e of remote.walk("")) {
        if (signal.aborted) break;
        out.push(e);
      }
      return out;
    },
    retry,
    signal,
  );
  return filterEntries(all, filter);
}
