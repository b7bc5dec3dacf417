import type { DbExecutor } from "./db-executor.js";

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
    return db.selectFrom("aces").selectAll().where("node_id", "in", nodeIds).orderBy("principal_id").execute();
  },

  /** Replaces the node's ACEs with `aces` (an empty list clears them). */
  async replace(db: DbExecutor, nodeId: string, aces: Omit<AceRecord, "node_id">[]): Promise<void> {
    await db.deleteFrom("aces").where("node_id", "=", nodeId).execute();
    if (aces.length > 0) await db.insertInto("aces").values(aces.map((a) => ({ ...a, node_id: nodeId }))).execute();
  },
};
