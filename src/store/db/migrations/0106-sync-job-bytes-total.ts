import type { Kysely } from "kysely";

/**
 * `bytes_total` of a job: the content bytes its plan may move (the sizes of the files it copies),
 * so a running job's progress can say bytes done out of a total and an ETA can lean on bytes,
 * not only on file counts.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("sync_jobs")
    .addColumn("bytes_total", "bigint", (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sync_jobs").dropColumn("bytes_total").execute();
}
