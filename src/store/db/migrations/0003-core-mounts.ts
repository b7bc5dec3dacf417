import type { Kysely } from "kysely";

/**
 * Remote mounts: a share folder (`node_id`) that passes every operation to a connector's remote
 * folder. Keyed by the folder's node id, not its path, so moving or renaming an ancestor keeps
 * the mount; deleting the folder (or an ancestor) drops the mount by cascade. `connector_id` has
 * no foreign key because the connectors table belongs to a later migration (0100); a mount whose
 * connector is gone answers 404 until it is deleted.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("mounts")
    .addColumn("id", "varchar(40)", (c) => c.primaryKey())
    .addColumn("share_id", "varchar(40)", (c) => c.notNull().references("shares.id").onDelete("cascade"))
    .addColumn("node_id", "varchar(40)", (c) => c.notNull().unique().references("nodes.id").onDelete("cascade"))
    .addColumn("connector_id", "varchar(40)", (c) => c.notNull())
    .addColumn("remote_path", "varchar(4096)", (c) => c.notNull())
    .addColumn("created_by", "varchar(40)", (c) => c.notNull())
    .addColumn("created_at", "varchar(40)", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("mounts_share_idx").on("mounts").column("share_id").execute();
  await db.schema.createIndex("mounts_connector_idx").on("mounts").column("connector_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("mounts").execute();
}
