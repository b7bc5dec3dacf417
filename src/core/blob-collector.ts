import type { Logger } from "pino";
import type { BlobStore } from "../store/blobs/fs-blob-store.js";
import { versionStore } from "../store/core/version-store.js";
import type { DbExecutor } from "../store/core/db-executor.js";

/**
 * Collects blobs no version references. Deletes and failed uploads call {@link request}; runs are
 * debounced and never overlap. Blobs pinned by an in-flight upload are skipped by the store, so a
 * collection racing an upload of the same content is safe. {@link start} also collects once soon
 * after start-up and then hourly, which removes blobs orphaned by a crash between storing the
 * bytes and committing the version.
 */
export class BlobCollector {
  private timer: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly db: DbExecutor,
    private readonly blobs: BlobStore,
    private readonly logger: Logger,
    private readonly delayMs = 2000,
  ) {}

  start(everyMs = 60 * 60 * 1000): void {
    if (this.interval || this.closed) return;
    this.request();
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
      result = await this.blobs.collectGarbage((sha) => versionStore.isBlobReferenced(this.db, sha));
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
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await this.running.catch(() => {});
  }
}
