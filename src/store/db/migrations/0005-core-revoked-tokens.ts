import type { Kysely } from "kysely";

/**
 * Hashes of revoked tokens. A token named by configuration (SCAIDRIVE_ADMIN_TOKEN) is created
 * again at start-up when it is missing; remembering revocations keeps a revoked one revoked.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("revoked_tokens")
    .addColumn("token_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("revoked_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("revoked_tokens").execute();
}
