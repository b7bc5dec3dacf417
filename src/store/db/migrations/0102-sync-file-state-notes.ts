import type { Kysely } from "kysely";

/**
 * A standing note on a file-state (not an error): `out_of_scope` (the item left the filter's scope
 * and is no longer synced; nothing was deleted) or `kept_on_remote` / `kept_on_scaidrive` (a folder
 * deleted on one side and kept on the other because it still holds items the connector does not
 * sync). And the filter a delta cursor was taken under: a cursor of another filter is not replayed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("file_states").addColumn("note_code", "text").execute();
  await db.schema.alterTable("file_states").addColumn("note", "text").execute();
  await db.schema.alterTable("sync_cursors").addColumn("scope_key", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sync_cursors").dropColumn("scope_key").execute();
  await db.schema.alterTable("file_states").dropColumn("note").execute();
  await db.schema.alterTable("file_states").dropColumn("note_code").execute();
}
