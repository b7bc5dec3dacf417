import { SqliteAdapter, type Kysely } from "kysely";
import type { Database } from "../db/schema.js";

/** A database or an open transaction: every store function takes either. */
export type DbExecutor = Kysely<Database>;

/**
 * Runs fn in one transaction (committed when fn resolves, rolled back when it throws).
 * `serializable` asks PostgreSQL for SERIALIZABLE isolation (read-modify-write of one row, e.g.
 * metadata patches); the loser fails with {@link isRetryableConflict} and should be retried.
 * Tree changes do not use it: under SERIALIZABLE, sibling inserts into one folder conflict on the
 * index pages they read, so busy folders refused writes; they take explicit locks instead
 * (nodeStore.lockPaths). SQLite ignores it: its transactions already run one at a time.
 */
export function inTransaction<T>(
  db: DbExecutor,
  fn: (trx: DbExecutor) => Promise<T>,
  opts: { serializable?: boolean } = {},
): Promise<T> {
  if (db.isTransaction) return fn(db);
  const builder = db.transaction();
  return (opts.serializable ? builder.setIsolationLevel("serializable") : builder).execute(fn);
}

/** True on PostgreSQL (several connections, row and advisory locks); false on SQLite (one writer). */
export function isPostgres(db: DbExecutor): boolean {
  return !(db.getExecutor().adapter instanceof SqliteAdapter);
}

/** PostgreSQL serialization failure (40001) or deadlock (40P01): retry the whole transaction. */
export function isRetryableConflict(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === "40001" || code === "40P01";
}

/** True for a unique/primary-key violation on SQLite or PostgreSQL (code 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  return e.code === "23505" || e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** PostgreSQL returns bigint as string; SQLite returns numbers. */
export function toNumber(value: number | string | bigint): number {
  return typeof value === "number" ? value : Number(value);
}
