#!/usr/bin/env node
// Runs every test/**/*.test.ts file with Node's own test runner.
// Arguments narrow the run: `node scripts/run-tests.mjs test/core` or a single file.
// By default the files run from their TypeScript sources through tsx. `--compiled` runs the JavaScript that
// `tsc -p tsconfig.json` wrote to dist/ instead (what `npm test` does after its type check): Node 20 sends every
// module of a file's import graph through the loader's thread, which costs each test process about 2 s of CPU,
// and the suite is CPU-bound.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function collect(path, out) {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (path.endsWith(".test.ts")) {
    out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
const compiled = args.includes("--compiled");
const roots = args.filter((a) => !a.startsWith("--"));
const passThrough = args.filter((a) => a.startsWith("--") && a !== "--compiled");
// The list comes from the sources in both modes, so a test deleted since the last build never runs from dist/.
const sources = (roots.length ? roots : ["test"]).flatMap((r) => collect(r, []));
if (sources.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const files = compiled ? sources.map((f) => join("dist", f.replace(/\.ts$/, ".js"))) : sources;
const stale = files.filter((f) => !existsSync(f));
if (stale.length) {
  console.error(`not compiled: ${stale.join(", ")} (run \`tsc -p tsconfig.json\` first)`);
  process.exit(1);
}
const concurrency = process.env.SCAIDRIVE_TEST_CONCURRENCY ?? "2";
const result = spawnSync(
  process.execPath,
  [
    ...(compiled ? ["--enable-source-maps"] : ["--import", "tsx"]),
    "--test",
    `--test-concurrency=${concurrency}`,
    ...(passThrough.some((a) => a.startsWith("--test-reporter")) ? [] : ["--test-reporter=spec"]),
    ...passThrough,
    ...files,
  ],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
