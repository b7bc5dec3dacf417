import type { Kysely } from "kysely";

/**
 * Who changed which connector fields when. Rows outlive the connector (no foreign key): the trail
 * of a deleted connector is what an investigation needs most.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("connector_audit")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("connector_id", "text", (c) => c.notNull())
    .addColumn("connector_type", "text", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("actor_id", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("fields", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("scope_fields", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("secrets_dropped", "text", (c) => c.notNull().defaultTo("[]"))
    .execute();
  await db.schema
    .createIndex("connector_audit_connector")
    .on("connector_audit")
    .columns(["connector_id", "id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("connector_audit").execute();
}
