import type { Kysely } from "kysely";

/**
 * Indexes for the job log's filters (`result=error`, `action=…`): a job can log 100,000 entries
 * and more, and a filtered page must not read them all. Each index leads with the job and ends with
 * `seq`, so a page is an index range read in log order whichever filter is set.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("sync_job_entries_result")
    .on("sync_job_entries")
    .columns(["job_id", "result", "seq"])
    .execute();
  await db.schema
    .createIndex("sync_job_entries_action")
    .on("sync_job_entries")
    .columns(["job_id", "action", "seq"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("sync_job_entries_action").execute();
  await db.schema.dropIndex("sync_job_entries_result").execute();
}
