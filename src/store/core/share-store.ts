import type { DbExecutor } from "./db-executor.js";

export interface ShareRecord {
  id: string;
  name: string;
  description: string | null;
  created_by: string;
  created_at: string;
}

export const shareStore = {
  async insert(db: DbExecutor, s: ShareRecord): Promise<void> {
    await db.insertInto("shares").values(s).execute();
  },

  async get(db: DbExecutor, id: string): Promise<ShareRecord | undefined> {
    return db.selectFrom("shares").selectAll().where("id", "=", id).executeTakeFirst();
  },

  /** All shares ordered by id, strictly after `afterId`. */
  async list(db: DbExecutor, afterId: string | undefined, limit: number): Promise<ShareRecord[]> {
    let q = db.selectFrom("shares").selectAll().orderBy("id").limit(limit);
    if (afterId) q = q.where("id", ">", afterId);
    return q.execute();
  },

  /**
   * Shares the principals can see: created by one of them or holding an ACE for one of them
   * anywhere in the share. Ordered by id, strictly after `afterId`.
   */
  async listVisible(
    db: DbExecutor,
    principalIds: string[],
    afterId: string | undefined,
    limit: number,
  ): Promise<ShareRecord[]> {
    let q = db
      .selectFrom("shares")
      .selectAll()
      .where((eb) =>
        eb.or([
          eb("created_by", "in", principalIds),
          eb.exists(
            eb
              .selectFrom("aces")
              .innerJoin("nodes", "nodes.id", "aces.node_id")
              .select("aces.node_id")
              .whereRef("nodes.share_id", "=", "shares.id")
              .where("aces.principal_id", "in", principalIds),
          ),
        ]),
      )
      .orderBy("id")
      .limit(limit);
    if (afterId) q = q.where("id", ">", afterId);
    return q.execute();
  },

  /** Whether one of the principals holds an ACE anywhere in the share. */
  async hasAceFor(db: DbExecutor, shareId: string, principalIds: string[]): Promise<boolean> {
    const row = await db
      .selectFrom("aces")
      .innerJoin("nodes", "nodes.id", "aces.node_id")
      .select("aces.node_id")
      .where("nodes.share_id", "=", shareId)
      .where("aces.principal_id", "in", principalIds)
      .limit(1)
      .executeTakeFirst();
    return !!row;
  },

  /** Deletes the share; nodes, versions and ACEs go with it (foreign keys cascade). */
  async delete(db: DbExecutor, id: string): Promise<boolean> {
    const r = await db.deleteFrom("shares").where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};
