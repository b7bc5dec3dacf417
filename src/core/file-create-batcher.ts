import type { DbExecutor } from "../store/core/db-executor.js";
import type { FileCreation } from "../store/core/file-creation-statement.js";
import { nodeStore } from "../store/core/node-store.js";
import { BatchWindow } from "./batch-window.js";

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
  private readonly maxBatch: number;
  private readonly window: BatchWindow;

  constructor(
    private readonly db: DbExecutor,
    opts: { windowMs?: number; maxBatch?: number } = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 256;
    this.window = new BatchWindow({
      windowMs: opts.windowMs ?? 4,
      ready: () => !this.running && this.queue.length > 0,
      send: () => this.send(),
    });
  }

  /**
   * Announces a writer that may call {@link create} soon, so that creations ahead of it wait for
   * it rather than go out alone. Call the returned function exactly once, when the writer is
   * ready to create (before create()) or gives up.
   */
  begin(): () => void {
    return this.window.begin();
  }

  /** True when the file was inserted; false when its folders moved or its name was taken. */
  create(item: FileCreation): Promise<boolean> {
    return new Promise<boolean>((settle) => {
      this.queue.push({ ...item, settle });
      this.window.schedule(this.queue.length >= this.maxBatch);
    });
  }

  private send(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.splice(0, this.maxBatch);
    void this.insert(batch).finally(() => {
      this.running = false;
      this.window.schedule(this.queue.length >= this.maxBatch);
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
