/**
 * Starts one-shot push/pull jobs: `POST /{type}-connectors/{id}/push|pull`. A job is an ordinary
 * connector job (same table, shape and list; `trigger: "push" | "pull"`) run by the shared
 * {@link JobRunner}, so the one-active-job-per-connector guard and the global limit apply: a push
 * while a sync (or another push) runs is refused with SYNC_ALREADY_RUNNING, and cancel, progress
 * and finishing work as for syncs. The run itself is {@link runPushPull}.
 *
 * The job stores what the run needs beyond its trigger in `params` (`after_copy`, `path`), so
 * whichever node claims it rebuilds the same run.
 */
import type { Logger } from "pino";
import { AppError } from "../core/errors.js";
import type { SyncStores } from "../store/sync/sync-stores.js";
import type { ConnectorRecord } from "../store/sync/connector-store.js";
import type { SyncJobRecord } from "../store/sync/sync-job-store.js";
import type { Remote } from "./remote.js";
import { normalizeRelPath } from "./remote.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "./retry-policy.js";
import { runPushPull, type AfterCopy } from "./push-pull-run.js";
import type { JobBodyContext, JobBodyResult, JobRunner } from "./job-runner.js";
import { openUnlessAborted } from "./open-unless-aborted.js";

export type PushPullMode = "push" | "pull";

export interface PushPullServiceOptions {
  stores: SyncStores;
  runner: JobRunner;
  /** Opens the connector's remote (the engine's connector type registry). */
  openRemote(connector: ConnectorRecord, signal: AbortSignal): Promise<Remote>;
  /** The ScaiDrive side (the connector's target share subtree). */
  openScaidrive(connector: ConnectorRecord): Promise<Remote>;
  logger: Logger;
  retry?: RetryPolicy;
}

/** What a push/pull job stores in `params`. */
interface PushPullParams {
  after_copy: AfterCopy;
  path: string;
}

function paramsOf(job: SyncJobRecord): PushPullParams {
  const p = job.params ?? {};
  return {
    after_copy: p.after_copy === "delete" ? "delete" : "keep",
    path: typeof p.path === "string" ? p.path : "",
  };
}

export class PushPullService {
  constructor(private readonly o: PushPullServiceOptions) {
    o.runner.registerKind(["push", "pull"], (job) => {
      const p = paramsOf(job);
      return (ctx) => this.execute(ctx, job.trigger as PushPullMode, p.after_copy, p.path);
    });
  }

  /**
   * Queues the job; it starts when the runner has a free slot. @throws NOT_FOUND, CONFLICT
   * (connector disabled), SYNC_ALREADY_RUNNING (a job of the connector is queued or running),
   * VALIDATION_FAILED (path).
   */
  async start(
    connectorId: string,
    mode: PushPullMode,
    req: { afterCopy: AfterCopy; path?: string },
  ): Promise<SyncJobRecord> {
    let root: string;
    try {
      root = normalizeRelPath(req.path ?? "");
    } catch {
      throw new AppError("VALIDATION_FAILED", "path must not contain '..'", { field: "path" });
    }
    const connector = await this.o.stores.connectors.require(connectorId);
    if (connector.status === "disabled")
      throw new AppError("CONFLICT", `connector ${connectorId} is disabled`, {
        status_reason: connector.status_reason,
      });
    const params: PushPullParams = { after_copy: req.afterCopy, path: root };
    const job = await this.o.runner.submit(
      connector,
      mode,
      { full_sync: false, dry_run: false, force: false },
      { ...params },
    );
    if (!job) {
      const active = await this.o.stores.jobs.active(connectorId);
      throw new AppError(
        "SYNC_ALREADY_RUNNING",
        `a job of connector ${connectorId} is already ${active?.status ?? "running"}`,
        { job_id: active?.id },
      );
    }
    return job;
  }

  /** Resolves when the job has ended, wherever it runs. */
  waitForJob(jobId: string): Promise<SyncJobRecord | undefined> {
    return this.o.runner.waitForJob(jobId);
  }

  private async execute(
    { connector, log, logger, signal }: JobBodyContext,
    mode: PushPullMode,
    afterCopy: AfterCopy,
    root: string,
  ): Promise<JobBodyResult> {
    let remote: Remote | undefined;
    let scaidrive: Remote | undefined;
    try {
      remote = await withRetry(
        () => openUnlessAborted(() => this.o.openRemote(connector, signal), signal),
        this.o.retry ?? DEFAULT_RETRY,
        signal,
      );
      scaidrive = await this.o.openScaidrive(connector);
      await runPushPull({
        action: mode,
        source: mode === "push" ? scaidrive : remote,
        dest: mode === "push" ? remote : scaidrive,
        root,
        afterCopy,
        log,
        logger: logger.child({ mode, afterCopy }),
        signal,
      });
      return { status: "completed" };
    } finally {
      await remote?.close().catch(() => {});
      await scaidrive?.close().catch(() => {});
    }
  }
}
