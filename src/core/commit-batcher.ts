import { sql } from "kysely";
import { inTransaction, type DbExecutor } from "../store/core/db-executor.js";
import { BatchWindow } from "./batch-window.js";

interface QueuedOp {
  fn(trx: DbExecutor): Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export interface CommitBatcherOptions {
  /**
   * Share transactions between concurrent writers. Meant for SQLite, whose one connection runs
   * transactions one at a time anyway, so each commit pays its own WAL append of every page it
   * touched; PostgreSQL runs them side by side on a pool and gains nothing.
   */
  enabled: boolean;
  /** Longest wait for more writers before a batch commits (default 4 ms). */
  windowMs?: number;
  /** Most operations in one transaction (default 128). */
  maxOps?: number;
}

/**
 * Group commit for short write transactions (a file's node and version rows).
 *
 * Ten thousand small files synced from SMB meant ten thousand SQLite commits, each appending to
 * the WAL every page it touched — the same B-tree leaves again and again — which was the largest
 * single cost on the server's main thread. Here, writers that reach their commit while other
 * writers are still on their way (announced with {@link begin}) wait a few milliseconds and share
 * one transaction. A writer alone commits at once, so a single upload pays no delay.
 *
 * Each operation runs inside its own SAVEPOINT: one that throws is rolled back alone and rejects
 * with its own error, the others still commit. An operation's promise settles only after the
 * shared COMMIT, so a caller never reports as stored what a failed commit dropped (every
 * operation of that batch then rejects with the commit's error). Operations of one batch run one
 * after another in arrival order and see each other's rows, exactly as if committed in sequence.
 */
export class CommitBatcher {
  private readonly queue: QueuedOp[] = [];
  private readonly maxOps: number;
  private readonly window: BatchWindow;
  private running = false;

  constructor(
    private readonly db: DbExecutor,
    private readonly opts: CommitBatcherOptions,
  ) {
    this.maxOps = opts.maxOps ?? 128;
    this.window = new BatchWindow({
      windowMs: opts.windowMs ?? 4,
      ready: () => !this.running && this.queue.length > 0,
      send: () => this.flush(),
    });
  }

  /**
   * Announces a writer that will call {@link run} soon (e.g. once its blob is stored), so that
   * writers ahead of it wait for it rather than commit alone. Call the returned function exactly
   * once, when the writer reaches run() or gives up.
   */
  begin(): () => void {
    if (!this.opts.enabled) return noop;
    return this.window.begin();
  }

  /** Runs fn in a transaction (shared with other writers when enabled); settles after the commit. */
  run<T>(fn: (trx: DbExecutor) => Promise<T>, opts: { serializable?: boolean } = {}): Promise<T> {
    if (!this.opts.enabled || this.db.isTransaction) return inTransaction(this.db, fn, opts);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.window.schedule(this.queue.length >= this.maxOps);
    });
  }

  private flush(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.splice(0, this.maxOps);
    this.commit(batch).finally(() => {
      this.running = false;
      if (this.queue.length === 0) return;
      // Whatever queued during that commit waited already: go on without another window.
      this.window.soon();
    });
  }

  private async commit(batch: QueuedOp[]): Promise<void> {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      await inTransaction(this.db, async (trx) => {
        for (const op of batch) {
          await sql`savepoint batched_write`.execute(trx);
          try {
            const value = await op.fn(trx);
            await sql`release savepoint batched_write`.execute(trx);
            outcomes.push({ ok: true, value });
          } catch (err) {
            await sql`rollback to savepoint batched_write`.execute(trx);
            await sql`release savepoint batched_write`.execute(trx);
            outcomes.push({ ok: false, err });
          }
        }
      });
    } catch (err) {
      for (const op of batch) op.reject(err);
      return;
    }
    batch.forEach((op, i) => {
      const o = outcomes[i];
      if (o.ok) op.resolve(o.value);
      else op.reject(o.err);
    });
  }
}

function noop(): void {}
