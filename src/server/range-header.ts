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
  if (start >= size || size === 0)
    throw new AppError("RANGE_NOT_SATISFIABLE", `range starts beyond the end (${size} bytes)`, { size });
  return { start, end };
}

/** Whether an If-None-Match header matches the strong ETag (weak comparison, as RFC 9110 asks for GET). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === bare);
}

/** An entity-tag as sent (RFC 9110 §8.8.3): `opaque` keeps its quotes, `weak` is the `W/` prefix. */
export interface EntityTag {
  weak: boolean;
  opaque: string;
}

const ENTITY_TAG = /^\s*(W\/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)/;

/**
 * Parses an If-Match / If-None-Match value: `*`, or a comma-separated list of entity-tags (empty
 * list elements allowed, as the list syntax has them). @returns undefined when it is neither.
 */
export function parseEntityTags(header: string): "*" | EntityTag[] | undefined {
  if (header.trim() === "*") return "*";
  const tags: EntityTag[] = [];
  let rest = header;
  while (rest.trim() !== "") {
    const empty = /^\s*,/.exec(rest);
    if (empty) {
      rest = rest.slice(empty[0].length);
      continue;
    }
    const m = ENTITY_TAG.exec(rest);
    if (!m) return undefined;
    tags.push({ weak: m[1] !== undefined, opaque: m[2]! });
    rest = rest.slice(m[0].length);
  }
  return tags.length > 0 ? tags : undefined;
}

/**
 * The HTTP-date of a header (IMF-fixdate, or the obsolete RFC 850 and asctime forms), in whole
 * seconds since the epoch; undefined when it is not a date.
 */
export function parseHttpDate(value: string): number | undefined {
  const v = value.trim();
  if (!/^[A-Za-z]{3,9},? /.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/**
 * Evaluates If-Range (RFC 9110 §13.1.5) for a request that has a Range: true to honour the Range,
 * false to ignore it and send the whole representation (200). An entity-tag must equal `etag` by
 * strong comparison, so a weak tag never matches. An HTTP-date must equal the Last-Modified
 * second exactly, and only counts when that date is a strong validator (§8.8.2.2), which
 * `lastModifiedIsStrong` decides (absent: dates never match). Anything unparsable is false.
 */
export async function ifRangeHolds(
  header: string | undefined,
  current: { etag: string; lastModified: Date; lastModifiedIsStrong?: () => Promise<boolean> },
): Promise<boolean> {
  if (header === undefined) return true;
  const v = header.trim();
  if (v.startsWith('"') || v.startsWith("W/")) {
    const tags = parseEntityTags(v);
    if (!Array.isArray(tags) || tags.length !== 1) return false;
    const tag = tags[0]!;
    return !tag.weak && !current.etag.startsWith("W/") && tag.opaque === current.etag;
  }
  const date = parseHttpDate(v);
  if (date === undefined || date !== Math.floor(current.lastModified.getTime() / 1000)) return false;
  return current.lastModifiedIsStrong ? current.lastModifiedIsStrong() : false;
}
