import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDir {
  path: string;
  /** Removes the directory and everything in it; safe to call twice. */
  remove(): void;
}

/** A fresh directory under the OS temp dir, named `scaidrive-<prefix>-XXXXXX`. */
export function makeTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `scaidrive-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
