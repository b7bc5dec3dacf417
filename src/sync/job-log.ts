/**
 * A running job's counters and per-file log, written to the job store in batches: entries and
 * live progress (`files_total`, `files_done`, `bytes_done`) are flushed every `flushMs` and at
 * the end, so a 10,000-file run costs a handful of writes rather than one per file.
 */
import type { Logger } from "pino";
import type { JobCounters, JobEntryRecord, SyncJobStore } from "../store/sync/sync-job-store.js";

export type EntryResult = "ok" | "error" | "skipped" | "warning" | "planned";

/** Every counter of a job, as the job store keeps them. */
export type Counters = Required<JobCounters>;

export class JobLog {
  readonly counters: Counters = {
    files_scanned: 0,
    files_synced: 0,
    bytes_transferred: 0,
    error_count: 0,
    files_total: 0,
    bytes_total: 0,
    files_done: 0,
    bytes_done: 0,
  };
  private pending: Array<Omit<JobEntryRecord, "at"> & { at: string }> = [];
  private seq = 0;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  /**
   * Runs before each flush writes its entries (the executor commits the file states of the items
   * logged so far), so a stored entry never names a file whose state is still uncommitted.
   */
  beforeFlush?: () => Promise<void>;

  constructor(
    private readonly jobs: SyncJobStore | undefined,
    private readonly jobId: string | undefined,
    private readonly logger: Logger,
    private readonly flushMs = 1000,
  ) {}

  start(): void {
    if (!this.jobs || this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  entry(
    action: string,
    path: string,
    result: EntryResult,
    options: { error?: { code: string; message: string }; bytes?: number; detail?: string } = {},
  ): void {
    this.pending.push({
      seq: ++this.seq,
      at: new Date().toISOString(),
      action,
      path,
      result,
      error: options.error ?? null,
      bytes: options.bytes ?? 0,
      detail: options.detail ?? null,
    });
    if (result === "error") {
      this.counters.error_count++;
      this.logger.warn({ action, path, code: options.error?.code, err: options.error?.message }, "sync file error");
    }
  }

  /** Entries logged so far and not yet flushed are kept in memory too, for dry-run answers. */
  get entryCount(): number {
    return this.seq;
  }

  /** Writes pending entries and the counters; serialised so batches never interleave. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(async () => {
        if (!this.jobs || !this.jobId) return;
        const batch = this.pending;
        this.pending = [];
        await this.beforeFlush?.();
        for (let i = 0; i < batch.length; i += 500) await this.jobs.addEntries(this.jobId, batch.slice(i, i + 500));
        await this.jobs.updateCounters(this.jobId, { ...this.counters } satisfies JobCounters);
      })
      .catch((err: unknown) => {
        this.logger.error({ err }, "could not write sync job progress");
      });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
