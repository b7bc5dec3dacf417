import type { Kysely } from "kysely";

/**
 * Blob leases: a node records here the blobs it is landing before they are referenced, so a
 * garbage collection on any node sharing the blob directory leaves them alone (see
 * src/store/blobs/blob-lease-store.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("blob_leases")
    .addColumn("id", "varchar(40)", (c) => c.primaryKey())
    .addColumn("sha256", "varchar(64)", (c) => c.notNull())
    .addColumn("holder", "varchar(200)", (c) => c.notNull())
    .addColumn("expires_at", "varchar(40)", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("blob_leases_sha256_idx").on("blob_leases").column("sha256").execute();
  await db.schema.createIndex("blob_leases_expires_idx").on("blob_leases").column("expires_at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("blob_leases").execute();
}
