#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.ts one after another (TypeScript through tsx), or
// only the ones named as arguments (`npm run bench -- core-throughput` or a path). Benchmarks
// print their own tables; this exits non-zero if any of them failed.
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { spawnSync } from "node:child_process";

const all = readdirSync("bench")
  .filter((name) => name.endsWith(".bench.ts"))
  .sort()
  .map((name) => join("bench", name));
const wanted = process.argv.slice(2);
const selected = wanted.length
  ? wanted.map((w) => {
      const match = all.find((p) => p === w || basename(p) === w || basename(p) === `${w}.bench.ts`);
      if (!match) {
        console.error(`no benchmark matches ${w}; available: ${all.map((p) => basename(p, ".bench.ts")).join(", ")}`);
        process.exit(2);
      }
      return match;
    })
  : all;
if (selected.length === 0) {
  console.error("no bench/*.bench.ts files found");
  process.exit(1);
}
let failed = 0;
for (const file of selected) {
  console.log(`\n== ${file}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", file], { stdio: "inherit" });
  if (result.status !== 0) {
    failed += 1;
    console.error(`${file} failed (${result.status ?? result.signal})`);
  }
}
process.exit(failed ? 1 : 0);
