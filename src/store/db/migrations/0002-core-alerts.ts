import type { Kysely } from "kysely";

/**
 * Alerts admins must act on (a connector disabled after its credentials were refused, ...).
 * `connector_id` has no foreign key: the connectors table belongs to a later migration (0100),
 * and an alert outlives the connector it was about. Open alerts have `resolved_at` null.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("alerts")
    .addColumn("id", "varchar(40)", (c) => c.primaryKey())
    .addColumn("kind", "varchar(64)", (c) => c.notNull())
    .addColumn("connector_id", "varchar(40)")
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("created_at", "varchar(40)", (c) => c.notNull())
    .addColumn("resolved_at", "varchar(40)")
    .execute();
  await db.schema.createIndex("alerts_connector_idx").on("alerts").columns(["connector_id", "kind"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("alerts").execute();
}
