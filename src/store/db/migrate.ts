import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Migrator, PostgresAdapter, sql, type Kysely, type Migration, type MigrationProvider } from "kysely";

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");

/**
 * Every file in migrations/ is one migration, applied in file-name order. Areas add files
 * named `NNNN-<area>-<what>.ts` without touching a shared list. Works from source (tsx) and
 * from the compiled dist/ alike.
 */
class DirectoryMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts"))
      .sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const name = file.replace(/\.(ts|js)$/, "");
      migrations[name] = (await import(pathToFileURL(join(MIGRATIONS_DIR, file)).href)) as Migration;
    }
    return migrations;
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  // Areas add migrations independently, so a newer file may sort before one an existing data dir already ran.
  const migrator = new Migrator({
    db,
    provider: new DirectoryMigrationProvider(),
    allowUnorderedMigrations: true,
    migrationTableSchema: await migrationSchema(db),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ""} failed: ${String(error)}`, { cause: error });
  }
}

/**
 * PostgreSQL: the schema ScaiDrive's tables go to (the first of its search_path). Named because
 * Kysely, given none, takes a migration table in any schema of the database for its own: a
 * database where another schema already holds one (another application, another ScaiDrive)
 * would skip creating ScaiDrive's and then fail on it.
 */
async function migrationSchema(db: Kysely<any>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}
