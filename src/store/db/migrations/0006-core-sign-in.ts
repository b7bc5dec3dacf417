import type { Kysely } from "kysely";

/**
 * Local sign-in: password hashes and a disabled flag on users, browser sessions, set-password
 * links and failed sign-ins (counted in the database so several processes share the limits).
 * Users and groups gain `name_key` (lower-cased name) so `?q=` filters case-insensitively the
 * same way on SQLite (whose lower() folds ASCII only) and PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  await db.schema.alterTable("users").addColumn("password_hash", "text").execute();
  await db.schema.alterTable("users").addColumn("disabled_at", "varchar(40)").execute();
  await db.schema
    .alterTable("users")
    .addColumn("name_key", "varchar(400)", (c) => c.notNull().defaultTo(""))
    .execute();
  await db.schema
    .alterTable("user_groups")
    .addColumn("name_key", "varchar(400)", (c) => c.notNull().defaultTo(""))
    .execute();
  for (const table of ["users", "user_groups"]) {
    const rows = (await db.selectFrom(table).select(["id", "name"]).execute()) as { id: string; name: string }[];
    for (const r of rows)
      await db.updateTable(table).set({ name_key: r.name.toLowerCase() }).where("id", "=", r.id).execute();
  }

  await db.schema
    .createTable("sessions")
    .addColumn("id_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("user_id", "varchar(40)", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("csrf_token", "varchar(64)", (c) => c.notNull())
    .addColumn("created_at", "varchar(40)", (c) => c.notNull())
    .addColumn("last_seen_at", "varchar(40)", (c) => c.notNull())
    .addColumn("expires_at", "varchar(40)", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sessions_user_idx").on("sessions").column("user_id").execute();
  await db.schema.createIndex("sessions_expires_idx").on("sessions").column("expires_at").execute();

  await db.schema
    .createTable("password_links")
    .addColumn("token_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("user_id", "varchar(40)", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_by", "varchar(40)", (c) => c.notNull())
    .addColumn("created_at", "varchar(40)", (c) => c.notNull())
    .addColumn("expires_at", "varchar(40)", (c) => c.notNull())
    .addColumn("used_at", "varchar(40)")
    .execute();
  await db.schema.createIndex("password_links_user_idx").on("password_links").column("user_id").execute();

  await db.schema
    .createTable("sign_in_failures")
    .addColumn("id", "varchar(40)", (c) => c.primaryKey())
    .addColumn("scope", "varchar(10)", (c) => c.notNull())
    .addColumn("subject", "varchar(400)", (c) => c.notNull())
    .addColumn("failed_at", "varchar(40)", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("sign_in_failures_subject_idx")
    .on("sign_in_failures")
    .columns(["scope", "subject", "failed_at"])
    .execute();
  await db.schema.createIndex("sign_in_failures_at_idx").on("sign_in_failures").column("failed_at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["sign_in_failures", "password_links", "sessions"]) await db.schema.dropTable(t).execute();
  await db.schema.alterTable("user_groups").dropColumn("name_key").execute();
  for (const c of ["name_key", "disabled_at", "password_hash"])
    await db.schema.alterTable("users").dropColumn(c).execute();
}
