/**
 * Starts a connector's sync through the API and waits for its job to end, for benches that time
 * whole runs. A run that does not complete cleanly (failed, cancelled, any per-file error) throws:
 * a figure of a broken run is no figure. The time runs from the request to the job's own `finished_at` (same
 * machine, same clock), so the poll's interval does not pad it: a no-op resync of 10,000 files takes well under a
 * second, where a 250 ms poll would add up to a quarter of it.
 */
import { performance } from "node:perf_hooks";
import type { ScaidriveProcess } from "../test/harness/scaidrive-process.js";

/** `basePath` is the connector type's collection, e.g. `/api/v1/smb-connectors`. */
export async function syncAndWait(
  server: ScaidriveProcess,
  basePath: string,
  id: string,
): Promise<{ seconds: number; job: any }> {
  const t0 = performance.now();
  const requestedAt = Date.now();
  const started = await server.api("POST", `${basePath}/${id}/sync`);
  if (started.status !== 202) throw new Error(`sync: ${started.status} ${JSON.stringify(started.body)}`);
  for (let failures = 0; ;) {
    // A poll may fail on a heavily loaded machine (a reset connection): only a run of them is fatal.
    const r = await server.api("GET", `${basePath}/${id}/jobs/${started.body.id}?limit=1`).catch((err: unknown) => {
      if (++failures > 10) throw err;
      return undefined;
    });
    if (!r) {
      await new Promise((res) => setTimeout(res, 1000));
      continue;
    }
    failures = 0;
    if (r.body.status !== "queued" && r.body.status !== "running") {
      if (r.body.status !== "completed" || r.body.error_count !== 0)
        throw new Error(`job did not complete cleanly: ${JSON.stringify(r.body)}`);
      const finishedAt = Date.parse(r.body.finished_at ?? "");
      const seconds = Number.isFinite(finishedAt) ? (finishedAt - requestedAt) / 1000 : (performance.now() - t0) / 1000;
      return { seconds, job: r.body };
    }
    await new Promise((res) => setTimeout(res, 250));
  }
}
