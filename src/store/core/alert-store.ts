import type { DbExecutor } from "./db-executor.js";

export interface AlertRecord {
  id: string;
  kind: string;
  connector_id: string | null;
  message: string;
  created_at: string;
  resolved_at: string | null;
}

/** Admin alerts (table `alerts`). Only this module touches the table. */
export const alertStore = {
  async insert(db: DbExecutor, a: AlertRecord): Promise<void> {
    await db.insertInto("alerts").values(a).execute();
  },

  async get(db: DbExecutor, id: string): Promise<AlertRecord | undefined> {
    return db.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
  },

  /** The open alert of `kind` about a connector, if any (there is at most one: see alert-service). */
  async openFor(db: DbExecutor, connectorId: string, kind: string): Promise<AlertRecord | undefined> {
    return db
      .selectFrom("alerts")
      .selectAll()
      .where("connector_id", "=", connectorId)
      .where("kind", "=", kind)
      .where("resolved_at", "is", null)
      .orderBy("id")
      .executeTakeFirst();
  },

  /** Newest first (ids are ULIDs), strictly before `beforeId`; `open` keeps only unresolved ones. */
  async list(
    db: DbExecutor,
    o: { beforeId?: string; limit: number; open?: boolean; connectorId?: string },
  ): Promise<AlertRecord[]> {
    let q = db.selectFrom("alerts").selectAll().orderBy("id", "desc").limit(o.limit);
    if (o.beforeId) q = q.where("id", "<", o.beforeId);
    if (o.open) q = q.where("resolved_at", "is", null);
    if (o.connectorId) q = q.where("connector_id", "=", o.connectorId);
    return q.execute();
  },

  /** Marks open alerts resolved; returns how many changed. */
  async resolve(
    db: DbExecutor,
    where: { id?: string; connectorId?: string; kind?: string },
    at: string,
  ): Promise<number> {
    let q = db.updateTable("alerts").set({ resolved_at: at }).where("resolved_at", "is", null);
    if (where.id) q = q.where("id", "=", where.id);
    if (where.connectorId) q = q.where("connector_id", "=", where.connectorId);
    if (where.kind) q = q.where("kind", "=", where.kind);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
};
