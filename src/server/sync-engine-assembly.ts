/**
 * Assembles the sync engine of a server: the engine's runtime (stores, job runner, sync service;
 * `sync/sync-runtime.ts`) with every connector definition registered as an engine connector type,
 * the remote opener shared by runs and mounts, the per-run hooks (identity/ACL translation, then
 * the definition's own) and the guard that disables connectors on authentication failures.
 *
 * Part of the composition root: the application context (app-context.ts) calls it once per
 * process and owns the result's lifecycle (the scheduler starts when the app is ready and stops
 * before the database closes).
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { createSyncRuntime, type SyncRuntime } from "../sync/sync-runtime.js";
import type { RetryPolicy } from "../sync/retry-policy.js";
import type { Database } from "../store/db/schema.js";
import type { ConnectorRecord, ConnectorStore } from "../store/sync/connector-store.js";
import type { ConnectorEventBus } from "../core/connector-events.js";
import type { SecretsVault } from "../store/secrets/secrets-vault.js";
import { connectorDefinitions } from "../connectors/index.js";
import { saveConfigFor, type ConnectorDefinition, type RemoteOpenEnv } from "../connectors/connector-definition.js";
import { effectiveConfig } from "../connectors/connector-fields.js";
import { AUTH_DISABLED_PREFIX, ConnectorAuthGuard } from "../connectors/connector-auth-guard.js";
import type { NetworkPolicy } from "../connectors/network-policy.js";
import { AppError } from "../core/errors.js";
import type { AlertService } from "../core/alert-service.js";
import type { NodeService } from "../core/node-service.js";
import type { Remote } from "../sync/remote.js";
import { createIdentityAclHooks } from "../connectors/identity-acl-hooks.js";
import type { SyncHooks } from "../sync/sync-hooks.js";
import { isJobLevel } from "../sync/remote-errors.js";

export interface ServerSyncOptions {
  /**
   * Scheduler period (default `SCAIDRIVE_SCHEDULER_TICK_MS`, else the smaller of 30 s and the
   * orphan age); tests use a short one together with backdated jobs.
   */
  schedulerTickMs?: number;
  /** The scheduler lease's time to live (default `SCAIDRIVE_SCHEDULER_LEASE_MS`, else 15 s). */
  schedulerLeaseMs?: number;
  /** How often a node that runs jobs looks for queued ones to claim (default 1 s). */
  claimIntervalMs?: number;
  /** Backoff for unreachable remotes (default: 4 attempts, 1 s … 30 s). */
  retry?: RetryPolicy;
  progressFlushMs?: number;
  concurrency?: number;
  /**
   * Heartbeat age after which a queued/running job of another (dead) process is marked failed
   * (default: `SCAIDRIVE_SYNC_ORPHAN_AFTER_MS`, else 60 s). Must stay well above the progress
   * flush period, or live jobs of other processes would be taken for dead.
   */
  orphanAfterMs?: number;
  /** Definitions to register (default: every one in connectors/index.ts). */
  definitions?: readonly ConnectorDefinition[];
  /** Jobs running at once in this process (default: ServerConfig.maxConcurrentJobs). */
  maxConcurrentJobs?: number;
  /** Least time between two progress events of one job (default 250 ms). */
  progressEventMs?: number;
  /** How often the job runner refreshes queued jobs and notices cancels stored by other nodes (default 5 s). */
  heartbeatMs?: number;
}

export interface ServerSyncEngine extends SyncRuntime {
  definitions: ReadonlyMap<string, ConnectorDefinition>;
  /** Disables connectors on auth failures and re-enables them on save (see connector-auth-guard.ts). */
  authGuard: ConnectorAuthGuard;
  /**
   * Opens the definition's Remote for a stored connector with the full {@link RemoteOpenEnv}
   * (`saveConfig` writes back through the vault). `component` names the user in logs ("smb-remote"
   * for sync runs, "smb-mount" for mounts).
   */
  openDefinitionRemote(
    connector: ConnectorRecord,
    o: { purpose: RemoteOpenEnv["purpose"]; signal: AbortSignal },
  ): Promise<Remote>;
}

/**
 * The connector's service identity: owner/author of what it writes when no mapping applies and
 * the receiver of unmapped principals' permissions. It is the user who created the connector.
 */
export function serviceUserOf(connector: ConnectorRecord): string | null {
  return typeof connector.config.service_user_id === "string" ? connector.config.service_user_id : connector.created_by;
}

/**
 * Runs every hook of `list` in order. A failing hook does not stop the others (each concern — ACLs,
 * versions, columns — gets its chance); afterwards the first job-level error (auth, unreachable)
 * is rethrown, else one error naming every failure, which the engine logs as a warning.
 */
function chainHooks(...list: SyncHooks[]): SyncHooks {
  const each = async (call: (h: SyncHooks) => Promise<void> | undefined) => {
    const errors: unknown[] = [];
    for (const h of list) {
      try {
        await call(h);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 0) return;
    throw (
      errors.find(isJobLevel) ??
      (errors.length === 1 ? errors[0] : new Error(errors.map((e) => (e as Error).message).join("; ")))
    );
  };
  return {
    beforeRun: (c) => each((h) => h.beforeRun?.(c)),
    afterPull: (c, r, s) => each((h) => h.afterPull?.(c, r, s)),
    afterPush: (c, s, r) => each((h) => h.afterPush?.(c, s, r)),
  };
}

/**
 * `SCAIDRIVE_SYNC_ORPHAN_AFTER_MS` as a positive integer, else undefined (the service's default). @throws Error on a
 * malformed value, so a typo is not silently ignored.
 */
export function orphanAfterMsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return positiveMsFromEnv("SCAIDRIVE_SYNC_ORPHAN_AFTER_MS", env);
}

/** `name` as a positive integer of milliseconds, else undefined. @throws Error on a malformed value. */
export function positiveMsFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${name} must be a positive integer (milliseconds), got "${raw}"`);
  return n;
}

/** What the engine is built from: the store handles and core services of the application context. */
export interface SyncEngineDeps {
  /** This node's id (jobs it claims carry it; the scheduler lease names it). */
  nodeId: string;
  /** False on an `api` node: it records jobs but neither claims them nor schedules. */
  runsJobs: boolean;
  db: Kysely<Database>;
  nodes: NodeService;
  vault: SecretsVault;
  alerts: AlertService;
  network: NetworkPolicy;
  /** `SCAIDRIVE_MAX_CONCURRENT_JOBS`, unless `options.maxConcurrentJobs` says otherwise. */
  maxConcurrentJobs: number;
  /** Where job and connector state events go (the live event stream). */
  events: ConnectorEventBus;
  logger: Logger;
}

/**
 * Publishes a `connector.state` event whenever an update changes a connector's status, whoever
 * makes it (a PATCH, the auth guard disabling or re-enabling it, a SharePoint sign-in): the
 * store's `update` is the one path every status change takes.
 */
function publishStatusChanges(connectors: ConnectorStore, events: ConnectorEventBus): void {
  const update = connectors.update.bind(connectors);
  connectors.update = async (id, patch) => {
    const before = patch.status !== undefined ? await connectors.get(id) : undefined;
    const after = await update(id, patch);
    if (before && before.status !== after.status) {
      events.publish({
        type: "connector.state",
        connector_id: after.id,
        connector_type: after.type,
        status: after.status,
        status_reason: after.status_reason,
        auth_failed: after.status === "disabled" && (after.status_reason ?? "").startsWith(AUTH_DISABLED_PREFIX),
      });
    }
    return after;
  };
}

/**
 * Builds the engine with every definition of `options.definitions` (default: connectors/index.ts) registered. Starts
 * nothing.
 */
export function assembleSyncEngine(deps: SyncEngineDeps, options: ServerSyncOptions = {}): ServerSyncEngine {
  const { vault, logger } = deps;
  let authGuard: ConnectorAuthGuard | undefined;
  const orphanAfterMs = options.orphanAfterMs ?? orphanAfterMsFromEnv();
  const base = createSyncRuntime({
    onJobFinished: (job, connector) => authGuard?.onJobFinished(job, connector) ?? Promise.resolve(),
    db: deps.db,
    nodes: deps.nodes,
    logger,
    serviceUserId: serviceUserOf,
    nodeId: deps.nodeId,
    runsJobs: deps.runsJobs,
    claimIntervalMs: options.claimIntervalMs,
    // Orphans are found on scheduler ticks: a tick at least every orphan age keeps a dead node's
    // scheduled connector from waiting much longer than that.
    schedulerTickMs:
      options.schedulerTickMs ??
      positiveMsFromEnv("SCAIDRIVE_SCHEDULER_TICK_MS") ??
      Math.min(30_000, orphanAfterMs ?? 60_000),
    schedulerLeaseMs: options.schedulerLeaseMs ?? positiveMsFromEnv("SCAIDRIVE_SCHEDULER_LEASE_MS"),
    retry: options.retry,
    progressFlushMs: options.progressFlushMs,
    concurrency: options.concurrency,
    orphanAfterMs,
    maxConcurrentJobs: options.maxConcurrentJobs ?? deps.maxConcurrentJobs,
    events: deps.events,
    progressEventMs: options.progressEventMs,
    heartbeatMs: options.heartbeatMs,
  });
  publishStatusChanges(base.stores.connectors, deps.events);
  const definitions = new Map<string, ConnectorDefinition>();
  authGuard = new ConnectorAuthGuard({
    connectors: base.stores.connectors,
    alerts: deps.alerts,
    definitions,
    logger: logger.child({ component: "connector-auth" }),
  });
  const openDefinitionRemote = (
    connector: ConnectorRecord,
    o: { purpose: RemoteOpenEnv["purpose"]; signal: AbortSignal },
  ): Promise<Remote> => {
    const def = definitions.get(connector.type);
    if (!def) throw new AppError("INTERNAL", `no connector type "${connector.type}" is registered`);
    return def.openRemote(effectiveConfig(def, connector, vault), {
      logger: logger.child({
        component: `${def.type}-${o.purpose === "mount" ? "mount" : "remote"}`,
        connectorId: connector.id,
      }),
      signal: o.signal,
      network: deps.network,
      connectorId: connector.id,
      purpose: o.purpose,
      saveConfig: saveConfigFor(def, connector.id, base.stores.connectors, vault),
    });
  };
  for (const def of options.definitions ?? connectorDefinitions) {
    definitions.set(def.type, def);
    base.types.register({
      type: def.type,
      remoteName: def.remoteName,
      title: def.title,
      openRemote: (connector, signal) => openDefinitionRemote(connector, { purpose: "run", signal }),
      hooks: (connector) => {
        const acl = createIdentityAclHooks({
          connector,
          loadMappings: () => base.stores.identityMappings.principalMap(connector.id),
          serviceUserId: serviceUserOf(connector),
          remoteTitle: def.title,
        });
        if (!def.hooks) return acl;
        return chainHooks(
          acl,
          def.hooks(effectiveConfig(def, connector, vault), { connector, fileStates: base.stores.fileStates }),
        );
      },
    });
  }
  return { ...base, definitions, authGuard, openDefinitionRemote };
}
