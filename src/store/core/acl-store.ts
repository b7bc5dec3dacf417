import type { DbExecutor } from "./db-executor.js";
import { runPrepared } from "./prepared.js";

export interface AceRecord {
  node_id: string;
  principal_id: string;
  /** Comma-separated permission names. */
  permissions: string;
}

export const aclStore = {
  /** ACEs of many nodes at once (one query for a whole ancestor chain or listing page). */
  async forNodes(db: DbExecutor, nodeIds: string[]): Promise<AceRecord[]> {
    if (nodeIds.length === 0) return [];
    // Ancestor chains are short, so one template per chain length; listing pages vary more and are built each time.
    if (nodeIds.length > 16)
      return db.selectFrom("aces").selectAll().where("node_id", "in", nodeIds).orderBy("principal_id").execute();
    const { rows } = await runPrepared(db, `aces.forNodes:${nodeIds.length}`, nodeIds, (q, arg) =>
      q
        .selectFrom("aces")
        .selectAll()
        .where(
          "node_id",
          "in",
          nodeIds.map((_, i) => arg(i)),
        )
        .orderBy("principal_id"),
    );
    return rows;
  },

  /** Replaces the node's ACEs with `aces` (an empty list clears them). */
  async replace(db: DbExecutor, nodeId: string, aces: Omit<AceRecord, "node_id">[]): Promise<void> {
    await db.deleteFrom("aces").where("node_id", "=", nodeId).execute();
    if (aces.length > 0)
      await db
        .insertInto("aces")
        .values(aces.map((a) => ({ ...a, node_id: nodeId })))
        .execute();
  },
};
