import { toNumber, type DbExecutor } from "./db-executor.js";
import { runPrepared } from "./prepared.js";

export interface VersionRecord {
  id: string;
  file_id: string;
  size: number;
  sha256: string;
  author_id: string | null;
  created_at: string;
}

export const versionStore = {
  async insert(db: DbExecutor, v: VersionRecord): Promise<void> {
    await runPrepared(db, "versions.insert", [v.id, v.file_id, v.size, v.sha256, v.author_id, v.created_at], (q, arg) =>
      q
        .insertInto("versions")
        .values({ id: arg(0), file_id: arg(1), size: arg(2), sha256: arg(3), author_id: arg(4), created_at: arg(5) }),
    );
  },

  async get(db: DbExecutor, id: string): Promise<VersionRecord | undefined> {
    const { rows } = await runPrepared(db, "versions.get", [id], (q, arg) =>
      q.selectFrom("versions").selectAll().where("id", "=", arg(0)),
    );
    const row = rows[0];
    return row && { ...row, size: toNumber(row.size) };
  },

  /** Newest first (created_at, then id), strictly after the cursor pair. */
  async listForFile(
    db: DbExecutor,
    fileId: string,
    after: { created_at: string; id: string } | undefined,
    limit: number,
  ): Promise<VersionRecord[]> {
    let q = db
      .selectFrom("versions")
      .selectAll()
      .where("file_id", "=", fileId)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(limit);
    if (after) {
      q = q.where((eb) =>
        eb.or([
          eb("created_at", "<", after.created_at),
          eb.and([eb("created_at", "=", after.created_at), eb("id", "<", after.id)]),
        ]),
      );
    }
    return (await q.execute()).map((r) => ({ ...r, size: toNumber(r.size) }));
  },

  /** Whether any version (of any file) still references this content: the blob GC's question. */
  async isBlobReferenced(db: DbExecutor, sha256: string): Promise<boolean> {
    return !!(await db.selectFrom("versions").select("id").where("sha256", "=", sha256).limit(1).executeTakeFirst());
  },
};
