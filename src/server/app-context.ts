/**
 * The composition root of the server: opens the stores and builds every service once, in
 * dependency order, so route modules only pick what they need from the context and never build,
 * cache or look up a service themselves. It is the one place in `server/` that touches the store
 * layer (with sync-engine-assembly.ts, which it calls); routes reach data through services.
 *
 * Lifecycle: `start()` (the app's onReady) starts the background work — the sync scheduler (which
 * first fails jobs a dead process left running), mount connection sweeping and blob collection;
 * `stop()` (the app's onClose) cancels running jobs and closes mount connections; `close()` stops
 * too, then releases the event bus, the blob collector and the database.
 */
import { join } from "node:path";
import { sql, type Kysely } from "kysely";
import type { Logger } from "pino";
import { openDatabase, type DialectName } from "../store/db/database.js";
import type { Database } from "../store/db/schema.js";
import { createFsBlobStore, type BlobStore } from "../store/blobs/fs-blob-store.js";
import { UploadArea } from "../store/blobs/upload-area.js";
import { DbBlobLeases } from "../store/blobs/blob-lease-store.js";
import { openSecretsVault, type SecretsVault } from "../store/secrets/secrets-vault.js";
import { AclService } from "../core/acl-service.js";
import { PrincipalService } from "../core/principal-service.js";
import { AccountService } from "../core/account-service.js";
import { SessionService } from "../core/session-service.js";
import { SignInLimiter } from "../core/sign-in-limiter.js";
import { ShareService } from "../core/share-service.js";
import { NodeService } from "../core/node-service.js";
import { NodeFacade } from "../core/node-facade.js";
import { UploadService } from "../core/upload-service.js";
import { BlobCollector } from "../core/blob-collector.js";
import { AlertService } from "../core/alert-service.js";
import { AppError } from "../core/errors.js";
import { MountService } from "../core/mounts/mount-service.js";
import { MountRemotes } from "../core/mounts/mount-remotes.js";
import { RemoteError } from "../sync/remote-errors.js";
import { PushPullService } from "../sync/push-pull-service.js";
import { ConnectorAccess } from "../connectors/connector-access.js";
import { ConnectorService } from "../connectors/connector-service.js";
import { ConnectorRunService } from "../connectors/connector-run-service.js";
import { ConnectorEventService } from "../connectors/connector-event-service.js";
import { InProcessConnectorEventBus, type ConnectorEventBus } from "../core/connector-events.js";
import { ClusterConnectorEventBus } from "../core/cluster-event-bus.js";
import { PgNotifyChannel } from "../store/events/pg-notify-channel.js";
import { relayJobSignals } from "../sync/job-signal-relay.js";
import type { ConnectorDefinition } from "../connectors/connector-definition.js";
import { OAuthStateStore } from "../connectors/sharepoint/sharepoint-oauth-state.js";
import { SharePointConnectorService } from "../connectors/sharepoint/sharepoint-connector-service.js";
import { DbUploadLocker } from "../core/upload-locker.js";
import { assembleSyncEngine, type ServerSyncEngine, type ServerSyncOptions } from "./sync-engine-assembly.js";
import type { ServerConfig } from "./config.js";
import { newNodeId } from "../sync/node-id.js";

/** The services of one registered connector type. */
export interface ConnectorTypeServices {
  definition: ConnectorDefinition;
  /** Create, read, PATCH, delete, test, identity mappings, audit trail. */
  connectors: ConnectorService;
  /** Syncs, push/pull, jobs and file-states. */
  runs: ConnectorRunService;
}

/**
 * Everything the server runs on: the store handles, the core services and the connector, mount and
 * sync services. Built once per process by {@link createContext}.
 */
export interface AppContext {
  config: ServerConfig;
  /** This process's node id (random per start): in logs, the health answer and jobs it claims. */
  nodeId: string;
  db: Kysely<Database>;
  dialect: DialectName;
  blobs: BlobStore;
  vault: SecretsVault;
  logger: Logger;
  acl: AclService;
  principals: PrincipalService;
  /** Browser sessions (cookie authentication). */
  sessions: SessionService;
  /** Sign-in, passwords and set-password links. */
  accounts: AccountService;
  shares: ShareService;
  /** Files and folders without mounts: the engine's view of ScaiDrive. Routes use {@link files}. */
  nodes: NodeService;
  /** Files and folders as clients see them: {@link nodes} with remote mounts dispatched in front. */
  files: NodeFacade;
  /** Resumable (tus) uploads into the blob store. */
  uploads: UploadService;
  /**
   * Upload locks shared by the nodes on one PostgreSQL database (a PATCH may land on any node);
   * undefined on SQLite (one process: tus's in-memory locker).
   */
  uploadLocker?: DbUploadLocker;
  blobCollector: BlobCollector;
  alerts: AlertService;
  /** The sync engine with every registered connector type. */
  engine: ServerSyncEngine;
  mounts: MountService;
  pushPull: PushPullService;
  /** By connector type ("smb"), for every type registered with the engine. */
  connectorTypes: ReadonlyMap<string, ConnectorTypeServices>;
  /** The live event stream of connectors and their jobs (GET /api/v1/events). */
  connectorEvents: ConnectorEventService;
  /** SharePoint's own routes (sign-in, sites, drives, directory search); present when the type is registered. */
  sharepoint?: SharePointConnectorService;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

export interface ContextOptions {
  /** Engine settings (tests: short scheduler tick, fast retries, other connector definitions). */
  sync?: ServerSyncOptions;
}

/**
 * Opens the database (running migrations), blob store and vault under config.dataDir and builds
 * every service. Starts nothing: call `start()`.
 */
export async function createContext(
  config: ServerConfig,
  logger: Logger,
  options: ContextOptions = {},
): Promise<AppContext> {
  const handle = await openDatabase({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    onConnectionError: (err) =>
      logger.warn({ err: err.message }, "database connection dropped; reconnecting on next query"),
  });
  let closeEvents = async () => {};
  try {
    const db = handle.db;
    const blobDir = join(config.dataDir, "blobs");
    // On PostgreSQL other nodes may share the blob directory: puts and collections meet through
    // leases in the database (see fs-blob-store.ts). SQLite is one process.
    const blobLeases =
      handle.dialect === "postgres" ? new DbBlobLeases(db, logger.child({ component: "blob-leases" })) : undefined;
    const blobs = createFsBlobStore(blobDir, { leases: blobLeases });
    const vault = openSecretsVault({ dataDir: config.dataDir, secretKey: config.secretKey });
    const blobCollector = new BlobCollector(db, blobs, logger.child({ component: "blob-gc" }));
    const onContentRemoved = () => blobCollector.request();
    const acl = new AclService(db);
    const principals = new PrincipalService(db);
    const sessions = new SessionService(db, { idleMs: config.sessionIdleMs, maxMs: config.sessionMaxMs });
    const accounts = new AccountService({
      db,
      principals,
      sessions,
      limiter: new SignInLimiter(db, config.signInLimits),
      logger: logger.child({ component: "accounts" }),
    });
    const shares = new ShareService(db, acl, onContentRemoved);
    const nodes = new NodeService(db, blobs, acl, logger.child({ component: "nodes" }), {
      maxUploadBytes: config.maxUploadBytes,
      onContentRemoved,
      groupCommit: handle.dialect === "sqlite",
    });
    const alerts = new AlertService(db, logger.child({ component: "alerts" }));
    const eventLog = logger.child({ component: "events" });
    const nodeId = newNodeId();
    const opened = await openEventBus(handle.dialect, config, db, eventLog, nodeId);
    const events = opened.bus;
    closeEvents = opened.close;
    const engine = assembleSyncEngine(
      {
        nodeId,
        runsJobs: config.role !== "api",
        events,
        db,
        nodes,
        vault,
        alerts,
        network: config.connectorNetwork,
        maxConcurrentJobs: config.maxConcurrentJobs,
        logger,
      },
      options.sync,
    );
    const { stores } = engine;
    // A cancel recorded by another node aborts the job here at once; a job queued elsewhere wakes the
    // claimers (see sync/job-signal-relay.ts).
    relayJobSignals(events, engine.runner);
    const access = new ConnectorAccess({ connectors: stores.connectors, nodes, creators: config.connectorCreators });
    const mounts = createMountService(engine, access, nodes, db, logger);
    const files = new NodeFacade(nodes, mounts);
    const uploads = new UploadService({
      nodes,
      mounts,
      blobs,
      area: new UploadArea(blobDir),
      maxUploadBytes: config.maxUploadBytes,
      expiryMs: config.uploadExpiryMs,
      logger: logger.child({ component: "uploads" }),
    });
    const pushPull = new PushPullService({
      stores,
      runner: engine.runner,
      openRemote: (connector, signal) => {
        const type = engine.types.get(connector.type);
        if (!type) throw new AppError("INTERNAL", `no connector type "${connector.type}" is registered`);
        return type.openRemote(connector, signal);
      },
      openScaidrive: (connector) => engine.openScaidrive(connector),
      logger: logger.child({ component: "push-pull" }),
    });
    const connectorTypes = new Map<string, ConnectorTypeServices>();
    for (const definition of engine.definitions.values()) {
      connectorTypes.set(definition.type, {
        definition,
        connectors: new ConnectorService({
          def: definition,
          stores,
          access,
          nodes,
          principals,
          vault,
          network: config.connectorNetwork,
          authGuard: engine.authGuard,
          jobs: engine.service,
          logger,
        }),
        runs: new ConnectorRunService({ def: definition, stores, access, sync: engine.service, pushPull, logger }),
      });
    }
    const connectorEvents = new ConnectorEventService({
      bus: events,
      connectors: stores.connectors,
      access,
      logger: eventLog,
    });
    const sharepointDef = engine.definitions.get("sharepoint");
    const sharepoint = sharepointDef
      ? new SharePointConnectorService({
          def: sharepointDef,
          connectors: stores.connectors,
          access,
          authGuard: engine.authGuard,
          states: new OAuthStateStore(db, vault),
          vault,
          network: config.connectorNetwork,
          logger,
        })
      : undefined;
    let stopped: Promise<void> | undefined;
    const stop = () => {
      stopped ??= (async () => {
        uploads.stopSweeping();
        await engine.service.stop();
        await mounts.close();
      })();
      return stopped;
    };
    return {
      config,
      nodeId,
      db,
      dialect: handle.dialect,
      blobs,
      vault,
      logger,
      acl,
      principals,
      sessions,
      accounts,
      shares,
      nodes,
      files,
      uploads,
      uploadLocker:
        handle.dialect === "postgres" ? new DbUploadLocker(db, logger.child({ component: "upload-locks" })) : undefined,
      blobCollector,
      alerts,
      engine,
      mounts,
      pushPull,
      connectorTypes,
      connectorEvents,
      sharepoint,
      async ping() {
        await sql`select 1`.execute(db);
      },
      async start() {
        blobCollector.start();
        await engine.service.start();
        mounts.startSweeping();
        uploads.startSweeping();
      },
      stop,
      async close() {
        await stop();
        // After stop(): the cancelled jobs' last events still go out.
        await closeEvents();
        await blobCollector.close();
        await blobLeases?.flush();
        await handle.close();
      },
    };
  } catch (err) {
    await closeEvents();
    await handle.close();
    throw err;
  }
}

/**
 * The connector event bus: in-process with SQLite (one process); with PostgreSQL, where several
 * nodes may share the database, every node's events reach every node over NOTIFY on the channel
 * `scaidrive_events` (core/cluster-event-bus.ts, store/events/pg-notify-channel.ts).
 */
async function openEventBus(
  dialect: DialectName,
  config: ServerConfig,
  db: Kysely<Database>,
  log: Logger,
  nodeId: string,
): Promise<{ bus: ConnectorEventBus; close(): Promise<void> }> {
  const onListenerError = (err: unknown) => log.error({ err }, "an event listener failed");
  if (dialect !== "postgres" || !config.databaseUrl)
    return { bus: new InProcessConnectorEventBus(onListenerError), close: async () => {} };
  const channel = new PgNotifyChannel({
    connectionString: config.databaseUrl,
    db,
    channel: "scaidrive_events",
    logger: log,
  });
  const bus = new ClusterConnectorEventBus({ relay: channel, logger: log, onListenerError, nodeId });
  await channel.start();
  return { bus, close: () => channel.close() };
}

/**
 * Mounts over the engine's remote opener: one cached connection per connector; a refused
 * credential disables the connector like a failed sync would (its type permitting). Creating a
 * mount needs the right to manage the connector.
 */
function createMountService(
  engine: ServerSyncEngine,
  access: ConnectorAccess,
  nodes: NodeService,
  db: Kysely<Database>,
  logger: Logger,
): MountService {
  const log = logger.child({ component: "mounts" });
  const remotes = new MountRemotes({
    load: (id) => engine.stores.connectors.get(id),
    open: async (id) => {
      const connector = await engine.stores.connectors.require(id);
      try {
        return await engine.openDefinitionRemote(connector, { purpose: "mount", signal: new AbortController().signal });
      } catch (err) {
        if (err instanceof RemoteError && err.kind === "auth") {
          await engine.authGuard
            .authFailed(id, err.message)
            .catch((e: unknown) =>
              log.error({ err: e, connectorId: id }, "could not disable the connector after an auth failure"),
            );
        }
        throw err;
      }
    },
    logger: log,
  });
  return new MountService({
    db,
    nodes,
    remotes,
    logger: log,
    mayUseConnector: async (actor, id) => {
      const connector = await engine.stores.connectors.get(id);
      return connector !== undefined && access.canManage(actor, connector).catch(() => false);
    },
  });
}
