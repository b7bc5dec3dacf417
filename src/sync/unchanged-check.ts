/**
 * The quick check that a run has nothing to do. A no-op run through the planner writes three
 * listings (remote, ScaiDrive, base) into the working set and merges them back: at a million
 * files that is several times the cost of listing the share. When the base is clean (every row
 * synced, no note, no error), the ScaiDrive subtree still holds exactly the base's nodes at their
 * synced versions (checked in the database, not listed), and the remote's walk lists exactly the
 * base's items with their synced fingerprints, then every planner rule gives "same" on both sides
 * and the plan is empty. The walk is compared against the base in batches (bounded memory).
 *
 * Anything else — a new, changed, moved or missing item, an item now out of the filter's scope, a
 * folder that could not be listed, a Samba alias, a note from an earlier run — ends the check at
 * once and the run goes through the planner, which decides what it means. Walk errors end it too
 * (the planner's scan retries by its policy), except auth and destination refusals, which fail the
 * job as they would there without asking the server a second time.
 *
 * Walk remotes only: a delta remote's no-op run already costs one delta request.
 */
import type { FileStateStore } from "../store/sync/file-state-store.js";
import { isRemoteError } from "./remote-errors.js";
import type { Remote, RemoteEntry } from "./remote.js";
import type { SyncFilter } from "./sync-filter.js";
import { filterEntries, type ReportedEntry, type ScopedEntry } from "./side-scan.js";
import type { PlanSummary } from "./sync-planner.js";

export interface UnchangedCheckParams {
  connectorId: string;
  remote: Remote;
  filter: SyncFilter;
  fileStates: Pick<FileStateStore, "baseHealth" | "remoteBaseAt">;
  /** Whether the ScaiDrive side still is the base (see FileStateStore.scaidriveMatchesBase). */
  scaidriveMatchesBase: () => Promise<boolean>;
  signal: AbortSignal;
}

export type UnchangedVerdict =
  { unchanged: true; plan: PlanSummary; reported: ReportedEntry[] } | { unchanged: false; reason: string };

/** Walk entries compared against the base per database round trip. */
const BATCH = 500;

/** An entry the planner may treat specially even when its fingerprint is the base's. */
function needsPlanner(e: RemoteEntry): string | undefined {
  if (e.childrenUnknown) return "a folder could not be listed";
  if (e.realName !== undefined) return "an item is listed under a server-made alias";
  if (e.opaquePackage) return "an opaque package";
  if (e.checkoutOwner) return "a checked-out file";
  return undefined;
}

export async function checkUnchanged(p: UnchangedCheckParams): Promise<UnchangedVerdict> {
  const health = await p.fileStates.baseHealth(p.connectorId);
  if (health.rows === 0) return { unchanged: false, reason: "no base yet" };
  if (health.unclean > 0) return { unchanged: false, reason: "the base holds notes or errors" };
  // The database check runs while the remote is walked; a failed check plans, saying why.
  const scaidriveSame = p.scaidriveMatchesBase().then(
    (same) => (same ? undefined : "the ScaiDrive side changed"),
    (err: unknown) => `the ScaiDrive side could not be checked: ${(err as Error)?.message ?? String(err)}`,
  );
  const reported: ReportedEntry[] = [];
  let matched = 0;
  let listed = 0;
  let batch: ScopedEntry[] = [];
  const compare = async (): Promise<string | undefined> => {
    const rows = await p.fileStates.remoteBaseAt(
      p.connectorId,
      batch.map((s) => s.entry.path),
    );
    const base = new Map(rows.map((r) => [r.path, r]));
    for (const { entry, scope } of batch) {
      const b = base.get(entry.path);
      if (scope !== null) {
        if (b) return `"${entry.path}" is synced but now out of scope`;
        continue;
      }
      if (!b) return `"${entry.path}" is not in the base`;
      if (b.kind !== entry.kind || (b.remote_fingerprint ?? "") !== entry.fingerprint) return `"${entry.path}" changed`;
      matched++;
    }
    batch = [];
    return undefined;
  };
  try {
    for await (const scoped of filterEntries(p.remote.walk(""), p.filter, (r) => reported.push(r))) {
      if (p.signal.aborted) return { unchanged: false, reason: "cancelled" };
      listed++;
      const special = needsPlanner(scoped.entry);
      if (special) return { unchanged: false, reason: `${special}: "${scoped.entry.path}"` };
      batch.push(scoped);
      if (batch.length >= BATCH) {
        const why = await compare();
        if (why) return { unchanged: false, reason: why };
      }
    }
    const why = await compare();
    if (why) return { unchanged: false, reason: why };
  } catch (err) {
    if (isRemoteError(err, "auth") || isRemoteError(err, "destination_denied")) throw err;
    return { unchanged: false, reason: `the walk failed: ${(err as Error).message}` };
  }
  if (matched !== health.rows) return { unchanged: false, reason: "items of the base are missing on the remote" };
  const scaidriveDiffers = await scaidriveSame;
  if (scaidriveDiffers) return { unchanged: false, reason: scaidriveDiffers };
  return { unchanged: true, reported, plan: emptyPlan(health.files, listed, health.rows) };
}

/** The summary of a plan without actions over `files` tracked files (both sides list them all). */
export function emptyPlan(files: number, remoteCount: number, scaidriveCount: number): PlanSummary {
  return {
    deletes: { remote: 0, scaidrive: 0 },
    trackedFiles: files,
    remoteCount,
    scaidriveCount,
    remoteFiles: files,
    scaidriveFiles: files,
    actionCount: 0,
    bytesTotal: 0,
    distinctFiles: files,
  };
}
