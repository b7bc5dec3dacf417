import { AppError } from "./errors.js";

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

export interface Page<T> {
  items: T[];
  /** Opaque; null when there is nothing more. */
  next_cursor: string | null;
}

/** Cursors are opaque to clients: base64url JSON of the sort key of the last item returned. */
export function encodeCursor(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

/**
 * @throws AppError VALIDATION_FAILED (details.field "cursor") for anything not produced by
 *   {@link encodeCursor} with the expected keys.
 */
export function decodeCursor(cursor: string | undefined, keys: readonly string[]): Record<string, string> | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      value &&
      typeof value === "object" &&
      keys.every((k) => typeof (value as Record<string, unknown>)[k] === "string")
    ) {
      return value as Record<string, string>;
    }
  } catch {
    // fall through
  }
  throw new AppError("VALIDATION_FAILED", "cursor is not valid: pass next_cursor from a previous page unchanged", {
    field: "cursor",
  });
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  return Math.max(1, Math.min(MAX_PAGE_LIMIT, Math.floor(limit)));
}
