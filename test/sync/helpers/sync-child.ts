/**
 * Runs one sync of a "share" connector in its own process against an existing data dir, so a
 * test can SIGKILL it mid-run. argv: dataDir connectorId. Prints "started <jobId>" when the job
 * is running.
 */
import pino from "pino";
import { createContext } from "../../../src/server/app-context.js";
import { loadConfig } from "../../../src/server/config.js";
import { SYSTEM_ACTOR } from "../../../src/core/actor.js";
import { createSyncStores } from "../../../src/store/sync/sync-stores.js";
import { ConnectorTypeRegistry } from "../../../src/sync/connector-types.js";
import { SyncService } from "../../../src/sync/sync-service.js";
import { JobRunner } from "../../../src/sync/job-runner.js";
import { ScaidriveRemote } from "../../../src/sync/scaidrive-remote.js";

const [dataDir, connectorId] = process.argv.slice(2);
const ctx = await createContext(
  { ...loadConfig({}), dataDir: dataDir!, logLevel: "silent" },
  pino({ level: "silent" }),
);
const open = (shareId: string, rootPath: string) =>
  new ScaidriveRemote({ nodes: ctx.nodes, shareId, rootPath, actor: SYSTEM_ACTOR, serviceUserId: null });
const types = new ConnectorTypeRegistry();
types.register({
  type: "share",
  remoteName: "share",
  openRemote: async (c) => open((c.config as { share_id: string }).share_id, (c.config as { root: string }).root),
});
const stores = createSyncStores(ctx.db);
const service = new SyncService({
  stores,
  types,
  openScaidrive: async (c) => {
    const remote = open(c.target_share_id, c.target_path);
    await remote.ensureRoot();
    return remote;
  },
  logger: pino({ level: "silent" }),
  concurrency: 1,
  runner: new JobRunner({ stores, logger: pino({ level: "silent" }), progressFlushMs: 20 }),
});
const job = await service.requestSync(connectorId!);
process.stdout.write(`started ${job.id}\n`);
await service.waitForJob(job.id);
process.stdout.write("finished\n");
await ctx.close();
