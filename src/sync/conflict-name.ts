import { baseName, parentPath, joinPath } from "./remote.js";

/**
 * The name KEEP_BOTH gives the ScaiDrive copy: `report (conflict).pdf`, then
 * `report (conflict 2).pdf`, `report (conflict 3).pdf`... until `isTaken` says no. The suffix goes
 * before the last extension; names without one (or dotfiles like `.env`) get it at the end.
 * `isTaken` may be a lookup in the run's working set (asynchronous).
 */
export async function conflictPath(
  path: string,
  isTaken: (candidate: string) => boolean | Promise<boolean>,
): Promise<string> {
  const name = baseName(path);
  const dot = name.lastIndexOf(".");
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : "";
  for (let n = 1; ; n++) {
    const candidate = joinPath(parentPath(path), `${stem} (conflict${n === 1 ? "" : ` ${n}`})${ext}`);
    if (!(await isTaken(candidate))) return candidate;
  }
}
