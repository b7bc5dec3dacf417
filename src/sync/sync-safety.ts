/**
 * The safety stop: a plan that would delete more than `maxDeletePercent` of the tracked files on
 * either side, or that finds one side empty while the base is not (an unmounted share, a wiped
 * library, a wrong base_path), is refused before anything changes. `force` overrides.
 */
import { AppError } from "../core/errors.js";
import type { PlanSummary } from "./sync-planner.js";
import { DEFAULT_MAX_DELETE_PERCENT } from "./sync-options.js";

export interface SafetyOptions {
  maxDeletePercent?: number;
  force?: boolean;
}

/** Throws `SYNC_SAFETY_ABORT` (details: counts and the limit) unless the plan is within limits or forced. */
export function checkPlanSafety(plan: PlanSummary, options: SafetyOptions = {}): void {
  if (options.force) return;
  const limit = options.maxDeletePercent ?? DEFAULT_MAX_DELETE_PERCENT;
  const tracked = plan.trackedFiles;
  if (tracked === 0) {
    // First run: a one-way mirror from an empty or sparse authoritative side must not wipe the
    // other side unnoticed, so deletions count against the files present on the deleting side.
    for (const side of ["remote", "scaidrive"] as const) {
      const present = side === "remote" ? plan.remoteFiles : plan.scaidriveFiles;
      const n = plan.deletes[side];
      if (n > 0 && (n * 100) / present > limit) {
        throw new AppError(
          "SYNC_SAFETY_ABORT",
          `the first ` +
            `run would delete ${n} of ${present} files on the ${side === "remote" ? "remote" : "ScaiDrive"} side (limit ${limit}%); nothing was ` +
            `changed (use force to proceed)`,
          { deletes_remote: plan.deletes.remote, deletes_scaidrive: plan.deletes.scaidrive, max_delete_percent: limit },
        );
      }
    }
    return;
  }
  const details = {
    tracked_files: tracked,
    deletes_remote: plan.deletes.remote,
    deletes_scaidrive: plan.deletes.scaidrive,
    max_delete_percent: limit,
    remote_entries: plan.remoteCount,
    scaidrive_entries: plan.scaidriveCount,
  };
  if (plan.remoteCount === 0 || plan.scaidriveCount === 0) {
    const empty = plan.remoteCount === 0 ? "remote" : "ScaiDrive";
    throw new AppError(
      "SYNC_SAFETY_ABORT",
      `the ${empty} side is ` +
        `empty although ${tracked} files were synced before; nothing was changed (use force to proceed)`,
      details,
    );
  }
  for (const side of ["remote", "scaidrive"] as const) {
    const n = plan.deletes[side];
    if ((n * 100) / tracked > limit) {
      throw new AppError(
        "SYNC_SAFETY_ABORT",
        `the run ` +
          `would delete ${n} of ${tracked} tracked ` +
          `files on the ${side === "remote" ? "remote" : "ScaiDrive"} side (limit ${limit}%); nothing was ` +
          `changed (use force to proceed)`,
        details,
      );
    }
  }
}
