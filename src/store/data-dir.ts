import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs";

/** Directories of the data dir: only the server's own user may enter them. */
export const PRIVATE_DIR_MODE = 0o700;
/** Files of the data dir (database, blobs, key): readable by the server's own user only. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and missing parents) for the server's private data, and takes group and other
 * access away from it if an earlier build or an administrator left it open: the database holds
 * token hashes and sealed connector secrets, the blobs hold every user's content.
 */
export function preparePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Creates `path` empty with mode 0600 if it does not exist, and tightens it if it does. SQLite
 * gives its -wal and -shm files the database file's mode, so preparing the database file before
 * SQLite opens it covers those too.
 */
export function preparePrivateFile(path: string): void {
  closeSync(openSync(path, "a", PRIVATE_FILE_MODE));
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, PRIVATE_FILE_MODE);
}
