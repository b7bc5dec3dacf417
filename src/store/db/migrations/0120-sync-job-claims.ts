import { sql, type Kysely } from "kysely";

/**
 * Jobs across several nodes on one PostgreSQL (issue 20):
 * - `claimed_by`: the node id that claimed (and runs) a job; null while it waits, queued, for a
 *   node with the worker role to claim it;
 * - `params`: what a job kind needs beyond `options` to be rebuilt on the claiming node (push and
 *   pull: `after_copy` and `path`), JSON;
 * - `cluster_leases`: named leases (the scheduler's leader election), held by one node until
 *   `expires_at` unless renewed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sync_jobs").addColumn("claimed_by", "text").execute();
  await db.schema.alterTable("sync_jobs").addColumn("params", "text").execute();
  // Claiming looks for the oldest unclaimed queued job: a small partial index keeps that a range read.
  await sql`CREATE INDEX sync_jobs_unclaimed ON sync_jobs (id) WHERE status = 'queued' AND claimed_by IS NULL`.execute(
    db,
  );
  await db.schema
    .createTable("cluster_leases")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("holder", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("cluster_leases").execute();
  await sql`DROP INDEX sync_jobs_unclaimed`.execute(db);
  await db.schema.alterTable("sync_jobs").dropColumn("params").execute();
  await db.schema.alterTable("sync_jobs").dropColumn("claimed_by").execute();
}
