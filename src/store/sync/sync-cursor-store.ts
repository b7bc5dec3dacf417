/** One delta cursor per connector (delta-capable remotes only). */
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { nowIso } from "./store-values.js";

export class SyncCursorStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(connectorId: string): Promise<string | null> {
    const row = await this.db.selectFrom("sync_cursors").select("cursor").where("connector_id", "=", connectorId).executeTakeFirst();
    return row?.cursor ?? null;
  }

  async set(connectorId: string, cursor: string): Promise<void> {
    await this.db
      .insertInto("sync_cursors")
      .values({ connector_id: connectorId, cursor, updated_at: nowIso() })
      .onConflict((oc) => oc.column("connector_id").doUpdateSet({ cursor, updated_at: nowIso() }))
      .execute();
  }

  async clear(connectorId: string): Promise<void> {
    await this.db.deleteFrom("sync_cursors").where("connector_id", "=", connectorId).execute();
  }
}
