import { SqliteAdapter, sql, type Kysely } from "kysely";

/**
 * PostgreSQL: inline content stays in the table's own row up to a page (8160 bytes) instead of
 * going to the TOAST table from 2 KiB on. Each 4 KiB file written otherwise cost a second heap
 * insert, a TOAST index insert and a failed compression attempt (content is mostly compressed
 * already). Larger values (up to the 16 KiB inline limit) are still compressed or moved out when
 * the row would not fit. Applies to rows written from now on. SQLite has no such storage choice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) return;
  await sql`alter table inline_blobs alter column data set storage main`.execute(db);
  await sql`alter table inline_blobs set (toast_tuple_target = 8160)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) return;
  await sql`alter table inline_blobs reset (toast_tuple_target)`.execute(db);
  await sql`alter table inline_blobs alter column data set storage extended`.execute(db);
}
