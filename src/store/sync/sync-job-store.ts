/**
 * Sync jobs and their per-file log. The database allows at most one queued-or-running job per
 * connector (a partial unique index), which is the guard against two runs at once even across
 * processes: {@link SyncJobStore.createActive} returns undefined when one is already active.
 *
 * Several nodes: a job is created `queued` and unclaimed; a node that runs jobs claims it
 * ({@link SyncJobStore.claim} for one it just created, {@link SyncJobStore.claimNext} for the
 * oldest waiting one — `FOR UPDATE SKIP LOCKED` on PostgreSQL, so racing nodes never take the
 * same row), which makes it `running` with `claimed_by` set to the node id in one statement.
 * The heartbeat is `updated_at`, refreshed by the running node's progress writes.
 */
import { SqliteAdapter, type Kysely, type Selectable } from "kysely";
import { newId } from "../../core/ids.js";
import type { Database } from "../db/schema.js";
import type { SyncJobsTable } from "../db/sync-tables.js";
import { bool, isUniqueViolation, nowIso, num } from "./store-values.js";

export type JobStatus = "queued" | "running" | "completed" | "failed" | "cancelled" | "skipped";
/** What started a job: a user, the schedule, or a one-shot push/pull. */
export type JobTrigger = "manual" | "scheduled" | "push" | "pull";

export interface SyncJobRecord {
  id: string;
  connector_id: string;
  status: JobStatus;
  trigger: JobTrigger;
  options: { full_sync: boolean; dry_run: boolean; force: boolean };
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  files_scanned: number;
  files_synced: number;
  bytes_transferred: number;
  error_count: number;
  files_total: number;
  bytes_total: number;
  files_done: number;
  bytes_done: number;
  error: { code: string; message: string } | null;
  skip_reason: string | null;
  /** The node that claimed the job (runs or ran it); null while it waits, queued, for one. */
  claimed_by: string | null;
  /** Kind-specific parameters the claiming node rebuilds the job from (push/pull); null for syncs. */
  params: Record<string, unknown> | null;
}

export interface JobEntryRecord {
  seq: number;
  at: string;
  action: string;
  path: string;
  /** ok | error | skipped | warning | planned */
  result: string;
  error: { code: string; message: string } | null;
  bytes: number;
  detail: string | null;
}

export interface JobCounters {
  files_scanned?: number;
  files_synced?: number;
  bytes_transferred?: number;
  error_count?: number;
  files_total?: number;
  bytes_total?: number;
  files_done?: number;
  bytes_done?: number;
}

/**
 * Job ids are `job_` + a ULID, which `newId` keeps increasing within a millisecond, so jobs created
 * in the same millisecond still sort in creation order: lists are ordered (and paginated) by id.
 */
const newJobId = () => newId("job");

function toRecord(r: Selectable<SyncJobsTable>): SyncJobRecord {
  return {
    id: r.id,
    connector_id: r.connector_id,
    status: r.status as JobStatus,
    trigger: r.trigger as JobTrigger,
    options: { full_sync: bool(r.full_sync), dry_run: bool(r.dry_run), force: bool(r.force) },
    created_at: r.created_at,
    started_at: r.started_at,
    finished_at: r.finished_at,
    updated_at: r.updated_at,
    files_scanned: num(r.files_scanned),
    files_synced: num(r.files_synced),
    bytes_transferred: num(r.bytes_transferred),
    error_count: num(r.error_count),
    files_total: num(r.files_total),
    bytes_total: num(r.bytes_total),
    files_done: num(r.files_done),
    bytes_done: num(r.bytes_done),
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? "" } : null,
    skip_reason: r.skip_reason,
    claimed_by: r.claimed_by ?? null,
    params: r.params ? (JSON.parse(r.params) as Record<string, unknown>) : null,
  };
}

export class SyncJobStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * True for the embedded SQLite store, which only one server process opens: a queued/running
   * job found at startup then belongs to a dead process. PostgreSQL may be shared by several.
   */
  get singleProcess(): boolean {
    return this.db.getExecutor().adapter instanceof SqliteAdapter;
  }

  /**
   * Inserts a queued, unclaimed job (with the kind's `params`, if any), or returns undefined if the
   * connector already has a queued or running one.
   */
  async createActive(
    connectorId: string,
    trigger: JobTrigger,
    options: { full_sync: boolean; dry_run: boolean; force: boolean },
    params?: Record<string, unknown>,
  ): Promise<SyncJobRecord | undefined> {
    const now = nowIso();
    const id = newJobId();
    try {
      await this.db
        .insertInto("sync_jobs")
        .values({
          id,
          connector_id: connectorId,
          status: "queued",
          trigger,
          full_sync: options.full_sync ? 1 : 0,
          dry_run: options.dry_run ? 1 : 0,
          force: options.force ? 1 : 0,
          created_at: now,
          updated_at: now,
          params: params ? JSON.stringify(params) : null,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
    return this.get(id);
  }

  /** Records a run that was due but not started, with the reason (finished immediately). */
  async createSkipped(connectorId: string, trigger: JobTrigger, reason: string): Promise<SyncJobRecord> {
    const now = nowIso();
    const id = newJobId();
    await this.db
      .insertInto("sync_jobs")
      .values({
        id,
        connector_id: connectorId,
        status: "skipped",
        trigger,
        created_at: now,
        updated_at: now,
        finished_at: now,
        skip_reason: reason,
      })
      .execute();
    return (await this.get(id))!;
  }

  async get(id: string): Promise<SyncJobRecord | undefined> {
    const row = await this.db.selectFrom("sync_jobs").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Newest first; `before` is the last id of the previous page. */
  async list(connectorId: string, options: { before?: string; limit?: number } = {}): Promise<SyncJobRecord[]> {
    let q = this.db.selectFrom("sync_jobs").selectAll().where("connector_id", "=", connectorId).orderBy("id", "desc");
    if (options.before) q = q.where("id", "<", options.before);
    if (options.limit) q = q.limit(options.limit);
    return (await q.execute()).map(toRecord);
  }

  async active(connectorId: string): Promise<SyncJobRecord | undefined> {
    const row = await this.db
      .selectFrom("sync_jobs")
      .selectAll()
      .where("connector_id", "=", connectorId)
      .where("status", "in", ["queued", "running"])
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** The newest job that was actually started or queued (skipped ones excluded): the scheduler's anchor. */
  async lastRun(connectorId: string): Promise<SyncJobRecord | undefined> {
    const row = await this.db
      .selectFrom("sync_jobs")
      .selectAll()
      .where("connector_id", "=", connectorId)
      .where("status", "!=", "skipped")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async markRunning(id: string): Promise<void> {
    const now = nowIso();
    await this.db
      .updateTable("sync_jobs")
      .set({ status: "running", started_at: now, updated_at: now })
      .where("id", "=", id)
      .execute();
  }

  /**
   * Claims the queued job `id` for `nodeId` if nobody has: it becomes `running` (started now) with
   * `claimed_by` set. Returns the claimed job, or undefined when it was taken, cancelled or gone.
   */
  async claim(id: string, nodeId: string): Promise<SyncJobRecord | undefined> {
    const now = nowIso();
    const row = await this.db
      .updateTable("sync_jobs")
      .set({ status: "running", claimed_by: nodeId, started_at: now, updated_at: now })
      .where("id", "=", id)
      .where("status", "=", "queued")
      .where("claimed_by", "is", null)
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /**
   * Claims the oldest unclaimed queued job for `nodeId` (see {@link claim}), or returns undefined
   * when none waits. On PostgreSQL the candidate row is locked with `FOR UPDATE SKIP LOCKED`, so
   * nodes claiming at once each get a different job (or none) and never wait on each other; SQLite
   * serialises writers, so the statement alone is atomic there.
   */
  async claimNext(nodeId: string): Promise<SyncJobRecord | undefined> {
    const now = nowIso();
    const sqlite = this.singleProcess;
    const row = await this.db
      .updateTable("sync_jobs")
      .set({ status: "running", claimed_by: nodeId, started_at: now, updated_at: now })
      .where("id", "=", (eb) => {
        const next = eb
          .selectFrom("sync_jobs")
          .select("id")
          .where("status", "=", "queued")
          .where("claimed_by", "is", null)
          .orderBy("id")
          .limit(1);
        return sqlite ? next : next.forUpdate().skipLocked();
      })
      .where("status", "=", "queued")
      .where("claimed_by", "is", null)
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /**
   * Which of `ids` are no longer queued or running: cancelled by a request another node answered,
   * or failed as orphans by another node after a stalled heartbeat. Their runner stops them.
   */
  async endedAmong(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom("sync_jobs")
      .select("id")
      .where("id", "in", [...ids])
      .where("status", "not in", ["queued", "running"])
      .execute();
    return rows.map((r) => r.id);
  }

  /** Refreshes the heartbeat (`updated_at`) of running jobs without other news. */
  async touch(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable("sync_jobs")
      .set({ updated_at: nowIso() })
      .where("id", "in", [...ids])
      .where("status", "=", "running")
      .execute();
  }

  async updateCounters(id: string, c: JobCounters): Promise<void> {
    await this.db
      .updateTable("sync_jobs")
      .set({ ...c, updated_at: nowIso() })
      .where("id", "=", id)
      .execute();
  }

  /** Final state; only a queued or running job can finish (a finished job is never rewritten). */
  async finish(
    id: string,
    status: "completed" | "failed" | "cancelled",
    c: JobCounters,
    error?: { code: string; message: string },
  ): Promise<void> {
    const now = nowIso();
    await this.db
      .updateTable("sync_jobs")
      .set({
        ...c,
        status,
        finished_at: now,
        updated_at: now,
        error_code: error?.code ?? null,
        error_message: error?.message ?? null,
      })
      .where("id", "=", id)
      .where("status", "in", ["queued", "running"])
      .execute();
  }

  /**
   * Jobs left by a process that died: failed with `reason`. Without `staleBefore` every queued or
   * running job (a single-process store at start-up). With it, only *running* jobs whose heartbeat
   * (`updated_at`, refreshed every second or so by the node running them) is older: a queued job
   * belongs to no node yet and waits for one to claim it. `exclude` spares this process's own.
   * Returns how many were failed.
   */
  async failOrphans(
    reason: { code: string; message: string },
    options: { connectorId?: string; staleBefore?: string; exclude?: string[] } = {},
  ): Promise<number> {
    const now = nowIso();
    let q = this.db
      .updateTable("sync_jobs")
      .set({
        status: "failed",
        finished_at: now,
        updated_at: now,
        error_code: reason.code,
        error_message: reason.message,
      })
      .where("status", "in", options.staleBefore ? ["running"] : ["queued", "running"]);
    if (options.connectorId) q = q.where("connector_id", "=", options.connectorId);
    if (options.staleBefore) q = q.where("updated_at", "<", options.staleBefore);
    if (options.exclude && options.exclude.length > 0) q = q.where("id", "not in", options.exclude);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async addEntries(jobId: string, entries: Array<Omit<JobEntryRecord, "at"> & { at?: string }>): Promise<void> {
    if (entries.length === 0) return;
    const now = nowIso();
    await this.db
      .insertInto("sync_job_entries")
      .values(
        entries.map((e) => ({
          job_id: jobId,
          seq: e.seq,
          at: e.at ?? now,
          action: e.action,
          path: e.path,
          result: e.result,
          error_code: e.error?.code ?? null,
          error_message: e.error?.message ?? null,
          bytes: e.bytes,
          detail: e.detail,
        })),
      )
      .execute();
  }

  /**
   * A page of a job's log in `seq` order; `results` / `actions` keep only entries with one of those
   * (indexed with the job, so a filtered page of a long log stays a range read).
   */
  async entries(
    jobId: string,
    options: { after?: number; limit?: number; results?: readonly string[]; actions?: readonly string[] } = {},
  ): Promise<JobEntryRecord[]> {
    let q = this.db.selectFrom("sync_job_entries").selectAll().where("job_id", "=", jobId).orderBy("seq");
    if (options.after !== undefined) q = q.where("seq", ">", options.after);
    if (options.results?.length) q = q.where("result", "in", [...options.results]);
    if (options.actions?.length) q = q.where("action", "in", [...options.actions]);
    if (options.limit) q = q.limit(options.limit);
    return (await q.execute()).map((r) => ({
      seq: num(r.seq),
      at: r.at,
      action: r.action,
      path: r.path,
      result: r.result,
      error: r.error_code ? { code: r.error_code, message: r.error_message ?? "" } : null,
      bytes: num(r.bytes),
      detail: r.detail,
    }));
  }

  /**
   * How many log entries a job has per action and per result, counted in SQL: each GROUP BY reads
   * only the (job_id, action|result, seq) index of migration 0105, never the entries themselves,
   * so a summary of a million-entry log costs an index scan, not a million rows in memory.
   */
  async entryCounts(
    jobId: string,
  ): Promise<{ total: number; byAction: Record<string, number>; byResult: Record<string, number> }> {
    const countBy = async (column: "action" | "result"): Promise<Record<string, number>> => {
      const rows = await this.db
        .selectFrom("sync_job_entries")
        .select([column, (eb) => eb.fn.countAll().as("n")])
        .where("job_id", "=", jobId)
        .groupBy(column)
        .orderBy(column)
        .execute();
      return Object.fromEntries(rows.map((r) => [r[column] as string, Number(r.n)]));
    };
    const byAction = await countBy("action");
    const byResult = await countBy("result");
    return { total: Object.values(byResult).reduce((a, b) => a + b, 0), byAction, byResult };
  }
}
