/**
 * Remote-relative paths ("a/b.txt", "" for the root) ↔ share-relative SMB paths under the
 * connector's base path. The base path is cleaned the same way as remote paths: "/" or "\"
 * separators, no empty, "." or ".." segments (".." is refused: the base must stay in the share).
 */
import { normalizeRelPath } from "../../sync/remote.js";

/** Cleans a configured base path ("/2026/", "\\2026", "" → "2026", "2026", ""). @throws Error on "..". */
export function normalizeBasePath(basePath: string | undefined): string {
  return normalizeRelPath(basePath ?? "");
}

/** The share-relative path of remote path `rel` under `base` ("/"-separated; the client converts). */
export function shareRelative(base: string, rel: string): string {
  if (rel === "") return base;
  return base === "" ? rel : `${base}/${rel}`;
}
