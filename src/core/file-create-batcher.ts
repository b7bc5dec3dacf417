import type { DbExecutor } from "../store/core/db-executor.js";
import { nodeStore, type NodeRecord } from "../store/core/node-store.js";
import type { VersionRecord } from "../store/core/version-store.js";

export interface FileCreate {
  file: NodeRecord;
  version: VersionRecord;
  inlineData: Buffer | undefined;
  /** The folders above the file (not the root) with the paths they were resolved at. */
  ancestors: readonly { id: string; path: string }[];
}

interface Queued extends FileCreate {
  settle(inserted: boolean): void;
}

/**
 * Group commit for PostgreSQL's one-statement file creation (nodeStore.insertFilesWithVersions).
 *
 * Each commit on PostgreSQL waits for a WAL flush (an fdatasync); writers of an initial sync or an
 * upload burst each paid one. Here a creation goes out at once when no statement is running;
 * creations that arrive while one runs wait for it and then go out together in the next
 * statement — one round trip and one flush for all of them. No timer: an idle server adds no delay.
 * A statement that fails (e.g. a deadlock with a concurrent transaction) inserts nothing, and its
 * callers take the transaction path, which reports real errors.
 */
export class FileCreateBatcher {
  private queue: Queued[] = [];
  private running = false;

  constructor(
    private readonly db: DbExecutor,
    private readonly maxBatch = 256,
  ) {}

  /** True when the file was inserted; false when its folders moved or its name was taken. */
  create(item: FileCreate): Promise<boolean> {
    return new Promise<boolean>((settle) => {
      this.queue.push({ ...item, settle });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      // Let writers that finished in the same turn of the event loop join the first statement.
      await new Promise<void>((r) => setImmediate(r));
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        let inserted: Set<string>;
        try {
          inserted = await nodeStore.insertFilesWithVersions(this.db, batch);
        } catch {
          inserted = new Set();
        }
        for (const item of batch) item.settle(inserted.has(item.file.id));
      }
    } finally {
      this.running = false;
    }
  }
}
