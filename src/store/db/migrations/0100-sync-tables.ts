import { sql, type Kysely } from "kysely";

/** Connectors, identity mappings, jobs with their per-file log, file-states and delta cursors. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("connectors")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("target_share_id", "text", (c) => c.notNull())
    .addColumn("target_path", "text", (c) => c.notNull())
    .addColumn("sync_direction", "text", (c) => c.notNull())
    .addColumn("conflict_resolution", "text", (c) => c.notNull())
    .addColumn("filters", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("sync_hidden_files", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("sync_system_files", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("sync_permissions", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("sync_versions", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("sync_interval_minutes", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("max_delete_percent", "integer", (c) => c.notNull().defaultTo(50))
    .addColumn("config", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("secrets", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("enabled"))
    .addColumn("status_reason", "text")
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("connectors_type").on("connectors").columns(["type", "id"]).execute();

  await db.schema
    .createTable("identity_mappings")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("connector_id", "text", (c) => c.notNull().references("connectors.id").onDelete("cascade"))
    .addColumn("identity_type", "text", (c) => c.notNull())
    .addColumn("remote_principal", "text", (c) => c.notNull())
    .addColumn("scaidrive_principal_id", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("identity_mappings_principal", ["connector_id", "remote_principal"])
    .execute();

  await db.schema
    .createTable("sync_jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("connector_id", "text", (c) => c.notNull().references("connectors.id").onDelete("cascade"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("trigger", "text", (c) => c.notNull())
    .addColumn("full_sync", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("dry_run", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("force", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("started_at", "text")
    .addColumn("finished_at", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("files_scanned", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("files_synced", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("bytes_transferred", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("error_count", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("files_total", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("files_done", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("bytes_done", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("error_code", "text")
    .addColumn("error_message", "text")
    .addColumn("skip_reason", "text")
    .execute();
  await db.schema.createIndex("sync_jobs_connector").on("sync_jobs").columns(["connector_id", "id"]).execute();
  // At most one queued-or-running job per connector, enforced by the database so that several
  // processes sharing one PostgreSQL never start two runs of the same connector.
  await sql`CREATE UNIQUE INDEX sync_jobs_one_active ON sync_jobs (connector_id) WHERE status IN ('queued', 'running')`.execute(
    db,
  );

  await db.schema
    .createTable("sync_job_entries")
    .addColumn("job_id", "text", (c) => c.notNull().references("sync_jobs.id").onDelete("cascade"))
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("result", "text", (c) => c.notNull())
    .addColumn("error_code", "text")
    .addColumn("error_message", "text")
    .addColumn("bytes", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("detail", "text")
    .addPrimaryKeyConstraint("sync_job_entries_pk", ["job_id", "seq"])
    .execute();

  await db.schema
    .createTable("file_states")
    .addColumn("connector_id", "text", (c) => c.notNull().references("connectors.id").onDelete("cascade"))
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("synced", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("remote_id", "text")
    .addColumn("remote_fingerprint", "text")
    .addColumn("remote_mtime_ms", "bigint")
    .addColumn("remote_size", "bigint")
    .addColumn("scaidrive_node_id", "text")
    .addColumn("scaidrive_version_id", "text")
    .addColumn("sha256", "text")
    .addColumn("last_synced_at", "text")
    .addColumn("last_error_code", "text")
    .addColumn("last_error", "text")
    .addColumn("extra", "text")
    .addPrimaryKeyConstraint("file_states_pk", ["connector_id", "path"])
    .execute();
  await db.schema
    .createIndex("file_states_remote_id")
    .on("file_states")
    .columns(["connector_id", "remote_id"])
    .execute();

  await db.schema
    .createTable("sync_cursors")
    .addColumn("connector_id", "text", (c) => c.primaryKey().references("connectors.id").onDelete("cascade"))
    .addColumn("cursor", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["sync_cursors", "file_states", "sync_job_entries", "sync_jobs", "identity_mappings", "connectors"]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
