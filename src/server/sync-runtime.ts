/**
 * The sync engine inside the server: one {@link SyncRuntime} per application context (so every
 * connector route module shares one SyncService, one scheduler and one registry), with every
 * connector definition of `connectors/index.ts` registered as an engine connector type.
 *
 * Lifecycle as route-module hooks: the scheduler starts on the app's `onReady` (which also marks
 * jobs a dead process left running as failed) and `stop()` cancels running jobs on `onClose`,
 * before the context closes the database. Whichever module asks first creates the runtime, with
 * its options; hooks are installed once.
 */
import type { AppContext } from "./app-context.js";
import type { AppInstance, RouteModule } from "./app-types.js";
import { createSyncRuntime, type SyncRuntime } from "../sync/sync-runtime.js";
import type { RetryPolicy } from "../sync/retry-policy.js";
import type { ConnectorRecord } from "../store/sync/connector-store.js";
import { connectorDefinitions } from "../connectors/index.js";
import { openConfig, saveConfigFor, type ConnectorDefinition, type OpenConfig, type RemoteOpenEnv } from "../connectors/connector-definition.js";
import { AppError } from "../core/errors.js";
import { alertServiceFor } from "../core/alert-service.js";
import type { Remote } from "../sync/remote.js";
import { ConnectorAuthGuard } from "./connector-auth-guard.js";
import { createIdentityAclHooks } from "../connectors/identity-acl-hooks.js";
import type { SyncHooks } from "../sync/sync-hooks.js";
import { isJobLevel } from "../sync/remote-errors.js";

export interface ServerSyncOptions {
  /** Scheduler period (default 30 s); tests use a short one together with backdated jobs. */
  schedulerTickMs?: number;
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
}

export interface ServerSyncRuntime extends SyncRuntime {
  definitions: ReadonlyMap<string, ConnectorDefinition>;
  /** Disables connectors on auth failures and re-enables them on save (see connector-auth-guard.ts). */
  authGuard: ConnectorAuthGuard;
  /**
   * Opens the definition's Remote for a stored connector with the full {@link RemoteOpenEnv}
   * (`saveConfig` writes back through the vault). `component` names the user in logs ("smb-remote"
   * for sync runs, "smb-mount" for mounts).
   */
  openDefinitionRemote(connector: ConnectorRecord, o: { purpose: RemoteOpenEnv["purpose"]; signal: AbortSignal }): Promise<Remote>;
}

const runtimes = new WeakMap<AppContext, ServerSyncRuntime>();
const hooked = new WeakSet<ServerSyncRuntime>();

/**
 * The connector's service identity: owner/author of what it writes when no mapping applies and
 * the receiver of unmapped principals' permissions. It is the user who created the connector.
 */
export function serviceUserOf(connector: ConnectorRecord): string | null {
  return typeof connector.config.service_user_id === "string" ? connector.config.service_user_id : connector.created_by;
}

/**
 * Common sync flags that have their own `connectors` column. A definition opts in by declaring the
 * flag in its configSchema (so the API field exists for that type only); the generic routes then
 * store it in the column — the one source of truth — and never in `config`.
 */
export const COLUMN_SYNC_FLAGS = ["sync_versions"] as const;
export type ColumnSyncFlag = (typeof COLUMN_SYNC_FLAGS)[number];

/** The column flags `def` declares. */
export function columnFlagsOf(def: ConnectorDefinition): ColumnSyncFlag[] {
  return COLUMN_SYNC_FLAGS.filter((k) => k in (def.configSchema.properties as Record<string, unknown>));
}

/** What the definition's code sees: its opened config with the declared column flags filled from their columns. */
export function effectiveConfig(def: ConnectorDefinition, connector: ConnectorRecord, vault: Parameters<typeof openConfig>[2]): OpenConfig {
  const out = openConfig(def, connector, vault);
  for (const k of columnFlagsOf(def)) out[k] = connector[k];
  return out;
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
    throw errors.find(isJobLevel) ?? (errors.length === 1 ? errors[0] : new Error(errors.map((e) => (e as Error).message).join("; ")));
  };
  return {
    beforeRun: (c) => each((h) => h.beforeRun?.(c)),
    afterPull: (c, r, s) => each((h) => h.afterPull?.(c, r, s)),
    afterPush: (c, s, r) => each((h) => h.afterPush?.(c, s, r)),
  };
}

/** `SCAIDRIVE_SYNC_ORPHAN_AFTER_MS` as a positive integer, else undefined (the service's default). @throws Error on a malformed value, so a typo is not silently ignored. */
export function orphanAfterMsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SCAIDRIVE_SYNC_ORPHAN_AFTER_MS;
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`SCAIDRIVE_SYNC_ORPHAN_AFTER_MS must be a positive integer (milliseconds), got "${raw}"`);
  return n;
}

/** The runtime of `ctx`, created (with `options`) on first use. */
export function syncRuntimeOf(ctx: AppContext, options: ServerSyncOptions = {}): ServerSyncRuntime {
  const existing = runtimes.get(ctx);
  if (existing) return existing;
  let authGuard: ConnectorAuthGuard | undefined;
  const base = createSyncRuntime({
    onJobFinished: (job, connector) => authGuard?.onJobFinished(job, connector) ?? Promise.resolve(),
    db: ctx.db,
    nodes: ctx.nodes,
    logger: ctx.logger,
    serviceUserId: serviceUserOf,
    schedulerTickMs: options.schedulerTickMs,
    retry: options.retry,
    progressFlushMs: options.progressFlushMs,
    concurrency: options.concurrency,
    orphanAfterMs: options.orphanAfterMs ?? orphanAfterMsFromEnv(),
    maxConcurrentJobs: options.maxConcurrentJobs ?? ctx.config.maxConcurrentJobs,
  });
  const definitions = new Map<string, ConnectorDefinition>();
  authGuard = new ConnectorAuthGuard({
    connectors: base.stores.connectors,
    alerts: alertServiceFor(ctx.db, ctx.logger.child({ component: "alerts" })),
    definitions,
    logger: ctx.logger.child({ component: "connector-auth" }),
  });
  const openDefinitionRemote = (connector: ConnectorRecord, o: { purpose: RemoteOpenEnv["purpose"]; signal: AbortSignal }): Promise<Remote> => {
    const def = definitions.get(connector.type);
    if (!def) throw new AppError("INTERNAL", `no connector type "${connector.type}" is registered`);
    return def.openRemote(effectiveConfig(def, connector, ctx.vault), {
      logger: ctx.logger.child({ component: `${def.type}-${o.purpose === "mount" ? "mount" : "remote"}`, connectorId: connector.id }),
      signal: o.signal,
      network: ctx.config.connectorNetwork,
      connectorId: connector.id,
      purpose: o.purpose,
      saveConfig: saveConfigFor(def, connector.id, base.stores.connectors, ctx.vault),
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
        return chainHooks(acl, def.hooks(effectiveConfig(def, connector, ctx.vault), { connector, fileStates: base.stores.fileStates }));
      },
    });
  }
  const runtime: ServerSyncRuntime = { ...base, definitions, authGuard, openDefinitionRemote };
  runtimes.set(ctx, runtime);
  return runtime;
}

/** Creates (or finds) the runtime and ties its scheduler to the app's lifecycle, once. */
export function attachSyncRuntime(app: AppInstance, ctx: AppContext, options: ServerSyncOptions = {}): ServerSyncRuntime {
  const runtime = syncRuntimeOf(ctx, options);
  if (!hooked.has(runtime)) {
    hooked.add(runtime);
    app.addHook("onReady", async () => {
      await runtime.service.start();
    });
    app.addHook("onClose", async () => {
      await runtime.service.stop();
    });
  }
  return runtime;
}

/** A route module that only starts the engine (with options); mount it before connector routes. */
export function createSyncRuntimeModule(options: ServerSyncOptions = {}): RouteModule {
  return (app, ctx) => {
    attachSyncRuntime(app, ctx, options);
  };
}

export const syncRuntimeRoutes: RouteModule = createSyncRuntimeModule();
