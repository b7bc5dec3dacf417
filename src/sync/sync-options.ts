/**
 * Connector-agnostic spellings of the direction and conflict settings. Connectors store their
 * own spelling (`smb_to_scaidrive`, `SHAREPOINT_WINS`) and convert with these helpers, so the
 * engine only ever sees "remote" and "scaidrive".
 */
import { AppError } from "../core/errors.js";

export type Side = "remote" | "scaidrive";
export type Direction = "bidirectional" | "remote_to_scaidrive" | "scaidrive_to_remote";
export type ConflictStrategy = "LAST_WRITER_WINS" | "KEEP_BOTH" | "SCAIDRIVE_WINS" | "REMOTE_WINS";

export const DEFAULT_MAX_DELETE_PERCENT = 50;

/** The values a connector of remote name `remoteName` ("smb", "sharepoint") accepts for `sync_direction`. */
export function directionValues(remoteName: string): string[] {
  return ["bidirectional", `${remoteName}_to_scaidrive`, `scaidrive_to_${remoteName}`];
}

/** The values accepted for `conflict_resolution`. */
export function conflictValues(remoteName: string): string[] {
  return ["LAST_WRITER_WINS", "KEEP_BOTH", "SCAIDRIVE_WINS", `${remoteName.toUpperCase()}_WINS`];
}

/** Converts a stored `sync_direction`; throws VALIDATION_FAILED for anything else. */
export function normalizeDirection(value: string, remoteName: string): Direction {
  if (value === "bidirectional") return "bidirectional";
  if (value === `${remoteName}_to_scaidrive` || value === "remote_to_scaidrive") return "remote_to_scaidrive";
  if (value === `scaidrive_to_${remoteName}` || value === "scaidrive_to_remote") return "scaidrive_to_remote";
  throw new AppError("VALIDATION_FAILED", `sync_direction must be one of ${directionValues(remoteName).join(", ")}`, {
    field: "sync_direction",
  });
}

/** Converts a stored `conflict_resolution`; throws VALIDATION_FAILED for anything else. */
export function normalizeConflict(value: string, remoteName: string): ConflictStrategy {
  if (value === "LAST_WRITER_WINS" || value === "KEEP_BOTH" || value === "SCAIDRIVE_WINS") return value;
  if (value === `${remoteName.toUpperCase()}_WINS` || value === "REMOTE_WINS") return "REMOTE_WINS";
  throw new AppError(
    "VALIDATION_FAILED",
    `conflict_resolution must be one of ${conflictValues(remoteName).join(", ")}`,
    {
      field: "conflict_resolution",
    },
  );
}

export function otherSide(side: Side): Side {
  return side === "remote" ? "scaidrive" : "remote";
}
