/**
 * Jobs and the schedule for every connector: `requestSync` queues a run (the runner starts it on
 * this node, or a worker node claims it); `cancel` stops one; a timer starts scheduled runs on each
 * connector's `sync_interval_minutes` cadence (0 disables).
 *
 * Several nodes on one database: only the scheduler's leader — the node holding the `scheduler`
 * lease of the database ({@link LeaseHolder}) — fails orphans and decides due runs on a tick, so
 * a due run is requested once however many nodes there are; an `api` node (a runner that does
 * not run jobs) takes no part. A connector whose newest job was failed as an orphan (its node
 * died or shut down) is due at once when it has a schedule, rather than an interval after the
 * dead run — once: after two interrupted runs in a row the interval applies again.
 *
 * Never two runs of one connector at once: the job store's unique index admits one queued/running
 * job per connector (across processes too). A manual request while one is active is refused with
 * `SYNC_ALREADY_RUNNING` (409, `details.job_id` names the active job); a scheduled run that falls
 * due meanwhile is recorded as a `skipped` job with the reason, and the cadence continues from it.
 *
 * The schedule survives restarts because it is derived from the jobs table: the next run is due
 * `interval` after the newest job of the connector (any status, skipped included; a connector
 * that never ran is due `interval` after its creation) — the rule of sync-schedule.ts, which the
 * connector API also uses to show `next_run_at`. Jobs left queued/running by a process
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
import { ScaidriveRemote } from "./scaidrive-remote.js";
import { ConnectorTypeRegistry } from "./connector-types.js";
import { DRY_RUN_PLAN_ITEMS, runSync, type PlanItem } from "./sync-run.js";
import { INTERRUPTED, type JobBodyContext, type JobBodyResult, type JobRunner } from "./job-runner.js";
import { openUnlessAborted } from "./open-unless-aborted.js";
import type { RunWorkspace } from "../store/sync/run-workspace-store.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "./retry-policy.js";
import { normalizeConflict, normalizeDirection } from "./sync-options.js";
import { isScheduled, nextRunDue } from "./sync-schedule.js";
import type { LeaseHolder } from "./lease-holder.js";

function wasOrphaned(job: SyncJobRecord | undefined): boolean {
  return job?.status === "failed" && job.error?.code === INTERRUPTED.code && job.error.message === INTERRUPTED.message;
}

export interface SyncServiceOptions {
  stores: SyncStores;
  types: ConnectorTypeRegistry;
  /** Runs the jobs (shared with push/pull): one active job per connector, a global limit, cancel, finishing. */
  runner: JobRunner;
  /** Opens the ScaiDrive side of a connector (the target share subtree; created if missing). */
  openScaidrive(connector: ConnectorRecord): Promise<Remote>;
  logger: Logger;
  /** Parallel transfers of large files (above 1 MiB) per run (default 4). */
  concurrency?: number;
  /** Parallel items per run in all, small files included (default 4 × `concurrency`, 16). */
  smallConcurrency?: number;
  retry?: RetryPolicy;
  /** How often the scheduler looks for due connectors (default 30 s). */
  schedulerTickMs?: number;
  /**
   * A queued/running job whose heartbeat (`updated_at`, refreshed with progress, and by the
   * runner while a job waits for a slot) is older than this belongs to a dead process and is
   * marked failed (default 60 s), at start and on every scheduler tick.
   */
  orphanAfterMs?: number;
  /**
   * The scheduler's lease (leader election among nodes sharing the database): only its holder
   * sweeps orphans and starts due runs. None: this service always schedules (one process).
   */
  leader?: LeaseHolder;
  /** Test hook: called after each finished plan action of a run. */
  onActionDone?: (jobId: string, done: number) => void;
}

export interface SyncRequest {
  fullSync?: boolean;
  dryRun?: boolean;
  force?: boolean;
  trigger?: JobTrigger;
}

/**
 * Plans of recent dry runs kept for the request waiting on them. Bounded: a dry run nobody waits for (started
 * asynchronously, or its client gone) must not stay in memory for the life of the process; an older plan is read
 * back from the job's `planned` entries by {@link SyncService.waitForJob}.
 */
const DRY_RUN_PLANS_KEPT = 64;

export class SyncService {
  private readonly dryRunPlans = new Map<string, PlanItem[]>();
  private timer?: NodeJS.Timeout;
  /** The scheduler pass in progress, if any: `stop()` waits for it. */
  private pass?: Promise<void>;
  private stopped = false;

  constructor(private readonly o: SyncServiceOptions) {
    o.runner.registerKind(["manual", "scheduled"], () => (ctx) => this.execute(ctx));
  }

  /**
   * Marks orphaned jobs failed, starts claiming jobs and the scheduler. With a single-process store
   * (embedded SQLite) every queued/running job not run by this process is an orphan of a dead
   * process and is failed at once, heartbeat or not; with a shared store (PostgreSQL) only stale
   * running ones are. On a node that does not run jobs (the `api` role) nothing starts.
   */
  async start(): Promise<void> {
    if (!this.o.runner.runsJobs) return;
    await this.sweepOrphans(this.o.stores.jobs.singleProcess);
    // Working sets of runs a process that died left behind (their jobs are over by now).
    await this.o.stores.sweepRunWorkspaces();
    this.stopped = false;
    this.o.runner.start();
    this.o.leader?.start();
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
   * then stops the job runner: every job of this process — including any the pass just started,
   * and push/pull jobs — is cancelled and waited for.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.pass?.catch(() => undefined);
    await this.o.leader?.stop();
    await this.o.runner.stop();
  }

  /**
   * Queues a run; it starts when the runner has a free slot. Manual: throws SYNC_ALREADY_RUNNING
   * if one is queued or running, NOT_FOUND for an unknown connector, CONFLICT for a disabled one.
   * Scheduled: records and returns a `skipped` job in those cases instead.
   */
  async requestSync(connectorId: string, req: SyncRequest = {}): Promise<SyncJobRecord> {
    const trigger = req.trigger ?? "manual";
    const connector = await this.o.stores.connectors.require(connectorId);
    if (connector.status === "disabled") {
      if (trigger === "scheduled")
        return this.o.stores.jobs.createSkipped(
          connectorId,
          trigger,
          `connector disabled: ${connector.status_reason ?? "no reason given"}`,
        );
      throw new AppError("CONFLICT", `connector ${connectorId} is disabled`, {
        status_reason: connector.status_reason,
      });
    }
    if (this.stopped) throw new AppError("CONFLICT", "the sync service is shutting down");
    const options = { full_sync: !!req.fullSync, dry_run: !!req.dryRun, force: !!req.force };
    const job = await this.o.runner.submit(connector, trigger, options);
    if (!job) {
      const active = await this.o.stores.jobs.active(connectorId);
      if (trigger === "scheduled") {
        return this.o.stores.jobs.createSkipped(
          connectorId,
          trigger,
          `a run is already in progress (${active?.id ?? "unknown job"})`,
        );
      }
      throw new AppError(
        "SYNC_ALREADY_RUNNING",
        `a sync of connector ${connectorId} is already ${active?.status ?? "running"}`,
        { job_id: active?.id },
      );
    }
    return job;
  }

  /** Cancels a queued or running job; a finished job is returned unchanged. Throws NOT_FOUND. */
  cancel(connectorId: string, jobId: string): Promise<SyncJobRecord> {
    return this.o.runner.cancel(connectorId, jobId);
  }

  /**
   * Resolves when the job has ended, wherever it ran. The plan of a dry run another node ran is
   * read back from the job's `planned` entries, so {@link dryRunPlan} answers for it too.
   */
  async waitForJob(jobId: string): Promise<SyncJobRecord | undefined> {
    const job = await this.o.runner.waitForJob(jobId);
    if (job?.options.dry_run && job.status === "completed" && !this.dryRunPlans.has(jobId)) {
      const entries = await this.o.stores.jobs.entries(jobId, { limit: DRY_RUN_PLAN_ITEMS });
      this.keepDryRunPlan(
        jobId,
        entries.map((e) => ({ action: e.action, path: e.path, ...(e.detail ? { detail: e.detail } : {}) })),
      );
    }
    return job;
  }

  /** The plan of a finished dry run (also in the job's log as `planned` entries). */
  dryRunPlan(jobId: string): PlanItem[] | undefined {
    return this.dryRunPlans.get(jobId);
  }

  private keepDryRunPlan(jobId: string, plan: PlanItem[]): void {
    this.dryRunPlans.set(jobId, plan);
    if (this.dryRunPlans.size > DRY_RUN_PLANS_KEPT) this.dryRunPlans.delete(this.dryRunPlans.keys().next().value!);
  }

  /**
   * Fails jobs whose process died (stale heartbeat), so their connectors can run again;
   * `everyInactive` fails every queued/running job this service is not running, fresh or stale.
   */
  async sweepOrphans(everyInactive = false): Promise<number> {
    const staleBefore = everyInactive
      ? undefined
      : new Date(Date.now() - (this.o.orphanAfterMs ?? 60_000)).toISOString();
    const n = await this.o.stores.jobs.failOrphans(
      { ...INTERRUPTED },
      { staleBefore, exclude: this.o.runner.activeJobIds() },
    );
    if (n > 0) this.o.logger.warn({ jobs: n }, "marked interrupted sync jobs as failed");
    return n;
  }

  /**
   * One scheduler pass: on the leader only (it takes or renews the lease first), fails orphaned
   * jobs, then starts (or records as skipped) every run that is due — at once for a connector whose
   * newest job was orphaned. A pass already in progress is joined rather than doubled; after
   * `stop()` nothing happens.
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
    if (!this.o.runner.runsJobs) return;
    if (this.o.leader && !(await this.o.leader.attempt())) return;
    await this.sweepOrphans();
    let after: string | undefined;
    for (;;) {
      const page = await this.o.stores.connectors.list({ after, limit: 200 });
      if (page.length === 0) break;
      for (const c of page) {
        if (this.stopped) return;
        if (!isScheduled(c)) continue;
        const [newest, before] = await this.o.stores.jobs.list(c.id, { limit: 2 });
        // One immediate rerun after an interrupted run; if that one was interrupted too (a run
        // that kills its node, e.g. out of memory), the interval applies so it cannot take down
        // node after node every orphan age.
        const rerunNow = wasOrphaned(newest) && !wasOrphaned(before);
        const due = rerunNow ? now : nextRunDue(c, newest?.created_at);
        if (due === null || due > now) continue;
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

  private async execute({ job, connector, log, logger, signal }: JobBodyContext): Promise<JobBodyResult> {
    const retry = this.o.retry ?? DEFAULT_RETRY;
    let remote: Remote | undefined;
    let scaidrive: Remote | undefined;
    let workspace: RunWorkspace | undefined;
    try {
      const type = this.o.types.get(connector.type);
      if (!type) throw new AppError("INTERNAL", `no connector type "${connector.type}" is registered`);
      remote = await withRetry(
        () => openUnlessAborted(() => type.openRemote(connector, signal), signal),
        retry,
        signal,
      );
      scaidrive = await this.o.openScaidrive(connector);
      const hooks = type.hooks ? await type.hooks(connector) : undefined;
      workspace = this.o.stores.runWorkspace(job.id, remote.capabilities.caseInsensitive);
      const side = scaidrive instanceof ScaidriveRemote ? scaidrive.location : undefined;
      const matchesBase = side
        ? () => this.o.stores.fileStates.scaidriveMatchesBase(connector.id, side.shareId, side.root)
        : undefined;
      const result = await runSync({
        connectorId: connector.id,
        workspace,
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
        remoteTitle: type.title,
        scaidriveMatchesBase: matchesBase,
      });
      if (result.planItems) this.keepDryRunPlan(job.id, result.planItems);
      return { status: result.status };
    } finally {
      await workspace
        ?.clear()
        .catch((err: unknown) =>
          logger.warn({ err }, "could not clear the run's working set; the next start removes it"),
        );
      await remote?.close().catch(() => {});
      await scaidrive?.close().catch(() => {});
    }
  }
}
