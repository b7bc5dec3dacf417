/**
 * Manual measurement (not a test, never run by the test runner): initial sync of N small files
 * between two real shares, then a no-op resync. `npx tsx test/sync/helpers/engine-bench-run.ts 10000`
 */
import { openEngineFixture } from "./engine-fixture.js";

const n = Number(process.argv[2] ?? 1000);
const e = await openEngineFixture({ concurrency: 4 });
try {
  const p = await e.newPair();
  let t = performance.now();
  for (let i = 0; i < n; i++) await p.writeA(`d${Math.floor(i / 100)}/f${i}.txt`, `small file ${i}`);
  console.log(`seeded ${n} files in ${((performance.now() - t) / 1000).toFixed(2)} s`);
  t = performance.now();
  const first = await p.sync();
  console.log(
    `initial sync: ${first.status} ${first.files_synced} files in ${((performance.now() - t) / 1000).toFixed(2)} s`,
  );
  t = performance.now();
  const again = await p.sync();
  console.log(
    `no-op resync: ${again.status} ${again.files_synced} synced, ${again.files_scanned} scanned in ${((performance.now() - t) / 1000).toFixed(2)} s`,
  );
} finally {
  await e.close();
}
