/**
 * Jobs and the schedule for every connector: `requestSync` queues a run and starts it in this
 * process; `cancel` stops one; a timer starts scheduled runs on each connector's
 * `sync_interval_minutes` cadence (0 disables).
 *
 * Never two runs of one connector at once: the job store's unique index admits one queued/running
 * job per connector (across processes too). A manual request while one is active is refused with
 * `SYNC_ALREADY_RUNNING` (409, `details.job_id` names the active job); a scheduled run that falls
 * due meanwhile is recorded as a `skipped` job with the reason, and the cadence continues from it.
 *
 * The schedule survives restarts because it is derived from the jobs table: the next run is due
 * `interval` after the newest job of the connector (any status, skipped included; a connector
 * that never ran is due `interval` after its creation). Jobs left queued/running by a process
 * that died (heartbeat older than `orphanAfterMs`) are marked failed at `start()` and on every
 * tick — at `start()` with embedded SQLite (one process per database) every queued/running job,
 * so a restart after a crash accepts a sync at once; the next run resumes from the committed
 * file-states.
 */
import type { Logger } from "pino";
import { AppError } from "../core/errors.js";
import type { SyncStores } from "../store/sync/sync-stores.js";
import type { ConnectorRecord } from "../store/sync/connector-store.js";
import type { JobTrigger, SyncJobRecord } from "../store/sync/sync-job-store.js";
import type { Remote } from "./remote.js";
import { ConnectorTypeRegistry } from "./connector-types.js";
import { JobLog } from "./job-log.js";
import { jobError, runSync, type PlanItem } from "./sync-run.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "./retry-policy.js";
import { normalizeConflict, normalizeDirection } from "./sync-options.js";

export interface SyncServiceOptions {
  stores: SyncStores;
  types: ConnectorTypeRegistry;
  /** Opens the ScaiDrive side of a connector (the target share subtree; created if missing). */
  openScaidrive(connector: ConnectorRecord): Promise<Remote>;
  logger: Logger;
  /** Parallel transfers of large files (above 1 MiB) per run (default 4). */
  concurrency?: number;
  /** Parallel items per run in all, small files included (default 4 × `concurrency`, 16). */
  smallConcurrency?: number;
  retry?: RetryPolicy;
  /** How often live progress is written (default 1000 ms). */
  progressFlushMs?: number;
  /** How often the scheduler looks for due connectors (default 30 s). */
  schedulerTickMs?: number;
  /**
   * A queued/running job whose heartbeat (`updated_at`, refreshed with progress every
   * `progressFlushMs`) is older than this belongs to a dead process and is marked failed
   * (default 60 s), at start and on every scheduler tick.
   */
  orphanAfterMs?: number;
  /** Test hook: called after each finished plan action of a run. */
  onActionDone?: (jobId: string, done: number) => void;
  /**
   * Called once per run that ends (completed, failed, cancelled), with the job as it is about to
   * be recorded, before the end is stored: a client that sees the finished job also sees what the
   * callback did (the server disables a connector after CONNECTOR_AUTH_FAILED). A rejection is
   * logged and never changes the job.
   */
  onJobFinished?: (job: SyncJobRecord, connector: ConnectorRecord) => Promise<void>;
}

export interface SyncRequest {
  fullSync?: boolean;
  dryRun?: boolean;
  force?: boolean;
  trigger?: JobTrigger;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
  planItems?: PlanItem[];
}

export class SyncService {
  private readonly running = new Map<string, Running>();
  private readonly dryRunPlans = new Map<string, PlanItem[]>();
  private timer?: NodeJS.Timeout;
  /** The scheduler pass in progress, if any: `stop()` waits for it. */
  private pass?: Promise<void>;
  private stopped = false;

  constructor(private readonly o: SyncServiceOptions) {}

  /**
   * Marks orphaned jobs failed and starts the scheduler. With a single-process store (embedded
   * SQLite) every queued/running job not run by this service is an orphan of a dead process and
   * is failed at once, heartbeat or not; with a shared store (PostgreSQL) only stale ones are.
   */
  async start(): Promise<void> {
    await this.sweepOrphans(this.o.stores.jobs.singleProcess);
    this.stopped = false;
    const tick = this.o.schedulerTickMs ?? 30_000;
    this.timer = setInterval(() => void this.scheduledPass(), tick);
    this.timer.unref();
    void this.scheduledPass();
  }

  /**
   * A timer-driven pass. Never rejects: a failing pass (database closed or unreachable mid-pass)
   * is logged and the next tick tries again.
   */
  private async scheduledPass(): Promise<void> {
    try {
      await this.tick();
    } catch (err) {
      if (this.stopped) this.o.logger.debug({ err }, "scheduler pass ended by shutdown");
      else this.o.logger.error({ err }, "scheduler pass failed; retrying on the next tick");
    }
  }

  /**
   * Stops the scheduler, waits for a scheduler pass in progress (its failure is not rethrown),
   * then cancels running jobs — including any the pass just started — and waits for them to wind
   * down.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.pass?.catch(() => undefined);
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort();
    await Promise.all(all.map((r) => r.done));
  }

  /**
   * Queues a run and starts it. Manual: throws SYNC_ALREADY_RUNNING if one is queued or running,
   * NOT_FOUND for an unknown connector, CONFLICT for a disabled one. Scheduled: records and returns
   * a `skipped` job in those cases instead.
   */
  async requestSync(connectorId: string, req: SyncRequest = {}): Promise<SyncJobRecord> {
    const trigger = req.trigger ?? "manual";
    const connector = await this.o.stores.connectors.require(connectorId);
    if (connector.status === "disabled") {
      if (trigger === "scheduled") return this.o.stores.jobs.createSkipped(connectorId, trigger, `connector disabled: ${connector.status_reason ?? "no reason given"}`);
      throw new AppError("CONFLICT", `connector ${connectorId} is disabled`, { status_reason: connector.status_reason });
    }
    if (this.stopped) throw new AppError("CONFLICT", "the sync service is shutting down");
    const options = { full_sync: !!req.fullSync, dry_run: !!req.dryRun, force: !!req.force };
    const job = await this.o.stores.jobs.createActive(connectorId, trigger, options);
    if (!job) {
      const active = await this.o.stores.jobs.active(connectorId);
      if (trigger === "scheduled") {
        return this.o.stores.jobs.createSkipped(connectorId, trigger, `a run is already in progress (${active?.id ?? "unknown job"})`);
      }
      throw new AppError("SYNC_ALREADY_RUNNING", `a sync of connector ${connectorId} is already ${active?.status ?? "running"}`, { job_id: active?.id });
    }
    const controller = new AbortController();
    const entry: Running = { controller, done: Promise.resolve() };
    this.running.set(job.id, entry);
    // execute() records its own failures on the job; this catches the store failing while it
    // does so (e.g. the database closed under it), which would otherwise be an unhandled rejection.
    entry.done = this.execute(job, connector, controller.signal)
      .catch((err) => this.o.logger.error({ connectorId, jobId: job.id, err }, "could not record the end of a sync job"))
      .finally(() => this.running.delete(job.id));
    return job;
  }

  /** Cancels a queued or running job; a finished job is returned unchanged. Throws NOT_FOUND. */
  async cancel(connectorId: string, jobId: string): Promise<SyncJobRecord> {
    const job = await this.o.stores.jobs.get(jobId);
    if (!job || job.connector_id !== connectorId) throw new AppError("NOT_FOUND", `job ${jobId} not found`);
    const r = this.running.get(jobId);
    if (r) {
      r.controller.abort();
      await r.done;
    } else if (job.status === "queued" || job.status === "running") {
      // Owned by no live run here (another process, or an orphan): mark it cancelled.
      await this.o.stores.jobs.finish(jobId, "cancelled", {});
    }
    return (await this.o.stores.jobs.get(jobId))!;
  }

  /** Resolves when the job's run in this process has finished (immediately if none). */
  async waitForJob(jobId: string): Promise<SyncJobRecord | undefined> {
    await this.running.get(jobId)?.done;
    return this.o.stores.jobs.get(jobId);
  }

  /** The plan of a finished dry run started by this process (also in the job's log as `planned` entries). */
  dryRunPlan(jobId: string): PlanItem[] | undefined {
    return this.dryRunPlans.get(jobId);
  }

  /**
   * Fails jobs whose process died (stale heartbeat), so their connectors can run again;
   * `everyInactive` fails every queued/running job this service is not running, fresh or stale.
   */
  async sweepOrphans(everyInactive = false): Promise<number> {
    const staleBefore = everyInactive ? undefined : new Date(Date.now() - (this.o.orphanAfterMs ?? 60_000)).toISOString();
    const n = await this.o.stores.jobs.failOrphans(
      { code: "INTERNAL", message: "interrupted: the process running it stopped; the next run resumes" },
      { staleBefore, exclude: [...this.running.keys()] },
    );
    if (n > 0) this.o.logger.warn({ jobs: n }, "marked interrupted sync jobs as failed");
    return n;
  }

  /**
   * One scheduler pass: fails orphaned jobs, then starts (or records as skipped) every run that is
   * due. A pass already in progress is joined rather than doubled; after `stop()` nothing happens.
   * Rejects if the stores fail (the timer's caller logs it); starting one connector's run failing
   * is logged and the pass goes on.
   */
  tick(now = Date.now()): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.pass) return this.pass;
    const pass = this.runPass(now).finally(() => {
      if (this.pass === pass) this.pass = undefined;
    });
    this.pass = pass;
    return pass;
  }

  private async runPass(now: number): Promise<void> {
    await this.sweepOrphans();
    let after: string | undefined;
    for (;;) {
      const page = await this.o.stores.connectors.list({ after, limit: 200 });
      if (page.length === 0) break;
      for (const c of page) {
        if (this.stopped) return;
        if (c.sync_interval_minutes <= 0 || c.status !== "enabled") continue;
        const newest = (await this.o.stores.jobs.list(c.id, { limit: 1 }))[0];
        const anchor = Date.parse(newest?.created_at ?? c.created_at);
        if (anchor + c.sync_interval_minutes * 60_000 > now) continue;
        try {
          const job = await this.requestSync(c.id, { trigger: "scheduled" });
          this.o.logger.info({ connectorId: c.id, jobId: job.id, status: job.status }, "scheduled sync");
        } catch (err) {
          this.o.logger.error({ connectorId: c.id, err }, "could not start a scheduled sync");
        }
      }
      after = page[page.length - 1]!.id;
    }
  }

  private async notifyFinished(job: SyncJobRecord, connector: ConnectorRecord, status: "completed" | "failed" | "cancelled", logger: Logger, error?: { code: string; message: string }): Promise<void> {
    if (!this.o.onJobFinished) return;
    try {
      await this.o.onJobFinished({ ...job, status, error: error ?? null }, connector);
    } catch (err) {
      logger.error({ err }, "onJobFinished failed");
    }
  }

  private async execute(job: SyncJobRecord, connector: ConnectorRecord, signal: AbortSignal): Promise<void> {
    const logger = this.o.logger.child({ connectorId: connector.id, jobId: job.id });
    const jobs = this.o.stores.jobs;
    const log = new JobLog(jobs, job.id, logger, this.o.progressFlushMs ?? 1000);
    const retry = this.o.retry ?? DEFAULT_RETRY;
    let remote: Remote | undefined;
    let scaidrive: Remote | undefined;
    try {
      await jobs.markRunning(job.id);
      log.start();
      const type = this.o.types.get(connector.type);
      if (!type) throw new AppError("INTERNAL", `no connector type "${connector.type}" is registered`);
      remote = await withRetry(() => type.openRemote(connector, signal), retry, signal);
      scaidrive = await this.o.openScaidrive(connector);
      const hooks = type.hooks ? await type.hooks(connector) : undefined;
      const result = await runSync({
        connectorId: connector.id,
        remote,
        scaidrive,
        settings: {
          direction: normalizeDirection(connector.sync_direction, type.remoteName),
          conflict: normalizeConflict(connector.conflict_resolution, type.remoteName),
          filter: connector,
          maxDeletePercent: connector.max_delete_percent,
        },
        options: { fullSync: job.options.full_sync, dryRun: job.options.dry_run, force: job.options.force },
        stores: this.o.stores,
        log,
        logger,
        signal,
        concurrency: this.o.concurrency,
        smallConcurrency: this.o.smallConcurrency,
        retry,
        hooks,
        onActionDone: this.o.onActionDone ? (n) => this.o.onActionDone!(job.id, n) : undefined,
      });
      if (result.planItems) this.dryRunPlans.set(job.id, result.planItems);
      await log.stop();
      await this.notifyFinished(job, connector, result.status, logger);
      await jobs.finish(job.id, result.status, log.counters);
      logger.info({ status: result.status, ...log.counters }, "sync finished");
    } catch (err) {
      await log.stop();
      const e = signal.aborted && !(err instanceof AppError) ? undefined : jobError(err);
      if (!e) {
        await this.notifyFinished(job, connector, "cancelled", logger);
        await jobs.finish(job.id, "cancelled", log.counters);
      } else {
        await this.notifyFinished(job, connector, "failed", logger, { code: e.code, message: e.message });
        await jobs.finish(job.id, "failed", log.counters, { code: e.code, message: e.message });
        logger.warn({ code: e.code, err: e.message }, "sync failed");
      }
    } finally {
      await remote?.close().catch(() => {});
      await scaidrive?.close().catch(() => {});
    }
  }
}
