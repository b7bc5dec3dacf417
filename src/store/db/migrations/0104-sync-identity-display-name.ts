import type { Kysely } from "kysely";

/**
 * The remote principal's display label on an identity mapping (`remote_display_name`): an Entra
 * object id means nothing to a reader, so the name and e-mail a people picker found are kept with
 * it. Optional; matching never uses it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("identity_mappings").addColumn("remote_display_name", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("identity_mappings").dropColumn("remote_display_name").execute();
}
