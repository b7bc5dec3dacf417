/**
 * Runs of connectors of one type as their managers and readers see them: starting a sync (or a
 * dry run, which waits for its plan), push and pull, the jobs list with live progress, one job with
 * its per-file log, cancelling, and the file-states.
 *
 * Access (connector-access.ts): readers of the target share see the jobs with their counters;
 * the per-file log (it names paths) and the file-states are for managers, who alone start and
 * cancel runs. The engine itself is reached through the small interfaces below, which the sync
 * service and the push/pull service implement.
 */
import type { Logger } from "pino";
import { AppError, ERROR_CODES, type ErrorCode } from "../core/errors.js";
import type { Actor } from "../core/actor.js";
import { clampLimit, decodeCursor, encodeCursor } from "../core/pagination.js";
import type { SyncJobRecord } from "../store/sync/sync-job-store.js";
import type { SyncStores } from "../store/sync/sync-stores.js";
import type { ConnectorAccess } from "./connector-access.js";
import type { ConnectorDefinition } from "./connector-definition.js";
import type { Json } from "./connector-fields.js";
import type { PageRequest } from "./connector-service.js";
import { entryView, fileStateView, jobView, pageOf } from "./connector-views.js";

/** The sync service as this service uses it. */
export interface SyncControl {
  requestSync(
    connectorId: string,
    req: { fullSync?: boolean; dryRun?: boolean; force?: boolean; trigger: "manual" },
  ): Promise<SyncJobRecord>;
  waitForJob(jobId: string): Promise<SyncJobRecord | undefined>;
  /** The plan of a finished dry run. */
  dryRunPlan(jobId: string): readonly unknown[] | undefined;
  cancel(connectorId: string, jobId: string): Promise<SyncJobRecord>;
}

/** The push/pull service as this service uses it. */
export interface PushPullControl {
  start(
    connectorId: string,
    mode: "push" | "pull",
    req: { afterCopy: "keep" | "delete"; path?: string },
  ): Promise<SyncJobRecord>;
}

export interface ConnectorRunServiceOptions {
  def: ConnectorDefinition;
  stores: Pick<SyncStores, "jobs" | "fileStates">;
  access: ConnectorAccess;
  sync: SyncControl;
  pushPull: PushPullControl;
  logger: Logger;
}

export interface SyncQuery {
  full_sync?: boolean;
  dry_run?: boolean;
  force?: boolean;
}

/** A page of a job's log; `result` / `action` keep entries with one of those (each repeatable or comma-separated). */
export interface JobLogRequest extends PageRequest {
  result?: readonly string[];
  action?: readonly string[];
}

/** `["a,b", "c"]` → `["a", "b", "c"]`; undefined when nothing is left. */
function splitList(values: readonly string[] | undefined): string[] | undefined {
  const out = (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  return out.length > 0 ? [...new Set(out)] : undefined;
}

export class ConnectorRunService {
  private readonly log: Logger;

  constructor(private readonly o: ConnectorRunServiceOptions) {
    this.log = o.logger.child({ component: "connector-api", connectorType: o.def.type });
  }

  /**
   * Queues a sync and returns its job; a dry run waits and returns the finished job with its
   * `plan`. A dry run that could not plan is an error, not an empty plan ("nothing to do"): the
   * job's own code (CONNECTOR_AUTH_FAILED, SYNC_SAFETY_ABORT…) with `details.job_id`; CONFLICT
   * when it was cancelled. @throws NOT_FOUND, FORBIDDEN, SYNC_ALREADY_RUNNING
   */
  async startSync(actor: Actor, id: string, q: SyncQuery): Promise<{ job: Json; plan?: readonly unknown[] }> {
    const { connector } = await this.o.access.load(actor, id, this.o.def.type, "manage");
    const { sync } = this.o;
    const job = await sync.requestSync(connector.id, {
      fullSync: q.full_sync,
      dryRun: q.dry_run,
      force: q.force,
      trigger: "manual",
    });
    this.log.info(
      { connectorId: connector.id, jobId: job.id, userId: actor.userId, dryRun: !!q.dry_run },
      "sync requested",
    );
    if (!q.dry_run) return { job: jobView(job) };
    const finished = (await sync.waitForJob(job.id)) ?? job;
    if (finished.status === "failed") {
      const code =
        finished.error?.code && finished.error.code in ERROR_CODES ? (finished.error.code as ErrorCode) : "INTERNAL";
      throw new AppError(code, `the dry run could not plan: ${finished.error?.message ?? "unknown error"}`, {
        job_id: finished.id,
        job_error: finished.error,
      });
    }
    if (finished.status === "cancelled")
      throw new AppError("CONFLICT", "the dry run was cancelled before its plan was complete", { job_id: finished.id });
    return { job: jobView(finished), plan: sync.dryRunPlan(job.id) ?? [] };
  }

  /**
   * Starts a one-shot push or pull (README "Push and pull"). Needs MANAGE_PERMISSIONS on the
   * target share, admins included. @throws NOT_FOUND, FORBIDDEN, SYNC_ALREADY_RUNNING
   */
  async startPushPull(
    actor: Actor,
    id: string,
    mode: "push" | "pull",
    req: { afterCopy: "keep" | "delete"; path?: string },
  ): Promise<{ connectorId: string; job: Json }> {
    const connector = await this.o.access.requireManager(actor, id, this.o.def.type, {
      forbidden: `${mode} needs MANAGE_PERMISSIONS on the connector's target share`,
      checkShareForAdmins: true,
    });
    const job = await this.o.pushPull.start(connector.id, mode, req);
    return { connectorId: connector.id, job: jobView(job) };
  }

  /** Jobs newest first with live progress; readers too. */
  async jobs(actor: Actor, id: string, req: PageRequest): Promise<{ jobs: Json[]; next_cursor: string | null }> {
    const { connector } = await this.o.access.load(actor, id, this.o.def.type, "read");
    const limit = clampLimit(req.limit);
    const before = decodeCursor(req.cursor, ["before"])?.before;
    const rows = await this.o.stores.jobs.list(connector.id, { before, limit: limit + 1 });
    const { page, next } = pageOf(rows, limit, (last) => encodeCursor({ before: last.id }));
    return { jobs: page.map(jobView), next_cursor: next };
  }

  /** One job; managers also get a page of its per-file log (`entries`, `next_cursor`). @throws NOT_FOUND */
  async job(actor: Actor, id: string, jobId: string, req: JobLogRequest): Promise<Json> {
    const { connector, manager } = await this.o.access.load(actor, id, this.o.def.type, "read");
    const job = await this.jobOf(connector.id, jobId);
    if (!manager) return jobView(job);
    const limit = clampLimit(req.limit);
    const after = decodeCursor(req.cursor, ["after"])?.after;
    // The cursor is the last seq shown, so it stays valid under any filter: the same filters must
    // be sent with it (a different filter simply continues after that seq).
    const rows = await this.o.stores.jobs.entries(job.id, {
      after: after !== undefined ? Number(after) : undefined,
      limit: limit + 1,
      results: splitList(req.result),
      actions: splitList(req.action),
    });
    const { page, next } = pageOf(rows, limit, (last) => encodeCursor({ after: String(last.seq) }));
    return { ...jobView(job), entries: page.map(entryView), next_cursor: next };
  }

  /**
   * Counts of a job's log entries per action and per result, without the entries: they name no
   * path, so readers of the target share see them too. Counted by the store in SQL.
   */
  async jobSummary(actor: Actor, id: string, jobId: string): Promise<Json> {
    const { connector } = await this.o.access.load(actor, id, this.o.def.type, "read");
    const job = await this.jobOf(connector.id, jobId);
    const counts = await this.o.stores.jobs.entryCounts(job.id);
    return {
      job_id: job.id,
      status: job.status,
      entries: counts.total,
      by_action: counts.byAction,
      by_result: counts.byResult,
    };
  }

  /** Cancels a queued or running job; a finished one is returned unchanged. @throws NOT_FOUND, FORBIDDEN */
  async cancelJob(actor: Actor, id: string, jobId: string): Promise<Json> {
    const { connector } = await this.o.access.load(actor, id, this.o.def.type, "manage");
    await this.jobOf(connector.id, jobId);
    return jobView(await this.o.sync.cancel(connector.id, jobId));
  }

  /** Tracked files in path order; managers only (the list names every synced path). */
  async fileStates(
    actor: Actor,
    id: string,
    req: PageRequest & { search?: string },
  ): Promise<{ file_states: Json[]; next_cursor: string | null }> {
    const { connector } = await this.o.access.load(actor, id, this.o.def.type, "manage");
    const limit = clampLimit(req.limit);
    const after = decodeCursor(req.cursor, ["after"])?.after;
    const search = req.search?.trim() || undefined;
    const rows = await this.o.stores.fileStates.list(connector.id, { after, limit: limit + 1, search });
    const { page, next } = pageOf(rows, limit, (last) => encodeCursor({ after: last.path }));
    return { file_states: page.map(fileStateView), next_cursor: next };
  }

  private async jobOf(connectorId: string, jobId: string): Promise<SyncJobRecord> {
    const job = await this.o.stores.jobs.get(jobId);
    if (!job || job.connector_id !== connectorId) throw new AppError("NOT_FOUND", `job ${jobId} not found`);
    return job;
  }
}
