/**
 * Where things are, whether a test runs from its TypeScript source (tsx) or compiled into dist/ (`npm test`):
 * the repository root, the source files and fixtures beside a test, and how to start the CLI.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("no package.json above the test harness");
    dir = parent;
  }
  return dir;
}

export const REPO_ROOT = findRoot();
const DIST = join(REPO_ROOT, "dist");

/** True when this code runs compiled from dist/ (then the servers and the CLI the tests start run compiled too). */
export const COMPILED = fileURLToPath(import.meta.url).startsWith(DIST + sep);

/**
 * `rel` resolved against the source directory of the module `metaUrl` names (its `import.meta.url`): a fixture,
 * a child script run with tsx, or a source module, which stay in the source tree when the test runs from dist/.
 */
export function sourcePath(metaUrl: string, rel: string): string {
  let dir = dirname(fileURLToPath(metaUrl));
  if (dir === DIST || dir.startsWith(DIST + sep)) dir = join(REPO_ROOT, relative(DIST, dir));
  return resolve(dir, rel);
}

/** Node arguments that run the TypeScript module `rel` (relative to the module `metaUrl`), compiled or through tsx. */
export function scriptArgs(metaUrl: string, rel: string): string[] {
  if (!COMPILED) return ["--import", "tsx", sourcePath(metaUrl, rel)];
  return [resolve(dirname(fileURLToPath(metaUrl)), rel.replace(/\.ts$/, ".js"))];
}

/** Node arguments that run the scaidrive CLI: compiled when the tests are, otherwise from source through tsx. */
export function cliArgs(): string[] {
  return scriptArgs(import.meta.url, "../../src/cli/scaidrive.ts");
}
