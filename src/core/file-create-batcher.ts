import type { DbExecutor } from "../store/core/db-executor.js";
import type { FileCreation } from "../store/core/file-creation-statement.js";
import { nodeStore } from "../store/core/node-store.js";

interface Queued extends FileCreation {
  settle(inserted: boolean): void;
}

/**
 * Group commit for PostgreSQL's one-statement file creation (nodeStore.insertFilesWithVersions).
 *
 * Each statement costs PostgreSQL a round trip, the set-up of a plan with three inserts and
 * their foreign-key checks, and a WAL flush at its commit; writers of an initial sync or an
 * upload burst each paid one. Here creations go out together: those that arrive while a
 * statement runs wait for it and share the next one, and a creation that arrives while other
 * writers are still on their way (announced with {@link begin}: past the start of their request,
 * before their content is stored) waits for them, at most `windowMs`, as SQLite's CommitBatcher
 * does. A writer alone goes out at once, so a single upload pays no delay.
 * A statement that fails (e.g. a deadlock with a concurrent transaction) inserts nothing, and its
 * callers take the transaction path, which reports real errors.
 */
export class FileCreateBatcher {
  private queue: Queued[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** Writers that announced themselves and have not got to their creation (or given up) yet. */
  private onTheirWay = 0;

  constructor(
    private readonly db: DbExecutor,
    private readonly opts: { windowMs?: number; maxBatch?: number } = {},
  ) {}

  /**
   * Announces a writer that may call {@link create} soon, so that creations ahead of it wait for
   * it rather than go out alone. Call the returned function exactly once, when the writer is
   * ready to create (before create()) or gives up.
   */
  begin(): () => void {
    this.onTheirWay++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.onTheirWay--;
      if (this.onTheirWay === 0 && this.queue.length > 0) this.sendSoon();
    };
  }

  /** True when the file was inserted; false when its folders moved or its name was taken. */
  create(item: FileCreation): Promise<boolean> {
    return new Promise<boolean>((settle) => {
      this.queue.push({ ...item, settle });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.queue.length >= this.maxBatch() || this.onTheirWay === 0) this.sendSoon();
    else this.timer ??= setTimeout(() => this.send(), this.opts.windowMs ?? 4);
  }

  private maxBatch(): number {
    return this.opts.maxBatch ?? 256;
  }

  /** Sends after the current I/O callbacks, so creations finishing in the same turn still join. */
  private sendSoon(): void {
    if (this.running || this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.send();
    });
  }

  private send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.splice(0, this.maxBatch());
    void this.insert(batch).finally(() => {
      this.running = false;
      this.schedule();
    });
  }

  private async insert(batch: Queued[]): Promise<void> {
    let inserted: Set<string>;
    try {
      inserted = await nodeStore.insertFilesWithVersions(this.db, batch);
    } catch {
      inserted = new Set();
    }
    for (const item of batch) item.settle(inserted.has(item.file.id));
  }
}
