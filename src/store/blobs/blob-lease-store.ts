import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { DbExecutor } from "../core/db-executor.js";

/**
 * A lease lives this long unless released: far longer than any put takes from landing its bytes to
 * committing the version (seconds), so expiry only frees the leases of a process that died.
 */
export const BLOB_LEASE_TTL_MS = 60 * 60 * 1000;

/** Releases are deleted together, in slices of at most this many ids per statement. */
const RELEASE_SLICE = 500;

/**
 * Blob leases shared by every node on one database: what the in-process pins of the blob store
 * are for one process. See the protocol in fs-blob-store.ts ({@link createFsBlobStore}).
 */
export interface BlobLeases {
  /** Records that `sha256` is being landed; every node's collection sees it once this resolves. */
  acquire(sha256: string): Promise<string>;
  /** Drops a lease (deferred and batched; never throws — a lease that could not be deleted expires). */
  release(id: string): void;
  /** Whether any node holds an unexpired lease on `sha256`. */
  isLeased(sha256: string): Promise<boolean>;
  /** Deletes expired leases (those of dead processes); returns how many. */
  sweep(): Promise<number>;
  /** Waits for pending releases. */
  flush(): Promise<void>;
}

/** {@link BlobLeases} in the `blob_leases` table. */
export class DbBlobLeases implements BlobLeases {
  private readonly holder = `${hostname()}:${process.pid}`.slice(0, 200);
  private pending: string[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: DbExecutor,
    private readonly logger: Logger,
    private readonly ttlMs = BLOB_LEASE_TTL_MS,
    /** The clock (tests move it). */
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(sha256: string): Promise<string> {
    const id = randomBytes(12).toString("base64url");
    await this.db
      .insertInto("blob_leases")
      .values({ id, sha256, holder: this.holder, expires_at: new Date(this.now() + this.ttlMs).toISOString() })
      .execute();
    return id;
  }

  release(id: string): void {
    this.pending.push(id);
    // One statement for the releases of one tick: a batch of small puts committed together
    // releases together.
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.deletePending());
  }

  private async deletePending(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const ids = this.pending.splice(0, RELEASE_SLICE);
        await this.db
          .deleteFrom("blob_leases")
          .where("id", "in", ids)
          .execute()
          .catch((err: unknown) =>
            this.logger.warn({ err, leases: ids.length }, "blob leases not released; they expire"),
          );
      }
    } finally {
      this.flushing = undefined;
    }
  }

  async isLeased(sha256: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("blob_leases")
      .select("id")
      .where("sha256", "=", sha256)
      .where("expires_at", ">", new Date(this.now()).toISOString())
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async sweep(): Promise<number> {
    const r = await this.db
      .deleteFrom("blob_leases")
      .where("expires_at", "<=", new Date(this.now()).toISOString())
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }
}
