/**
 * Wires the engine into a running server: the sync stores over the app's database, the
 * ScaiDrive side of each connector (its target share subtree through core's node service, with
 * the system actor, the root created if missing, owners mapped through the connector's identity
 * mappings), and the {@link SyncService}. The server calls `start()` after listening and `stop()`
 * before closing the database.
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../store/db/schema.js";
import { SYSTEM_ACTOR } from "../core/actor.js";
import { createSyncStores, type SyncStores } from "../store/sync/sync-stores.js";
import type { ConnectorRecord } from "../store/sync/connector-store.js";
import { ScaidriveRemote, type ScaidriveNodes } from "./scaidrive-remote.js";
import { ConnectorTypeRegistry } from "./connector-types.js";
import { SyncService, type SyncServiceOptions } from "./sync-service.js";
import { JobRunner, type JobRunnerOptions } from "./job-runner.js";
import { LeaseHolder } from "./lease-holder.js";

export interface SyncRuntime {
  stores: SyncStores;
  types: ConnectorTypeRegistry;
  /** Runs every job (sync, push, pull) of this process: shared by the sync and push/pull services. */
  runner: JobRunner;
  service: SyncService;
  /** The ScaiDrive side of a connector, as the engine sees it. */
  openScaidrive(connector: ConnectorRecord): Promise<ScaidriveRemote>;
}

export interface SyncRuntimeOptions
  extends
    Partial<
      Pick<SyncServiceOptions, "concurrency" | "smallConcurrency" | "retry" | "schedulerTickMs" | "orphanAfterMs">
    >,
    Partial<
      Pick<
        JobRunnerOptions,
        | "progressFlushMs"
        | "onJobFinished"
        | "maxConcurrentJobs"
        | "events"
        | "progressEventMs"
        | "nodeId"
        | "runsJobs"
        | "claimIntervalMs"
        | "heartbeatMs"
      >
    > {
  db: Kysely<Database>;
  nodes: ScaidriveNodes;
  logger: Logger;
  /**
   * How long the scheduler's lease lasts unless renewed (default 15 s, renewed every third of it):
   * after the leader dies, another node schedules within about this time plus one tick.
   */
  schedulerLeaseMs?: number;
  /**
   * The ScaiDrive user that owns and authors what the connector writes when no identity mapping
   * applies. Default: `config.service_user_id` of the connector, else none (system).
   */
  serviceUserId?: (connector: ConnectorRecord) => string | null;
}

export function createSyncRuntime(o: SyncRuntimeOptions): SyncRuntime {
  const stores = createSyncStores(o.db);
  const types = new ConnectorTypeRegistry();
  const serviceUserId =
    o.serviceUserId ??
    ((c: ConnectorRecord) => (typeof c.config.service_user_id === "string" ? c.config.service_user_id : null));
  const openScaidrive = async (connector: ConnectorRecord): Promise<ScaidriveRemote> => {
    const mappings = await stores.identityMappings.principalMap(connector.id);
    const remote = new ScaidriveRemote({
      nodes: o.nodes,
      shareId: connector.target_share_id,
      rootPath: connector.target_path,
      actor: SYSTEM_ACTOR,
      serviceUserId: serviceUserId(connector),
      resolvePrincipal: (p) => {
        const m = mappings.get(p.toLowerCase());
        return m && m.identity_type === "user" ? m.scaidrive_principal_id : undefined;
      },
    });
    await remote.ensureRoot();
    return remote;
  };
  const logger = o.logger.child({ component: "sync" });
  const orphanAfterMs = o.orphanAfterMs ?? 60_000;
  const runner = new JobRunner({
    stores,
    logger,
    nodeId: o.nodeId,
    runsJobs: o.runsJobs,
    claimIntervalMs: o.claimIntervalMs,
    // A live job must never look dead to another node: several heartbeats per orphan age.
    heartbeatMs: o.heartbeatMs ?? Math.max(100, Math.min(5000, Math.floor(orphanAfterMs / 4))),
    maxConcurrentJobs: o.maxConcurrentJobs,
    progressFlushMs: o.progressFlushMs,
    onJobFinished: o.onJobFinished,
    events: o.events,
    progressEventMs: o.progressEventMs,
  });
  const service = new SyncService({
    stores,
    types,
    runner,
    openScaidrive,
    logger,
    concurrency: o.concurrency,
    smallConcurrency: o.smallConcurrency,
    retry: o.retry,
    schedulerTickMs: o.schedulerTickMs,
    orphanAfterMs: o.orphanAfterMs,
    leader: new LeaseHolder({
      leases: stores.leases,
      name: "scheduler",
      holder: runner.nodeId,
      ttlMs: o.schedulerLeaseMs,
      logger,
    }),
  });
  return { stores, types, runner, service, openScaidrive };
}
