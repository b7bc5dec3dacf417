// A server entry that profiles itself: `node bench/cpu-profile-entry.mjs serve` starts the V8
// sampling profiler, then loads the server named by BENCH_PROFILE_TARGET (default the built
// dist/src/cli/scaidrive.js). Each SIGUSR2 writes the profile since the last one to
// `${BENCH_PROFILE_OUT}-<n>.cpuprofile` (open it in Chrome DevTools) and starts a new one, so a
// bench can profile each run on its own. (`--cpu-prof` is not allowed in NODE_OPTIONS.)
import { writeFileSync } from "node:fs";
import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Session } from "node:inspector/promises";

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 500 });
await session.post("Profiler.start");
let n = 0;
process.on("SIGUSR2", () => {
  void (async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(`${process.env.BENCH_PROFILE_OUT ?? "server"}-${++n}.cpuprofile`, JSON.stringify(profile));
    await session.post("Profiler.start");
  })();
});
await import(pathToFileURL(resolve(process.env.BENCH_PROFILE_TARGET ?? "dist/src/cli/scaidrive.js")).href);
