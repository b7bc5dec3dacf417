/**
 * Starts one-shot push/pull jobs: `POST /{type}-connectors/{id}/push|pull`. A job is an ordinary
 * sync job (same table, shape and list; `trigger: "push" | "pull"`), so the one-active-job-per-
 * connector guard applies: a push while a sync (or another push) runs is refused with
 * SYNC_ALREADY_RUNNING. The run itself is {@link runPushPull}.
 *
 * Cancellation: jobs started here are cancelled through {@link PushPullService.cancel}; the sync
 * service's cancel route marks a job it does not run as cancelled in the store, which this run
 * notices at its next file and stops.
 */
import type { Logger } from "pino";
import { AppError } from "../core/errors.js";
import type { SyncStores } from "../store/sync/sync-stores.js";
import type { ConnectorRecord } from "../store/sync/connector-store.js";
import type { SyncJobRecord } from "../store/sync/sync-job-store.js";
import type { Remote } from "./remote.js";
import { normalizeRelPath } from "./remote.js";
import { JobLog } from "./job-log.js";
import { jobError } from "./sync-run.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "./retry-policy.js";
import { runPushPull, type AfterCopy } from "./push-pull-run.js";

export type PushPullMode = "push" | "pull";

export interface PushPullServiceOptions {
  stores: SyncStores;
  /** Opens the connector's remote (the engine's connector type registry). */
  openRemote(connector: ConnectorRecord, signal: AbortSignal): Promise<Remote>;
  /** The ScaiDrive side (the connector's target share subtree). */
  openScaidrive(connector: ConnectorRecord): Promise<Remote>;
  logger: Logger;
  retry?: RetryPolicy;
  progressFlushMs?: number;
  /** As `SyncServiceOptions.onJobFinished`: called before a job's end is recorded; a rejection is logged only. */
  onJobFinished?: (job: SyncJobRecord, connector: ConnectorRecord) => Promise<void>;
}

export class PushPullService {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(private readonly o: PushPullServiceOptions) {}

  /**
   * Queues the job and starts it. @throws NOT_FOUND, CONFLICT (connector disabled),
   * SYNC_ALREADY_RUNNING (a job of the connector is queued or running), VALIDATION_FAILED (path).
   */
  async start(connectorId: string, mode: PushPullMode, req: { afterCopy: AfterCopy; path?: string }): Promise<SyncJobRecord> {
    let root: string;
    try {
      root = normalizeRelPath(req.path ?? "");
    } catch {
      throw new AppError("VALIDATION_FAILED", "path must not contain '..'", { field: "path" });
    }
    const connector = await this.o.stores.connectors.require(connectorId);
    if (connector.status === "disabled") throw new AppError("CONFLICT", `connector ${connectorId} is disabled`, { status_reason: connector.status_reason });
    const job = await this.o.stores.jobs.createActive(connectorId, mode, { full_sync: false, dry_run: false, force: false });
    if (!job) {
      const active = await this.o.stores.jobs.active(connectorId);
      throw new AppError("SYNC_ALREADY_RUNNING", `a job of connector ${connectorId} is already ${active?.status ?? "running"}`, { job_id: active?.id });
    }
    const controller = new AbortController();
    const entry = { controller, done: Promise.resolve() };
    this.running.set(job.id, entry);
    entry.done = this.execute(job, connector, mode, req.afterCopy, root, controller.signal).finally(() => this.running.delete(job.id));
    return job;
  }

  /** Resolves when the job's run in this process has finished. */
  async waitForJob(jobId: string): Promise<SyncJobRecord | undefined> {
    await this.running.get(jobId)?.done;
    return this.o.stores.jobs.get(jobId);
  }

  /** Cancels every running job and waits for them (server shutdown). */
  async stop(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort();
    await Promise.all(all.map((r) => r.done));
  }

  private async notifyFinished(job: SyncJobRecord, connector: ConnectorRecord, status: "completed" | "failed" | "cancelled", logger: Logger, error?: { code: string; message: string }): Promise<void> {
    if (!this.o.onJobFinished) return;
    try {
      await this.o.onJobFinished({ ...job, status, error: error ?? null }, connector);
    } catch (err) {
      logger.error({ err }, "onJobFinished failed");
    }
  }

  private async execute(job: SyncJobRecord, connector: ConnectorRecord, mode: PushPullMode, afterCopy: AfterCopy, root: string, signal: AbortSignal): Promise<void> {
    const logger = this.o.logger.child({ connectorId: connector.id, jobId: job.id, mode, afterCopy });
    const jobs = this.o.stores.jobs;
    const log = new JobLog(jobs, job.id, logger, this.o.progressFlushMs ?? 1000);
    let remote: Remote | undefined;
    let scaidrive: Remote | undefined;
    // A cancel through the sync routes only marks the job; notice it between files.
    const watch = setInterval(() => {
      void jobs.get(job.id).then((j) => {
        if (j?.status === "cancelled") this.running.get(job.id)?.controller.abort();
      }, () => {});
    }, 500);
    watch.unref();
    try {
      await jobs.markRunning(job.id);
      log.start();
      remote = await withRetry(() => this.o.openRemote(connector, signal), this.o.retry ?? DEFAULT_RETRY, signal);
      scaidrive = await this.o.openScaidrive(connector);
      await runPushPull({
        action: mode,
        source: mode === "push" ? scaidrive : remote,
        dest: mode === "push" ? remote : scaidrive,
        root,
        afterCopy,
        log,
        logger,
        signal,
      });
      await log.stop();
      await this.notifyFinished(job, connector, "completed", logger);
      await jobs.finish(job.id, "completed", log.counters);
      logger.info({ ...log.counters }, `${mode} finished`);
    } catch (err) {
      await log.stop();
      if (signal.aborted && !(err instanceof AppError)) {
        await this.notifyFinished(job, connector, "cancelled", logger);
        await jobs.finish(job.id, "cancelled", log.counters);
      } else {
        const e = jobError(err);
        await this.notifyFinished(job, connector, "failed", logger, { code: e.code, message: e.message });
        await jobs.finish(job.id, "failed", log.counters, { code: e.code, message: e.message });
        logger.warn({ code: e.code, err: e.message }, `${mode} failed`);
      }
    } finally {
      clearInterval(watch);
      await remote?.close().catch(() => {});
      await scaidrive?.close().catch(() => {});
    }
  }
}
