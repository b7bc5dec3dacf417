import type { Kysely } from "kysely";

/**
 * Locks of resumable (tus) uploads, so two nodes never write the same upload at once (see
 * src/core/upload-locker.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("upload_locks")
    .addColumn("upload_id", "varchar(40)", (c) => c.primaryKey())
    .addColumn("holder", "varchar(40)", (c) => c.notNull())
    .addColumn("expires_at", "varchar(40)", (c) => c.notNull())
    .addColumn("release_requested", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("upload_locks").execute();
}
