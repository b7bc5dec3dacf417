/**
 * The one place connector jobs run: syncs, pushes and pulls are job *kinds* that hand the runner a
 * body; the runner owns everything around it.
 *
 * - **One active job per connector**: the job store's unique index admits one queued/running job
 *   per connector, across processes too; {@link JobRunner.submit} answers `undefined` when one is
 *   active (the caller decides between 409 and a `skipped` record).
 * - **A global limit** (`maxConcurrentJobs`): at most that many bodies run at once in this
 *   process; later jobs wait in FIFO order and stay `queued` (visible as such), their heartbeat
 *   kept fresh so other processes do not take them for orphans.
 * - **Cancel** aborts the job's signal whether it is waiting for a slot or running; a job that
 *   another process runs (or that nobody runs) is marked cancelled in the store, and its runner
 *   notices at its next heartbeat.
 * - **Progress and finishing**: the runner creates the job's {@link JobLog}, marks the job running
 *   when it gets a slot, and records the end — `completed`, `cancelled` (aborted), or `failed`
 *   with `{code, message}` — after `onJobFinished` has seen it.
 * - **Live events** (optional `events`): `job.state` when a job is queued, runs and ends (after its
 *   end is stored), and `job.progress` from the live counters, coalesced to at most one per job
 *   every `progressEventMs` while they change, plus one with the final counters.
 */
import type { Logger } from "pino";
import { AppError } from "../core/errors.js";
import type { SyncStores } from "../store/sync/sync-stores.js";
import type { ConnectorRecord } from "../store/sync/connector-store.js";
import type { JobTrigger, SyncJobRecord } from "../store/sync/sync-job-store.js";
import { JobLog } from "./job-log.js";
import { jobError } from "./sync-run.js";
import { JobSlots } from "./job-slots.js";
import type { ConnectorEventBus, JobProgressCounters, JobStateEvent } from "../core/connector-events.js";

export interface JobBodyContext {
  job: SyncJobRecord;
  connector: ConnectorRecord;
  log: JobLog;
  logger: Logger;
  signal: AbortSignal;
}

/** What a body reports when it returns (throwing means failed, or cancelled once aborted). */
export interface JobBodyResult {
  status: "completed" | "cancelled";
}

export type JobBody = (ctx: JobBodyContext) => Promise<JobBodyResult>;

export interface JobRunnerOptions {
  stores: SyncStores;
  logger: Logger;
  /** Bodies running at once in this process (default 4); the rest wait, queued. */
  maxConcurrentJobs?: number;
  /** How often live progress is written (default 1000 ms). */
  progressFlushMs?: number;
  /** How often queued jobs' heartbeats are refreshed and store-side cancels noticed (default 5000 ms). */
  heartbeatMs?: number;
  /**
   * Called once per job that ends (completed, failed, cancelled), with the job as it is about to
   * be recorded, before the end is stored: a client that sees the finished job also sees what the
   * callback did. A rejection is logged and never changes the job.
   */
  onJobFinished?: (job: SyncJobRecord, connector: ConnectorRecord) => Promise<void>;
  /** Where job state and progress events go (the live event stream); none: no events. */
  events?: Pick<ConnectorEventBus, "publish">;
  /** Least time between two progress events of one job (default 250 ms). */
  progressEventMs?: number;
}

const NO_COUNTERS: JobProgressCounters = {
  files_total: 0,
  bytes_total: 0,
  files_done: 0,
  bytes_done: 0,
  files_scanned: 0,
  files_synced: 0,
  bytes_transferred: 0,
  error_count: 0,
};

function progressOf(c: JobProgressCounters): JobProgressCounters {
  return {
    files_total: c.files_total,
    bytes_total: c.bytes_total,
    files_done: c.files_done,
    bytes_done: c.bytes_done,
    files_scanned: c.files_scanned,
    files_synced: c.files_synced,
    bytes_transferred: c.bytes_transferred,
    error_count: c.error_count,
  };
}

interface Active {
  connectorId: string;
  controller: AbortController;
  done: Promise<void>;
  running: boolean;
}

export class JobRunner {
  private readonly active = new Map<string, Active>();
  private readonly slots: JobSlots;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly o: JobRunnerOptions) {
    this.slots = new JobSlots(o.maxConcurrentJobs ?? 4);
    this.heartbeat = setInterval(() => void this.beat(), o.heartbeatMs ?? 5000);
    this.heartbeat.unref();
  }

  /**
   * Records a queued job for the connector and starts `body` once a slot is free. Returns
   * undefined when the connector already has a queued or running job.
   */
  async submit(
    connector: ConnectorRecord,
    trigger: JobTrigger,
    options: { full_sync: boolean; dry_run: boolean; force: boolean },
    body: JobBody,
  ): Promise<SyncJobRecord | undefined> {
    const job = await this.o.stores.jobs.createActive(connector.id, trigger, options);
    if (!job) return undefined;
    this.stateEvent(job, connector, "queued", NO_COUNTERS);
    const entry: Active = {
      connectorId: connector.id,
      controller: new AbortController(),
      done: Promise.resolve(),
      running: false,
    };
    this.active.set(job.id, entry);
    // run() records its own failures on the job; this catches the store failing while it does so
    // (e.g. the database closed under it), which would otherwise be an unhandled rejection.
    entry.done = this.run(job, connector, entry, body)
      .catch((err) =>
        this.o.logger.error({ connectorId: connector.id, jobId: job.id, err }, "could not record the end of a job"),
      )
      .finally(() => this.active.delete(job.id));
    return job;
  }

  /** Cancels a queued or running job; a finished job is returned unchanged. @throws NOT_FOUND */
  async cancel(connectorId: string, jobId: string): Promise<SyncJobRecord> {
    const job = await this.o.stores.jobs.get(jobId);
    if (!job || job.connector_id !== connectorId) throw new AppError("NOT_FOUND", `job ${jobId} not found`);
    const a = this.active.get(jobId);
    if (a) {
      a.controller.abort();
      await a.done;
    } else if (job.status === "queued" || job.status === "running") {
      // Owned by another process (it stops at its next heartbeat) or by none (an orphan).
      await this.o.stores.jobs.finish(jobId, "cancelled", {});
      const connector = await this.o.stores.connectors.get(connectorId);
      if (connector) this.stateEvent(job, connector, "cancelled", progressOf(job));
    }
    return (await this.o.stores.jobs.get(jobId))!;
  }

  /** Resolves when the job's run in this process has finished (immediately if none). */
  async waitForJob(jobId: string): Promise<SyncJobRecord | undefined> {
    await this.active.get(jobId)?.done;
    return this.o.stores.jobs.get(jobId);
  }

  /** Ids of the jobs this process holds, queued or running (spared by orphan sweeps). */
  activeJobIds(): string[] {
    return [...this.active.keys()];
  }

  /** Aborts every job of this process and waits for them to wind down (server shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    const all = [...this.active.values()];
    for (const a of all) a.controller.abort();
    await Promise.all(all.map((a) => a.done));
  }

  private async run(job: SyncJobRecord, connector: ConnectorRecord, entry: Active, body: JobBody): Promise<void> {
    const logger = this.o.logger.child({ connectorId: connector.id, jobId: job.id, trigger: job.trigger });
    const jobs = this.o.stores.jobs;
    const signal = entry.controller.signal;
    const log = new JobLog(jobs, job.id, logger, this.o.progressFlushMs ?? 1000);
    let release: (() => void) | undefined;
    let stopProgress = () => {};
    try {
      release = await this.slots.acquire(signal);
      if (!release) {
        await this.finish(job, connector, "cancelled", log, logger);
        return;
      }
      entry.running = true;
      await jobs.markRunning(job.id);
      this.stateEvent(job, connector, "running", log.counters);
      log.start();
      stopProgress = this.progressEvents(job, connector, log);
      const result = await body({ job, connector, log, logger, signal });
      stopProgress();
      await log.stop();
      await this.finish(job, connector, result.status, log, logger);
      logger.info({ status: result.status, ...log.counters }, "job finished");
    } catch (err) {
      stopProgress();
      await log.stop();
      const e = signal.aborted && !(err instanceof AppError) ? undefined : jobError(err);
      if (!e) {
        await this.finish(job, connector, "cancelled", log, logger);
      } else {
        await this.finish(job, connector, "failed", log, logger, { code: e.code, message: e.message });
        logger.warn({ code: e.code, err: e.message }, "job failed");
      }
    } finally {
      release?.();
    }
  }

  private async finish(
    job: SyncJobRecord,
    connector: ConnectorRecord,
    status: "completed" | "failed" | "cancelled",
    log: JobLog,
    logger: Logger,
    error?: { code: string; message: string },
  ): Promise<void> {
    if (this.o.onJobFinished) {
      try {
        await this.o.onJobFinished({ ...job, status, error: error ?? null }, connector);
      } catch (err) {
        logger.error({ err }, "onJobFinished failed");
      }
    }
    await this.o.stores.jobs.finish(job.id, status, log.counters, error);
    this.stateEvent(job, connector, status, log.counters, error);
  }

  /**
   * Aborts the job if this process holds it, without touching the store: for a cancel that another
   * node has already recorded, whose `job.state` event reached this node (cancel-relay.ts): the
   * job stops at once rather than at the next heartbeat. Returns whether this process held it.
   */
  abortLocal(jobId: string): boolean {
    const a = this.active.get(jobId);
    a?.controller.abort();
    return a !== undefined;
  }

  private stateEvent(
    job: SyncJobRecord,
    connector: ConnectorRecord,
    status: JobStateEvent["status"],
    counters: JobProgressCounters,
    error?: { code: string; message: string },
  ): void {
    this.o.events?.publish({
      type: "job.state",
      connector_id: connector.id,
      connector_type: connector.type,
      job_id: job.id,
      status,
      trigger: job.trigger,
      error: error ?? null,
      ...progressOf(counters),
    });
  }

  /**
   * Samples the live counters every `progressEventMs` and publishes them when they changed: the
   * engine bumps counters per file, so sampling coalesces thousands of changes into a few events a
   * second. The returned stop function publishes the final counters once.
   */
  private progressEvents(job: SyncJobRecord, connector: ConnectorRecord, log: JobLog): () => void {
    const events = this.o.events;
    if (!events) return () => {};
    let last = "";
    const emit = (force: boolean) => {
      const counters = progressOf(log.counters);
      const key = JSON.stringify(counters);
      if (!force && key === last) return;
      last = key;
      events.publish({
        type: "job.progress",
        connector_id: connector.id,
        connector_type: connector.type,
        job_id: job.id,
        ...counters,
      });
    };
    const timer = setInterval(() => emit(false), this.o.progressEventMs ?? 250);
    timer.unref();
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      emit(true);
    };
  }

  /**
   * Keeps queued jobs' heartbeats fresh (a running job's JobLog does that with its progress) and
   * aborts jobs that were marked cancelled in the store by another process.
   */
  private async beat(): Promise<void> {
    const ids = [...this.active.keys()];
    if (ids.length === 0) return;
    try {
      const queued = ids.filter((id) => !this.active.get(id)?.running);
      if (queued.length > 0) await this.o.stores.jobs.touch(queued);
      for (const id of await this.o.stores.jobs.cancelledAmong(ids)) this.active.get(id)?.controller.abort();
    } catch (err) {
      this.o.logger.warn({ err }, "job heartbeat failed; retrying");
    }
  }
}
