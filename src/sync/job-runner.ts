/**
 * The one place connector jobs run: syncs, pushes and pulls are job *kinds* whose bodies the
 * runner rebuilds from the stored job (its trigger, options and params) on whichever node claims
 * it; the runner owns everything around the body.
 *
 * - **One active job per connector**: the job store's unique index admits one queued/running job
 *   per connector, across processes too; {@link JobRunner.submit} answers `undefined` when one is
 *   active (the caller decides between 409 and a `skipped` record).
 * - **Claiming** (several nodes on one database): a submitted job is stored `queued` and
 *   unclaimed. A runner that runs jobs (`runsJobs`, the `all` and `worker` roles) claims its own
 *   job directly when it has a free slot, and otherwise claims the oldest waiting job of any node
 *   whenever a slot frees, on {@link JobRunner.wake}, and every `claimIntervalMs` once started.
 *   Claiming makes the job `running` with `claimed_by` = this node's id in one statement (`FOR
 *   UPDATE SKIP LOCKED` on PostgreSQL), so exactly one node runs it. A runner that does not run
 *   jobs (the `api` role) only records them.
 * - **A global limit** (`maxConcurrentJobs`): at most that many bodies run at once in this
 *   process; a node never claims more. Waiting jobs stay `queued` (visible as such) in the store.
 * - **Shutdown** (`stop`) aborts this process's jobs. With a single-process store they end
 *   `cancelled`; with a shared store (several nodes) they end `failed` with {@link INTERRUPTED},
 *   like an orphan, so a scheduled connector runs again at once on another node (a rolling
 *   restart does not cost a whole interval).
 * - **Cancel** aborts a job this process runs; a job another node runs is marked cancelled in the
 *   store, and that node aborts it when the `cancelled` event reaches it ({@link abortLocal}), else
 *   at its next heartbeat; a queued job is cancelled in the store and never claimed.
 * - **Heartbeat** (`heartbeatMs`): the runner refreshes `updated_at` of the jobs it runs and
 *   aborts those that ended in the store meanwhile (cancelled by another node, or failed as
 *   orphans by another node after a stalled heartbeat) — a node never keeps running a job the
 *   cluster considers over.
 * - **Progress and finishing**: the runner creates the job's {@link JobLog} and records the end —
 *   `completed`, `cancelled` (aborted), or `failed` with `{code, message}` — after
 *   `onJobFinished` has seen it.
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
import { newNodeId } from "./node-id.js";
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

/**
 * How a job whose node went away is recorded: failed as an orphan by another node, or — with a
 * shared store — stopped by its own node's shutdown. The scheduler runs such a connector again at
 * once, and the next run resumes from the committed file-states.
 */
export const INTERRUPTED = {
  code: "INTERNAL",
  message: "interrupted: the process running it stopped; the next run resumes",
} as const;

/** Rebuilds a job kind's body from the stored job (trigger, options, params) on the claiming node. */
export type JobBodyBuilder = (job: SyncJobRecord) => JobBody;

export interface JobRunnerOptions {
  stores: SyncStores;
  logger: Logger;
  /** Bodies running at once in this process (default 4); the rest wait, queued. */
  maxConcurrentJobs?: number;
  /** How often live progress is written (default 1000 ms). */
  progressFlushMs?: number;
  /**
   * How often the heartbeats of this process's jobs are refreshed and jobs ended in the store by
   * another node (cancel, orphan) are noticed (default 5000 ms; keep well below the orphan age).
   */
  heartbeatMs?: number;
  /** This node's id, stored as `claimed_by` of the jobs it claims (default: a random one). */
  nodeId?: string;
  /** Whether this node claims and runs jobs (default true; false for the `api` role). */
  runsJobs?: boolean;
  /** How often a started runner looks for jobs to claim besides {@link JobRunner.wake} (default 1000 ms). */
  claimIntervalMs?: number;
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
}

export class JobRunner {
  /** This node's id: `claimed_by` of the jobs it runs. */
  readonly nodeId: string;
  /** Whether this node claims and runs jobs. */
  readonly runsJobs: boolean;
  private readonly active = new Map<string, Active>();
  private readonly slots: JobSlots;
  private readonly kinds = new Map<JobTrigger, JobBodyBuilder>();
  private readonly heartbeat: NodeJS.Timeout;
  private claimTimer?: NodeJS.Timeout;
  private claiming?: Promise<void>;
  private claimAgain = false;
  private stopped = false;

  constructor(private readonly o: JobRunnerOptions) {
    this.nodeId = o.nodeId ?? newNodeId();
    this.runsJobs = o.runsJobs ?? true;
    this.slots = new JobSlots(o.maxConcurrentJobs ?? 4);
    this.heartbeat = setInterval(() => void this.beat(), o.heartbeatMs ?? 5000);
    this.heartbeat.unref();
  }

  /** Registers how jobs with these triggers are run (sync: manual/scheduled; push; pull). */
  registerKind(triggers: readonly JobTrigger[], build: JobBodyBuilder): void {
    for (const t of triggers) this.kinds.set(t, build);
  }

  /**
   * Starts claiming waiting jobs every `claimIntervalMs` (jobs of other nodes, and those this node
   * queued while its slots were full). Nothing happens for a runner that does not run jobs.
   */
  start(): void {
    if (!this.runsJobs || this.claimTimer || this.stopped) return;
    // A single-process store (embedded SQLite) only holds jobs this process queued: submitting and
    // freed slots wake the claiming, so there is nothing to poll for.
    if (!this.o.stores.jobs.singleProcess) {
      this.claimTimer = setInterval(() => this.wake(), this.o.claimIntervalMs ?? 1000);
      this.claimTimer.unref();
    }
    this.wake();
  }

  /**
   * Looks for waiting jobs to claim now, as far as slots are free. Called when a slot frees and by
   * the claim timer; a cross-node notification (a job was queued elsewhere) may call it too so
   * workers do not wait for the next timer tick. Never rejects; a pass in progress runs once more.
   */
  wake(): void {
    if (!this.runsJobs || this.stopped) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = this.claimWaiting()
      .catch((err: unknown) => this.o.logger.warn({ err }, "claiming jobs failed; retrying"))
      .finally(() => {
        this.claiming = undefined;
        if (this.claimAgain) {
          this.claimAgain = false;
          this.wake();
        }
      });
  }

  /**
   * Records a queued job for the connector (with the kind's `params`, which the claiming node
   * rebuilds the body from) and, on a node that runs jobs with a slot free, claims and starts it
   * at once. Returns the queued job, or undefined when the connector already has a queued or
   * running job.
   */
  async submit(
    connector: ConnectorRecord,
    trigger: JobTrigger,
    options: { full_sync: boolean; dry_run: boolean; force: boolean },
    params?: Record<string, unknown>,
  ): Promise<SyncJobRecord | undefined> {
    const job = await this.o.stores.jobs.createActive(connector.id, trigger, options, params);
    if (!job) return undefined;
    const release = this.runsJobs && !this.stopped ? this.slots.tryAcquire() : undefined;
    let claimed: SyncJobRecord | undefined;
    if (release) {
      try {
        claimed = await this.o.stores.jobs.claim(job.id, this.nodeId);
      } catch (err) {
        release();
        throw err;
      }
    }
    // Announced after the direct claim: the event wakes other nodes' claimers (job-signal-relay.ts),
    // which must not take a job this node has a slot for.
    this.stateEvent(job, connector, "queued", NO_COUNTERS);
    if (claimed) this.launch(claimed, connector, release!);
    else if (release) release();
    else this.wake();
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
      // Waiting for a node (never claimed now), run by another node (it stops at its next
      // heartbeat) or by none (an orphan).
      await this.o.stores.jobs.finish(jobId, "cancelled", {});
      const connector = await this.o.stores.connectors.get(connectorId);
      if (connector) this.stateEvent(job, connector, "cancelled", progressOf(job));
    }
    return (await this.o.stores.jobs.get(jobId))!;
  }

  /**
   * Resolves when the job has ended (immediately if it has): at once when this process runs it,
   * else by looking at the store every `pollMs` (another node runs it or is yet to claim it).
   * Resolves with the job as stored when this runner stops first.
   */
  async waitForJob(jobId: string, pollMs = 100): Promise<SyncJobRecord | undefined> {
    for (;;) {
      await this.active.get(jobId)?.done;
      const job = await this.o.stores.jobs.get(jobId);
      if (!job || (job.status !== "queued" && job.status !== "running") || this.stopped) return job;
      if (this.active.has(jobId)) continue;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Ids of the jobs this process runs (spared by orphan sweeps). */
  activeJobIds(): string[] {
    return [...this.active.keys()];
  }

  /** Stops claiming, aborts every job of this process and waits for them to wind down (shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    if (this.claimTimer) clearInterval(this.claimTimer);
    this.claimTimer = undefined;
    await this.claiming;
    const all = [...this.active.values()];
    for (const a of all) a.controller.abort();
    await Promise.all(all.map((a) => a.done));
  }

  /** Claims waiting jobs while slots are free. */
  private async claimWaiting(): Promise<void> {
    while (!this.stopped) {
      const release = this.slots.tryAcquire();
      if (!release) return;
      let job: SyncJobRecord | undefined;
      let connector: ConnectorRecord | undefined;
      try {
        job = await this.o.stores.jobs.claimNext(this.nodeId);
        if (job) connector = await this.o.stores.connectors.get(job.connector_id);
      } catch (err) {
        release();
        throw err;
      }
      if (!job) {
        release();
        return;
      }
      if (!connector) {
        // Deleted between queueing and claiming (its jobs go with it; this is the race's tail).
        release();
        await this.o.stores.jobs.finish(job.id, "failed", {}, { code: "NOT_FOUND", message: "connector deleted" });
        continue;
      }
      this.o.logger.debug({ connectorId: connector.id, jobId: job.id, node_id: this.nodeId }, "job claimed");
      this.launch(job, connector, release);
    }
  }

  /** Runs a job this node has claimed in the slot `release` frees. */
  private launch(job: SyncJobRecord, connector: ConnectorRecord, release: () => void): void {
    const entry: Active = { connectorId: connector.id, controller: new AbortController(), done: Promise.resolve() };
    this.active.set(job.id, entry);
    // run() records its own failures on the job; this catches the store failing while it does so
    // (e.g. the database closed under it), which would otherwise be an unhandled rejection.
    entry.done = this.run(job, connector, entry)
      .catch((err) =>
        this.o.logger.error({ connectorId: connector.id, jobId: job.id, err }, "could not record the end of a job"),
      )
      .finally(() => {
        this.active.delete(job.id);
        release();
        // The slot is free: a job waiting for one (here or queued by another node) may run now.
        this.wake();
      });
  }

  private async run(job: SyncJobRecord, connector: ConnectorRecord, entry: Active): Promise<void> {
    const logger = this.o.logger.child({ connectorId: connector.id, jobId: job.id, trigger: job.trigger });
    const signal = entry.controller.signal;
    const log = new JobLog(this.o.stores.jobs, job.id, logger, this.o.progressFlushMs ?? 1000);
    let stopProgress = () => {};
    try {
      const build = this.kinds.get(job.trigger);
      if (!build) throw new AppError("INTERNAL", `no job kind is registered for trigger "${job.trigger}"`);
      const body = build(job);
      this.stateEvent(job, connector, "running", log.counters);
      log.start();
      stopProgress = this.progressEvents(job, connector, log);
      const result = await body({ job, connector, log, logger, signal });
      stopProgress();
      await log.stop();
      if (result.status === "cancelled") await this.finishAborted(job, connector, log, logger);
      else await this.finish(job, connector, result.status, log, logger);
      logger.info({ status: result.status, node_id: this.nodeId, ...log.counters }, "job finished");
    } catch (err) {
      stopProgress();
      await log.stop();
      const e = signal.aborted && !(err instanceof AppError) ? undefined : jobError(err);
      if (!e) {
        await this.finishAborted(job, connector, log, logger);
      } else {
        await this.finish(job, connector, "failed", log, logger, { code: e.code, message: e.message });
        logger.warn({ code: e.code, err: e.message }, "job failed");
      }
    }
  }

  /**
   * Records a job whose body stopped on its abort signal: `cancelled`, unless this node is shutting
   * down with a shared store — then `failed` with {@link INTERRUPTED}, like an orphan, so another
   * node runs a scheduled connector again at once.
   */
  private async finishAborted(job: SyncJobRecord, connector: ConnectorRecord, log: JobLog, logger: Logger) {
    if (this.stopped && !this.o.stores.jobs.singleProcess) {
      await this.finish(job, connector, "failed", log, logger, { ...INTERRUPTED });
      logger.warn({ node_id: this.nodeId }, "job interrupted by shutdown; the next run resumes");
    } else {
      await this.finish(job, connector, "cancelled", log, logger);
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
   * node has already recorded, whose `job.state` event reached this node (job-signal-relay.ts): the
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
   * Refreshes the heartbeat of this process's jobs (their JobLog writes progress too, but a long
   * flush must not make a live job look dead) and aborts those that ended in the store meanwhile:
   * cancelled by another node, or failed as an orphan by another node.
   */
  private async beat(): Promise<void> {
    const ids = [...this.active.keys()];
    if (ids.length === 0) return;
    try {
      await this.o.stores.jobs.touch(ids);
      for (const id of await this.o.stores.jobs.endedAmong(ids)) this.active.get(id)?.controller.abort();
    } catch (err) {
      this.o.logger.warn({ err }, "job heartbeat failed; retrying");
    }
  }
}
