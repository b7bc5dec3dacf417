import { AppError } from "./errors.js";

/** Longest name in UTF-8 bytes and longest path (the "/a/b" form) in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 4096;

// C0 controls, DEL and C1 controls (NUL included).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Validates one name and returns its NFC form. Names are case-sensitive.
 * @throws AppError INVALID_NAME (400) for empty, ".", "..", "/" or control characters inside,
 *   or more than 255 UTF-8 bytes; the message says which rule failed and `details.name` holds it.
 */
export function normalizeName(raw: string): string {
  const name = raw.normalize("NFC");
  const fail = (why: string): never => {
    throw new AppError("INVALID_NAME", `invalid name: ${why}`, { name: raw });
  };
  if (name.length === 0) fail("a name must not be empty");
  if (name === "." || name === "..") fail(`"${name}" is not allowed as a name`);
  if (name.includes("/")) fail('a name must not contain "/"');
  if (name.includes("\u0000")) fail("a name must not contain NUL");
  if (CONTROL.test(name)) fail("a name must not contain control characters");
  // A lone UTF-16 surrogate has no UTF-8 form: it would be stored as U+FFFD and never match again.
  if (Buffer.from(name, "utf8").toString("utf8") !== name) fail("a name must be valid Unicode (no lone surrogates)");
  if (Buffer.byteLength(name, "utf8") > MAX_NAME_BYTES) fail(`a name must be at most ${MAX_NAME_BYTES} UTF-8 bytes`);
  return name;
}

/** Key for case-only twin lookups: the NFC name lower-cased. */
export function nameKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

export interface ParsedPath {
  /** Canonical form: "/" or "/a/b" (NFC, no trailing slash, no empty segments). */
  path: string;
  /** The validated names from the root down ([] for the root). */
  segments: string[];
}

/**
 * Parses a share path. A leading "/" is optional, one trailing "/" and repeated slashes are
 * tolerated (they denote no name), but "." and ".." segments are rejected rather than resolved so
 * that a path can never climb out of where the caller meant.
 * @throws AppError INVALID_NAME for a bad segment; VALIDATION_FAILED if the path exceeds 4096 bytes.
 */
export function parsePath(raw: string): ParsedPath {
  if (Buffer.byteLength(raw, "utf8") > MAX_PATH_BYTES) {
    throw new AppError("INVALID_NAME", `invalid path: a path must be at most ${MAX_PATH_BYTES} UTF-8 bytes`, {
      path: raw.slice(0, 100),
    });
  }
  if (raw.includes("\u0000"))
    throw new AppError("INVALID_NAME", "invalid path: a path must not contain NUL", { path: raw });
  const segments = raw
    .split("/")
    .filter((s) => s.length > 0)
    .map(normalizeName);
  const path = "/" + segments.join("/");
  if (Buffer.byteLength(path, "utf8") > MAX_PATH_BYTES) {
    throw new AppError("INVALID_NAME", `invalid path: a path must be at most ${MAX_PATH_BYTES} UTF-8 bytes`, {
      path: raw.slice(0, 100),
    });
  }
  return { path, segments };
}

/** Joins a canonical parent path and a validated name. */
export function joinPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

/** Parent of a canonical path ("/" for a top-level entry). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}
