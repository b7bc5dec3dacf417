/**
 * One delta cursor per connector (delta-capable remotes only), with the key of the filter the
 * listing behind it was taken under: a run under another filter enumerates afresh instead.
 */
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { nowIso } from "./store-values.js";

export interface StoredCursor {
  cursor: string;
  /** Null for cursors stored before scope keys existed (or without one). */
  scopeKey: string | null;
}

export class SyncCursorStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(connectorId: string): Promise<string | null> {
    return (await this.getScoped(connectorId))?.cursor ?? null;
  }

  async getScoped(connectorId: string): Promise<StoredCursor | null> {
    const row = await this.db
      .selectFrom("sync_cursors")
      .select(["cursor", "scope_key"])
      .where("connector_id", "=", connectorId)
      .executeTakeFirst();
    return row ? { cursor: row.cursor, scopeKey: row.scope_key ?? null } : null;
  }

  async set(connectorId: string, cursor: string, scopeKey: string | null = null): Promise<void> {
    await this.db
      .insertInto("sync_cursors")
      .values({ connector_id: connectorId, cursor, updated_at: nowIso(), scope_key: scopeKey })
      .onConflict((oc) => oc.column("connector_id").doUpdateSet({ cursor, updated_at: nowIso(), scope_key: scopeKey }))
      .execute();
  }

  async clear(connectorId: string): Promise<void> {
    await this.db.deleteFrom("sync_cursors").where("connector_id", "=", connectorId).execute();
  }
}
