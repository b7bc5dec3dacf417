import type { Logger } from "pino";
import type { BlobStore } from "../store/blobs/fs-blob-store.js";
import { versionStore } from "../store/core/version-store.js";
import { inlineBlobStore } from "../store/blobs/inline-blob-store.js";
import { isRetryableConflict, type DbExecutor } from "../store/core/db-executor.js";

/**
 * Collects content no version references: blob files and inline blobs (database rows). Deletes
 * and failed uploads call {@link request}; runs are debounced and never overlap (within this
 * process). Blobs pinned by an in-flight upload are skipped by the store, so a collection racing an
 * upload of the same content is safe; on PostgreSQL the pins are leases in the database and every
 * node may collect at the same time as the others write (the protocol is in fs-blob-store.ts;
 * inline blobs are rows, guarded by the database itself). {@link start} also schedules a full
 * collection a few minutes after start-up and then hourly, which removes blobs orphaned by a crash
 * between storing the bytes and committing the version. Not sooner: a full collection walks every
 * blob and asks the database about each, and start-up is when scheduled syncs resume, so it would
 * compete with them for the main thread; an orphan only costs disk space until then.
 */
export class BlobCollector {
  private timer: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly db: DbExecutor,
    private readonly blobs: BlobStore,
    private readonly logger: Logger,
    private readonly delayMs = 2000,
  ) {}

  start(everyMs = 60 * 60 * 1000, firstAfterMs = 5 * 60 * 1000): void {
    if (this.interval || this.closed) return;
    this.first = setTimeout(() => this.request(), firstAfterMs);
    this.first.unref();
    this.interval = setInterval(() => this.request(), everyMs);
    this.interval.unref();
  }

  request(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runNow().catch((err: unknown) => this.logger.error({ err }, "blob collection failed"));
    }, this.delayMs);
    this.timer.unref();
  }

  /** Runs a collection now (waiting for one in progress first). */
  async runNow(): Promise<{ removed: number; bytes: number }> {
    while (this.running) await this.running;
    let result = { removed: 0, bytes: 0 };
    this.running = (async () => {
      const files = await this.blobs.collectGarbage((sha) => versionStore.isBlobReferenced(this.db, sha));
      // A writer committing a version for one of these rows at the same moment wins (PostgreSQL
      // reports a serialization failure to one side); the next run collects what is left.
      const inline = await inlineBlobStore.collect(this.db).catch((err: unknown) => {
        if (!isRetryableConflict(err)) throw err;
        return { removed: 0, bytes: 0 };
      });
      result = { removed: files.removed + inline.removed, bytes: files.bytes + inline.bytes };
      if (result.removed > 0) this.logger.info({ removed: result.removed, bytes: result.bytes }, "blobs collected");
    })();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.interval) clearInterval(this.interval);
    if (this.first) clearTimeout(this.first);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await this.running.catch(() => {});
  }
}
