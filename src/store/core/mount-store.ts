import type { DbExecutor } from "./db-executor.js";
import { runPrepared } from "./prepared.js";

export interface MountRecord {
  id: string;
  share_id: string;
  node_id: string;
  connector_id: string;
  remote_path: string;
  created_by: string;
  created_at: string;
}

/** A mount with the current path of its folder ("/a/b"), which follows renames of ancestors. */
export interface MountWithPath extends MountRecord {
  path: string;
}

const withPath = (db: DbExecutor) =>
  db
    .selectFrom("mounts")
    .innerJoin("nodes", "nodes.id", "mounts.node_id")
    .select([
      "mounts.id",
      "mounts.share_id",
      "mounts.node_id",
      "mounts.connector_id",
      "mounts.remote_path",
      "mounts.created_by",
      "mounts.created_at",
      "nodes.path as path",
    ]);

/** Remote mounts (table `mounts`). Only this module touches the table. */
export const mountStore = {
  /** @throws the driver's unique violation when the folder already carries a mount. */
  async insert(db: DbExecutor, m: MountRecord): Promise<void> {
    await db.insertInto("mounts").values(m).execute();
  },

  async get(db: DbExecutor, id: string): Promise<MountWithPath | undefined> {
    return withPath(db).where("mounts.id", "=", id).executeTakeFirst();
  },

  /** Every mount of a share with its folder's current path (one query; shares carry few mounts). */
  async forShare(db: DbExecutor, shareId: string): Promise<MountWithPath[]> {
    return (
      await runPrepared(db, "mounts.forShare", [shareId], (q, arg) => withPath(q).where("mounts.share_id", "=", arg(0)))
    ).rows;
  },

  /** Every mount, ordered by id, strictly after `afterId`. */
  async list(db: DbExecutor, afterId: string | undefined, limit: number): Promise<MountWithPath[]> {
    let q = withPath(db).orderBy("mounts.id").limit(limit);
    if (afterId) q = q.where("mounts.id", ">", afterId);
    return q.execute();
  },

  async delete(db: DbExecutor, id: string): Promise<void> {
    await db.deleteFrom("mounts").where("id", "=", id).execute();
  },
};
