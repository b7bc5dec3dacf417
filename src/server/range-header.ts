import { AppError } from "../core/errors.js";

/**
 * Parses a `Range` header against a resource of `size` bytes (RFC 9110 §14). Returns the one
 * inclusive byte range to send, or undefined to send everything: no header, a unit other than
 * bytes, or several ranges (serving the whole representation is allowed and keeps this simple).
 * @throws AppError RANGE_NOT_SATISFIABLE (416, details.size) when the range lies beyond the end.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) throw new AppError("RANGE_NOT_SATISFIABLE", "empty suffix range", { size });
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start) return undefined;
  }
  if (start >= size || size === 0) throw new AppError("RANGE_NOT_SATISFIABLE", `range starts beyond the end (${size} bytes)`, { size });
  return { start, end };
}

/** Whether an If-None-Match header matches the strong ETag (weak comparison, as RFC 9110 asks for GET). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === bare);
}
