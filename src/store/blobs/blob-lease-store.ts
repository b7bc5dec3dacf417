import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { PostgresAdapter, sql } from "kysely";
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

  /**
   * On PostgreSQL the lease commits without waiting for its WAL flush (synchronous_commit off
   * for this transaction only): what matters is that other nodes see it, which a commit gives at
   * once, not that it survives a database crash — the version committed after it flushes it
   * anyway, and a put interrupted by a database crash fails. Waiting for the flush cost about one
   * fsync (5 ms on a busy disk) per stored blob.
   */
  async acquire(sha256: string): Promise<string> {
    const id = randomBytes(12).toString("base64url");
    const row = { id, sha256, holder: this.holder, expires_at: new Date(this.now() + this.ttlMs).toISOString() };
    await this.withoutFlushWait((db) => db.insertInto("blob_leases").values(row).execute());
    return id;
  }

  /** Runs `fn` in a transaction that commits without waiting for the WAL flush (PostgreSQL; see {@link acquire}). */
  private async withoutFlushWait(fn: (db: DbExecutor) => Promise<unknown>): Promise<void> {
    if (!(this.db.getExecutor().adapter instanceof PostgresAdapter)) {
      await fn(this.db);
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      await sql`set local synchronous_commit to off`.execute(trx);
      await fn(trx);
    });
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
        // A release lost to a database crash only means the lease expires: no flush wait either.
        await this.withoutFlushWait((db) => db.deleteFrom("blob_leases").where("id", "in", ids).execute()).catch(
          (err: unknown) => this.logger.warn({ err, leases: ids.length }, "blob leases not released; they expire"),
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
