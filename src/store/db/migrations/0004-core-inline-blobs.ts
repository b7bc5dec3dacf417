import { SqliteAdapter, type Kysely } from "kysely";

/**
 * Small content (see src/store/blobs/inline-blobs.ts) lives in the database, keyed by SHA-256
 * like blob files: BLOB on SQLite, bytea on PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const bytes = db.getExecutor().adapter instanceof SqliteAdapter ? "blob" : "bytea";
  await db.schema
    .createTable("inline_blobs")
    .addColumn("sha256", "varchar(64)", (c) => c.primaryKey())
    .addColumn("data", bytes, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("inline_blobs").execute();
}
