import type { DbExecutor } from "../core/db-executor.js";

/**
 * Rows of `upload_locks`: who holds the lock of a resumable upload, until when. Timestamps are
 * RFC 3339 text from the callers' clocks (nodes keep their clocks in sync; the lease is seconds
 * long and renewed every second, so skew below that is harmless).
 */
export const uploadLockStore = {
  /**
   * Takes the lock if it is free or its holder's lease ran out, in one statement (an upsert that
   * only overwrites an expired row), so of two nodes trying at once exactly one gets it.
   */
  async tryTake(db: DbExecutor, uploadId: string, holder: string, now: string, expiresAt: string): Promise<boolean> {
    const row = await db
      .insertInto("upload_locks")
      .values({ upload_id: uploadId, holder, expires_at: expiresAt, release_requested: 0 })
      .onConflict((oc) =>
        oc
          .column("upload_id")
          .doUpdateSet({ holder, expires_at: expiresAt, release_requested: 0 })
          .where("upload_locks.expires_at", "<=", now),
      )
      .returning("holder")
      .executeTakeFirst();
    return row?.holder === holder;
  },

  /** Asks the current holder to let go (it sees the flag at its next renewal). */
  async requestRelease(db: DbExecutor, uploadId: string): Promise<void> {
    await db
      .updateTable("upload_locks")
      .set({ release_requested: 1 })
      .where("upload_id", "=", uploadId)
      .where("release_requested", "=", 0)
      .execute();
  },

  /**
   * Extends the holder's lease. Returns whether another request asked for the lock, or "lost"
   * when the lock is no longer this holder's (its lease ran out and someone took it).
   */
  async renew(
    db: DbExecutor,
    uploadId: string,
    holder: string,
    expiresAt: string,
  ): Promise<"held" | "release_requested" | "lost"> {
    const row = await db
      .updateTable("upload_locks")
      .set({ expires_at: expiresAt })
      .where("upload_id", "=", uploadId)
      .where("holder", "=", holder)
      .returning("release_requested")
      .executeTakeFirst();
    if (!row) return "lost";
    return Number(row.release_requested) === 1 ? "release_requested" : "held";
  },

  async release(db: DbExecutor, uploadId: string, holder: string): Promise<void> {
    await db.deleteFrom("upload_locks").where("upload_id", "=", uploadId).where("holder", "=", holder).execute();
  },

  /** Deletes locks whose lease ran out before `before` (holders that died). */
  async sweep(db: DbExecutor, before: string): Promise<void> {
    await db.deleteFrom("upload_locks").where("expires_at", "<=", before).execute();
  },
};
