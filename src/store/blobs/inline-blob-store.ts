import { Readable } from "node:stream";
import type { DbExecutor } from "../core/db-executor.js";
import { inTransaction } from "../core/db-executor.js";
import { resolveRange } from "./byte-range.js";

/**
 * Content of at most this many bytes is kept in the database (table `inline_blobs`) rather than
 * in a blob file. A blob file costs a temp file, an fdatasync, a rename and a directory fsync —
 * for a 4 KiB file many times the cost of the bytes, and the largest part of syncing or
 * uploading many small files. In the database the bytes commit with the version row that
 * references them, in the same (often shared) transaction, with the same durability as that row.
 */
export const INLINE_BLOB_MAX_BYTES = 16 * 1024;

/**
 * Inline blobs, keyed by SHA-256 like blob files, so versions reference both kinds alike. Rows are
 * written only inside the transaction that inserts the version referencing them, which is what
 * keeps collection safe without pins (see {@link collect}).
 */
export const inlineBlobStore = {
  /**
   * Stores the content (idempotent). Call inside the transaction that inserts the referencing
   * version. An upsert rather than "insert or ignore": updating the row takes its lock, so a
   * concurrent collection cannot delete it between this statement and the commit (PostgreSQL;
   * SQLite runs transactions one at a time anyway).
   */
  async put(db: DbExecutor, sha256: string, data: Buffer): Promise<void> {
    await db
      .insertInto("inline_blobs")
      .values({ sha256, data })
      .onConflict((oc) => oc.column("sha256").doUpdateSet({ sha256 }))
      .execute();
  },

  async get(db: DbExecutor, sha256: string): Promise<Buffer | undefined> {
    const row = await db.selectFrom("inline_blobs").select("data").where("sha256", "=", sha256).executeTakeFirst();
    return row ? Buffer.from(row.data) : undefined;
  },

  /**
   * Deletes the rows no version references, in one serializable transaction: on PostgreSQL a
   * writer committing a version for one of them at the same moment makes one side fail and retry
   * instead of leaving a version without content. Returns what was removed.
   */
  async collect(db: DbExecutor): Promise<{ removed: number; bytes: number }> {
    return inTransaction(
      db,
      async (trx) => {
        const orphans = await trx
          .selectFrom("inline_blobs as b")
          .select(["b.sha256", (eb) => eb.fn<number | string>("length", ["b.data"]).as("size")])
          .where((eb) =>
            eb.not(eb.exists(eb.selectFrom("versions as v").select("v.id").whereRef("v.sha256", "=", "b.sha256"))),
          )
          .execute();
        // In slices: both databases cap the number of bound parameters per statement.
        for (let i = 0; i < orphans.length; i += 500) {
          const slice = orphans.slice(i, i + 500).map((o) => o.sha256);
          await trx.deleteFrom("inline_blobs").where("sha256", "in", slice).execute();
        }
        return { removed: orphans.length, bytes: orphans.reduce((n, o) => n + Number(o.size), 0) };
      },
      { serializable: true },
    );
  },
};

/** A range of inline content (a view, not a copy); range rules as the blob store's `open`. */
export function inlineContentRange(data: Buffer, range?: { start: number; end: number }): Buffer {
  const { start, end } = resolveRange(data.length, range);
  return data.subarray(start, end + 1);
}

/** Inline content as a stream of one chunk. */
export function inlineContentStream(data: Buffer): Readable {
  return new Readable({
    read() {
      if (data.length > 0) this.push(data);
      this.push(null);
    },
  });
}
